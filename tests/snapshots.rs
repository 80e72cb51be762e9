//! Snapshots of the rendered default project (every file, in one snapshot, so a template change
//! shows up as one reviewable diff), of the auth module of every provider and key source, and of
//! the command line's `--help`, `--version` and `providers`.
//!
//! Accept an intended change with `INSTA_UPDATE=always cargo test --test snapshots` (or
//! `cargo insta review`). With `CI=true` (or `INSTA_UPDATE=no`) a mismatch fails and nothing is
//! written.

use authgate::options::{Answers, NameSource, Options};
use authgate::provider::Provider;
use authgate::render::{RenderedFiles, render_with_version};

/// Recorded instead of the real version, so that a release does not change the snapshot.
const SNAPSHOT_VERSION: &str = "0.0.0-snapshot";

/// Every file, sorted by path, each under a `==> path <==` header (like `tail` prints them).
fn concatenate(files: &RenderedFiles) -> String {
    let mut out = String::new();
    for (path, text) in files {
        out.push_str(&format!("==> {} <==\n", path.display()));
        out.push_str(text);
        if !text.ends_with('\n') {
            out.push_str("\n[no newline at end of file]\n");
        }
        out.push('\n');
    }
    out
}

#[test]
fn default_project() {
    let options = Options::defaults("my-api").unwrap();
    let files = render_with_version(&options, SNAPSHOT_VERSION).unwrap();
    insta::assert_snapshot!("default_project", concatenate(&files));
}

/// Three resources, one nested, with every field type: the answers file of the example.
#[test]
fn project_of_several_resources() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/projects-tasks-postgres.toml");
    let answers = Answers::from_file(&path).unwrap();
    let options = Options::from_answers(answers, NameSource::AnswersFile).unwrap();
    let files = render_with_version(&options, SNAPSHOT_VERSION).unwrap();
    insta::assert_snapshot!("project_of_several_resources", concatenate(&files));
}

/// `src/auth/` of every provider, and of each of its key sources: what `authgate auth` writes
/// into a repository.
#[test]
fn auth_module_of_every_provider_and_key_source() {
    let cases = [
        ("better-auth", "EdDSA"),
        ("auth0", "RS256"),
        ("auth0", "HS256"),
        ("clerk", "RS256"),
        ("oidc", "RS256"),
        ("shared-secret", "HS256"),
    ];
    for (provider, alg) in cases {
        let answers = Answers {
            name: Some("my-api".to_owned()),
            provider: Provider::ALL.into_iter().find(|p| p.as_str() == provider),
            algorithms: Some(vec![alg.to_owned()]),
            ..Answers::default()
        };
        let options = Options::from_answers(answers.or_defaults(), NameSource::Flag).unwrap();
        let files: RenderedFiles = render_with_version(&options, SNAPSHOT_VERSION)
            .unwrap()
            .into_iter()
            .filter(|(path, _)| path.starts_with("src/auth"))
            .collect();
        insta::assert_snapshot!(
            format!("auth_module_{provider}_{}", alg.to_lowercase()),
            concatenate(&files)
        );
    }
}

#[test]
fn providers() {
    insta::assert_snapshot!("providers", authgate_output(&["providers"]));
}

/// What `authgate ARGS` prints on stdout (without a terminal: no colour), which must succeed.
/// The version is replaced by `[VERSION]`, so that a release does not change the snapshots.
fn authgate_output(args: &[&str]) -> String {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_authgate"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "`authgate {}` failed",
        args.join(" ")
    );
    assert!(
        output.stderr.is_empty(),
        "`authgate {}` wrote to stderr",
        args.join(" ")
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    stdout.replace(env!("CARGO_PKG_VERSION"), "[VERSION]")
}

#[test]
fn help() {
    insta::assert_snapshot!("help", authgate_output(&["--help"]));
    insta::assert_snapshot!("help_short", authgate_output(&["-h"]));
    insta::assert_snapshot!("new_help", authgate_output(&["new", "--help"]));
    insta::assert_snapshot!("new_help_short", authgate_output(&["new", "-h"]));
    insta::assert_snapshot!("auth_help", authgate_output(&["auth", "--help"]));
    insta::assert_snapshot!("add_help", authgate_output(&["add", "--help"]));
    insta::assert_snapshot!(
        "add_resource_help",
        authgate_output(&["add", "resource", "--help"])
    );
    insta::assert_snapshot!(
        "completions_help",
        authgate_output(&["completions", "--help"])
    );
}

#[test]
fn version() {
    insta::assert_snapshot!("version", authgate_output(&["--version"]));
    insta::assert_snapshot!("new_version", authgate_output(&["new", "--version"]));
    let real = std::process::Command::new(env!("CARGO_BIN_EXE_authgate"))
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(real.stdout).unwrap(),
        format!("authgate {}\n", env!("CARGO_PKG_VERSION"))
    );
}
