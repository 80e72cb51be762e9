//! Snapshots of the rendered default project: every file, in one snapshot, so a template change
//! shows up as one reviewable diff.
//!
//! Accept an intended change with `INSTA_UPDATE=always cargo test --test snapshots` (or
//! `cargo insta review`). With `CI=true` (or `INSTA_UPDATE=no`) a mismatch fails and nothing is
//! written.

use authgate::options::Options;
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
