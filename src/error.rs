//! Every message a user sees when a command fails, in one place, grouped by kind of failure.
//!
//! A [`UsageError`] means "the command line, the answers file or the target directory asks for
//! something authgate will not do": the binary prints it and exits with status 2.
//! A [`RegenFailure`] means `authgate auth` did its work, or its check, and left something to the
//! user (conflicts, a module out of date): exit status 1, after the report.
//! An [`IoFailure`] means the system refused a read or a write while a command worked: it is the
//! context of the I/O error, which the binary prints after it (`error: {failure}: {cause}`),
//! and exits 1. Any other failure (a broken template) is an ordinary `anyhow::Error` and exits 1.
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
        "`{}` sets edition {edition}; the auth module needs edition 2024 (Rust 1.88 or newer): \
         migrate with `cargo fix --edition`, set `edition = \"2024\"`, then run again", .path.display()
    )]
    EditionTooOld { path: PathBuf, edition: String },

    #[error(
        "`{}` exists and authgate did not write it (there is no authgate.toml); move it away or \
         rename it, then run `authgate auth` again", .0.display()
    )]
    ForeignAuthModule(PathBuf),

    #[error(
        "`{}` does not exist: there is no auth module to check; run `authgate auth` to add one",
        .0.display()
    )]
    NothingToCheck(PathBuf),

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
        "{provider} can sign with {alg}, but the generated project cannot verify it (jsonwebtoken \
         has no {alg}); choose {choices} and configure the issuer to sign with it"
    )]
    UnverifiableAlgorithm {
        provider: &'static str,
        alg: &'static str,
        choices: String,
    },

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

/// `authgate auth` finished, or checked, and something needs the user (exit status 1).
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum RegenFailure {
    #[error(
        "your edits and authgate's overlap in {}; resolve the conflict markers (<<<<<<< yours \
         ... >>>>>>> authgate) there, then run `authgate auth --check`", list(.0)
    )]
    Conflicts(Vec<PathBuf>),

    #[error(
        "{} still {} conflict markers; resolve them (keep the lines you want, delete the \
         <<<<<<<, |||||||, ======= and >>>>>>> lines), then run `authgate auth` again",
        list(.0), if .0.len() == 1 { "has" } else { "have" }
    )]
    Unresolved(Vec<PathBuf>),

    #[error("the auth module is out of date; run `{command}` to update it")]
    OutOfDate { command: String },
}

/// The system refused a read or a write (exit status 1); the I/O error follows the message.
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
    }
}
