//! Every message a user sees when a command fails, in one place, grouped by kind of failure.
//!
//! A [`UsageError`] means "the command line, the answers file or the target directory asks for
//! something authgate will not do": the binary prints it and exits with status 2.
//! A [`RegenFailure`] means `authgate auth` did its work, or its check, and left something to the
//! user (conflicts, a module out of date): exit status 1, after the report; or stopped planning
//! at a file only the user can fix (conflict markers left in it, not UTF-8 text).
//! An [`IoFailure`] means the system refused a read or a write while a command worked: it is the
//! context of the I/O error, which the binary prints after it (`error: {failure}: {cause}`),
//! and exits 1. A [`ManifestProblem`] means the user's Cargo.toml cannot be edited (exit 1).
//! Any other failure (a broken template, a bug of authgate's) is an ordinary `anyhow::Error`,
//! worded where it happens, and exits 1.
//! [`Cancelled`] means the user left the wizard (Ctrl-C, Esc, or "no" at the confirmation):
//! exit status 130, the shell's convention for an interrupt.
//! Messages are one lowercase line that says what to do next; paths are in backticks.

use std::path::PathBuf;

use thiserror::Error;

use crate::report::display_dir;

/// Input that authgate refuses before anything is written (exit status 2).
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum UsageError {
    #[error("missing {flag} (stdin is not a terminal; pass it, or --yes for the defaults)")]
    MissingAnswer { flag: &'static str },

    #[error("`{}` is not a directory; pass the directory of a Rust package", .0.display())]
    ProjectNotADirectory(PathBuf),

    #[error(
        "`{}` has no Cargo.toml; `authgate auth` adds the auth module to a Rust package \
         (`authgate new <PATH>` creates a whole project)", .0.display()
    )]
    NoCargoToml(PathBuf),

    #[error(
        "`{}` is a workspace manifest without a package; run `authgate auth` in the directory \
         of the member that should hold the auth module", .0.display()
    )]
    WorkspaceManifest(PathBuf),

    #[error(
        "`{}` sets edition {edition}; the auth module needs edition 2021 or 2024: migrate with \
         `cargo fix --edition`, set `edition = \"2021\"`, then run again", .path.display()
    )]
    EditionTooOld { path: PathBuf, edition: String },

    #[error(
        "`{}` builds jsonwebtoken with its RustCrypto backend (`rust_crypto`), and ES512 is \
         verified with aws-lc-rs, which authgate does not add beside it: choose another algorithm \
         with `--alg`, or switch jsonwebtoken to `aws_lc_rs`", .0.display()
    )]
    Es512NeedsAwsLcRs(PathBuf),

    #[error(
        "`{}` inherits {} from a workspace (`workspace = true`), but no Cargo.toml with a \
         `[workspace]` was found above it: run `authgate auth` inside the workspace", .path.display(),
        .inherited.join(", ")
    )]
    NoWorkspaceManifest {
        path: PathBuf,
        inherited: Vec<String>,
    },

    #[error(
        "`{}` requires {}; the auth module needs {}, a breaking release apart: upgrade (and adapt \
         your code) first, then run again", .path.display(),
        .too_old.iter().map(|d| format!("{} {}", d.name, d.found)).collect::<Vec<_>>().join(", "),
        .too_old.iter().map(|d| format!("{} {}", d.name, d.needed)).collect::<Vec<_>>().join(", ")
    )]
    DependencyTooOld {
        path: PathBuf,
        too_old: Vec<crate::deps::TooOld>,
    },

    #[error(
        "`{}` exists and authgate did not write it (there is no authgate.toml); give the module \
         another name with `--module NAME` (e.g. `--module identity`), or move yours away, then \
         run `authgate auth` again", .0.display()
    )]
    ForeignAuthModule(PathBuf),

    #[error("{0}")]
    InvalidModule(String),

    #[error(
        "--module applies to a package authgate did not generate; this project's module is \
         `src/auth/`: run `authgate auth` without --module"
    )]
    ModuleInProject,

    #[error(
        "`{}` does not exist: there is no auth module to check; run `authgate auth` to add one",
        .0.display()
    )]
    NothingToCheck(PathBuf),

    #[error(
        "`{}` has no authgate.toml: a repository authgate did not generate has no resources to \
         add to; run `authgate add resource` in a project `authgate new` created", display_dir(.0)
    )]
    NotAGeneratedProject(PathBuf),

    #[error(
        "`{}` records an auth module only (scope = \"auth-module\"): a repository authgate did \
         not generate has no resources to add to; write the resource's routes yourself, or run \
         `authgate add resource` in a project `authgate new` created", .0.display()
    )]
    AuthModuleOnly(PathBuf),

    #[error("cannot read `{}`: {reason}; check its permissions", .path.display())]
    AnswersFileUnreadable { path: PathBuf, reason: String },

    #[error(
        "`{}` is not valid: {reason}; fix it (it records the answers authgate generated this \
         project from)", .path.display()
    )]
    AnswersFileInvalid { path: PathBuf, reason: String },

    #[error(
        "`{}` has no `{key}` answer; add the one this project was generated with", .path.display()
    )]
    AnswersFileIncomplete { path: PathBuf, key: &'static str },

    #[error(
        "`{}` was written by authgate {recorded}, newer than this authgate ({ours}); install \
         authgate {recorded} or newer", .path.display()
    )]
    NewerAuthgate {
        path: PathBuf,
        recorded: String,
        ours: &'static str,
    },

    #[error(
        "{source_desc} `{name}` is not a valid crate name (ASCII letters, digits, `-` and `_`, \
         starting with a letter; not a Rust keyword or a reserved name like `test` or `std`){hint}"
    )]
    InvalidName {
        source_desc: &'static str,
        name: String,
        /// `; try --name my-api`, or empty when no fix can be computed.
        hint: String,
    },

    #[error("{0}")]
    InvalidUserClaim(String),

    #[error("{0}")]
    InvalidResource(String),

    #[error("{0}")]
    InvalidField(String),

    #[error("unknown algorithm `{alg}`; {provider} signs with {choices}")]
    UnknownAlgorithm {
        alg: String,
        provider: &'static str,
        choices: String,
    },

    #[error(
        "better-auth cannot sign with {alg}; its JWT plugin signs with EdDSA, ES256, ES512, RS256 \
         or PS256 (the BETTER_AUTH_SECRET signs opaque session tokens, not JWTs); use the default \
         EdDSA via JWKS, or --provider shared-secret for an issuer of your own"
    )]
    BetterAuthHmac { alg: &'static str },

    #[error("clerk signs with RS256 only")]
    ClerkRs256Only,

    #[error(
        "auth0 signs an API's tokens with one algorithm: HS256 (the API's signing secret) cannot \
         be combined with {alg}; pass either --alg HS256 or --alg RS256/PS256"
    )]
    Auth0MixedHmac { alg: &'static str },

    #[error("{provider} cannot sign with {alg}; choose {choices}")]
    AlgorithmNotForProvider {
        provider: &'static str,
        alg: &'static str,
        choices: String,
    },

    #[error("--alg is empty; pass {choices} for {provider}, or omit --alg for the default")]
    NoAlgorithm {
        provider: &'static str,
        choices: String,
    },

    #[error("`{}` already exists and is not empty; choose a new directory", .0.display())]
    TargetNotEmpty(PathBuf),

    #[error("`{}` already exists and is not a directory; choose a new directory", .0.display())]
    TargetNotADirectory(PathBuf),

    #[error("the parent directory `{}` does not exist; create it first, or choose another path", .0.display())]
    ParentMissing(PathBuf),

    #[error("cannot read the answers file `{}`: {reason}; check the --config path", .path.display())]
    ConfigUnreadable { path: PathBuf, reason: String },

    #[error("the answers file `{}` is not valid: {reason}; fix it or remove the offending key", .path.display())]
    ConfigInvalid { path: PathBuf, reason: String },
}

/// `authgate auth` finished, or checked, and something needs the user; or it stopped planning at
/// a file only the user can fix (exit status 1).
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum RegenFailure {
    #[error(
        "your edits and authgate's overlap in {}; resolve the conflict markers (<<<<<<< yours \
         ... >>>>>>> authgate) there, then run `authgate auth --check`", list(.0)
    )]
    Conflicts(Vec<PathBuf>),

    #[error(
        "your edits and authgate's overlap in {}; resolve the conflict markers (<<<<<<< yours \
         ... >>>>>>> authgate) there, then run `cargo test`", list(.0)
    )]
    ResourceConflicts(Vec<PathBuf>),

    #[error(
        "{} still {} conflict markers; resolve them (keep the lines you want, delete the \
         <<<<<<<, |||||||, ======= and >>>>>>> lines), then run `{command}` again",
        list(.paths), if .paths.len() == 1 { "has" } else { "have" }
    )]
    Unresolved {
        paths: Vec<PathBuf>,
        /// The command that stopped: `authgate auth`, `authgate add resource`.
        command: &'static str,
    },

    #[error("the auth module is out of date; run `{command}` to update it")]
    OutOfDate { command: String },

    /// A file `authgate auth` plans from holds bytes that are not UTF-8 (path: relative to the
    /// project).
    #[error(
        "`{}` is not UTF-8 text; authgate cannot merge it (nothing was written)", .0.display()
    )]
    NotUtf8(PathBuf),
}

/// The system refused a read or a write (exit status 1); the I/O error follows the message.
///
/// Most are the context of an I/O error (`.with_context(|| IoFailure::Write(path))`). Two stand
/// alone, with no I/O error under them: [`IoFailure::UnsafePath`] and [`IoFailure::Appeared`].
/// Paths are as the failing call saw them, except where a variant says otherwise.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum IoFailure {
    /// `authgate new` could not write the project; what it had written is gone again.
    #[error("cannot create `{}`; nothing was written", .0.display())]
    CreateProject(PathBuf),

    /// `authgate auth` could not apply its plan at `root`; `command` runs it again.
    #[error("cannot update `{}`; run `{command}` again once fixed", display_dir(.root))]
    UpdateProject { root: PathBuf, command: String },

    /// `.` or `..` could not be resolved to the directory name that is the default crate name.
    #[error("cannot resolve `{}`; pass --name", .0.display())]
    ResolvePath(PathBuf),

    /// The report could not be printed (e.g. stdout is a closed pipe or a full disk).
    #[error("cannot write to stdout")]
    Stdout,

    /// A wizard's prompt or summary could not be drawn on stderr.
    #[error("cannot write to the terminal")]
    TerminalWrite,

    /// The wizard could not read a key or a choice.
    #[error("cannot read the answer from the terminal")]
    TerminalRead,

    /// The target of `authgate new` could not be looked at.
    #[error("cannot inspect `{}`; check its permissions", .0.display())]
    InspectTarget(PathBuf),

    /// The target of `authgate new`, an existing directory, could not be listed.
    #[error("cannot read the directory `{}`; check its permissions", .0.display())]
    ReadTarget(PathBuf),

    /// A directory of authgate's own (`.authgate/pristine/`) could not be listed.
    #[error("cannot read the directory `{}`", .0.display())]
    ReadDir(PathBuf),

    /// A file could not be read (Cargo.toml, a copy under `.authgate/pristine/`).
    #[error("cannot read `{}`", .0.display())]
    Read(PathBuf),

    /// A file `authgate auth` plans from (a regenerable file, Cargo.toml, authgate.toml) could
    /// not be read (path: relative to the project).
    #[error("cannot read `{}`; check its permissions (nothing was written)", .0.display())]
    ReadToMerge(PathBuf),

    /// A directory could not be created (for a new project: relative to the project).
    #[error("cannot create the directory `{}`", .0.display())]
    CreateDir(PathBuf),

    /// The hidden directory a new project is written into first could not be created in `.0`.
    #[error("cannot create a temporary directory in `{}`; check its permissions", .0.display())]
    CreateStagingDir(PathBuf),

    /// The temporary file of an atomic write could not be created in the directory `.0`.
    #[error("cannot create a temporary file in `{}`", .0.display())]
    CreateTempFile(PathBuf),

    /// A file could not be written (for a new project: relative to the project).
    #[error("cannot write `{}`", .0.display())]
    Write(PathBuf),

    /// A replaced file could not be given the permissions of the file it replaces.
    #[error("cannot keep the permissions of `{}`", .0.display())]
    KeepPermissions(PathBuf),

    /// The new text of a file could not be renamed onto it.
    #[error("cannot replace `{}`", .0.display())]
    Replace(PathBuf),

    /// A file authgate no longer generates could not be removed.
    #[error("cannot remove `{}`", .0.display())]
    Remove(PathBuf),

    /// The written project could not be renamed onto its target, which did not exist.
    #[error("cannot move the new project into `{}`", .0.display())]
    MoveProject(PathBuf),

    /// A top-level entry of the written project could not be moved into its (empty) target.
    #[error("cannot move `{}` into place", .0.display())]
    MoveIntoPlace(PathBuf),

    /// Something was created in the empty target while the project was being written into it.
    #[error(
        "`{}` appeared while the project was being written; remove it or choose a new directory",
        .0.display()
    )]
    Appeared(PathBuf),

    /// A file to write has a path that is not plain and relative (`..`, `/`, empty): it could
    /// land outside the project.
    #[error("refusing to write `{}`: not a plain relative path", .0.display())]
    UnsafePath(PathBuf),
}

/// The user's Cargo.toml cannot be read as a manifest, or edited where the auth module needs it
/// (exit status 1).
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ManifestProblem {
    /// The context of the parser's message, which follows it.
    #[error("Cargo.toml is not valid TOML; fix it, then run `authgate auth` again")]
    InvalidToml,

    /// A dependency table (`dependencies`, `dev-dependencies`) is something else, e.g. a string.
    #[error("`{0}` in Cargo.toml is not a table")]
    NotATable(String),
}

/// `a`, `a` and `b`, `a`, `b` and `c`: paths in backticks.
fn list(paths: &[PathBuf]) -> String {
    let quoted: Vec<String> = paths
        .iter()
        .map(|path| format!("`{}`", path.display()))
        .collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// The user left the wizard before anything was written (exit status 130).
#[derive(Debug, Error, Clone, Copy, PartialEq, Eq)]
#[error("cancelled; nothing was written")]
pub struct Cancelled;

/// The exit status when the wizard is cancelled: 128 + SIGINT, as a shell reports an interrupt.
pub const EXIT_CANCELLED: u8 = 130;

/// The exit status for an error returned by [`crate::run`]: 130 when the user cancelled, 2 for
/// usage errors, 1 otherwise.
pub fn exit_code(error: &anyhow::Error) -> u8 {
    if error.chain().any(|cause| cause.is::<Cancelled>()) {
        EXIT_CANCELLED
    } else if error.chain().any(|cause| cause.is::<UsageError>()) {
        2
    } else {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes() {
        assert_eq!(exit_code(&Cancelled.into()), 130);
        let cancelled = anyhow::Error::from(Cancelled).context("while asking");
        assert_eq!(exit_code(&cancelled), 130);
        let refused = UsageError::MissingAnswer { flag: "--provider" };
        assert_eq!(exit_code(&refused.into()), 2);
        assert_eq!(exit_code(&anyhow::anyhow!("disk full")), 1);
        let unwritten = anyhow::anyhow!("disk full").context(IoFailure::Stdout);
        assert_eq!(exit_code(&unwritten), 1);
    }

    #[test]
    fn io_failures_name_the_path_and_what_to_do() {
        let created = IoFailure::CreateProject("my-api".into());
        assert_eq!(
            created.to_string(),
            "cannot create `my-api`; nothing was written"
        );
        let updated = IoFailure::UpdateProject {
            root: ".".into(),
            command: "authgate auth".into(),
        };
        assert_eq!(
            updated.to_string(),
            "cannot update `./`; run `authgate auth` again once fixed"
        );
        let resolved = IoFailure::ResolvePath("..".into());
        assert_eq!(resolved.to_string(), "cannot resolve `..`; pass --name");
        let appeared = IoFailure::Appeared("my-api/src".into());
        assert_eq!(
            appeared.to_string(),
            "`my-api/src` appeared while the project was being written; remove it or choose a \
             new directory"
        );
        let unreadable = IoFailure::ReadToMerge("src/auth/mod.rs".into());
        assert_eq!(
            unreadable.to_string(),
            "cannot read `src/auth/mod.rs`; check its permissions (nothing was written)"
        );
    }

    #[test]
    fn a_manifest_problem_exits_1_and_shows_the_parser_message() {
        let error =
            anyhow::anyhow!("TOML parse error at line 1").context(ManifestProblem::InvalidToml);
        assert_eq!(exit_code(&error), 1);
        assert_eq!(
            format!("{error:#}"),
            "Cargo.toml is not valid TOML; fix it, then run `authgate auth` again: TOML parse \
             error at line 1"
        );
        let not_a_table = ManifestProblem::NotATable("dependencies".to_owned());
        assert_eq!(
            not_a_table.to_string(),
            "`dependencies` in Cargo.toml is not a table"
        );
    }
}
