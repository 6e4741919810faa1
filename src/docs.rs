//! README documentation generated from `integration.yml`: the parameter table and, per
//! command, its arguments and context outputs, as markdown between two marker lines, so
//! README.md and the integration definition cannot disagree.
//!
//! `okta-it-admin docs` prints the block; `docs --write README.md` replaces the block in the
//! file; `docs --check README.md` fails when the file's block differs from what would be
//! printed.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context as _, bail};
use serde::Deserialize;
use serde_json::Value;

/// `integration.yml`, as built into the binary.
pub const INTEGRATION_YML: &str = include_str!("../integration.yml");

/// The line that opens the generated block.
pub const BEGIN_MARKER: &str =
    "<!-- generated from integration.yml by `okta-it-admin docs`: begin (do not edit) -->";

/// The line that closes the generated block.
pub const END_MARKER: &str = "<!-- generated from integration.yml: end -->";

/// What to run when README.md is out of date.
pub const REGENERATE: &str = "cargo run -- docs --write README.md";

/// The parts of an integration definition the documentation shows.
#[derive(Debug, Deserialize)]
struct Definition {
    #[serde(default)]
    configuration: Vec<Parameter>,
    script: Script,
}

#[derive(Debug, Deserialize)]
struct Parameter {
    name: String,
    #[serde(default)]
    display: Option<String>,
    #[serde(rename = "type")]
    kind: i64,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    defaultvalue: Option<Value>,
    #[serde(default)]
    additionalinfo: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Script {
    #[serde(default)]
    commands: Vec<Command>,
}

#[derive(Debug, Deserialize)]
struct Command {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    arguments: Vec<Argument>,
    #[serde(default)]
    outputs: Vec<Output>,
}

#[derive(Debug, Deserialize)]
struct Argument {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    required: bool,
    #[serde(default, rename = "defaultValue")]
    default_value: Option<Value>,
    #[serde(default)]
    predefined: Vec<String>,
    #[serde(default, rename = "isArray")]
    is_array: bool,
}

#[derive(Debug, Deserialize)]
struct Output {
    #[serde(default, rename = "contextPath")]
    context_path: String,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    description: String,
}

/// The generated block for the built-in `integration.yml`, markers included.
pub fn generate() -> anyhow::Result<String> {
    generate_from(INTEGRATION_YML).context(
        "integration.yml (built into the binary) is not a valid integration definition; \
         fix it and rebuild",
    )
}

/// The generated block for an integration definition given as YAML text, markers included.
pub fn generate_from(yaml: &str) -> anyhow::Result<String> {
    let definition: Definition = serde_yaml_ng::from_str(yaml)?;
    let mut out = String::new();
    writeln!(out, "{BEGIN_MARKER}")?;
    writeln!(out)?;
    write_parameters(&mut out, &definition.configuration)?;
    for command in &definition.script.commands {
        write_command(&mut out, command)?;
    }
    writeln!(out, "{END_MARKER}")?;
    Ok(out)
}

fn write_parameters(out: &mut String, parameters: &[Parameter]) -> std::fmt::Result {
    writeln!(out, "### Instance parameters")?;
    writeln!(out)?;
    writeln!(
        out,
        "| parameter | shown as | type | required | default | description |"
    )?;
    writeln!(out, "| --- | --- | --- | --- | --- | --- |")?;
    for parameter in parameters {
        let default = parameter
            .defaultvalue
            .as_ref()
            .map(|value| format!("`{}`", plain(value)))
            .unwrap_or_else(|| "–".to_string());
        writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} |",
            parameter.name,
            cell(parameter.display.as_deref().unwrap_or("")),
            parameter_type(parameter.kind),
            yes_no(parameter.required),
            default,
            cell(parameter.additionalinfo.as_deref().unwrap_or("–")),
        )?;
    }
    writeln!(out)
}

fn write_command(out: &mut String, command: &Command) -> std::fmt::Result {
    writeln!(out, "### `{}`", command.name)?;
    writeln!(out)?;
    writeln!(out, "{}", cell(&command.description))?;
    writeln!(out)?;
    writeln!(out, "#### Arguments")?;
    writeln!(out)?;
    if command.arguments.is_empty() {
        writeln!(out, "None.")?;
    } else {
        writeln!(out, "| argument | required | description |")?;
        writeln!(out, "| --- | --- | --- |")?;
        for argument in &command.arguments {
            let mut description = cell(&argument.description);
            if argument.is_array {
                description.push_str(" A comma-separated list.");
            }
            if !argument.predefined.is_empty() {
                let options: Vec<String> = argument
                    .predefined
                    .iter()
                    .map(|o| format!("`{o}`"))
                    .collect();
                write!(description, " One of {}.", options.join(", "))?;
            }
            if let Some(default) = &argument.default_value {
                write!(description, " Default: `{}`.", plain(default))?;
            }
            writeln!(
                out,
                "| `{}` | {} | {} |",
                argument.name,
                yes_no(argument.required),
                description
            )?;
        }
    }
    writeln!(out)?;
    writeln!(out, "#### Context outputs")?;
    writeln!(out)?;
    if command.outputs.is_empty() {
        writeln!(out, "None.")?;
    } else {
        writeln!(out, "| path | type | description |")?;
        writeln!(out, "| --- | --- | --- |")?;
        for output in &command.outputs {
            writeln!(
                out,
                "| `{}` | {} | {} |",
                output.context_path,
                output.kind.as_deref().unwrap_or("Unknown"),
                cell(&output.description)
            )?;
        }
    }
    writeln!(out)
}

/// What an XSOAR parameter type code means (demisto-sdk's `ParameterType`).
fn parameter_type(code: i64) -> String {
    let name = match code {
        0 => "short text",
        1 => "number",
        4 => "encrypted",
        8 => "boolean",
        9 => "credentials",
        11 => "download link",
        12 => "long text",
        13 => "incident type",
        14 => "long encrypted",
        15 => "single select",
        16 => "multi select",
        17 => "expiration field",
        18 => "feed reputation",
        19 => "interval",
        20 => "bold title",
        21 => "day dropdown",
        22 => "result link",
        23 => "engine placeholder",
        _ => return format!("type {code}"),
    };
    name.to_string()
}

fn yes_no(flag: bool) -> &'static str {
    if flag { "yes" } else { "no" }
}

fn plain(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Text made safe for one markdown table cell: one line, `|` and angle brackets escaped.
fn cell(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::with_capacity(one_line.len());
    for c in one_line.chars() {
        if matches!(c, '|' | '<' | '>') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The generated block of a README, markers included, or why there is none.
pub fn extract(readme: &str) -> anyhow::Result<&str> {
    let (start, end) = block_bounds(readme)?;
    Ok(&readme[start..end])
}

/// The README with its generated block replaced by `block` (which carries the markers).
pub fn splice(readme: &str, block: &str) -> anyhow::Result<String> {
    let (start, end) = block_bounds(readme)?;
    Ok(format!("{}{}{}", &readme[..start], block, &readme[end..]))
}

/// Byte range of the block: from the begin marker to the end of the end marker's line.
fn block_bounds(readme: &str) -> anyhow::Result<(usize, usize)> {
    let Some(start) = readme.find(BEGIN_MARKER) else {
        bail!(
            "it has no line '{BEGIN_MARKER}'; put that line and '{END_MARKER}' where the \
             generated documentation belongs"
        );
    };
    let Some(end_offset) = readme[start..].find(END_MARKER) else {
        bail!("it has no line '{END_MARKER}' after '{BEGIN_MARKER}'; add it");
    };
    let mut end = start + end_offset + END_MARKER.len();
    if readme[end..].starts_with('\n') {
        end += 1;
    }
    if readme[end..].contains(BEGIN_MARKER) {
        bail!("it has more than one generated block; keep one");
    }
    Ok((start, end))
}

/// Whether the README file's generated block is what [`generate`] prints; the error names the
/// file and the command that brings it up to date.
pub fn check_file(path: &Path) -> anyhow::Result<()> {
    let readme =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let block = generate()?;
    let current = extract(&readme).with_context(|| format!("{} is not usable", path.display()))?;
    if current != block {
        let line = first_differing_line(current, &block);
        bail!(
            "the generated part of {} differs from integration.yml (first at its line {line} \
             of the block); run `{REGENERATE}`",
            path.display()
        );
    }
    Ok(())
}

/// Replaces the README file's generated block with what [`generate`] prints.
pub fn write_file(path: &Path) -> anyhow::Result<bool> {
    let readme =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let block = generate()?;
    let updated =
        splice(&readme, &block).with_context(|| format!("{} is not usable", path.display()))?;
    if updated == readme {
        return Ok(false);
    }
    std::fs::write(path, updated).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(true)
}

fn first_differing_line(a: &str, b: &str) -> usize {
    let mut a_lines = a.lines();
    let mut b_lines = b.lines();
    let mut number = 1;
    loop {
        match (a_lines.next(), b_lines.next()) {
            (Some(x), Some(y)) if x == y => number += 1,
            (None, None) => return number,
            _ => return number,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
configuration:
- name: url
  display: Okta URL (https://<domain>.okta.com)
  type: 0
  required: true
- name: max_fetch
  display: Max
  type: 0
  defaultvalue: '50'
  additionalinfo: Most | incidents.
script:
  commands:
  - name: get-thing
    description: Gets a thing.
    arguments:
    - name: id
      description: The id.
      required: true
    - name: mode
      description: How.
      predefined: [a, b]
      defaultValue: a
    outputs:
    - contextPath: Thing.id
      type: String
      description: The id.
  - name: ping
    description: Pings.
"#;

    #[test]
    fn generates_tables_between_the_markers() {
        let block = generate_from(SAMPLE).unwrap();
        assert!(block.starts_with(BEGIN_MARKER));
        assert!(block.ends_with(&format!("{END_MARKER}\n")));
        assert!(block.contains(
            "| `url` | Okta URL (https://\\<domain\\>.okta.com) | short text | yes | – | – |"
        ));
        assert!(
            block.contains("| `max_fetch` | Max | short text | no | `50` | Most \\| incidents. |")
        );
        assert!(block.contains("### `get-thing`\n\nGets a thing.\n"));
        assert!(block.contains("| `id` | yes | The id. |"));
        assert!(block.contains("| `mode` | no | How. One of `a`, `b`. Default: `a`. |"));
        assert!(block.contains("| `Thing.id` | String | The id. |"));
        assert!(block.contains("### `ping`\n\nPings.\n\n#### Arguments\n\nNone.\n"));
    }

    #[test]
    fn splices_and_extracts_the_block() {
        let readme = format!("# T\n\nbefore\n\n{BEGIN_MARKER}\nold\n{END_MARKER}\n\nafter\n");
        let block = format!("{BEGIN_MARKER}\nnew\n{END_MARKER}\n");
        let updated = splice(&readme, &block).unwrap();
        assert_eq!(updated, format!("# T\n\nbefore\n\n{block}\nafter\n"));
        assert_eq!(extract(&updated).unwrap(), block);
    }

    #[test]
    fn a_readme_without_markers_is_refused_with_a_remedy() {
        let error = extract("# T\n").unwrap_err().to_string();
        assert!(error.contains(END_MARKER), "{error}");
        let error = extract(&format!("{BEGIN_MARKER}\n"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("add it"), "{error}");
    }

    #[test]
    fn the_built_in_definition_generates() {
        let block = generate().unwrap();
        assert!(block.contains("### `create-user`"));
        assert!(block.contains("| `apitoken` | API Token | credentials | yes |"));
    }
}
