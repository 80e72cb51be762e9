//! The `authgate` binary: parse, run, report. Everything else lives in the library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // clap prints its own usage errors (exit 2), `--help` and `--version` (exit 0).
    let cli = authgate::cli::Cli::parse();
    match authgate::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(authgate::exit_code(&error))
        }
    }
}
