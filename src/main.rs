//! The `okta-it-admin` binary: reads one envelope from stdin and writes one document to stdout.
//!
//! With arguments it runs a subcommand instead (`replay`, `docs`: see [`okta_it_admin::cli`]).

use std::io::Read;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    if !args.is_empty() {
        return okta_it_admin::cli::main(args);
    }

    let mut input = Vec::new();
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    let limit = okta_it_admin::MAX_ENVELOPE_BYTES;
    let read = std::io::stdin()
        .lock()
        .take(limit + 1)
        .read_to_end(&mut input);
    let problem = match read {
        Ok(size) if size as u64 > limit => Some(format!(
            "stdin holds more than {} MiB, far more than any envelope; check what is piped in",
            limit / (1024 * 1024)
        )),
        Ok(_) => None,
        Err(err) => Some(format!("stdin could not be read: {err}")),
    };
    let written = match problem {
        None => okta_it_admin::run_to(&input, &mut stdout),
        Some(problem) => okta_it_admin::refuse_to(&problem, &mut stdout),
    };
    match written {
        Err(err) => {
            eprintln!("okta-it-admin: could not write the output document: {err}");
            ExitCode::from(2)
        }
        Ok(exit_code) => ExitCode::from(u8::try_from(exit_code).unwrap_or(1)),
    }
}
