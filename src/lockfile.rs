//! The `Cargo.lock` of a generated project: the exact versions authgate's own tests built and
//! ran generated projects with.
//!
//! How one set of versions serves every configuration:
//! - `tests/lockfiles/superset.Cargo.lock` is cargo's resolution of a manifest that has every
//!   dependency of every configuration, with the union of their features. It is the one place
//!   where versions are chosen.
//! - The dependencies a configuration adds beyond the others change which packages are in its
//!   graph: the storage backend (sqlx's SQLite or PostgreSQL driver, or no sqlx) and the features
//!   the provider turns on in jsonwebtoken (`use_pem` for Clerk). Each such class has its lock
//!   in `lockfiles/` (`sqlite.Cargo.lock`, `sqlite+use_pem.Cargo.lock`, ...): what cargo makes
//!   of the superset's lock for the class's fullest manifest, so with the superset's versions.
//! - The other answers only add or drop direct dependencies that are in the graph anyway
//!   (`url`, `percent-encoding`), which changes nothing but the project's own entry. Rendering
//!   takes the class's lock, names that entry after the project, keeps in its `dependencies`
//!   those the rendered Cargo.toml names, and puts it where cargo sorts it.
//!
//! `tests/lockfiles.rs` checks that the result is byte for byte what cargo writes for every
//! distinct manifest of every answer, and rewrites the locks with `UPDATE_LOCKS=1`.

use anyhow::{Context, Result, bail};
use include_dir::{Dir, include_dir};

use crate::options::Options;

/// The lock of every class, embedded at build time.
static LOCKS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/lockfiles");

/// The name of the project's own entry in the checked-in locks.
pub const PLACEHOLDER: &str = "authgate-lock";

/// The file name suffix of a checked-in lock.
pub const SUFFIX: &str = ".Cargo.lock";

/// The class of `options`: the storage backend, then jsonwebtoken's extra features (`+use_pem`).
pub fn class(options: &Options) -> String {
    let mut class = options.storage.as_str().to_owned();
    for feature in options.provider.spec().jsonwebtoken_features {
        class.push('+');
        class.push_str(feature);
    }
    class
}

/// The checked-in lock of `class`, if there is one.
pub fn checked_in(class: &str) -> Option<&'static str> {
    LOCKS
        .get_file(format!("{class}{SUFFIX}"))
        .and_then(|file| file.contents_utf8())
}

/// The `Cargo.lock` of the project of `options`, whose rendered Cargo.toml is `manifest`.
pub fn render(options: &Options, manifest: &str) -> Result<String> {
    let class = class(options);
    let lock = checked_in(&class)
        .with_context(|| format!("authgate has no Cargo.lock for `{class}` projects"))?;
    let direct = direct_dependencies(manifest)?;
    for_project(lock, &options.project_name(), &direct)
}

/// The names of the dependencies `manifest` declares (normal, dev and build).
pub fn direct_dependencies(manifest: &str) -> Result<Vec<String>> {
    let document: toml_edit::DocumentMut = manifest
        .parse()
        .context("the rendered Cargo.toml is not TOML")?;
    let mut names = Vec::new();
    for table in ["dependencies", "dev-dependencies", "build-dependencies"] {
        if let Some(table) = document.get(table).and_then(|item| item.as_table_like()) {
            for (name, spec) in table.iter() {
                let package = spec
                    .as_table_like()
                    .and_then(|spec| spec.get("package"))
                    .and_then(|package| package.as_str());
                names.push(package.unwrap_or(name).to_owned());
            }
        }
    }
    Ok(names)
}

/// `lock` with its [`PLACEHOLDER`] entry renamed `name`, depending on the packages of `direct`
/// only, and moved where cargo sorts it (by name, then version).
pub fn for_project(lock: &str, name: &str, direct: &[String]) -> Result<String> {
    let mut blocks: Vec<String> = lock.trim_end().split("\n\n").map(str::to_owned).collect();
    let placeholder = format!("[[package]]\nname = \"{PLACEHOLDER}\"\n");
    let Some(at) = blocks
        .iter()
        .position(|block| block.starts_with(&placeholder))
    else {
        bail!("the checked-in Cargo.lock has no `{PLACEHOLDER}` package");
    };
    let own = blocks.remove(at);
    let mut entry = String::new();
    let mut in_dependencies = false;
    for line in own.lines() {
        if line == format!("name = \"{PLACEHOLDER}\"") {
            entry.push_str(&format!("name = \"{name}\"\n"));
            continue;
        }
        if line == "dependencies = [" {
            in_dependencies = true;
        } else if in_dependencies && line == "]" {
            in_dependencies = false;
        } else if in_dependencies {
            // ` "name",` or ` "name version",` when the lock has several versions of it.
            let package = line.trim().trim_matches(|c| c == '"' || c == ',');
            let package = package.split(' ').next().unwrap_or_default();
            if !direct.iter().any(|direct| direct == package) {
                continue;
            }
        }
        entry.push_str(line);
        entry.push('\n');
    }
    let entry = entry.trim_end().to_owned();
    let key = |block: &str| -> Option<(String, String)> {
        let mut lines = block.lines();
        (lines.next()? == "[[package]]").then_some(())?;
        let field = |line: Option<&str>, key: &str| {
            line?
                .strip_prefix(&format!("{key} = \""))?
                .strip_suffix('"')
                .map(str::to_owned)
        };
        Some((
            field(lines.next(), "name")?,
            field(lines.next(), "version")?,
        ))
    };
    let own_key = key(&entry).context("the project's entry has no name and version")?;
    let position = blocks
        .iter()
        .position(|block| key(block).is_some_and(|other| other > own_key))
        .unwrap_or(blocks.len());
    blocks.insert(position, entry);
    let mut text = blocks.join("\n\n");
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::{Options, Storage};
    use crate::provider::Provider;

    const LOCK: &str = "\
# This file is automatically @generated by Cargo.
# It is not intended for manual editing.
version = 4

[[package]]
name = \"anyhow\"
version = \"1.0.0\"
source = \"registry+https://github.com/rust-lang/crates.io-index\"

[[package]]
name = \"authgate-lock\"
version = \"0.1.0\"
dependencies = [
 \"anyhow\",
 \"base64 0.22.1\",
 \"url\",
]

[[package]]
name = \"base64\"
version = \"0.21.7\"
source = \"registry+https://github.com/rust-lang/crates.io-index\"

[[package]]
name = \"base64\"
version = \"0.22.1\"
source = \"registry+https://github.com/rust-lang/crates.io-index\"

[[package]]
name = \"url\"
version = \"2.0.0\"
source = \"registry+https://github.com/rust-lang/crates.io-index\"
";

    fn names(lock: &str) -> Vec<&str> {
        lock.lines()
            .filter_map(|line| line.strip_prefix("name = \""))
            .map(|name| name.trim_end_matches('"'))
            .collect()
    }

    #[test]
    fn the_project_entry_is_renamed_filtered_and_sorted() {
        let direct = ["anyhow".to_owned(), "base64".to_owned()];
        let lock = for_project(LOCK, "my-api", &direct).unwrap();
        assert_eq!(
            names(&lock),
            ["anyhow", "base64", "base64", "my-api", "url"]
        );
        assert!(
            lock.contains(
                "name = \"my-api\"\nversion = \"0.1.0\"\ndependencies = [\n \"anyhow\",\n \
                 \"base64 0.22.1\",\n]\n\n[[package]]\nname = \"url\""
            ),
            "{lock}"
        );
        let last = for_project(LOCK, "zz-api", &direct).unwrap();
        assert_eq!(
            names(&last),
            ["anyhow", "base64", "base64", "url", "zz-api"]
        );
        assert!(last.ends_with("]\n") && !last.ends_with("\n\n"), "{last}");
        let first = for_project(LOCK, "a-api", &direct).unwrap();
        assert_eq!(names(&first)[0], "a-api");
        assert_eq!(first.len(), lock.len() - "my-api".len() + "a-api".len());
    }

    #[test]
    fn a_lock_without_the_placeholder_is_refused() {
        assert!(for_project("version = 4\n", "my-api", &[]).is_err());
    }

    #[test]
    fn every_class_of_new_projects_has_a_lock() {
        for storage in Storage::ALL {
            for provider in Provider::ALL {
                let mut options = Options::defaults("my-api").unwrap();
                options.storage = storage;
                options.provider = provider;
                options.algorithms = vec![provider.default_algorithm()];
                let class = class(&options);
                assert!(checked_in(&class).is_some(), "no lockfiles/{class}{SUFFIX}");
            }
        }
    }
}
