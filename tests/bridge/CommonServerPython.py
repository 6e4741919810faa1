"""A stand-in for the parts of XSOAR's CommonServerPython the bridge uses."""
import sys

import demistomock as demisto

_CONTEXT = {}


class DemistoException(Exception):
    pass


def get_integration_context():
    return dict(_CONTEXT)


def set_integration_context(value):
    _CONTEXT.clear()
    _CONTEXT.update(value)


def return_error(message):
    demisto.results({"Type": 4, "ContentsFormat": "text", "Contents": message})
    sys.exit(0)
