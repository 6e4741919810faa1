//! The binary's subcommands, for people rather than the SOAR engine (which always sends the
//! envelope on stdin with no arguments):
//!
//! - `okta-it-admin replay <fixture.json>...` replays recorded Okta exchanges ([`crate::replay`]);
//! - `okta-it-admin docs [--check <README.md> | --write <README.md>]` prints, checks or writes
//!   the README part generated from `integration.yml` ([`crate::docs`]).

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::{docs, replay};

/// Usage text of the binary.
pub const USAGE: &str = "usage: okta-it-admin < envelope.json\n       \
    okta-it-admin replay <fixture.json>...\n       \
    okta-it-admin docs [--check <README.md> | --write <README.md>]\n\n\
    Without arguments, reads one command envelope from stdin and prints one JSON document.\n\
    'replay' serves each fixture's recorded Okta answers on a loopback port, runs its envelope\n\
    against them, prints the output document and fails when a request or the output differs.\n\
    'docs' prints the README part generated from integration.yml (parameters, and each\n\
    command's arguments and context outputs); --write replaces that part of the given README,\n\
    --check fails when it is out of date.";

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    /// `-h` or `--help`.
    Help,
    /// `replay` with its fixture files.
    Replay(Vec<PathBuf>),
    /// `docs`, printing, checking or writing.
    Docs(DocsMode),
}

/// What `docs` does with the generated block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocsMode {
    /// Print it to stdout.
    Print,
    /// Fail unless the file's block is up to date.
    Check(PathBuf),
    /// Replace the file's block.
    Write(PathBuf),
}

/// Runs the subcommand the arguments (without the program name) name.
pub fn main(args: Vec<OsString>) -> ExitCode {
    match parse(args) {
        Ok(Invocation::Help) => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Ok(Invocation::Replay(paths)) => replay::replay_files(&paths),
        Ok(Invocation::Docs(mode)) => run_docs(&mode),
        Err(why) => {
            eprintln!("okta-it-admin: {why}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// Reads the command line; the error says what is wrong with it.
pub fn parse(args: Vec<OsString>) -> Result<Invocation, String> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_args(args);
    let mut subcommand: Option<String> = None;
    let mut paths = Vec::new();
    let mut docs_mode = DocsMode::Print;
    while let Some(arg) = parser.next().map_err(|err| err.to_string())? {
        match arg {
            Short('h') | Long("help") => return Ok(Invocation::Help),
            Value(value) if subcommand.is_none() => {
                let name = value.string().map_err(|err| err.to_string())?;
                if name != "replay" && name != "docs" {
                    return Err(format!("unknown subcommand '{name}'"));
                }
                subcommand = Some(name);
            }
            Long(flag @ ("check" | "write")) if subcommand.as_deref() == Some("docs") => {
                if docs_mode != DocsMode::Print {
                    return Err("docs takes one of --check and --write, once".to_string());
                }
                let check = flag == "check";
                let path = PathBuf::from(parser.value().map_err(|err| err.to_string())?);
                docs_mode = if check {
                    DocsMode::Check(path)
                } else {
                    DocsMode::Write(path)
                };
            }
            Value(value) if subcommand.as_deref() == Some("replay") => {
                paths.push(PathBuf::from(value));
            }
            other => return Err(other.unexpected().to_string()),
        }
    }
    match subcommand.as_deref() {
        Some("replay") if paths.is_empty() => {
            Err("replay needs at least one fixture file".to_string())
        }
        Some("replay") => Ok(Invocation::Replay(paths)),
        Some(_) => Ok(Invocation::Docs(docs_mode)),
        None => Err("a subcommand is needed when arguments are given".to_string()),
    }
}

fn run_docs(mode: &DocsMode) -> ExitCode {
    let outcome = match mode {
        DocsMode::Print => docs::generate().map(|block| print!("{block}")),
        DocsMode::Check(path) => docs::check_file(path).map(|()| {
            eprintln!("{}: the generated part is up to date", path.display());
        }),
        DocsMode::Write(path) => docs::write_file(path).map(|changed| {
            let what = if changed {
                "updated"
            } else {
                "already up to date"
            };
            eprintln!("{}: the generated part is {what}", path.display());
        }),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("okta-it-admin docs: {err:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_strs(args: &[&str]) -> Result<Invocation, String> {
        parse(args.iter().map(OsString::from).collect())
    }

    #[test]
    fn parses_the_subcommands() {
        assert_eq!(parse_strs(&["--help"]), Ok(Invocation::Help));
        assert_eq!(
            parse_strs(&["replay", "a.json", "b.json"]),
            Ok(Invocation::Replay(vec!["a.json".into(), "b.json".into()]))
        );
        assert_eq!(parse_strs(&["docs"]), Ok(Invocation::Docs(DocsMode::Print)));
        assert_eq!(
            parse_strs(&["docs", "--check", "README.md"]),
            Ok(Invocation::Docs(DocsMode::Check("README.md".into())))
        );
        assert_eq!(
            parse_strs(&["docs", "--write=README.md"]),
            Ok(Invocation::Docs(DocsMode::Write("README.md".into())))
        );
    }

    #[test]
    fn refuses_what_it_does_not_know() {
        assert!(parse_strs(&["replay"]).unwrap_err().contains("fixture"));
        assert!(
            parse_strs(&["nope"])
                .unwrap_err()
                .contains("unknown subcommand")
        );
        assert!(parse_strs(&["docs", "README.md"]).is_err());
        assert!(parse_strs(&["docs", "--check", "a", "--write", "b"]).is_err());
        assert!(parse_strs(&["replay", "--check", "a"]).is_err());
    }
}
