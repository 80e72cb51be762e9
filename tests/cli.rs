//! Behaviour of the `authgate` binary: exit codes, exact messages, and nothing written on error.
//!
//! Every command runs in a fresh temporary directory with stdin and stderr piped (so never a
//! terminal: missing answers are errors, never prompts).

mod support;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use authgate::options::{Answers, NameSource, Options};
use predicates::prelude::*;
use support::files::{contents, tree};
use tempfile::TempDir;

/// The binary, run in `dir`, with an empty stdin.
fn authgate(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_authgate"));
    cmd.current_dir(dir)
        .write_stdin("")
        .env_remove("CI")
        .env("NO_COLOR", "1");
    cmd
}

/// Runs `args` in a fresh directory (after `setup`), expects exit status 2 with exactly
/// `error: {message}` on stderr and nothing on stdout, and checks that nothing was written.
fn refused_with(setup: impl FnOnce(&Path), args: &[&str], message: &str) {
    let dir = TempDir::new().unwrap();
    setup(dir.path());
    let before = (tree(dir.path()), contents(dir.path()));
    authgate(dir.path())
        .args(args)
        .assert()
        .code(2)
        .stdout("")
        .stderr(format!("error: {message}\n"));
    assert!(
        (tree(dir.path()), contents(dir.path())) == before,
        "`authgate {}` wrote files",
        args.join(" ")
    );
}

fn refused(args: &[&str], message: &str) {
    refused_with(|_| {}, args, message);
}

/// The files the default project consists of, from the library itself.
fn default_project_files() -> Vec<PathBuf> {
    let options = authgate::options::Options::defaults("my-api").unwrap();
    authgate::project_files(&options)
        .unwrap()
        .into_keys()
        .collect()
}

#[test]
fn missing_answers_without_a_terminal_name_the_first_missing_flag() {
    let hint = "(stdin is not a terminal; pass it, or --yes for the defaults)";
    refused(&["new", "my-api"], &format!("missing --provider {hint}"));
    refused(
        &["new", "my-api", "--provider", "better-auth"],
        &format!("missing --alg {hint}"),
    );
    refused(
        &[
            "new",
            "my-api",
            "--provider=better-auth",
            "--alg=EdDSA",
            "--user-claim=sub",
            "--storage=sqlite",
            "--resource=tasks",
        ],
        &format!("missing --user-in-path {hint}"),
    );
}

#[test]
fn unknown_provider_or_storage_lists_the_valid_values() {
    for (flag, valid) in [
        (
            "--provider",
            "better-auth, auth0, clerk, oidc, shared-secret",
        ),
        ("--storage", "sqlite, postgres, memory"),
    ] {
        let dir = TempDir::new().unwrap();
        authgate(dir.path())
            .args(["new", "my-api", "--yes", flag, "nope"])
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::starts_with(format!(
                "error: invalid value 'nope' for '{flag} "
            )))
            .stderr(predicate::str::contains(format!(
                "[possible values: {valid}]"
            )));
        assert!(tree(dir.path()).is_empty());
    }
}

#[test]
fn better_auth_cannot_sign_with_hs256() {
    let message = "better-auth cannot sign with HS256; its JWT plugin signs with EdDSA, ES256, \
                   ES512, RS256 or PS256 (the BETTER_AUTH_SECRET signs opaque session tokens, \
                   not JWTs); use the default EdDSA via JWKS, or --provider shared-secret for an \
                   issuer of your own";
    refused(&["new", "my-api", "--yes", "--alg", "HS256"], message);
    // Case-insensitive input, canonical output.
    refused(&["new", "my-api", "--yes", "--alg", "eddsa,hs256"], message);
}

#[test]
fn algorithms_the_provider_cannot_sign_with_are_refused() {
    refused(
        &[
            "new",
            "my-api",
            "--yes",
            "--provider",
            "clerk",
            "--alg",
            "ES256",
        ],
        "clerk signs with RS256 only",
    );
    refused(
        &[
            "new",
            "my-api",
            "--yes",
            "--provider",
            "auth0",
            "--alg",
            "EdDSA",
        ],
        "auth0 cannot sign with EdDSA; choose RS256, PS256 or HS256",
    );
    refused(
        &["new", "my-api", "--yes", "--alg", "none"],
        "unknown algorithm `none`; better-auth signs with EdDSA, ES256, ES512, RS256 or PS256",
    );
}

/// Every value of every answer is generated (the combinations are built and tested by
/// `tests/generated.rs`; here, the command line accepts each one).
#[test]
fn every_value_of_every_answer_is_accepted() {
    let cases: &[&[&str]] = &[
        &["--provider", "auth0"],
        &["--provider", "clerk"],
        &["--provider", "oidc"],
        &["--provider", "shared-secret", "--alg", "HS256,HS512"],
        &["--alg", "EdDSA,ES256"],
        &["--user-claim", "user_id"],
        &["--storage", "postgres"],
        &["--storage", "memory"],
        &["--resource", "blog-posts"],
        &["--user-in-path", "false"],
    ];
    for flags in cases {
        let dir = TempDir::new().unwrap();
        authgate(dir.path())
            .args(["new", "my-api", "--yes", "--dry-run"])
            .args(*flags)
            .assert()
            .success()
            .stderr("")
            .stdout(predicate::str::starts_with("would create `my-api/`"));
        assert!(tree(dir.path()).is_empty(), "{flags:?}");
    }
}

#[test]
fn invalid_names_get_a_suggested_fix() {
    let rules = "(ASCII letters, digits, `-` and `_`, starting with a letter; not a Rust keyword \
                 or a reserved name like `test` or `std`)";
    refused(
        &["new", "My API", "--yes"],
        &format!(
            "the directory name `My API` is not a valid crate name {rules}; pass --name my-api"
        ),
    );
    refused(
        &["new", "my-api", "--yes", "--name", "fn"],
        &format!("--name `fn` is not a valid crate name {rules}; pass --name fn-api"),
    );
    refused(
        &["new", "my-api", "--yes", "--name", "2fast"],
        &format!("--name `2fast` is not a valid crate name {rules}; pass --name fast"),
    );
}

#[test]
fn invalid_claims_and_resources_say_what_to_pass() {
    refused(
        &["new", "my-api", "--yes", "--user-claim", ""],
        "--user-claim must not be empty; pass the claim that holds the user id, e.g. `sub`",
    );
    refused(
        &["new", "my-api", "--yes", "--user-claim", "user id"],
        "--user-claim `user id` must not contain whitespace or control characters; pass the \
         claim name exactly as it appears in the token, e.g. `sub`",
    );
    refused(
        &["new", "my-api", "--yes", "--resource", "task"],
        "--resource `task` must be a plural noun, e.g. `tasks` or `blog-posts`; pass --resource tasks",
    );
    refused(
        &["new", "my-api", "--yes", "--resource", "blog posts"],
        "--resource `blog posts` may hold only ASCII letters, digits, `-` or `_`, starting with \
         a letter; pass --resource blog-posts",
    );
    refused(
        &["new", "my-api", "--yes", "--resource", "routes"],
        "--resource `routes` cannot be used: `routes` already names a module or type of the \
         generated project; pass --resource route-items or another noun",
    );
    refused(
        &["new", "my-api", "--yes", "--resource", "types"],
        "--resource `types` cannot be used: `type` is a Rust keyword or a reserved name; pass \
         --resource type-items or another noun",
    );
    // The claim is checked whatever the provider.
    refused(
        &[
            "new",
            "my-api",
            "--yes",
            "--provider",
            "auth0",
            "--user-claim",
            "a b",
        ],
        "--user-claim `a b` must not contain whitespace or control characters; pass the claim \
         name exactly as it appears in the token, e.g. `sub`",
    );
}

#[test]
fn an_existing_target_is_never_overwritten() {
    refused_with(
        |dir| {
            fs::create_dir(dir.join("my-api")).unwrap();
            fs::write(dir.join("my-api/notes.txt"), "mine\n").unwrap();
        },
        &["new", "my-api", "--yes"],
        "`my-api` already exists and is not empty; choose a new directory",
    );
    refused_with(
        |dir| fs::write(dir.join("my-api"), "a file\n").unwrap(),
        &["new", "my-api", "--yes"],
        "`my-api` already exists and is not a directory; choose a new directory",
    );
    refused(
        &["new", "no/such/my-api", "--yes"],
        "the parent directory `no/such` does not exist; create it first, or choose another path",
    );
}

#[test]
fn the_target_is_checked_before_any_question() {
    // Without a terminal and without answers the target is still the first thing reported.
    refused_with(
        |dir| fs::write(dir.join("my-api"), "").unwrap(),
        &["new", "my-api"],
        "`my-api` already exists and is not a directory; choose a new directory",
    );
}

#[test]
fn yes_generates_the_default_project() {
    let dir = TempDir::new().unwrap();
    let files = default_project_files();
    let mut expected = format!("created `my-api/` with {} files:\n", files.len());
    for file in &files {
        expected.push_str(&format!("  {}\n", file.display()));
    }
    expected.push_str(
        "\nnext:\n  cd my-api\n  cargo test\n  cp .env.example .env    # then set BETTER_AUTH_URL\n  cargo run\n",
    );
    authgate(dir.path())
        .args(["new", "my-api", "--yes"])
        .assert()
        .success()
        .stderr("")
        .stdout(expected);

    let project = dir.path().join("my-api");
    for file in &files {
        assert!(
            project.join(file).is_file(),
            "`{}` is missing",
            file.display()
        );
    }
    // Only the project: no staging directory left beside it.
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        1,
        "{:?}",
        tree(dir.path())
    );

    let text = fs::read_to_string(project.join("authgate.toml")).unwrap();
    assert!(
        text.starts_with('#'),
        "authgate.toml starts with a comment header"
    );
    let toml: toml::Table = text.parse().unwrap();
    assert_eq!(
        toml["authgate_version"].as_str(),
        Some(env!("CARGO_PKG_VERSION"))
    );
    let answers = toml["answers"].as_table().unwrap();
    let expected: toml::Table = toml::toml! {
        name = "my-api"
        provider = "better-auth"
        algorithms = ["EdDSA"]
        user_claim = "sub"
        storage = "sqlite"
        user_in_path = true
    };
    assert_eq!(answers, &expected);
    // The resource, with the fields it got when none was given.
    let resources = toml["resources"].as_array().unwrap();
    let expected: toml::Table = toml::toml! {
        name = "tasks"
        fields = ["title:string", "description:string(2000)?", "completed:bool=false"]
        migration = "20250101000000"
    };
    assert_eq!(resources.len(), 1);
    assert_eq!(resources[0].as_table().unwrap(), &expected);
    let lower = text.to_lowercase();
    for secret_ish in ["secret =", "password", "token =", "private", "key ="] {
        assert!(
            !lower.contains(secret_ish),
            "authgate.toml mentions `{secret_ish}`"
        );
    }
}

#[test]
fn quiet_prints_nothing() {
    let dir = TempDir::new().unwrap();
    authgate(dir.path())
        .args(["new", "my-api", "--yes", "--quiet"])
        .assert()
        .success()
        .stdout("")
        .stderr("");
    assert!(dir.path().join("my-api/authgate.toml").is_file());
}

#[test]
fn an_empty_directory_is_filled_in_place() {
    let dir = TempDir::new().unwrap();
    let project = dir.path().join("my-api");
    fs::create_dir(&project).unwrap();
    authgate(&project)
        .args(["new", ".", "--yes"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("created `./` with "))
        .stdout(predicate::str::contains("cd ").not());
    let text = fs::read_to_string(project.join("authgate.toml")).unwrap();
    assert!(text.contains("name = \"my-api\""), "{text}");
    let mut names: BTreeSet<PathBuf> = default_project_files()
        .iter()
        .map(|f| f.components().next().unwrap().as_os_str().into())
        .collect();
    names.insert(PathBuf::from(".git"));
    let top: BTreeSet<PathBuf> = fs::read_dir(&project)
        .unwrap()
        .map(|e| e.unwrap().file_name().into())
        .collect();
    assert_eq!(top, names, "no staging directory left inside");
}

#[test]
fn dry_run_lists_the_files_and_writes_nothing() {
    let dir = TempDir::new().unwrap();
    let output = authgate(dir.path())
        .args(["new", "my-api", "--yes", "--dry-run"])
        .assert()
        .success()
        .stderr("")
        .get_output()
        .stdout
        .clone();
    let stdout = String::from_utf8(output).unwrap();
    let files = default_project_files();
    assert!(
        stdout.starts_with(&format!(
            "would create `my-api/` with {} files:\n",
            files.len()
        )),
        "{stdout}"
    );
    for file in &files {
        let line = stdout
            .lines()
            .find(|line| line.ends_with(&format!("  {}", file.display())))
            .unwrap_or_else(|| panic!("`{}` is not listed:\n{stdout}", file.display()));
        assert!(line.contains(" bytes "), "{line}");
    }
    assert!(
        stdout.ends_with("nothing written (--dry-run)\n"),
        "{stdout}"
    );
    assert!(tree(dir.path()).is_empty(), "{:?}", tree(dir.path()));
}

#[test]
fn dry_run_still_refuses_bad_input() {
    refused(
        &[
            "new",
            "my-api",
            "--yes",
            "--dry-run",
            "--provider",
            "clerk",
            "--alg",
            "PS256",
        ],
        "clerk signs with RS256 only",
    );
}

const FULL_CONFIG: &str = r#"
authgate_version = "0.0.1"

[answers]
name = "from-config"
provider = "better-auth"
algorithms = ["eddsa"]
user_claim = "sub"
storage = "sqlite"
resource = "tasks"
user_in_path = true
"#;

#[test]
fn config_file_answers_everything() {
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join("answers.toml"), FULL_CONFIG).unwrap();
    // No --yes: every answer comes from the file, so nothing is missing.
    authgate(dir.path())
        .args(["new", "out", "--config", "answers.toml", "--quiet"])
        .assert()
        .success();
    let text = fs::read_to_string(dir.path().join("out/authgate.toml")).unwrap();
    assert!(text.contains("name = \"from-config\""), "{text}");
    assert!(text.contains("algorithms = [\"EdDSA\"]"), "{text}");
    assert!(
        text.contains(&format!(
            "authgate_version = \"{}\"",
            env!("CARGO_PKG_VERSION")
        )),
        "{text}"
    );
}

#[test]
fn flags_override_the_config_file() {
    // A file that is refused as it stands: `task` is not a plural, clerk signs with RS256 only.
    let config = FULL_CONFIG
        .replace("\"better-auth\"", "\"clerk\"")
        .replace("resource = \"tasks\"", "resource = \"task\"");
    refused_with(
        |dir| fs::write(dir.join("answers.toml"), &config).unwrap(),
        &["new", "out", "--config", "answers.toml"],
        "clerk signs with RS256 only",
    );
    refused_with(
        |dir| fs::write(dir.join("answers.toml"), &config).unwrap(),
        &["new", "out", "--config", "answers.toml", "--alg", "RS256"],
        "--resource `task` must be a plural noun, e.g. `tasks` or `blog-posts`; pass --resource \
         tasks",
    );
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join("answers.toml"), &config).unwrap();
    authgate(dir.path())
        .args(["new", "out", "--config", "answers.toml", "--quiet"])
        .args(["--provider", "better-auth", "--alg", "EdDSA"])
        .args(["--name", "from-flag", "--resource", "tasks"])
        .assert()
        .success()
        .stdout("")
        .stderr("");
    let text = fs::read_to_string(dir.path().join("out/authgate.toml")).unwrap();
    let recorded =
        Options::from_answers(Answers::from_toml(&text).unwrap(), NameSource::AnswersFile).unwrap();
    // The flags won; the answers without a flag came from the file.
    assert_eq!(recorded, Options::defaults("from-flag").unwrap(), "{text}");
}

#[test]
fn a_partial_config_file_combines_with_yes() {
    refused_with(
        |d| fs::write(d.join("a.toml"), "[answers]\nstorage = \"sqlite\"\n").unwrap(),
        &["new", "out", "--config", "a.toml"],
        "missing --provider (stdin is not a terminal; pass it, or --yes for the defaults)",
    );
    let dir = TempDir::new().unwrap();
    fs::write(
        dir.path().join("a.toml"),
        "[answers]\nstorage = \"sqlite\"\n",
    )
    .unwrap();
    authgate(dir.path())
        .args(["new", "out", "--config", "a.toml", "--yes", "--quiet"])
        .assert()
        .success();
}

#[test]
fn bad_config_files_are_refused() {
    refused_with(
        |d| {
            fs::write(
                d.join("a.toml"),
                "[answers]\nprovider = \"better-auth\"\napi_key = \"x\"\n",
            )
            .unwrap()
        },
        &["new", "out", "--config", "a.toml", "--yes"],
        "the answers file `a.toml` is not valid: line 3: unknown field `api_key`, expected one of \
         `name`, `provider`, `algorithms`, `user_claim`, `storage`, `resource`, `user_in_path`; \
         fix it or remove the offending key",
    );
    refused_with(
        |d| fs::write(d.join("a.toml"), "[answers]\nstorage = \"mysql\"\n").unwrap(),
        &["new", "out", "--config", "a.toml", "--yes"],
        "the answers file `a.toml` is not valid: line 2: unknown variant `mysql`, expected one of \
         `sqlite`, `postgres`, `memory`; fix it or remove the offending key",
    );
    refused(
        &["new", "out", "--config", "missing.toml", "--yes"],
        "cannot read the answers file `missing.toml`: no such file; check the --config path",
    );
}

#[test]
fn providers_lists_algorithms_claims_and_environment() {
    let dir = TempDir::new().unwrap();
    let output = authgate(dir.path())
        .arg("providers")
        .assert()
        .success()
        .stderr("")
        .get_output()
        .stdout
        .clone();
    let stdout = String::from_utf8(output).unwrap();
    for expected in [
        "better-auth: ",
        "  algorithms:  EdDSA (default), ES256, ES512, RS256, PS256\n",
        "BETTER_AUTH_URL",
        "auth0: ",
        "  algorithms:  RS256 (default), PS256, HS256\n",
        "AUTH0_DOMAIN",
        "AUTH0_AUDIENCE",
        "clerk: ",
        "  algorithms:  RS256 (default)\n",
        "CLERK_AUTHORIZED_PARTIES",
        "oidc: ",
        "  algorithms:  RS256 (default), RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA\n",
        "OIDC_ISSUER",
        "shared-secret: ",
        "  algorithms:  HS256 (default), HS384, HS512\n",
        "JWT_SECRET",
        "  user claim:  sub",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in:\n{stdout}"
        );
    }
}

#[test]
fn completions_are_printed_for_each_shell() {
    let dir = TempDir::new().unwrap();
    for (shell, marker) in [
        ("bash", "complete -F _authgate"),
        ("zsh", "#compdef authgate"),
        ("fish", "complete -c authgate"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        authgate(dir.path())
            .args(["completions", shell])
            .assert()
            .success()
            .stderr("")
            .stdout(predicate::str::contains(marker))
            .stdout(predicate::str::contains("provider"))
            .stdout(predicate::str::contains("user-claim"));
    }
    assert!(tree(dir.path()).is_empty());
}

/// Without a terminal there is no colour, even when NO_COLOR is not set.
#[test]
fn no_colour_when_not_on_a_terminal() {
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join("taken"), "").unwrap();
    let mut cmd = authgate(dir.path());
    cmd.env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .args(["new", "taken", "--yes"])
        .assert()
        .code(2)
        .stderr("error: `taken` already exists and is not a directory; choose a new directory\n");
    authgate(dir.path())
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .args(["new", "my-api", "--yes"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("created `my-api/` with "))
        .stdout(predicate::str::contains("\x1b[").not());
}

#[test]
fn auth_refuses_a_target_that_is_not_a_rust_package() {
    refused(
        &["auth", "--yes"],
        "`.` has no Cargo.toml; `authgate auth` adds the auth module to a Rust package \
         (`authgate new <PATH>` creates a whole project)",
    );
    refused(
        &["auth", "some/project", "--provider", "auth0"],
        "`some/project` is not a directory; pass the directory of a Rust package",
    );
    refused(
        &["auth", "--check"],
        "`./authgate.toml` does not exist: there is no auth module to check; run `authgate auth` \
         to add one",
    );
    refused_with(
        |dir| fs::write(dir.join("Cargo.toml"), "[workspace]\nmembers = []\n").unwrap(),
        &["auth", "--yes"],
        "`./Cargo.toml` is a workspace manifest without a package; run `authgate auth` in the \
         directory of the member that should hold the auth module",
    );
    refused_with(
        |dir| {
            fs::write(
                dir.join("Cargo.toml"),
                "[package]\nname = \"old\"\nedition = \"2018\"\n",
            )
            .unwrap()
        },
        &["auth", "--yes"],
        "`./Cargo.toml` sets edition 2018; the auth module needs edition 2021 or 2024: migrate \
         with `cargo fix --edition`, set `edition = \"2021\"`, then run again",
    );
    refused_with(
        |dir| {
            fs::write(
                dir.join("Cargo.toml"),
                "[package]\nname = \"mine\"\nedition = \"2021\"\n\n[dependencies]\n\
                 jsonwebtoken = { version = \"11\", features = [\"rust_crypto\"] }\n",
            )
            .unwrap()
        },
        &[
            "auth",
            "--provider",
            "better-auth",
            "--alg",
            "ES512",
            "--yes",
        ],
        "`./Cargo.toml` builds jsonwebtoken with its RustCrypto backend (`rust_crypto`), and \
         ES512 is verified with aws-lc-rs, which authgate does not add beside it: choose another \
         algorithm with `--alg`, or switch jsonwebtoken to `aws_lc_rs`",
    );
    refused_with(
        |dir| {
            fs::write(
                dir.join("Cargo.toml"),
                "[package]\nname = \"mine\"\nedition = \"2021\"\n\n[dependencies]\n\
                 axum = \"0.7\"\nthiserror = { version = \"1.0\" }\ntokio = \"1.20\"\n",
            )
            .unwrap()
        },
        &["auth", "--provider", "better-auth", "--yes"],
        "`./Cargo.toml` requires axum 0.7, thiserror 1.0; the auth module needs axum 0.8, \
         thiserror 2, a breaking release apart: upgrade (and adapt your code) first, then run \
         again",
    );
    refused_with(
        |dir| {
            fs::write(
                dir.join("Cargo.toml"),
                "[package]\nname = \"mine\"\nedition = \"2024\"\n",
            )
            .unwrap()
        },
        &["auth"],
        "missing --provider (stdin is not a terminal; pass it, or --yes for the defaults)",
    );
    // Only the auth answers are flags of `auth`.
    for flag in ["--storage=memory", "--resource=notes", "--name=x"] {
        let dir = TempDir::new().unwrap();
        authgate(dir.path())
            .args(["auth", flag])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("unexpected argument"));
    }
}

#[test]
fn usage_errors_from_clap_exit_2() {
    for args in [
        &["new"][..],
        &["new", "x", "--user-in-path", "maybe"],
        &["new", "x", "--no-such-flag"],
        &["frobnicate"],
    ] {
        let dir = TempDir::new().unwrap();
        authgate(dir.path())
            .args(args)
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::starts_with("error: "));
        assert!(tree(dir.path()).is_empty());
    }
}

#[test]
fn help_and_version_succeed() {
    let dir = TempDir::new().unwrap();
    authgate(dir.path())
        .args(["new", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("mashing ENTER"));
    authgate(dir.path())
        .arg("--version")
        .assert()
        .success()
        .stdout(format!("authgate {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn an_empty_algorithm_list_is_refused() {
    refused(
        &["new", "my-api", "--yes", "--alg", ""],
        "--alg is empty; pass EdDSA, ES256, ES512, RS256 or PS256 for better-auth, or omit --alg \
         for the default",
    );
}

// ---------------------------------------------------------------------------------------------
// Resources and their fields: `--field`, `authgate add resource`

/// The field specs refused, by `authgate new --resource notes` and `authgate add resource
/// notes` alike, each with what the message says after `--field `SPEC`` (the same for both).
const REFUSED_FIELDS: &[(&str, &str)] = &[
    (
        "title",
        " has no type; write NAME:TYPE, e.g. `--field title:string` (types: string, string(N), \
         text, bool, int, float, date, datetime, uuid, enum(a|b|c))",
    ),
    (
        "Title:string",
        ": the name `Title` must be snake_case (lowercase ASCII letters, digits and `_`, starting \
         with a letter); write `title`",
    ),
    (
        "dueDate:date",
        ": the name `dueDate` must be snake_case (lowercase ASCII letters, digits and `_`, \
         starting with a letter); write `due_date`",
    ),
    (
        "1st:int",
        ": the name `1st` must be snake_case (lowercase ASCII letters, digits and `_`, starting \
         with a letter); e.g. `due_date`",
    ),
    (
        "a_name_that_is_longer_than_forty_characters:int",
        ": the name is longer than 40 characters (it names a column); choose a shorter one",
    ),
    (
        "self:string",
        ": `self` cannot name a field in Rust, even as a raw identifier; choose another name",
    ),
    (
        "title:str",
        ": unknown type `str`; the types are string, string(N), text, bool, int, float, date, \
         datetime, uuid, enum(a|b|c)",
    ),
    (
        "title:string(0)",
        ": string(N) takes a maximum N from 1 to 10000 characters; for longer text use `text` \
         (up to 100000)",
    ),
    (
        "title:string(10001)",
        ": string(N) takes a maximum N from 1 to 10000 characters; for longer text use `text` \
         (up to 100000)",
    ),
    (
        "title:string?x",
        ": unexpected `x` after the type; write NAME:TYPE[?][=DEFAULT], e.g. `--field \
         done:bool=false`",
    ),
    (
        "done:bool=yes",
        ": the default `yes` is not `true` or `false`; fix the default of `done` or remove \
         `=yes`",
    ),
    (
        "n:int=1.5",
        ": the default `1.5` is not an integer (64-bit); fix the default of `n` or remove `=1.5`",
    ),
    (
        "x:float=NaN",
        ": the default `NaN` is not a finite number, e.g. `1.5`; fix the default of `x` or \
         remove `=NaN`",
    ),
    (
        "d:date=2025-02-30",
        ": the default `2025-02-30` is not an ISO 8601 date, e.g. `2025-01-31`; fix the default \
         of `d` or remove `=2025-02-30`",
    ),
    (
        "t:datetime=yesterday",
        ": the default `yesterday` is not an RFC 3339 date and time, e.g. \
         `2025-01-31T09:00:00Z`; fix the default of `t` or remove `=yesterday`",
    ),
    (
        "u:uuid=123",
        ": the default `123` is not a UUID, e.g. `67e55044-10b1-426f-9247-bb680e5fe0c8`; fix the \
         default of `u` or remove `=123`",
    ),
    (
        "s:string(3)=toolong",
        ": the default `toolong` is not 1 to 3 characters, not all whitespace; fix the default \
         of `s` or remove `=toolong`",
    ),
    (
        "p:enum(low|high)=mid",
        ": the default `mid` is not one of the enum's values (low, high); fix the default of `p` \
         or remove `=mid`",
    ),
    (
        "p:enum()",
        ": an enum takes 1 to 64 values separated by `|`, e.g. `enum(low|normal|high)`",
    ),
    (
        "p:enum(a|A)",
        ": the enum value `A` repeats another (values that differ only in case, `-` or `_` are \
         the same Rust variant); remove one",
    ),
    (
        "p:enum(1st)",
        ": the enum value `1st` must start with a letter and hold only ASCII letters, digits, \
         `_` and `-` (at most 64), e.g. `enum(low|normal|high)`",
    ),
    (
        "id:uuid",
        ": `id` is reserved in `notes` (every item has `id`, `owner_id`, `created_at` and \
         `updated_at`; lists take `limit`, `cursor` and `sort`); rename the field",
    ),
    (
        "owner_id:uuid",
        ": `owner_id` is reserved in `notes` (every item has `id`, `owner_id`, `created_at` and \
         `updated_at`; lists take `limit`, `cursor` and `sort`); rename the field",
    ),
    (
        "cursor:string",
        ": `cursor` is reserved in `notes` (every item has `id`, `owner_id`, `created_at` and \
         `updated_at`; lists take `limit`, `cursor` and `sort`); rename the field",
    ),
];

/// A project `authgate new DIR --yes` generated, in `dir`.
fn generated_project(dir: &Path, name: &str) {
    let options = Options::defaults(name).unwrap();
    authgate::generate_project(&options, &dir.join(name)).unwrap();
}

/// A generated project whose answers file `answers` (TOML) describes, in `dir/name`.
fn generated_from(dir: &Path, name: &str, answers: &str) {
    fs::write(dir.join("answers.toml"), answers).unwrap();
    authgate(dir)
        .args(["new", name, "--yes", "--config", "answers.toml", "--quiet"])
        .assert()
        .success();
    fs::remove_file(dir.join("answers.toml")).unwrap();
}

/// `authgate new --resource notes` and `authgate add resource notes` in a generated project,
/// both with `flags`, exit 2 with `message` and write nothing.
fn refused_by_new_and_add(flags: &[&str], message: &str) {
    let new = ["new", "my-api", "--yes", "--resource", "notes"];
    refused(&[&new[..], flags].concat(), message);
    let add = ["add", "resource", "notes", "my-api"];
    refused_with(
        |dir| generated_project(dir, "my-api"),
        &[&add[..], flags].concat(),
        message,
    );
}

#[test]
fn refused_field_specs_exit_2_and_write_nothing_for_new_and_add() {
    for (spec, problem) in REFUSED_FIELDS {
        let message = format!("--field `{spec}`{problem}");
        refused_by_new_and_add(&["--field", spec], &message);
        // Among valid fields, and in an answers file.
        refused_by_new_and_add(&["--field", "ok:int", "--field", spec], &message);
        refused_with(
            |dir| {
                let toml = format!("[[resources]]\nname = \"notes\"\nfields = [{spec:?}]\n");
                fs::write(dir.join("answers.toml"), toml).unwrap();
            },
            &["new", "my-api", "--yes", "--config", "answers.toml"],
            &message,
        );
    }
    refused_by_new_and_add(
        &["--field", "title:string", "--field", "title:text"],
        "--field `title:text`: `notes` already has a field `title`; remove one or rename it",
    );
    let many: Vec<String> = (0..65).map(|i| format!("--field=f{i}:int")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    refused_by_new_and_add(
        &many,
        "`notes` has 65 fields, more than 64; split it into resources",
    );
    // A field whose enum would take the name of a type the resource's code declares.
    refused_by_new_and_add(
        &["--field", "page:enum(a|b)"],
        "`notes` would generate the type `NotePage`, which another resource or field already \
         takes; rename the resource or the field",
    );
}

const PROJECTS_AND_TASKS: &str = "[answers]\nname = \"my-api\"\n\n[[resources]]\n\
                                  name = \"projects\"\nfields = [\"name:string(120)\"]\n\n\
                                  [[resources]]\nname = \"tasks\"\nparent = \"projects\"\n";

#[test]
fn refused_models_exit_2_and_write_nothing_for_new_and_add() {
    let in_project = |dir: &Path| generated_from(dir, "my-api", PROJECTS_AND_TASKS);
    fn add<'a>(args: &[&'a str]) -> Vec<&'a str> {
        [&["add", "resource"][..], args].concat()
    }
    // A resource that exists (whatever its casing), a parent that does not, nesting too deep,
    // the parent's key as a field, a name that is not a plural noun.
    refused_with(
        in_project,
        &add(&["tasks", "my-api"]),
        "the resource `tasks` already exists; choose another name",
    );
    refused_with(
        in_project,
        &add(&["Projects", "my-api"]),
        "the resource `projects` already exists; choose another name",
    );
    refused_with(
        in_project,
        &add(&["notes", "my-api", "--parent", "folders"]),
        "the parent `folders` of `notes` does not exist (declared before it: projects, tasks); \
         create it first, or pass one of those",
    );
    refused_with(
        in_project,
        &add(&["notes", "my-api", "--parent", "tasks"]),
        "`notes` cannot nest under `tasks`, which already nests under `projects`: nesting is \
         one level deep; pass --parent projects, or no parent",
    );
    refused_with(
        in_project,
        &add(&[
            "notes",
            "my-api",
            "--parent",
            "projects",
            "--field",
            "project_id:uuid",
        ]),
        "--field `project_id:uuid`: `project_id` is reserved in `notes` (every item has `id`, \
         `owner_id`, `created_at` and `updated_at`, and `project_id` for its parent; lists take \
         `limit`, `cursor` and `sort`); rename the field",
    );
    refused_with(
        in_project,
        &add(&["note", "my-api"]),
        "--resource `note` must be a plural noun, e.g. `tasks` or `blog-posts`; pass --resource \
         notes",
    );
    refused_with(
        in_project,
        &add(&["notes", "my-api", "--parent", "project"]),
        "--resource `project` must be a plural noun, e.g. `tasks` or `blog-posts`; pass \
         --resource projects",
    );

    // The same models in an answers file for `authgate new`.
    let config =
        |text: &'static str| move |dir: &Path| fs::write(dir.join("answers.toml"), text).unwrap();
    let new = ["new", "my-api", "--yes", "--config", "answers.toml"];
    refused_with(
        config("[[resources]]\nname = \"tasks\"\n\n[[resources]]\nname = \"Tasks\"\n"),
        &new,
        "the resource `tasks` already exists; choose another name",
    );
    refused_with(
        config("[[resources]]\nname = \"tasks\"\nparent = \"projects\"\n"),
        &new,
        "the parent `projects` of `tasks` does not exist (none is declared before it); create \
         it first, or pass one of those",
    );
    refused_with(
        config(
            "[[resources]]\nname = \"orgs\"\n\n[[resources]]\nname = \"projects\"\n\
             parent = \"orgs\"\n\n[[resources]]\nname = \"tasks\"\nparent = \"projects\"\n",
        ),
        &new,
        "`tasks` cannot nest under `projects`, which already nests under `orgs`: nesting is one \
         level deep; pass --parent orgs, or no parent",
    );
    refused_with(
        config("[[resources]]\nname = \"tasks\"\nmigration = \"2025\"\n"),
        &new,
        "the migration `2025` of `tasks` is not a 14-digit version such as 20250101000000; fix \
         it in authgate.toml",
    );
    refused_with(
        config("[[resources]]\nname = \"tasks\"\n"),
        &[&new[..], &["--field", "title:string"]].concat(),
        "the answers file lists its resources (`[[resources]]`); --resource and --field cannot \
         add to them: edit the file, or use `authgate add resource` in the project",
    );
}

#[test]
fn add_resource_refuses_a_repository_authgate_did_not_generate() {
    refused(
        &["add", "resource", "notes", "nowhere"],
        "`nowhere` is not a directory; pass the directory of a Rust package",
    );
    refused_with(
        |dir| {
            fs::write(dir.join("Cargo.toml"), "[package]\nname = \"mine\"\n").unwrap();
        },
        &["add", "resource", "notes"],
        "`./` has no authgate.toml: a repository authgate did not generate has no resources to \
         add to; run `authgate add resource` in a project `authgate new` created",
    );
    refused_with(
        |dir| {
            fs::write(
                dir.join("authgate.toml"),
                "scope = \"auth-module\"\n[answers]\nprovider = \"auth0\"\n\
                 algorithms = [\"RS256\"]\nuser_claim = \"sub\"\n",
            )
            .unwrap();
        },
        &["add", "resource", "notes"],
        "`./authgate.toml` records an auth module only (scope = \"auth-module\"): a repository \
         authgate did not generate has no resources to add to; write the resource's routes \
         yourself, or run `authgate add resource` in a project `authgate new` created",
    );
    refused_with(
        |dir| fs::write(dir.join("authgate.toml"), "[answers]\ncolour = 1\n").unwrap(),
        &["add", "resource", "notes"],
        "`./authgate.toml` is not valid: line 2: unknown field `colour`, expected one of `name`, \
         `provider`, `algorithms`, `user_claim`, `storage`, `resource`, `user_in_path`; fix it \
         (it records the answers authgate generated this project from)",
    );
}

/// The resources `authgate.toml` records in `project`.
fn recorded_resources(project: &Path) -> Vec<authgate::resource::ResourceSpec> {
    let text = fs::read_to_string(project.join("authgate.toml")).unwrap();
    let answers = Answers::from_toml(&text).unwrap();
    let options = Options::from_answers(answers, NameSource::AnswersFile).unwrap();
    options.resources.iter().map(|r| r.spec()).collect()
}

#[test]
fn add_resource_writes_its_files_records_it_and_new_reproduces_it() {
    let dir = TempDir::new().unwrap();
    generated_project(dir.path(), "my-api");
    let project = dir.path().join("my-api");
    let applied = fs::read(project.join("migrations/20250101000000_create_tasks.sql")).unwrap();

    // --dry-run shows the diff and writes nothing.
    let before = contents(&project);
    let add_projects = [
        "add",
        "resource",
        "projects",
        "my-api",
        "--field",
        "name:string(120)",
        "--field",
        "archived:bool=false",
    ];
    authgate(dir.path())
        .args(add_projects)
        .arg("--dry-run")
        .assert()
        .success()
        .stderr("")
        .stdout(predicate::str::starts_with(
            "would add the resource `projects` to `my-api/`:\n",
        ))
        .stdout(predicate::str::contains("+++ b/src/routes/projects.rs\n"))
        .stdout(predicate::str::contains("+    Router::new()"))
        .stdout(predicate::str::ends_with("nothing written (--dry-run)\n"));
    assert!(contents(&project) == before, "--dry-run wrote files");

    authgate(dir.path())
        .args(add_projects)
        .assert()
        .success()
        .stderr("")
        .stdout(predicate::str::starts_with(
            "added the resource `projects` to `my-api/`:\n",
        ))
        .stdout(predicate::str::contains(
            "routes:\n  GET, POST                /api/{user_id}/projects\n  GET, PUT, PATCH, \
             DELETE  /api/{user_id}/projects/{id}\n",
        ));
    authgate(dir.path())
        .args(["add", "resource", "todos", "my-api", "--parent", "projects"])
        .args(["--field", "title:string", "--field", "due:date?"])
        .args([
            "--field",
            "priority:enum(low|normal|high)=normal",
            "--quiet",
        ])
        .assert()
        .success()
        .stdout("")
        .stderr("");

    // Recorded, in order, each with a migration version later than the one before.
    let resources = recorded_resources(&project);
    let names: Vec<&str> = resources.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["tasks", "projects", "todos"]);
    assert_eq!(resources[2].parent.as_deref(), Some("projects"));
    assert_eq!(
        resources[2].fields,
        [
            "title:string",
            "due:date?",
            "priority:enum(low|normal|high)=normal"
        ]
    );
    let versions: Vec<&str> = resources
        .iter()
        .map(|r| r.migration.as_deref().unwrap())
        .collect();
    assert_eq!(versions[0], "20250101000000");
    assert!(versions.iter().all(|v| v.len() == 14), "{versions:?}");
    assert!(versions.windows(2).all(|w| w[0] < w[1]), "{versions:?}");
    // The new files, and the applied migration unchanged.
    for (resource, version) in [("projects", versions[1]), ("todos", versions[2])] {
        for file in [
            format!("migrations/{version}_create_{resource}.sql"),
            format!("src/routes/{resource}.rs"),
            format!("src/store/{resource}.rs"),
        ] {
            assert!(project.join(&file).is_file(), "{file} is missing");
        }
    }
    assert_eq!(
        fs::read(project.join("migrations/20250101000000_create_tasks.sql")).unwrap(),
        applied
    );
    let routes = fs::read_to_string(project.join("src/routes/todos.rs")).unwrap();
    assert!(
        routes.contains("\"/api/{user_id}/projects/{project_id}/todos\""),
        "{routes}"
    );

    // `authgate new --config` with that authgate.toml writes the same project, byte for byte.
    authgate(dir.path())
        .args([
            "new",
            "other",
            "--config",
            "my-api/authgate.toml",
            "--vcs",
            "none",
            "--quiet",
        ])
        .assert()
        .success();
    let (added, new) = (contents(&project), contents(&dir.path().join("other")));
    let differing: Vec<&PathBuf> = added
        .keys()
        .chain(new.keys())
        .filter(|path| added.get(*path) != new.get(*path))
        .collect();
    assert!(differing.is_empty(), "{differing:?}");
}

#[test]
fn add_resource_merges_your_edits_and_marks_overlapping_ones() {
    let dir = TempDir::new().unwrap();
    generated_project(dir.path(), "my-api");
    let project = dir.path().join("my-api");
    let mod_rs = project.join("src/routes/mod.rs");
    let store = project.join("src/store/mod.rs");
    let original = fs::read_to_string(&mod_rs).unwrap();
    // An edit apart from authgate's (merged cleanly), and one on the line it changes.
    fs::write(
        &store,
        format!("{}\n// mine\n", fs::read_to_string(&store).unwrap()),
    )
    .unwrap();
    let clash = original.replace(
        "Router::new().merge(tasks::router())",
        "Router::new().merge(tasks::router()).merge(mine::router())",
    );
    assert_ne!(clash, original);
    fs::write(&mod_rs, &clash).unwrap();

    authgate(dir.path())
        .args(["add", "resource", "notes", "my-api"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "  conflict  src/routes/mod.rs (your edits and authgate's overlap)\n",
        ))
        .stdout(predicate::str::contains(
            "  merged    src/store/mod.rs (with your edits)\n",
        ))
        .stdout(predicate::str::contains(
            "  created   src/routes/notes.rs\n",
        ))
        .stderr(
            "error: your edits and authgate's overlap in `src/routes/mod.rs`; resolve the \
             conflict markers (<<<<<<< yours ... >>>>>>> authgate) there, then run `cargo test`\n",
        );
    let marked = fs::read_to_string(&mod_rs).unwrap();
    assert!(marked.contains("<<<<<<< yours"), "{marked}");
    assert!(marked.contains("merge(mine::router())"), "{marked}");
    assert!(marked.contains("merge(notes::router())"), "{marked}");
    let merged = fs::read_to_string(&store).unwrap();
    assert!(
        merged.contains("// mine\n") && merged.contains("mod notes;"),
        "{merged}"
    );
    assert_eq!(recorded_resources(&project).len(), 2);

    // Markers left in place stop the next addition before it writes anything.
    refused_with_code(
        &project,
        &["add", "resource", "tags", "."],
        1,
        "error: `src/routes/mod.rs` still has conflict markers; resolve them (keep the lines you \
         want, delete the <<<<<<<, |||||||, ======= and >>>>>>> lines), then run `authgate add \
         resource` again\n",
    );
}

/// Runs `args` in `dir`, expects exit status `code` with exactly `stderr`, and that nothing
/// was written.
fn refused_with_code(dir: &Path, args: &[&str], code: i32, stderr: &str) {
    let before = contents(dir);
    authgate(dir)
        .args(args)
        .assert()
        .code(code)
        .stdout("")
        .stderr(stderr.to_owned());
    assert!(
        contents(dir) == before,
        "`authgate {}` wrote files",
        args.join(" ")
    );
}

/// `git ARGS` in `dir`, which must succeed; its stdout.
fn git(dir: &Path, args: &[&str]) -> String {
    let output = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "`git {}` failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn new_initialises_a_git_repository_as_cargo_new_does() {
    let dir = TempDir::new().unwrap();
    authgate(dir.path())
        .args(["new", "my-api", "--yes", "--quiet"])
        .assert()
        .success()
        .stderr("");
    let project = dir.path().join("my-api");
    assert_eq!(
        git(&project, &["rev-parse", "--show-toplevel"]).trim(),
        project.canonicalize().unwrap().to_str().unwrap(),
        "the project is the top of its own repository"
    );
    // Every file authgate wrote is there to be committed: none is ignored by its .gitignore.
    let untracked: BTreeSet<PathBuf> = git(&project, &["status", "--porcelain", "-uall"])
        .lines()
        .map(|line| PathBuf::from(line.strip_prefix("?? ").unwrap()))
        .collect();
    let files: BTreeSet<PathBuf> = default_project_files().into_iter().collect();
    assert_eq!(untracked, files);
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no staging left"
    );

    // In place, into an empty directory, too.
    let empty = dir.path().join("empty");
    fs::create_dir(&empty).unwrap();
    authgate(&empty)
        .args(["new", ".", "--yes", "--quiet", "--name", "my-api"])
        .assert()
        .success();
    assert!(empty.join(".git").is_dir());
}

#[test]
fn vcs_none_initialises_no_repository() {
    let dir = TempDir::new().unwrap();
    authgate(dir.path())
        .args(["new", "my-api", "--yes", "--quiet", "--vcs", "none"])
        .assert()
        .success()
        .stderr("");
    let project = dir.path().join("my-api");
    assert!(project.join("Cargo.toml").is_file());
    assert!(!project.join(".git").exists());
}

/// As `cargo new`: no repository nested in an existing work tree, unless `--vcs git` asks for
/// one or the directory is ignored there.
#[test]
fn no_repository_is_nested_in_an_existing_work_tree() {
    let outer = TempDir::new().unwrap();
    git(outer.path(), &["init", "--quiet"]);
    fs::write(outer.path().join(".gitignore"), "/scratch\n").unwrap();
    fs::create_dir_all(outer.path().join("services")).unwrap();
    authgate(&outer.path().join("services"))
        .args(["new", "my-api", "--yes", "--quiet"])
        .assert()
        .success()
        .stderr("");
    let project = outer.path().join("services/my-api");
    assert!(project.join("Cargo.toml").is_file());
    assert!(!project.join(".git").exists(), "a repository was nested");
    let status = git(outer.path(), &["status", "--porcelain", "-uall"]);
    assert!(
        status.contains("?? services/my-api/Cargo.toml"),
        "the outer repository sees the project: {status}"
    );

    authgate(outer.path())
        .args(["new", "nested", "--yes", "--quiet", "--vcs", "git"])
        .assert()
        .success();
    assert!(outer.path().join("nested/.git").is_dir(), "--vcs git nests");

    fs::create_dir(outer.path().join("scratch")).unwrap();
    authgate(&outer.path().join("scratch"))
        .args(["new", "my-api", "--yes", "--quiet"])
        .assert()
        .success();
    assert!(
        outer.path().join("scratch/my-api/.git").is_dir(),
        "an ignored directory is not part of the work tree"
    );
}

/// A directory for PATH holding only a `git` that prints `message` on stderr and exits 1.
#[cfg(unix)]
fn failing_git(dir: &Path, message: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let bin = dir.join("bin");
    fs::create_dir(&bin).unwrap();
    let script = bin.join("git");
    fs::write(
        &script,
        format!("#!/bin/sh\necho '{message}' >&2\nexit 1\n"),
    )
    .unwrap();
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

/// A directory for PATH with the tools `authgate new` may run, but no `git`.
#[cfg(unix)]
fn path_without_git(dir: &Path) -> PathBuf {
    let bin = dir.join("no-git");
    fs::create_dir(&bin).unwrap();
    for tool in ["rustfmt", "cargo", "rustc"] {
        let found = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
            .map(|dir| dir.join(tool))
            .find(|path| path.is_file());
        if let Some(found) = found {
            std::os::unix::fs::symlink(found, bin.join(tool)).unwrap();
        }
    }
    assert!(!bin.join("git").exists());
    bin
}

#[cfg(unix)]
#[test]
fn without_git_the_project_is_written_and_one_line_says_so() {
    let dir = TempDir::new().unwrap();
    let no_git = path_without_git(dir.path());
    let work = dir.path().join("work");
    fs::create_dir(&work).unwrap();
    authgate(&work)
        .args(["new", "my-api", "--yes"])
        .env("PATH", &no_git)
        .assert()
        .success()
        .stderr(format!("{}\n", authgate::vcs::GIT_MISSING));
    assert!(work.join("my-api/Cargo.toml").is_file());
    assert!(!work.join("my-api/.git").exists());
}

#[cfg(unix)]
#[test]
fn a_failing_git_init_leaves_nothing_written() {
    let dir = TempDir::new().unwrap();
    let bin = failing_git(dir.path(), "fatal: out of cheese");
    let work = dir.path().join("work");
    fs::create_dir_all(work.join("in-place")).unwrap();
    for (cwd, target) in [(&work, "my-api"), (&work.join("in-place"), ".")] {
        let before = tree(&work);
        authgate(cwd)
            .args(["new", target, "--yes", "--name", "my-api"])
            .env("PATH", &bin)
            .assert()
            .code(1)
            .stdout("")
            .stderr(predicate::str::contains("fatal: out of cheese"))
            .stderr(predicate::str::contains("--vcs none"));
        assert_eq!(tree(&work), before, "`authgate new {target}` left files");
    }
}
