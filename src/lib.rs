//! authgate: generate a secure, tested axum API for an identity provider from one command.
//!
//! The flow is "validate first, act later": [`cli`] parses the command line, [`options`] resolves
//! and validates every answer (flags, then `--config`, then defaults under `--yes`, then
//! [`prompt`]s), [`render`] turns the answers into file texts without touching the disk, and
//! [`write`] puts them on disk all-or-nothing, or only lists them (`--dry-run`).
//!
//! `authgate auth` regenerates the auth module of an existing repository: [`regen`] plans it
//! (the recorded answers, the flags, a three-way [`merge`] of each file the user edited, and the
//! Cargo.toml dependencies through [`deps`]) without writing anything, then applies the plan.
//! `authgate add resource` adds a resource to the [`resource`] model of a generated project and
//! goes through the same plan and apply ([`regen::plan_addition`]).
//!
//! [`run`] hands each command to its own module (`commands/`), which does the work and returns
//! what to print; `report` words everything printed on success, and [`error`] every failure.
//!
//! For tests and tools, the whole default project is one call away:
//! ```
//! let options = authgate::options::Options::defaults("my-api")?;
//! let files = authgate::render::render(&options)?; // relative path → text
//! assert!(files.contains_key(std::path::Path::new("authgate.toml")));
//! # Ok::<(), anyhow::Error>(())
//! ```

pub mod cli;
mod commands;
pub mod deps;
pub mod error;
pub mod lockfile;
pub mod merge;
pub mod options;
pub mod plan;
pub mod prompt;
pub mod provider;
pub mod regen;
pub mod render;
mod report;
pub mod resource;
pub mod vcs;
pub mod write;

use std::io::Write as _;

use anyhow::{Context, Result};

use crate::cli::{Cli, Command};
use crate::error::{IoFailure, RegenFailure};

pub use crate::commands::new::{generate_project, project_files};
pub use crate::error::exit_code;
pub use crate::report::WIRING;

/// Runs a parsed command line. Output goes to stdout; the caller prints the error, if any, and
/// exits with [`exit_code`].
pub fn run(cli: Cli) -> Result<()> {
    let text = match cli.command {
        Command::New(args) => commands::new::run(args)?,
        // The report is printed even when the command ends in a failure (conflicts, drift).
        Command::Auth(args) => return print_then_fail(commands::auth::run(args)?),
        Command::Add(command) => return print_then_fail(commands::add::run(command)?),
        Command::Providers => commands::providers::run(),
        Command::Completions { shell } => commands::completions(shell),
    };
    print(&text)
}

/// Prints the report, then ends with the failure, if any.
fn print_then_fail((text, failure): (String, Option<RegenFailure>)) -> Result<()> {
    print(&text)?;
    match failure {
        Some(failure) => Err(failure.into()),
        None => Ok(()),
    }
}

fn print(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .context(IoFailure::Stdout)
}
