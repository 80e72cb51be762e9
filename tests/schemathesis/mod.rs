//! The generated server against its own OpenAPI document: schemathesis, a schema-driven fuzzer,
//! sends requests generated from `/openapi.json` (valid ones and deliberately broken ones: bad
//! JSON, wrong types, missing or wrong `Content-Type`, no or a bad token, unknown methods) with a
//! real Better Auth token, and fails on any 5xx, any status the document does not declare, any
//! body or header that breaks the declared schema, and the other checks of `--checks all`.
//!
//! schemathesis is installed with pip, at the exact versions of `requirements.txt`, into
//! `target/schemathesis/venv/` (see `support::venv`).

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use super::support::better_auth::BetterAuthServer;
use super::support::cargo::{repo_dir, tail};
use super::support::venv::venv_bin;
use super::{PASSWORD, RunningApi, Scenario, generate};

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

/// The `st` program of the venv `target/schemathesis/venv/`, installed from
/// `requirements.txt`.
fn schemathesis() -> PathBuf {
    venv_bin("schemathesis", "tests/schemathesis/requirements.txt").join("st")
}
