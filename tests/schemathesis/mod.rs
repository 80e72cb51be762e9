//! The generated server against its own OpenAPI document: schemathesis, a schema-driven fuzzer,
//! sends requests generated from `/openapi.json` (valid ones and deliberately broken ones: bad
//! JSON, wrong types, missing or wrong `Content-Type`, no or a bad token, unknown methods) with a
//! real Better Auth token, and fails on any 5xx, any status the document does not declare, any
//! body or header that breaks the declared schema, and the other checks of `--checks all`.
//!
//! schemathesis is installed with pip, at the exact versions of `requirements.txt`, into
//! `target/schemathesis/venv/` once per change of that file (serialised across test processes).
//! Python 3.10+ with the `venv` module is required; a missing Python is a failure, never a skip.

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

use super::support::better_auth::BetterAuthServer;
use super::support::cargo::{repo_dir, tail};
use super::support::node::DirLock;
use super::{PASSWORD, RunningApi, Scenario, generate};

/// Written into the venv after a successful install: the requirements it was installed from.
const STAMP_FILE: &str = ".authgate-requirements-stamp";
/// Test cases per API operation and phase; with the fixed seed, the same cases every run.
const MAX_EXAMPLES: &str = "100";
/// A bound on the whole run (it takes well under a minute), should the server get slow.
const TIME_LIMIT: Duration = Duration::from_secs(600);
const SEED: &str = "20261201";

#[test]
fn default_project_answers_only_what_its_openapi_document_declares() {
    answers_only_what_its_openapi_document_declares(&Scenario::default_project());
}

#[test]
fn token_scoped_project_answers_only_what_its_openapi_document_declares() {
    answers_only_what_its_openapi_document_declares(&Scenario::memory_token_scoped());
}

/// Runs schemathesis against the scenario's server, with a Better Auth user's token and, when
/// the routes name a user, that user's id as `{user_id}`; fails with its report on any failure.
fn answers_only_what_its_openapi_document_declares(scenario: &Scenario) {
    let st = schemathesis();
    let binary = generate(scenario).binary();
    let auth = BetterAuthServer::start();
    let alice = auth.sign_up("alice@example.com", PASSWORD, "Alice Example");
    let token = auth.jwt(&alice.session_token);
    let api = RunningApi::start(&binary, &[("BETTER_AUTH_URL", auth.base_url())]);

    // schemathesis writes its reports and caches in its working directory.
    let work = tempfile::tempdir().expect("a temporary directory");
    let log_path = work.path().join("schemathesis.log");
    let log = fs::File::create(&log_path).expect("a log file");
    let started = Instant::now();
    let mut child = Command::new(&st)
        .arg("--config-file")
        .arg(repo_dir().join("tests/schemathesis/schemathesis.toml"))
        .args(["run", &format!("{}/openapi.json", api.base_url)])
        .args(["--checks", "all"])
        .args(["--max-examples", MAX_EXAMPLES])
        .args(["--seed", SEED])
        .args(["--workers", "1", "--no-color"])
        .env("AUTHGATE_TOKEN", &token)
        .env("AUTHGATE_USER_ID", &alice.user_id)
        .env("NO_PROXY", "127.0.0.1")
        .current_dir(work.path())
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("a log file"))
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", st.display()));
    let status = loop {
        if let Some(status) = child.try_wait().expect("schemathesis' status") {
            break Some(status);
        }
        if started.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(200));
    };
    let report = fs::read_to_string(&log_path).unwrap_or_default();
    eprintln!(
        "schemathesis: scenario `{}`: {status:?} in {:.1?}; the end of its report:\n{}",
        scenario.name,
        started.elapsed(),
        tail(&report, 25)
    );
    let status = status.unwrap_or_else(|| {
        panic!("schemathesis did not finish within {TIME_LIMIT:?}; its output:\n{report}")
    });
    assert!(
        status.success(),
        "schemathesis found failures against scenario `{}` ({status}):\n{report}\n--- the \
         end of the server's log\n{}",
        scenario.name,
        tail(&api.process.log(), 100)
    );
}

/// The `st` program of the venv, installed from `requirements.txt` at most once per test run
/// and reinstalled when that file changes.
fn schemathesis() -> PathBuf {
    static INSTALLED: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let installed = INSTALLED.get_or_init(|| {
        std::panic::catch_unwind(install).map_err(|panic| super::panic_message(&*panic))
    });
    match installed {
        Ok(st) => st.clone(),
        Err(message) => panic!("{message}"),
    }
}

fn install() -> PathBuf {
    let requirements_file = repo_dir().join("tests/schemathesis/requirements.txt");
    let requirements = fs::read(&requirements_file)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", requirements_file.display()));
    let dir = repo_dir().join("target/schemathesis");
    let venv = dir.join("venv");
    let st = venv.join("bin/st");
    let stamp = venv.join(STAMP_FILE);
    let fresh = || fs::read(&stamp).is_ok_and(|s| s == requirements) && st.is_file();
    if fresh() {
        return st;
    }
    fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    let _lock = DirLock::acquire(&dir.join(".pip-install.lock"));
    if fresh() {
        return st; // another process installed while we waited
    }
    let started = Instant::now();
    if venv.exists() {
        fs::remove_dir_all(&venv)
            .unwrap_or_else(|e| panic!("cannot remove the old {}: {e}", venv.display()));
    }
    run(
        Command::new("python3").args(["-m", "venv"]).arg(&venv),
        "Python 3.10+ with its venv module is required (Debian/Ubuntu: `apt-get install \
         python3 python3-venv`)",
    );
    run(
        Command::new(venv.join("bin/pip"))
            .args([
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
            ])
            .arg("--requirement")
            .arg(&requirements_file),
        "pip could not install the pinned schemathesis",
    );
    fs::write(&stamp, &requirements)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", stamp.display()));
    eprintln!(
        "schemathesis: installed into {} in {:.1?}",
        venv.display(),
        started.elapsed()
    );
    st
}

/// Runs `command`, panicking with `help` and its output when it cannot start or fails.
fn run(command: &mut Command, help: &str) {
    let shown = format!("{command:?}");
    let output = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {shown}: {e}\n{help}"));
    assert!(
        output.status.success(),
        "{shown} failed ({}):\n{}{}\n{help}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
}
