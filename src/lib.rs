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
//!
//! For tests and tools, the whole default project is one call away:
//! ```
//! let options = authgate::options::Options::defaults("my-api")?;
//! let files = authgate::render::render(&options)?; // relative path → text
//! assert!(files.contains_key(std::path::Path::new("authgate.toml")));
//! # Ok::<(), anyhow::Error>(())
//! ```

pub mod cli;
pub mod deps;
pub mod error;
pub mod merge;
pub mod options;
pub mod prompt;
pub mod provider;
pub mod regen;
pub mod render;
pub mod write;

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::CommandFactory;
use console::style;

use crate::cli::{AnswerArgs, AuthArgs, Cli, Command, NewArgs};
use crate::error::{RegenFailure, UsageError};
use crate::options::{Answers, NameSource, Options, Scope};
use crate::provider::Provider;

pub use crate::error::exit_code;

/// Runs a parsed command line. Output goes to stdout; the caller prints the error, if any, and
/// exits with [`exit_code`].
pub fn run(cli: Cli) -> Result<()> {
    let text = match cli.command {
        Command::New(args) => new_project(args)?,
        Command::Auth(args) => {
            // The report is printed even when the command ends in a failure (conflicts, drift).
            let (text, failure) = auth_command(args)?;
            print(&text)?;
            return match failure {
                Some(failure) => Err(failure.into()),
                None => Ok(()),
            };
        }
        Command::Providers => providers_listing(),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "authgate", &mut out);
            String::from_utf8(out).context("shell completions are not UTF-8")?
        }
    };
    print(&text)
}

fn print(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .context("cannot write to stdout")
}

/// Everything `authgate new` writes for these options: the rendered project, and the copies of
/// its regenerable files under `.authgate/pristine/` that `authgate auth` merges against.
pub fn project_files(options: &Options) -> Result<render::RenderedFiles> {
    Ok(regen::with_pristine_copies(render::render(options)?))
}

/// Renders a new project into a directory, validating the target first, all or nothing.
/// This is what `authgate new PATH` does once the answers are known.
pub fn generate_project(options: &Options, target: &Path) -> Result<render::RenderedFiles> {
    write::check_target(target)?;
    let files = project_files(options)?;
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
    let files = project_files(&options)?;
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

/// `authgate auth`: plans the regeneration, then shows it (`--dry-run`, `--check`) or applies
/// it. Returns what to print, and the failure to end with (exit status 1) after printing it:
/// conflicts to resolve, or a module out of date under `--check`.
fn auth_command(args: AuthArgs) -> Result<(String, Option<RegenFailure>)> {
    let flags = args.answers();
    let root = args.path.clone();
    let (plan, wizard) = match regen::inspect(&root, args.check)? {
        regen::Found::Recorded(file) => {
            let answers_path = root.join(render::ANSWERS_FILE);
            let (options, previous) = regen::recorded_options(&file, &answers_path, &flags)?;
            let plan = regen::plan(&root, file.scope, &options, previous.as_ref())?;
            (plan, None)
        }
        regen::Found::Package => {
            let (options, wizard) = resolve_module_options(flags, args.yes, &root)?;
            let plan = regen::plan(&root, Scope::AuthModule, &options, None)?;
            (plan, wizard)
        }
    };
    let fix = match shell_quote(&root.display().to_string()).as_str() {
        "." | "./" => "authgate auth".to_owned(),
        shown => format!("authgate auth {shown}"),
    };

    if args.check {
        if !plan.changes_files() {
            let text = format!(
                "{} `{}` is up to date ({})\n",
                style("ok:").for_stdout().green().bold(),
                display_dir(&root),
                describe(&plan.options)
            );
            return Ok((if args.quiet { String::new() } else { text }, None));
        }
        let text = if args.quiet {
            String::new()
        } else {
            would_change(&root, &plan)
        };
        return Ok((text, Some(RegenFailure::OutOfDate { command: fix })));
    }

    if args.dry_run {
        if args.quiet {
            return Ok((String::new(), None));
        }
        if !plan.changes_files() {
            let text = format!(
                "`{}` is up to date ({}); nothing to change\n",
                display_dir(&root),
                describe(&plan.options)
            );
            return Ok((text, None));
        }
        let text = format!(
            "{}nothing written (--dry-run)\n",
            would_change(&root, &plan)
        );
        return Ok((text, None));
    }

    if let Some(wizard) = wizard {
        wizard.confirm_with(format!("Add the auth module to `{}`?", display_dir(&root)))?;
    }
    regen::apply(&plan).with_context(|| {
        format!(
            "cannot update `{}`; run `{fix}` again once fixed",
            display_dir(&root)
        )
    })?;
    let conflicts = plan.conflicts();
    let failure = (!conflicts.is_empty()).then_some(RegenFailure::Conflicts(conflicts));
    if args.quiet {
        return Ok((String::new(), failure));
    }
    Ok((auth_report(&plan), failure))
}

/// What `authgate auth` would change at `root`: a summary of the files, then their diffs.
fn would_change(root: &Path, plan: &regen::Plan) -> String {
    format!(
        "{} `{}` ({}):\n{}\n{}",
        style("would change").for_stdout().bold(),
        display_dir(root),
        describe(&plan.options),
        regen::summary(plan),
        regen::diff(plan)
    )
}

/// `auth0, RS256, user claim `sub``
fn describe(options: &Options) -> String {
    let algorithms: Vec<&str> = options.algorithms.iter().map(|a| a.as_str()).collect();
    format!(
        "{}, {}, user claim `{}`",
        options.provider,
        algorithms.join(", "),
        options.user_claim
    )
}

/// What `authgate auth` did, and what to do next.
fn auth_report(plan: &regen::Plan) -> String {
    let root = display_dir(&plan.root);
    if !plan.changes_files() {
        return format!(
            "`{root}` is up to date ({}); nothing changed\n{}",
            describe(&plan.options),
            regen::summary(plan)
        );
    }
    let first = plan.changes.iter().any(|change| {
        change.path == Path::new(render::ANSWERS_FILE) && change.kind == regen::ChangeKind::Created
    });
    let done = if first {
        "added the auth module to"
    } else {
        "updated"
    };
    let mut out = format!(
        "{} `{root}` ({}):\n{}",
        style(done).for_stdout().green().bold(),
        describe(&plan.options),
        regen::summary(plan)
    );
    if plan.rendered_base {
        out.push_str(
            "\n(no `.authgate/` here: your edits were found by comparing with a fresh rendering \
             of the recorded answers; `.authgate/` now holds the copies for next time)\n",
        );
    }
    let required: Vec<&str> = plan
        .options
        .provider
        .env_vars()
        .iter()
        .filter(|var| var.required)
        .map(|var| var.name)
        .collect();
    let _ = writeln!(out, "\n{}", style("next:").for_stdout().bold());
    if !plan.conflicts().is_empty() {
        out.push_str(
            "  resolve the conflicts in the files marked `conflict` or `restored` (search for \
             <<<<<<<), then\n",
        );
    }
    if first {
        // The module was just added to a package of the user's: show how to use it.
        out.push_str(
            "  wire the module into your router (e.g. in src/main.rs; a handler that takes \
             `auth::AuthUser` answers 401 without a valid token):\n",
        );
        for line in WIRING {
            let _ = writeln!(out, "    {line}");
        }
        let _ = writeln!(
            out,
            "  with a state of your own, implement `FromRef<YourState> for Arc<auth::Verifier>` \
             instead of `.with_state(verifier)`\n  set {} in the environment \
             (`authgate providers` lists every variable), then `cargo run`",
            required.join(", ")
        );
        return out;
    }
    out.push_str("  cargo test\n");
    if plan
        .changes
        .iter()
        .any(|change| change.path == Path::new(".env.example"))
    {
        let _ = writeln!(
            out,
            "  compare .env with .env.example    # {} reads {}",
            plan.options.provider,
            required.join(", ")
        );
    } else if plan.scope == Scope::AuthModule
        && plan
            .changes
            .iter()
            .any(|change| change.path == Path::new(render::ANSWERS_FILE))
    {
        let _ = writeln!(
            out,
            "  check your environment    # {} reads {}",
            plan.options.provider,
            required.join(", ")
        );
    }
    out
}

/// The lines that wire the auth module into a router, printed after `authgate auth` adds the
/// module to a repository (the tests compile them). All but `mod auth;` go in an async
/// function that returns a `Result` (e.g. `main`).
pub const WIRING: [&str; 5] = [
    "mod auth;",
    "let verifier = std::sync::Arc::new(auth::Verifier::new(auth::AuthSettings::from_env(false).expect(\"auth settings\"))?);",
    "verifier.start(); // loads the signing keys and keeps them fresh",
    "let app: axum::Router = axum::Router::new().route(\"/me\", axum::routing::get(me)).with_state(verifier);",
    "async fn me(user: auth::AuthUser) -> String { user.user_id }",
];

/// The answers of an auth module added to a repository authgate did not generate: the flags,
/// then the defaults under `--yes`, then the wizard when stdin and stderr are terminals.
fn resolve_module_options(
    flags: Answers,
    yes: bool,
    path: &Path,
) -> Result<(Options, Option<prompt::Wizard>)> {
    let mut answers = regen::module_answers(flags);
    if yes {
        answers = answers.or_defaults();
    }
    let Some(flag) = answers.first_missing() else {
        return Ok((Options::from_answers(answers, NameSource::Flag)?, None));
    };
    if !prompt::is_interactive() {
        return Err(UsageError::MissingAnswer { flag }.into());
    }
    let wizard = prompt::Wizard::new();
    let answers = wizard.ask_missing(answers, "app")?;
    wizard.show_auth_summary(path, &answers)?;
    let options = Options::from_answers(answers, NameSource::Flag)?;
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
