//! authgate: generate a secure, tested axum API for an identity provider from one command.
//!
//! The flow is "validate first, act later": [`cli`] parses the command line, [`options`] resolves
//! and validates every answer (flags, then `--config`, then defaults under `--yes`, then
//! [`prompt`]s), [`render`] turns the answers into file texts without touching the disk, and
//! [`write`] puts them on disk all-or-nothing, or only lists them (`--dry-run`).
//!
//! For tests and tools, the whole default project is one call away:
//! ```
//! let options = authgate::options::Options::defaults("my-api")?;
//! let files = authgate::render::render(&options)?; // relative path → text
//! assert!(files.contains_key(std::path::Path::new("authgate.toml")));
//! # Ok::<(), anyhow::Error>(())
//! ```

pub mod cli;
pub mod error;
pub mod options;
pub mod prompt;
pub mod provider;
pub mod render;
pub mod write;

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::CommandFactory;
use console::style;

use crate::cli::{AnswerArgs, Cli, Command, NewArgs};
use crate::error::UsageError;
use crate::options::{Answers, NameSource, Options};
use crate::provider::Provider;

pub use crate::error::exit_code;

/// Runs a parsed command line. Output goes to stdout; the caller prints the error, if any, and
/// exits with [`exit_code`].
pub fn run(cli: Cli) -> Result<()> {
    let text = match cli.command {
        Command::New(args) => new_project(args)?,
        Command::Auth(_) => return Err(UsageError::AuthCommandNotSupportedYet.into()),
        Command::Providers => providers_listing(),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "authgate", &mut out);
            String::from_utf8(out).context("shell completions are not UTF-8")?
        }
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .context("cannot write to stdout")
}

/// Renders a new project into a directory, validating the target first, all or nothing.
/// This is what `authgate new PATH` does once the answers are known.
pub fn generate_project(options: &Options, target: &Path) -> Result<render::RenderedFiles> {
    write::check_target(target)?;
    let files = render::render(options)?;
    write::write_project(target, &files)?;
    Ok(files)
}

/// `authgate new`: resolves the answers, renders, writes (or lists); returns what to print.
fn new_project(args: NewArgs) -> Result<String> {
    let NewArgs {
        path,
        answers,
        dry_run,
        quiet,
    } = args;
    // The cheapest refusal first: never ask questions for a directory that cannot be used.
    write::check_target(&path)?;
    let (options, wizard) = resolve_options(answers, &path)?;
    let files = render::render(&options)?;
    // Asked last, so that whatever can fail has failed before the user says yes.
    if let Some(wizard) = wizard
        && !dry_run
    {
        wizard.confirm(&path)?;
    }

    if dry_run {
        if quiet {
            return Ok(String::new());
        }
        return Ok(dry_run_report(&path, &files));
    }
    write::write_project(&path, &files)
        .with_context(|| format!("cannot create `{}`; nothing was written", path.display()))?;
    if quiet {
        return Ok(String::new());
    }
    Ok(created_report(&path, &options, &files))
}

/// Resolves every answer: flag, then `--config`, then the default under `--yes`, then a prompt
/// when stdin and stderr are terminals; else the first missing one is an error.
///
/// When the wizard asked anything, it shows every answer with the equivalent command line before
/// they are validated, and is returned so that the caller asks for the confirmation.
fn resolve_options(args: AnswerArgs, path: &Path) -> Result<(Options, Option<prompt::Wizard>)> {
    let from_config = match &args.config {
        Some(file) => Answers::from_file(file)?,
        None => Answers::default(),
    };
    let from_flags = args.answers();
    let name_source = if from_flags.name.is_some() {
        NameSource::Flag
    } else if from_config.name.is_some() {
        NameSource::AnswersFile
    } else {
        NameSource::Directory
    };
    let mut answers = from_flags.or(from_config);
    // Needed only when no name is given (`.` is resolved, which may fail).
    let directory = match &answers.name {
        Some(_) => directory_name(path).unwrap_or_default(),
        None => directory_name(path)?,
    };
    if args.yes {
        answers = answers.or_defaults();
    }
    let Some(flag) = answers.first_missing() else {
        answers.name.get_or_insert(directory);
        return Ok((Options::from_answers(answers, name_source)?, None));
    };
    if !prompt::is_interactive() {
        return Err(UsageError::MissingAnswer { flag }.into());
    }
    let wizard = prompt::Wizard::new();
    let answers = wizard.ask_missing(answers, &directory)?;
    wizard.show_summary(path, &directory, &answers)?;
    let options = Options::from_answers(answers, name_source)?;
    Ok((options, Some(wizard)))
}

/// The last component of the target path (`.` and `..` resolved against the current directory).
fn directory_name(path: &Path) -> Result<String> {
    let absolute: PathBuf = if path.file_name().is_some() {
        path.to_owned()
    } else {
        std::fs::canonicalize(path)
            .with_context(|| format!("cannot resolve `{}`; pass --name", path.display()))?
    };
    Ok(absolute
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default())
}

/// `my-api/` as typed, with one trailing slash.
pub(crate) fn display_dir(path: &Path) -> String {
    let shown = path.display().to_string();
    if shown.ends_with('/') {
        shown
    } else {
        format!("{shown}/")
    }
}

fn dry_run_report(path: &Path, files: &render::RenderedFiles) -> String {
    let plan = write::dry_run_plan(files);
    let width = plan
        .iter()
        .map(|f| f.bytes.to_string().len())
        .max()
        .unwrap_or(1);
    let mut out = format!(
        "{} `{}` with {} files:\n",
        style("would create").for_stdout().bold(),
        display_dir(path),
        plan.len()
    );
    for file in &plan {
        let _ = writeln!(
            out,
            "  {:>width$} bytes  {}",
            file.bytes,
            file.path.display()
        );
    }
    out.push_str("nothing written (--dry-run)\n");
    out
}

fn created_report(path: &Path, options: &Options, files: &render::RenderedFiles) -> String {
    let mut out = format!(
        "{} `{}` with {} files:\n",
        style("created").for_stdout().green().bold(),
        display_dir(path),
        files.len()
    );
    for file in files.keys() {
        let _ = writeln!(out, "  {}", file.display());
    }
    let _ = writeln!(out, "\n{}", style("next:").for_stdout().bold());
    if !is_current_dir(path) {
        let _ = writeln!(out, "  cd {}", shell_quote(&path.display().to_string()));
    }
    out.push_str("  cargo test\n");
    let required: Vec<&str> = options
        .provider
        .env_vars()
        .iter()
        .filter(|var| var.required)
        .map(|var| var.name)
        .collect();
    let _ = writeln!(
        out,
        "  cp .env.example .env    # then set {}",
        required.join(", ")
    );
    out.push_str("  cargo run\n");
    out
}

fn is_current_dir(path: &Path) -> bool {
    match (std::fs::canonicalize(path), std::env::current_dir()) {
        (Ok(path), Ok(cwd)) => path == cwd,
        _ => false,
    }
}

/// Quotes a word for a POSIX shell when it needs it.
pub(crate) fn shell_quote(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./+=:@%,".contains(c));
    if plain {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// `authgate providers`: every provider with its algorithms (default marked), usual user claim
/// and the environment variables its project reads.
fn providers_listing() -> String {
    let mut out = String::new();
    for provider in Provider::ALL {
        let default = provider.default_algorithm();
        let algorithms: Vec<String> = provider
            .algorithms()
            .iter()
            .map(|&alg| {
                let mut notes = Vec::new();
                if alg == default {
                    notes.push("default");
                }
                if let Err(UsageError::UnverifiableAlgorithm { .. }) =
                    provider.check_algorithms(&[alg])
                {
                    notes.push("cannot be verified");
                }
                if notes.is_empty() {
                    alg.to_string()
                } else {
                    format!("{alg} ({})", notes.join(", "))
                }
            })
            .collect();
        let _ = writeln!(out, "{provider}: {}", provider.description());
        let _ = writeln!(out, "  algorithms:  {}", algorithms.join(", "));
        let _ = writeln!(out, "  user claim:  {}", provider.usual_user_claim());
        let _ = writeln!(out, "  environment:");
        let width = provider
            .env_vars()
            .iter()
            .map(|var| var.name.len())
            .max()
            .unwrap_or_default();
        for var in provider.env_vars() {
            let need = if var.required { "required" } else { "optional" };
            let _ = writeln!(out, "    {:<width$}  {need}  {}", var.name, var.meaning);
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_quoting() {
        assert_eq!(shell_quote("my-api"), "my-api");
        assert_eq!(shell_quote("../a/b"), "../a/b");
        assert_eq!(shell_quote("My API"), "'My API'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }

    #[test]
    fn exit_codes() {
        use crate::error::Cancelled;

        assert_eq!(exit_code(&Cancelled.into()), 130);
        let cancelled = anyhow::Error::from(Cancelled).context("while asking");
        assert_eq!(exit_code(&cancelled), 130);
        let refused = UsageError::MissingAnswer { flag: "--provider" };
        assert_eq!(exit_code(&refused.into()), 2);
        assert_eq!(exit_code(&anyhow::anyhow!("disk full")), 1);
    }

    #[test]
    fn directory_names() {
        assert_eq!(directory_name(Path::new("my-api")).unwrap(), "my-api");
        assert_eq!(directory_name(Path::new("a/b/my-api/")).unwrap(), "my-api");
        let cwd = std::env::current_dir().unwrap();
        let expected = cwd.file_name().unwrap().to_string_lossy();
        assert_eq!(directory_name(Path::new(".")).unwrap(), expected);
    }
}
