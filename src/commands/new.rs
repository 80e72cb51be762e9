//! `authgate new PATH`: resolves the answers, renders the project, then writes it all or nothing,
//! or only lists it (`--dry-run`).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::cli::{AnswerArgs, NewArgs};
use crate::commands::providers::required_env_vars;
use crate::error::{IoFailure, UsageError};
use crate::options::{Answers, NameSource, Options};
use crate::render::{self, RenderedFiles};
use crate::{lockfile, prompt, regen, report, vcs, write};

/// Everything `authgate new` writes for these options: the rendered project, its `Cargo.lock`
/// (see [`lockfile`]), and the copies of its regenerable files under `.authgate/pristine/` that
/// `authgate auth` merges against.
pub fn project_files(options: &Options) -> Result<RenderedFiles> {
    let mut files = render::render(options)?;
    let manifest = files
        .get(Path::new("Cargo.toml"))
        .context("authgate rendered no Cargo.toml")?;
    let lock = lockfile::render(options, manifest)?;
    files.insert(PathBuf::from("Cargo.lock"), lock);
    Ok(regen::with_pristine_copies(files))
}

/// Renders a new project into a directory, validating the target first, all or nothing.
/// This is what `authgate new PATH` does once the answers are known.
pub fn generate_project(options: &Options, target: &Path) -> Result<RenderedFiles> {
    write::check_target(target)?;
    let files = project_files(options)?;
    write::write_project(target, &files)?;
    Ok(files)
}

/// `authgate new`: resolves the answers, renders, writes (or lists); returns what to print.
pub(crate) fn run(args: NewArgs) -> Result<String> {
    let NewArgs {
        path,
        answers,
        vcs,
        dry_run,
        quiet,
    } = args;
    // The cheapest refusal first: never ask questions for a directory that cannot be used.
    let target = write::check_target(&path)?;
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
        return Ok(report::would_create(&path, &write::dry_run_plan(&files)));
    }
    // Where the project will be: in an existing work tree, no repository is nested by default.
    let git = vcs::wanted(
        vcs,
        match &target {
            write::Target::Missing { parent } => parent,
            write::Target::EmptyDir => &path,
        },
    );
    let repository = write::write_project_then(&path, &files, |staging| vcs::init(staging, git))
        .with_context(|| IoFailure::CreateProject(path.clone()))?;
    if quiet {
        return Ok(String::new());
    }
    if repository == vcs::Outcome::GitMissing {
        eprintln!("{}", vcs::GIT_MISSING);
    }
    // Asked once the directory exists: `.` and an existing empty directory are filled in place.
    let in_place = is_current_dir(&path);
    let required = required_env_vars(&options);
    Ok(report::created(&path, in_place, &files, &required))
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
        std::fs::canonicalize(path).with_context(|| IoFailure::ResolvePath(path.to_owned()))?
    };
    Ok(absolute
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default())
}

/// Whether `path` is the current directory, where the `next:` hints need no `cd`.
fn is_current_dir(path: &Path) -> bool {
    match (std::fs::canonicalize(path), std::env::current_dir()) {
        (Ok(path), Ok(cwd)) => path == cwd,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directory_names() {
        assert_eq!(directory_name(Path::new("my-api")).unwrap(), "my-api");
        assert_eq!(directory_name(Path::new("a/b/my-api/")).unwrap(), "my-api");
        let cwd = std::env::current_dir().unwrap();
        let expected = cwd.file_name().unwrap().to_string_lossy();
        assert_eq!(directory_name(Path::new(".")).unwrap(), expected);
    }
}
