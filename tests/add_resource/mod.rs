//! `authgate add resource` in a generated project whose shared files the user has edited (the
//! routes and store modules, the PostgreSQL store's module, then the parent's route module): every
//! edit is kept through the three-way merge, and the result passes `cargo fmt --check`, clippy `-D
//! warnings` and its own `cargo test`, the user's own tests among them. On SQLite and on
//! PostgreSQL, whose store holds a queue of creates for each resource.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

use super::support::cargo::{cargo, repo_dir};
use super::{MIN_GENERATED_TESTS, integration_test_results};

/// Runs `authgate ARGS` in `dir`, which must succeed; returns what it printed.
fn authgate(dir: &Path, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_authgate"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("authgate runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "`authgate {}` failed ({}):\n{stdout}{}",
        args.join(" "),
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Replaces `from` (which must be there) by `to` in the file at `path`.
fn edit(path: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        text.contains(from),
        "{}: no {from:?} in:\n{text}",
        path.display()
    );
    fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// Appends `text` to the file at `path`.
fn append(path: &Path, text: &str) {
    let mut all = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    all.push_str(text);
    fs::write(path, all).unwrap();
}

fn assert_kept(path: &Path, lines: &[&str]) {
    let text = fs::read_to_string(path).unwrap();
    for line in lines {
        assert!(
            text.contains(line),
            "{}: the edit {line:?} was lost:\n{text}",
            path.display()
        );
    }
    assert!(
        !text.contains("<<<<<<<"),
        "{}: conflict markers",
        path.display()
    );
}

/// The user's own route beside authgate's (in `public()`, which adding a resource leaves alone),
/// with a test of its own.
const OWN_ROUTE: &str = "
/// The API's version: a route of our own, beside authgate's.
fn version() -> &'static str {
    env!(\"CARGO_PKG_VERSION\")
}

#[cfg(test)]
mod own {
    #[test]
    fn the_version_is_the_package_version() {
        assert_eq!(super::version(), env!(\"CARGO_PKG_VERSION\"));
    }
}
";

/// A helper of the user's in the store module, with a test of its own.
const OWN_STORE_HELPER: &str = "
/// How many items a page holds: a helper of our own.
pub fn page_len<T>(page: &Page<T>) -> usize {
    page.items.len()
}

#[cfg(test)]
mod own {
    #[test]
    fn an_empty_page_holds_nothing() {
        let page: super::Page<()> = super::Page {
            items: Vec::new(),
            next: None,
        };
        assert_eq!(super::page_len(&page), 0);
    }
}
";

/// A test of the user's in the PostgreSQL store's module, which adding a resource rewrites (a
/// queue of creates for each resource).
const OWN_POSTGRES_TEST: &str = "
#[cfg(test)]
mod own {
    #[test]
    fn a_unique_violation_is_not_a_retry_later() {
        assert!(!super::is_unavailable(\"23505\"));
        assert!(super::is_unavailable(\"57P01\"));
    }
}
";

#[test]
fn add_resource_keeps_your_edits_and_the_result_passes_fmt_clippy_and_its_own_tests() {
    add_resource_keeps_your_edits("add-resource", "sqlite");
}

#[test]
fn add_resource_on_postgres_keeps_your_edits_and_the_result_passes_fmt_clippy_and_its_own_tests() {
    add_resource_keeps_your_edits("add-resource-pg", "postgres");
}

/// Generates the project `name` (also its package's name, unique in the shared target
/// directory) with `storage`, edits it, adds two resources and checks the result.
fn add_resource_keeps_your_edits(name: &str, storage: &str) {
    let parent = repo_dir().join("target/generated-projects");
    let dir = parent.join(name);
    if dir.exists() {
        fs::remove_dir_all(&dir).unwrap();
    }
    fs::create_dir_all(&parent).unwrap();
    authgate(
        &parent,
        &[
            "new",
            name,
            "--yes",
            "--name",
            &format!("api-{name}"),
            "--storage",
            storage,
            "--quiet",
        ],
    );
    let routes = dir.join("src/routes/mod.rs");
    let store = dir.join("src/store/mod.rs");
    edit(
        &routes,
        "    health::router()\n",
        "    health::router().route(\"/version\", axum::routing::get(|| async { version() }))\n",
    );
    append(&routes, OWN_ROUTE);
    edit(
        &store,
        "/// A page of items in the order asked for;",
        "/// A page of items (edited: see `page_len`) in the order asked for;",
    );
    append(&store, OWN_STORE_HELPER);
    let postgres = dir.join("src/store/postgres.rs");
    let on_postgres = storage == "postgres";
    if on_postgres {
        append(&postgres, OWN_POSTGRES_TEST);
    }

    let report = authgate(
        &dir,
        &[
            "add",
            "resource",
            "projects",
            "--field",
            "name:string(120)",
            "--field",
            "archived:bool=false",
        ],
    );
    for line in [
        "  merged    src/routes/mod.rs (with your edits)\n",
        "  merged    src/store/mod.rs (with your edits)\n",
        "  created   src/routes/projects.rs\n",
    ] {
        assert!(report.contains(line), "{line:?} missing from:\n{report}");
    }
    if on_postgres {
        let line = "  merged    src/store/postgres.rs (with your edits)\n";
        assert!(report.contains(line), "{line:?} missing from:\n{report}");
    }

    // The parent's own module, edited before a child is added under it.
    let projects = dir.join("src/routes/projects.rs");
    append(&projects, "\n// Projects: reviewed by hand.\n");
    let report = authgate(
        &dir,
        &[
            "add",
            "resource",
            "todos",
            "--parent",
            "projects",
            "--field",
            "title:string",
            "--field",
            "due:date?",
            "--field",
            "priority:enum(low|normal|high)=normal",
            "--field",
            "estimate:int?",
            "--field",
            "ratio:float=0.5",
            "--field",
            "notes:text?",
            "--field",
            "at:datetime?",
            "--field",
            "ref:uuid?",
        ],
    );
    assert!(
        report.contains("  merged    src/routes/projects.rs (with your edits)\n"),
        "{report}"
    );
    assert!(
        report.contains("GET, POST                /api/{user_id}/projects/{project_id}/todos\n"),
        "{report}"
    );

    assert_kept(
        &routes,
        &[
            "health::router().route(\"/version\"",
            "fn the_version_is_the_package_version()",
            "mod projects;",
            "mod todos;",
        ],
    );
    assert_kept(
        &store,
        &[
            "(edited: see `page_len`)",
            "pub fn page_len<T>",
            "mod projects;",
            "mod todos;",
        ],
    );
    assert_kept(&projects, &["// Projects: reviewed by hand."]);
    if on_postgres {
        assert_kept(
            &postgres,
            &[
                "fn a_unique_violation_is_not_a_retry_later()",
                "projects: Creates<",
                "todos: Creates<",
            ],
        );
    }

    cargo(&dir, name, &["fmt", "--check"]);
    cargo(
        &dir,
        name,
        &["clippy", "--all-targets", "--", "-D", "warnings"],
    );
    let output = cargo(&dir, name, &["test"]);
    let mut own = vec![
        "test routes::own::the_version_is_the_package_version ... ok",
        "test store::own::an_empty_page_holds_nothing ... ok",
    ];
    if on_postgres {
        own.push("test store::postgres::own::a_unique_violation_is_not_a_retry_later ... ok");
    }
    for own in own {
        assert!(output.contains(own), "{own:?} did not run");
    }
    // The added resources' own generated suites ran too.
    for suite in ["test projects::", "test todos::"] {
        assert!(output.contains(suite), "no `{suite}` test ran");
    }
    let passed: u64 = integration_test_results(&output)
        .iter()
        .map(|(_, passed)| passed)
        .sum();
    assert!(
        passed >= MIN_GENERATED_TESTS,
        "the integration tests passed {passed} tests"
    );
}
