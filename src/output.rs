//! Writing the output document. Incidents are written the moment they are made, so a fetch of
//! any size runs in the memory of one page; everything else is written when the run ends.

use std::io::{self, Write};

use serde_json::{Map, Value};

use crate::envelope::Document;

/// Where incidents go as a fetch makes them.
pub trait IncidentSink {
    /// Takes one incident, as JSON text.
    fn deliver(&mut self, incident: &str) -> io::Result<()>;
}

/// Writes one document to `out`: incidents first, as they arrive, then the rest of the
/// document when the run ends. Every string is cleaned of the secret.
pub struct DocumentWriter<'w> {
    out: &'w mut dyn Write,
    secret: Option<String>,
    incidents_written: u64,
}

impl<'w> DocumentWriter<'w> {
    /// A writer that cleans `secret` (the API token) out of everything it writes.
    pub fn new(out: &'w mut dyn Write, secret: Option<&str>) -> DocumentWriter<'w> {
        let secret = secret
            .filter(|s| s.len() >= crate::MIN_REDACTED_LENGTH)
            .map(String::from);
        DocumentWriter {
            out,
            secret,
            incidents_written: 0,
        }
    }

    fn clean(&self, mut value: Value) -> Value {
        if let Some(secret) = &self.secret {
            crate::redact(&mut value, secret);
        }
        value
    }

    /// Writes the rest of the document and returns the exit status that goes with it.
    pub fn finish(self, document: &Document) -> io::Result<i32> {
        let exit_code = document.exit_code();
        let value = serde_json::to_value(document).map_err(io::Error::from)?;
        let mut value = self.clean(value);
        if self.incidents_written == 0 {
            serde_json::to_writer(&mut *self.out, &value)?;
        } else {
            self.out.write_all(b"]")?;
            if let Value::Object(map) = &mut value {
                map.remove("incidents");
                write_members(self.out, map)?;
            }
            self.out.write_all(b"}")?;
        }
        self.out.write_all(b"\n")?;
        self.out.flush()?;
        Ok(exit_code)
    }
}

impl IncidentSink for DocumentWriter<'_> {
    fn deliver(&mut self, incident: &str) -> io::Result<()> {
        let opening: &[u8] = if self.incidents_written == 0 {
            b"{\"incidents\":["
        } else {
            b","
        };
        self.out.write_all(opening)?;
        match &self.secret {
            Some(secret) if incident.contains(secret.as_str()) => {
                let mut value: Value = serde_json::from_str(incident)?;
                crate::redact(&mut value, secret);
                serde_json::to_writer(&mut *self.out, &value)?;
            }
            _ => self.out.write_all(incident.as_bytes())?,
        }
        self.incidents_written += 1;
        Ok(())
    }
}

/// Writes `,"key":value` for each member, continuing an object already opened.
fn write_members(out: &mut dyn Write, members: &Map<String, Value>) -> io::Result<()> {
    for (key, value) in members {
        out.write_all(b",")?;
        serde_json::to_writer(&mut *out, key)?;
        out.write_all(b":")?;
        serde_json::to_writer(&mut *out, value)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn document(incidents: Option<Vec<Value>>) -> Document {
        Document {
            results: vec![],
            incidents,
            last_run: None,
            logs: vec![],
            error: None,
        }
    }

    #[test]
    fn streamed_incidents_and_the_rest_form_one_document() {
        let mut out = Vec::new();
        let mut writer = DocumentWriter::new(&mut out, Some("secret-token-1"));
        writer.deliver(r#"{"name":"a secret-token-1"}"#).unwrap();
        writer.deliver(r#"{"name":"b"}"#).unwrap();
        let mut finished = document(Some(vec![]));
        finished.last_run = Some(json!({"nextLink": "x"}).as_object().unwrap().clone());
        assert_eq!(writer.finish(&finished).unwrap(), 0);
        let value: Value = serde_json::from_slice(&out).unwrap();
        let expected = json!({"incidents": [{"name": "a <redacted>"}, {"name": "b"}],
            "results": [], "lastRun": {"nextLink": "x"}, "logs": [], "error": null});
        assert_eq!(value, expected);
    }

    #[test]
    fn without_incidents_the_document_is_written_whole() {
        let mut out = Vec::new();
        let writer = DocumentWriter::new(&mut out, None);
        writer.finish(&document(None)).unwrap();
        let value: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(value, json!({"results": [], "logs": [], "error": null}));
    }
}
