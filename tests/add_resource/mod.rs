//! `authgate add resource` in a generated project whose shared files the user has edited (the
//! routes and store modules, then the parent's route module): every edit is kept through the
//! three-way merge, and the result passes `cargo fmt --check`, clippy `-D warnings` and its own
//! `cargo test`, the user's own tests among them.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

use super::support::cargo::{cargo, repo_dir};
use super::{MIN_GENERATED_TESTS, integration_test_results};

/// The package's name: unique in the shared target directory.
const PACKAGE: &str = "api-add-resource";

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

#[test]
fn add_resource_keeps_your_edits_and_the_result_passes_fmt_clippy_and_its_own_tests() {
    let parent = repo_dir().join("target/generated-projects");
    let dir = parent.join("add-resource");
    if dir.exists() {
        fs::remove_dir_all(&dir).unwrap();
    }
    fs::create_dir_all(&parent).unwrap();
    authgate(
        &parent,
        &["new", "add-resource", "--yes", "--name", PACKAGE, "--quiet"],
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

    cargo(&dir, "add-resource", &["fmt", "--check"]);
    cargo(
        &dir,
        "add-resource",
        &["clippy", "--all-targets", "--", "-D", "warnings"],
    );
    let output = cargo(&dir, "add-resource", &["test"]);
    for own in [
        "test routes::own::the_version_is_the_package_version ... ok",
        "test store::own::an_empty_page_holds_nothing ... ok",
    ] {
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
