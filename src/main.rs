//! The `authgate` binary: parse, run, report. Everything else lives in the library.

use std::process::ExitCode;

use authgate::error::Cancelled;
use clap::Parser;
use console::style;

fn main() -> ExitCode {
    // clap prints its own usage errors (exit 2), `--help` and `--version` (exit 0).
    let cli = authgate::cli::Cli::parse();
    match authgate::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            if error.is::<Cancelled>() {
                // The user's own choice, not a failure to explain.
                eprintln!("{error}");
            } else {
                // Coloured only when stderr is a terminal and NO_COLOR is not set.
                let prefix = style("error:").for_stderr().red().bold();
                eprintln!("{prefix} {error:#}");
            }
            ExitCode::from(authgate::exit_code(&error))
        }
    }
}
