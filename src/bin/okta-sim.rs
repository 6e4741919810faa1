//! `okta-sim --seed <file.json> [--port 0]`: runs the Okta stand-in, prints its base URL as
//! the first line of stdout, then serves until killed.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use okta_it_admin::sim::{OktaSim, Seed};

const USAGE: &str = "usage: okta-sim [--seed <file.json>] [--port <port>]";

/// Command-line options.
struct Options {
    seed: Option<PathBuf>,
    port: u16,
}

fn parse_options() -> anyhow::Result<Options> {
    use lexopt::prelude::*;
    let mut options = Options {
        seed: None,
        port: 0,
    };
    let mut parser = lexopt::Parser::from_env();
    while let Some(argument) = parser.next()? {
        match argument {
            Long("seed") | Short('s') => options.seed = Some(parser.value()?.into()),
            Long("port") | Short('p') => {
                options.port = parser.value()?.parse().context("--port must be 0-65535")?;
            }
            Long("help") | Short('h') => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            _ => return Err(argument.unexpected().into()),
        }
    }
    Ok(options)
}

fn main() -> anyhow::Result<()> {
    let options = parse_options().context(USAGE)?;
    let seed = match &options.seed {
        Some(path) => Seed::from_file(path)?,
        None => Seed::default(),
    };
    let sim = OktaSim::start(seed, options.port)?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "{}", sim.base_url())?;
    stdout.flush()?;
    loop {
        std::thread::park();
    }
}
