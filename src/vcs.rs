//! The git repository `authgate new` initialises, as `cargo new` does: by default, unless the
//! new project is inside an existing git work tree (where it is not ignored), in which case it
//! would be a repository nested in another; `--vcs git` initialises one all the same, `--vcs
//! none` never. The `.gitignore` is a template of the project.
//!
//! It runs the `git` program (cargo links libgit2 instead): a machine without git gets the
//! project without a repository, and one line saying so.

use std::io;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Result, bail};

/// `--vcs`: the version control system of the new project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Vcs {
    /// A git repository (`git init`).
    Git,
    /// No version control.
    None,
}

/// What became of the repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Initialised,
    /// Not asked for: `--vcs none`, or the project is inside another work tree.
    NotWanted,
    /// `git` is not installed (or not on PATH).
    GitMissing,
}

/// Whether to initialise a repository for a project created in the directory `parent`:
/// `--vcs` when given, else unless `parent` is in a git work tree and not ignored there.
pub fn wanted(vcs: Option<Vcs>, parent: &Path) -> bool {
    match vcs {
        Some(vcs) => vcs == Vcs::Git,
        None => !in_work_tree(parent),
    }
}

/// `git -C parent rev-parse --is-inside-work-tree`, and `parent` not ignored by that tree (as
/// cargo checks it). False when git cannot tell, or is missing.
fn in_work_tree(parent: &Path) -> bool {
    let answers = |args: &[&str]| {
        git()
            .arg("-C")
            .arg(parent)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .output()
            .ok()
    };
    let inside = answers(&["rev-parse", "--is-inside-work-tree"])
        .is_some_and(|out| out.status.success() && out.stdout.starts_with(b"true"));
    let ignored =
        || answers(&["check-ignore", "--quiet", "."]).is_some_and(|out| out.status.success());
    inside && !ignored()
}

/// `git init` in `dir`, when `wanted`.
pub fn init(dir: &Path, wanted: bool) -> Result<Outcome> {
    if !wanted {
        return Ok(Outcome::NotWanted);
    }
    let output = git()
        .args(["init", "--quiet"])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output();
    match output {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Outcome::GitMissing),
        Err(e) => bail!("cannot run `git init`: {e}; pass --vcs none to skip it"),
        Ok(out) if out.status.success() => Ok(Outcome::Initialised),
        Ok(out) => bail!(
            "`git init` failed: {}; pass --vcs none to skip it",
            String::from_utf8_lossy(&out.stderr).trim()
        ),
    }
}

/// The line printed when git is missing.
pub const GIT_MISSING: &str =
    "warning: git was not found, so no repository was initialised (--vcs none skips this)";

/// `git`, with the variables that point it at another repository removed: the new repository
/// is the project's, wherever authgate was started (a hook of another repository sets them).
fn git() -> Command {
    let mut command = Command::new("git");
    for variable in [
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_OBJECT_DIRECTORY",
        "GIT_COMMON_DIR",
        "GIT_NAMESPACE",
        "GIT_PREFIX",
    ] {
        command.env_remove(variable);
    }
    command.stdin(Stdio::null());
    command
}
