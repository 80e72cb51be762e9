//! `authgate auth`, end to end: real files in temporary directories, the real binary, and real
//! cargo builds of the regenerated projects.
//!
//! Two tests build with cargo, in the shared `target/generated/` (see `tests/support/cargo.rs`),
//! each under a package name of its own: a generated project switched to another provider must
//! pass `cargo fmt --check`, `cargo clippy --all-targets -- -D warnings` and its own tests, and a
//! plain `cargo new` package must compile the module it receives, wired in with the lines that
//! `authgate auth` prints, and pass the module's own tests.

mod support;

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use support::cargo::{cargo, repo_dir};
use support::files::contents;
use support::wiring;
use tempfile::TempDir;

/// The binary, with an empty stdin (never a terminal: no prompts) and no colour.
fn authgate() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_authgate"));
    cmd.write_stdin("").env_remove("CI").env("NO_COLOR", "1");
    cmd
}

/// `authgate new DIR --yes ARGS...`
fn generate(dir: &Path, args: &[&str]) {
    authgate()
        .arg("new")
        .arg(dir)
        .args(["--yes", "--quiet"])
        .args(args)
        .assert()
        .success();
}

/// Runs `authgate auth DIR ARGS...`.
fn auth(dir: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    authgate().arg("auth").arg(dir).args(args).assert()
}

fn read(dir: &Path, path: &str) -> String {
    fs::read_to_string(dir.join(path))
        .unwrap_or_else(|e| panic!("cannot read `{path}` in {}: {e}", dir.display()))
}

fn write(dir: &Path, path: &str, text: &str) {
    let path = dir.join(path);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// The recorded answers of `dir/authgate.toml`.
fn recorded(dir: &Path) -> toml::Table {
    let file: toml::Table = read(dir, "authgate.toml").parse().unwrap();
    file["answers"].as_table().unwrap().clone()
}

fn stdout_of(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(assert.get_output().stdout.clone()).unwrap()
}

/// A directory under `target/generated-projects/`, emptied: the path is stable between runs so
/// that the nested cargo builds are incremental.
fn build_dir(name: &str) -> PathBuf {
    let dir = repo_dir().join("target/generated-projects").join(name);
    if dir.exists() {
        fs::remove_dir_all(&dir).unwrap();
    }
    fs::create_dir_all(dir.parent().unwrap()).unwrap();
    dir
}

/// A line at the top of `src/auth/verifier.rs`, far from anything a provider switch changes.
const VERIFIER_NOTE: &str = "// Reviewed by our security team; keep this line.\n";
/// A line at the end of a file `authgate auth` never touches.
const ROUTE_NOTE: &str = "// Our own note in a route module.\n";
/// A dependency of the user's own, with a comment, in Cargo.toml.
const OWN_DEPENDENCY: &str = "# our own dependency\nitoa = \"1\"\n";

#[test]
fn a_provider_switch_keeps_edits_and_the_project_passes_clippy_and_its_tests() {
    let dir = build_dir("regen-provider-switch");
    generate(&dir, &["--name", "api-regen-switch"]);
    assert_eq!(recorded(&dir)["provider"].as_str(), Some("better-auth"));

    let verifier = read(&dir, "src/auth/verifier.rs");
    write(
        &dir,
        "src/auth/verifier.rs",
        &format!("{VERIFIER_NOTE}{verifier}"),
    );
    let health = read(&dir, "src/routes/health.rs");
    write(
        &dir,
        "src/routes/health.rs",
        &format!("{health}{ROUTE_NOTE}"),
    );
    let manifest = read(&dir, "Cargo.toml");
    let manifest = manifest.replace(
        "[dependencies]\n",
        &format!("[dependencies]\n{OWN_DEPENDENCY}"),
    );
    write(&dir, "Cargo.toml", &manifest);
    let health = read(&dir, "src/routes/health.rs");

    let assert = auth(&dir, &["--provider", "auth0"]).success().stderr("");
    let stdout = stdout_of(&assert);
    assert!(
        stdout.contains("(auth0, RS256, user claim `sub`)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("merged    src/auth/verifier.rs (with your edits)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("updated   src/auth/settings.rs"),
        "{stdout}"
    );
    assert!(!stdout.contains("src/routes"), "{stdout}");

    // The edits survived, the switch happened.
    let verifier = read(&dir, "src/auth/verifier.rs");
    assert!(verifier.starts_with(VERIFIER_NOTE), "{verifier}");
    assert!(
        verifier.contains("write_scope"),
        "the auth0 verifier: {verifier}"
    );
    assert_eq!(read(&dir, "src/routes/health.rs"), health);
    assert!(read(&dir, "Cargo.toml").contains(OWN_DEPENDENCY));
    assert_eq!(recorded(&dir)["provider"].as_str(), Some("auth0"));
    assert_eq!(
        recorded(&dir)["algorithms"].as_array().unwrap()[0].as_str(),
        Some("RS256")
    );
    assert!(read(&dir, ".env.example").contains("AUTH0_DOMAIN="));
    assert!(!read(&dir, ".env.example").contains("BETTER_AUTH_URL"));
    // authgate's copy is what it rendered, without the user's edit.
    let copy = read(&dir, ".authgate/pristine/src/auth/verifier.rs");
    assert_eq!(format!("{VERIFIER_NOTE}{copy}"), verifier);

    // A second run, and the CI check, find nothing to do.
    let before = contents(&dir);
    let again = auth(&dir, &[]).success();
    assert!(
        stdout_of(&again).contains("is up to date"),
        "{}",
        stdout_of(&again)
    );
    auth(&dir, &["--check"]).success();
    assert_eq!(contents(&dir), before, "a second run changed files");

    let label = "regen-provider-switch";
    cargo(&dir, label, &["fmt", "--check"]);
    cargo(
        &dir,
        label,
        &["clippy", "--all-targets", "--", "-D", "warnings"],
    );
    let output = cargo(&dir, label, &["test"]);
    assert!(output.contains("test result: ok."), "{output}");
}

#[test]
fn an_overlapping_edit_gives_conflict_markers_exit_1_and_keeps_the_users_text() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("my-api");
    generate(&dir, &[]);
    // The first paragraph of the module's documentation names the provider: a switch rewrites
    // it.
    let module = read(&dir, "src/auth/mod.rs");
    let (first, rest) = module.split_once("\n//!\n").unwrap();
    assert!(first.contains("Better Auth"), "{first}");
    let ours = "//! Authentication for the Acme API: Better Auth tokens only.";
    write(&dir, "src/auth/mod.rs", &format!("{ours}\n//!\n{rest}"));

    let assert = auth(&dir, &["--provider", "auth0"]).code(1);
    let stdout = stdout_of(&assert);
    assert!(stdout.contains("conflict  src/auth/mod.rs"), "{stdout}");
    assert!(
        stdout.contains("updated   src/auth/settings.rs"),
        "{stdout}"
    );
    assert
        .stderr(predicate::str::starts_with(
            "error: your edits and authgate's overlap in `src/auth/mod.rs`; resolve the conflict \
             markers",
        ))
        .stderr(predicate::str::ends_with(
            "then run `authgate auth --check`\n",
        ));

    let module = read(&dir, "src/auth/mod.rs");
    let expected_start = format!(
        "<<<<<<< yours\n{ours}\n||||||| authgate (before)\n{first}\n=======\n\
         //! Bearer-token authentication for Auth0 access tokens"
    );
    assert!(module.starts_with(&expected_start), "{module}");
    assert!(module.contains("\n>>>>>>> authgate (now)\n"), "{module}");
    // Everything else was switched.
    assert_eq!(recorded(&dir)["provider"].as_str(), Some("auth0"));
    assert!(read(&dir, "src/auth/settings.rs").contains("AUTH0_DOMAIN"));

    // Until the markers are gone, nothing more is done, and the check fails.
    let before = contents(&dir);
    auth(&dir, &[]).code(1).stdout("").stderr(
        "error: `src/auth/mod.rs` still has conflict markers; resolve them (keep the lines you \
         want, delete the <<<<<<<, |||||||, ======= and >>>>>>> lines), then run `authgate auth` \
         again\n",
    );
    auth(&dir, &["--check"]).code(1);
    assert_eq!(contents(&dir), before);

    // Resolved by keeping authgate's lines with the user's first line.
    let resolved = read(&dir, ".authgate/pristine/src/auth/mod.rs");
    let (_, rest) = resolved.split_once("\n//!\n").unwrap();
    write(&dir, "src/auth/mod.rs", &format!("{ours}\n//!\n{rest}"));
    auth(&dir, &["--check"]).success();
    let before = contents(&dir);
    auth(&dir, &[]).success();
    assert_eq!(contents(&dir), before);
}

#[test]
fn a_cargo_new_package_receives_the_module_and_compiles_with_it() {
    let dir = build_dir("regen-cargo-new");
    let status = std::process::Command::new(env!("CARGO"))
        .args([
            "new",
            "--quiet",
            "--vcs",
            "none",
            "--name",
            "regen-cargo-new",
        ])
        .arg(dir.join("x"))
        .status()
        .expect("cannot run `cargo new`");
    assert!(status.success(), "`cargo new` failed: {status}");
    // `cargo new` wants a directory of its own; move its files up.
    for name in ["Cargo.toml", "src"] {
        fs::rename(dir.join("x").join(name), dir.join(name)).unwrap();
    }
    fs::remove_dir_all(dir.join("x")).unwrap();
    let manifest = read(&dir, "Cargo.toml");
    let manifest = manifest.replace(
        "[dependencies]\n",
        &format!("[dependencies]\n{OWN_DEPENDENCY}"),
    );
    write(&dir, "Cargo.toml", &manifest);

    let assert = auth(&dir, &["--yes"]).success().stderr("");
    let stdout = stdout_of(&assert);
    assert!(stdout.starts_with("added the auth module to `"), "{stdout}");
    assert!(
        stdout.contains("created   src/auth/verifier.rs"),
        "{stdout}"
    );
    assert!(
        stdout
            .contains("updated   Cargo.toml (added aws-lc-rs, axum, base64, jsonwebtoken, reqwest"),
        "{stdout}"
    );
    assert!(
        stdout.contains("set BETTER_AUTH_URL in the environment"),
        "{stdout}"
    );
    // Only the module: no tests, settings or documentation of a generated project.
    let files: Vec<PathBuf> = contents(&dir).into_keys().collect();
    for file in &files {
        let shown = file.to_string_lossy();
        assert!(
            shown.starts_with("src/")
                || shown.starts_with(".authgate/pristine/src/auth/")
                || ["Cargo.toml", "authgate.toml"].contains(&shown.as_ref()),
            "unexpected `{shown}`"
        );
    }
    let answers = read(&dir, "authgate.toml");
    assert!(answers.contains("scope = \"auth-module\""), "{answers}");
    assert!(!answers.contains("storage"), "{answers}");
    let manifest = read(&dir, "Cargo.toml");
    assert!(
        manifest.starts_with("[package]\nname = \"regen-cargo-new\"\n"),
        "{manifest}"
    );
    assert!(manifest.contains(OWN_DEPENDENCY), "{manifest}");

    // Nothing to do the second time.
    let before = contents(&dir);
    auth(&dir, &[]).success();
    auth(&dir, &["--check"]).success();
    assert_eq!(contents(&dir), before);

    // Wire it in as printed, into a `main` that returns a `Result` (the fixtures of
    // `tests/foreign.rs` have one that returns `()`).
    let main = "#[tokio::main]\nasync fn main() -> Result<(), Box<dyn std::error::Error>> {\n    \
                let app: axum::Router = axum::Router::new();\n    drop(app);\n    Ok(())\n}\n";
    write(&dir, "src/main.rs", main);
    assert_eq!(wiring::apply(&dir, &stdout), Path::new("src/main.rs"));
    // Compiles the module, the wiring and the module's own unit tests, and runs them.
    let output = cargo(&dir, "regen-cargo-new", &["test"]);
    assert!(output.contains("test result: ok."), "{output}");
}

#[test]
fn a_src_auth_that_authgate_did_not_write_is_refused_and_untouched() {
    for own in ["src/auth/mod.rs", "src/auth.rs"] {
        let tmp = TempDir::new().unwrap();
        let dir = tmp.path();
        write(
            dir,
            "Cargo.toml",
            "[package]\nname = \"mine\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[dependencies]\n",
        );
        write(dir, "src/main.rs", "mod auth;\nfn main() {}\n");
        write(dir, own, "// our own auth\n");
        let before = contents(dir);
        let shown = dir.join(own.trim_end_matches("/mod.rs"));
        auth(dir, &["--yes", "--provider", "auth0"])
            .code(2)
            .stdout("")
            .stderr(format!(
                "error: `{}` exists and authgate did not write it (there is no authgate.toml); \
                 give the module another name with `--module NAME` (e.g. `--module identity`), \
                 or move yours away, then run `authgate auth` again\n",
                shown.display()
            ));
        assert_eq!(contents(dir), before, "{own}");

        // Under another name, beside the user's own: `src/identity/`, recorded, and kept on the
        // next run.
        let stdout = stdout_of(
            &auth(
                dir,
                &["--yes", "--provider", "auth0", "--module", "identity"],
            )
            .success(),
        );
        assert!(
            stdout.contains("created   src/identity/verifier.rs"),
            "{stdout}"
        );
        assert!(stdout.contains("    mod identity;\n"), "{stdout}");
        assert!(
            stdout.contains("identity::AuthSettings::from_env"),
            "{stdout}"
        );
        assert_eq!(read(dir, own), "// our own auth\n");
        assert!(!dir.join("src/auth/verifier.rs").exists());
        let answers = read(dir, "authgate.toml");
        assert!(answers.contains("module = \"identity\""), "{answers}");
        assert!(read(dir, "src/identity/mod.rs").contains("identity::Verifier::new"));
        let after = contents(dir);
        auth(dir, &[]).success();
        auth(dir, &["--check"]).success();
        assert_eq!(
            contents(dir),
            after,
            "{own}: a second run changed something"
        );
        auth(dir, &["--module", "other"])
            .code(2)
            .stderr(predicate::str::contains("renaming it is not supported"));
    }
}

#[test]
fn a_provider_switch_removes_the_crates_only_the_previous_module_needed() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    write(
        dir,
        "Cargo.toml",
        "[package]\nname = \"mine\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n",
    );
    write(dir, "src/main.rs", "mod auth;\nmod client;\nfn main() {}\n");
    write(
        dir,
        "src/client.rs",
        "pub fn base() -> url::Url {\n    todo!()\n}\n",
    );
    auth(dir, &["--yes", "--provider", "better-auth"]).success();
    let manifest = read(dir, "Cargo.toml");
    assert!(
        manifest.contains("reqwest = ") && manifest.contains("url = "),
        "{manifest}"
    );

    // The secret's module fetches no keys: reqwest goes; url stays, for the package's own code
    // names it, and the report says why.
    let stdout = stdout_of(&auth(dir, &["--provider", "shared-secret"]).success());
    assert!(stdout.contains("removed reqwest)"), "{stdout}");
    assert!(
        stdout.contains(
            "left      Cargo.toml: url: the module no longer needs it; kept, for `src/client.rs` \
             uses it"
        ),
        "{stdout}"
    );
    let manifest = read(dir, "Cargo.toml");
    assert!(!manifest.contains("reqwest"), "{manifest}");
    assert!(manifest.contains("url = "), "{manifest}");
}

#[test]
fn a_module_name_that_cannot_name_a_module_is_refused() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    write(
        dir,
        "Cargo.toml",
        "[package]\nname = \"mine\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    write(dir, "src/main.rs", "fn main() {}\n");
    let before = contents(dir);
    for (name, message) in [
        ("Identity", "pass `--module identity`"),
        ("my-auth", "pass `--module my_auth`"),
        ("mod", "is a Rust keyword or a name cargo gives a meaning"),
        ("main", "is a Rust keyword or a name cargo gives a meaning"),
    ] {
        auth(dir, &["--yes", "--module", name])
            .code(2)
            .stderr(predicate::str::contains(message));
    }
    assert_eq!(contents(dir), before);
    // A generated project's module is `src/auth/`.
    let project = tmp.path().join("api");
    generate(&project, &[]);
    auth(&project, &["--module", "identity"])
        .code(2)
        .stderr(predicate::str::contains(
            "--module applies to a package authgate did not generate",
        ));
}

#[test]
fn dry_run_writes_nothing_and_check_fails_on_drift_until_a_run() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("my-api");
    generate(&dir, &[]);
    let pristine = contents(&dir);
    auth(&dir, &["--check"])
        .success()
        .stdout(predicate::str::starts_with("ok: `"));

    // --dry-run: the diff of every change, nothing written.
    let assert = auth(&dir, &["--provider", "clerk", "--dry-run"])
        .success()
        .stderr("");
    let stdout = stdout_of(&assert);
    assert!(
        stdout.contains("--- a/src/auth/settings.rs\n+++ b/src/auth/settings.rs\n"),
        "{stdout}"
    );
    assert!(stdout.contains("+CLERK_ISSUER="), "{stdout}");
    assert!(
        stdout.contains("\n-provider = \"better-auth\"\n"),
        "{stdout}"
    );
    assert!(stdout.contains("\n+provider = \"clerk\"\n"), "{stdout}");
    assert!(
        stdout.ends_with("nothing written (--dry-run)\n"),
        "{stdout}"
    );
    assert_eq!(contents(&dir), pristine);

    // authgate.toml edited by hand: the module is out of date.
    let answers = read(&dir, "authgate.toml").replace("\"better-auth\"", "\"clerk\"");
    let answers = answers.replace("\"EdDSA\"", "\"RS256\"");
    write(&dir, "authgate.toml", &answers);
    let drifted = contents(&dir);
    let assert = auth(&dir, &["--check"]).code(1);
    let stdout = stdout_of(&assert);
    assert!(stdout.contains("+++ b/src/auth/settings.rs"), "{stdout}");
    assert.stderr(format!(
        "error: the auth module is out of date; run `authgate auth {}` to update it\n",
        dir.display()
    ));
    assert_eq!(contents(&dir), drifted);

    auth(&dir, &[]).success();
    assert!(read(&dir, "src/auth/settings.rs").contains("CLERK_ISSUER"));
    // Clerk reads a PEM key: its feature was added to the existing entry.
    assert!(read(&dir, "Cargo.toml").contains("features = [\"aws_lc_rs\", \"use_pem\"]"));
    auth(&dir, &["--check"]).success();
    let after = contents(&dir);
    auth(&dir, &[])
        .success()
        .stdout(predicate::str::contains("is up to date"));
    assert_eq!(contents(&dir), after, "a second run changed files");
}

#[test]
fn a_file_no_longer_generated_is_removed_unless_edited() {
    let tmp = TempDir::new().unwrap();
    // Shared secrets need no JWKS: `src/auth/jwks.rs` goes.
    let dir = tmp.path().join("untouched");
    generate(&dir, &[]);
    assert!(dir.join("src/auth/jwks.rs").is_file());
    let stdout = stdout_of(&auth(&dir, &["--provider", "shared-secret"]).success());
    assert!(stdout.contains("removed   src/auth/jwks.rs"), "{stdout}");
    assert!(!dir.join("src/auth/jwks.rs").exists());
    assert!(!dir.join(".authgate/pristine/src/auth/jwks.rs").exists());

    // Edited, it stays, named on every run; back to a JWKS provider, it is merged again.
    let dir = tmp.path().join("edited");
    generate(&dir, &[]);
    let jwks = read(&dir, "src/auth/jwks.rs");
    write(&dir, "src/auth/jwks.rs", &format!("{jwks}// our note\n"));
    let stdout = stdout_of(&auth(&dir, &["--provider", "shared-secret"]).success());
    assert!(
        stdout.contains(
            "kept      src/auth/jwks.rs (authgate no longer generates it, and you edited it"
        ),
        "{stdout}"
    );
    assert!(read(&dir, "src/auth/jwks.rs").ends_with("// our note\n"));
    auth(&dir, &["--check"]).success();
    let stdout = stdout_of(&auth(&dir, &["--provider", "better-auth"]).success());
    assert!(!stdout.contains("src/auth/jwks.rs"), "{stdout}");
    assert!(read(&dir, "src/auth/jwks.rs").ends_with("// our note\n"));
}

#[test]
fn a_project_without_authgate_copies_is_merged_against_a_fresh_rendering() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("my-api");
    generate(&dir, &[]);
    fs::remove_dir_all(dir.join(".authgate")).unwrap();
    let verifier = read(&dir, "src/auth/verifier.rs");
    write(
        &dir,
        "src/auth/verifier.rs",
        &format!("{VERIFIER_NOTE}{verifier}"),
    );
    let stdout = stdout_of(&auth(&dir, &["--provider", "oidc"]).success());
    assert!(
        stdout.contains("merged    src/auth/verifier.rs"),
        "{stdout}"
    );
    assert!(stdout.contains("no `.authgate/` here"), "{stdout}");
    assert!(read(&dir, "src/auth/verifier.rs").starts_with(VERIFIER_NOTE));
    assert!(
        dir.join(".authgate/pristine/src/auth/verifier.rs")
            .is_file()
    );
    auth(&dir, &["--check"]).success();
}

#[test]
fn windows_line_endings_are_merged_and_kept() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("my-api");
    generate(&dir, &[]);
    let error = read(&dir, "src/auth/error.rs").replace('\n', "\r\n");
    write(&dir, "src/auth/error.rs", &error);
    let stdout = stdout_of(&auth(&dir, &["--provider", "auth0"]).success());
    assert!(stdout.contains("updated   src/auth/error.rs"), "{stdout}");
    let error = read(&dir, "src/auth/error.rs");
    assert!(error.contains("InsufficientScope,\r\n"), "{error}");
    assert!(!error.replace("\r\n", "").contains('\n'));
}

#[test]
fn a_bad_answers_file_is_refused_and_nothing_is_written() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("my-api");
    generate(&dir, &[]);
    let answers = read(&dir, "authgate.toml");
    for (bad, message) in [
        (
            answers.replace("storage = \"sqlite\"\n", "colour = \"red\"\n"),
            "is not valid: line 10: unknown field `colour`",
        ),
        (
            answers.replace("storage = \"sqlite\"\n", ""),
            "has no `storage` answer; add the one this project was generated with",
        ),
        (
            answers.replace("\"EdDSA\"", "\"HS256\""),
            "better-auth cannot sign with HS256",
        ),
    ] {
        write(&dir, "authgate.toml", &bad);
        let before = contents(&dir);
        auth(&dir, &[])
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(message));
        assert_eq!(contents(&dir), before, "{message}");
    }
}

#[test]
fn an_unreadable_file_stops_the_run_before_anything_is_written() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("my-api");
    generate(&dir, &[]);
    fs::write(dir.join("src/auth/settings.rs"), b"\xff\xfe not UTF-8\n").unwrap();
    let before = contents(&dir);
    auth(&dir, &["--provider", "auth0"])
        .code(1)
        .stdout("")
        .stderr(
            "error: `src/auth/settings.rs` is not UTF-8 text; authgate cannot merge it (nothing \
             was written)\n",
        );
    assert_eq!(contents(&dir), before);
}

/// Copies a project that the previous release generated (`tests/fixtures/previous-release/`)
/// into a fresh build directory.
fn previous_release_project(fixture: &str) -> PathBuf {
    let from = repo_dir()
        .join("tests/fixtures/previous-release")
        .join(fixture);
    let dir = build_dir(&format!("upgrade-{fixture}"));
    for (path, bytes) in contents(&from) {
        let to = dir.join(&path);
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        fs::write(to, bytes).unwrap();
    }
    dir
}

/// `authgate auth` on a project of the previous release whose files nobody edited: every change
/// is an update (no merge, no conflict, nothing kept or restored), the files it no longer
/// regenerates are updated once and then left alone, a second run changes nothing, and the
/// project builds, lints clean and passes its own tests.
fn upgrades_without_conflict(fixture: &str) {
    let dir = previous_release_project(fixture);
    let assert = auth(&dir, &[]).success().stderr("");
    let stdout = stdout_of(&assert);
    for refused in ["conflict", "merged", "restored", "kept"] {
        assert!(!stdout.contains(refused), "{fixture}: {refused}\n{stdout}");
    }
    // It regenerated src/config.rs; this authgate does not, and leaves it as it was.
    assert!(
        stdout.contains("yours     src/config.rs"),
        "{fixture}\n{stdout}"
    );
    assert_eq!(
        read(&dir, "src/config.rs"),
        read(
            &repo_dir()
                .join("tests/fixtures/previous-release")
                .join(fixture),
            "src/config.rs"
        )
    );
    // The copies under .authgate/ are exactly the files authgate still regenerates.
    for (path, _) in contents(&dir.join(".authgate/pristine")) {
        assert!(
            authgate::plan::is_regenerable(&path, authgate::options::Scope::Project),
            "{fixture}: a copy of `{}` is kept, but authgate no longer regenerates it",
            path.display()
        );
    }
    let before = contents(&dir);
    auth(&dir, &["--check"]).success();
    auth(&dir, &[]).success();
    assert_eq!(
        contents(&dir),
        before,
        "{fixture}: a second run changed files"
    );

    let label = format!("upgrade-{fixture}");
    cargo(&dir, &label, &["fmt", "--check"]);
    cargo(
        &dir,
        &label,
        &["clippy", "--all-targets", "--", "-D", "warnings"],
    );
    let output = cargo(&dir, &label, &["test"]);
    assert!(output.contains("test result: ok."), "{output}");
}

#[test]
fn a_better_auth_project_of_the_previous_release_upgrades_without_conflict() {
    upgrades_without_conflict("better-auth-sqlite");
}

#[test]
fn an_auth0_hs256_project_of_the_previous_release_upgrades_without_conflict() {
    upgrades_without_conflict("auth0-hs256-memory");
}
