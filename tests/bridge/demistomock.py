"""A stand-in for XSOAR's demistomock: serves the call from BRIDGE_CALL, records what the
integration hands back into BRIDGE_RECORD (both JSON files)."""
import json
import os

_CALL = json.load(open(os.environ["BRIDGE_CALL"]))
_RECORD = {"results": [], "incidents": None, "lastRun": None, "logs": []}


def _save():
    with open(os.environ["BRIDGE_RECORD"], "w") as out:
        json.dump(_RECORD, out)


def command():
    return _CALL["command"]


def params():
    return _CALL.get("params", {})


def args():
    return _CALL.get("args", {})


def getLastRun():
    return _CALL.get("lastRun", {})


def setLastRun(value):
    _RECORD["lastRun"] = value
    _save()


def integrationInstance():
    return _CALL.get("instance", "OktaITAdmin")


def results(entry):
    _RECORD["results"].append(entry)
    _save()


def incidents(items):
    _RECORD["incidents"] = items
    _save()


def _log(level):
    def log(message):
        _RECORD["logs"].append({"level": level, "message": message})
        _save()
    return log


debug = _log("debug")
info = _log("info")
error = _log("error")
log = _log("log")
