//! Cargo.toml: the dependencies that the regenerated files need, merged into the user's manifest
//! with toml_edit, so that every other entry, comment and bit of formatting stays as it was.
//!
//! A crate is needed when the rendered Cargo.toml lists it (in `[dependencies]` or
//! `[dev-dependencies]`) and a regenerated file names it (`crate_name::`). For each such crate:
//! - missing: added to the same table, as authgate renders it;
//! - present with a plain version requirement (`"1.2"`, `"^0.8"`) older than authgate's: raised
//!   (and noted in [`EditedManifest::breaking`] when across a breaking release, which
//!   `authgate auth` refuses in a package of the user's);
//! - present without some feature authgate's entry enables: the feature is added, the user's own
//!   features (and `default-features`) are kept; a feature that one of the user's already
//!   enables (tokio's `full`) is not added again;
//! - present as `"~0.8.4"` or `"=1.0.219"`, as recent as authgate's: kept as it is;
//! - present as a path, git or workspace dependency, with another kind of requirement
//!   (`">=1, <2"`), a `~` or `=` one older than authgate's, or a release newer than authgate's
//!   and not compatible with it (`base64 = "0.23"` where the module is written for 0.22): left
//!   as the user set it, and said so, with the version to set should the module not build.
//!
//! No feature is ever removed. In a package of the user's, `authgate auth` removes a crate that
//! only the previous provider's module named and the package's own code does not
//! ([`remove_dependency`]); in a generated project, a crate an earlier provider needed stays.

use std::fmt::Write as _;

use anyhow::{Context, Result, anyhow};
use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, TableLike, Value};

use crate::error::ManifestProblem;

/// The dependency tables authgate renders, in order.
const TABLES: [&str; 2] = ["dependencies", "dev-dependencies"];

/// Features that enable others, of crates authgate adds features to: `tokio/full`'s list is
/// tokio 1's own (its Cargo.toml).
const IMPLIED_FEATURES: &[(&str, &str, &[&str])] = &[(
    "tokio",
    "full",
    &[
        "fs",
        "io-util",
        "io-std",
        "macros",
        "net",
        "parking_lot",
        "process",
        "rt",
        "rt-multi-thread",
        "signal",
        "sync",
        "time",
    ],
)];

/// Whether `present`, features of the crate `name`, enable `feature`.
fn enables(name: &str, present: &[String], feature: &str) -> bool {
    present.iter().any(|have| {
        have == feature
            || IMPLIED_FEATURES.iter().any(|(krate, by, implied)| {
                *krate == name && have == by && implied.contains(&feature)
            })
    })
}

/// The manifest after the merge, and what changed in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EditedManifest {
    pub text: String,
    /// Crates added: `url`.
    pub added: Vec<String>,
    /// Requirements raised: `jsonwebtoken 10 → 11`.
    pub raised: Vec<String>,
    /// Features added: `jsonwebtoken +use_pem`.
    pub features: Vec<String>,
    /// Entries left as the user set them although authgate's differ.
    pub left_alone: Vec<String>,
    /// Crates removed: only the previous provider's module needed them.
    pub removed: Vec<String>,
    /// Crates the module needs whose entries inherit from the workspace (`workspace = true`):
    /// merged into the workspace's `[workspace.dependencies]` instead.
    pub inherited: Vec<String>,
    /// Requirements raised across a breaking release (`axum 0.7 → 0.8`): code written for the
    /// old version may not build with the new one.
    pub breaking: Vec<TooOld>,
}

/// A dependency whose version requirement is older than the module needs, across a breaking
/// release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooOld {
    pub name: String,
    pub found: String,
    pub needed: String,
}

impl EditedManifest {
    /// `added url; raised jsonwebtoken 10 → 11; features jsonwebtoken +use_pem`, or empty.
    pub fn describe(&self) -> String {
        [
            ("added", &self.added),
            ("removed", &self.removed),
            ("raised", &self.raised),
            ("features", &self.features),
        ]
        .iter()
        .filter(|(_, items)| !items.is_empty())
        .map(|(what, items)| format!("{what} {}", items.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
    }
}

impl EditedManifest {
    /// Notes that `name`'s requirement went from `found` to `needed`, and whether across a
    /// breaking release (semver: another major version, or another minor one before 1.0).
    fn raised(&mut self, name: &str, found: &str, needed: &str) {
        self.raised.push(format!("{name} {found} → {needed}"));
        let same_release = match (lowest_version(found), lowest_version(needed)) {
            (Some(found), Some(needed)) => compatible(found) == compatible(needed),
            _ => false,
        };
        if !same_release {
            self.breaking.push(TooOld {
                name: name.to_owned(),
                found: found.to_owned(),
                needed: needed.to_owned(),
            });
        }
    }
}

/// Merges into `disk` (the user's Cargo.toml) every dependency of `rendered` (authgate's
/// Cargo.toml) that one of `sources` (the regenerated files) names.
pub fn merge_dependencies(disk: &str, rendered: &str, sources: &[&str]) -> Result<EditedManifest> {
    let rendered: DocumentMut = rendered
        .parse()
        .map_err(|e| anyhow!("authgate rendered an invalid Cargo.toml: {e}"))?;
    let mut doc = parse_manifest(disk)?;
    let mut edited = EditedManifest::default();

    for table_name in TABLES {
        let Some(wanted) = rendered.get(table_name).and_then(Item::as_table_like) else {
            continue;
        };
        for (name, wanted) in wanted.iter() {
            if !sources.iter().any(|text| names_crate(text, name)) {
                continue;
            }
            // A crate among the normal dependencies is available to tests too.
            let home =
                if table_name == "dev-dependencies" && has_dependency(&doc, "dependencies", name) {
                    "dependencies"
                } else {
                    table_name
                };
            let existing = doc
                .get_mut(home)
                .and_then(Item::as_table_like_mut)
                .and_then(|table| table.get_mut(name));
            match existing {
                // `name.workspace = true`: its version and features are the workspace's.
                Some(item) if is_inherited(item) => edited.inherited.push(name.to_owned()),
                Some(item) => update(name, item, wanted, &mut edited),
                None => {
                    add(&mut doc, table_name, name, wanted)?;
                    edited.added.push(name.to_owned());
                }
            }
        }
    }
    edited.text = doc.to_string();
    Ok(edited)
}

/// The names of the manifest's `[dependencies]` and `[dev-dependencies]`.
pub fn dependency_names(manifest: &str) -> Result<Vec<String>> {
    let doc = parse_manifest(manifest)?;
    Ok(TABLES
        .iter()
        .filter_map(|table| doc.get(table).and_then(Item::as_table_like))
        .flat_map(|table| table.iter().map(|(name, _)| name.to_owned()))
        .collect())
}

/// The manifest without the dependency `name` (in `[dependencies]` and `[dev-dependencies]`).
pub fn remove_dependency(manifest: &str, name: &str) -> Result<String> {
    let mut doc = parse_manifest(manifest)?;
    for table in TABLES {
        if let Some(table) = doc.get_mut(table).and_then(Item::as_table_like_mut) {
            table.remove(name);
        }
    }
    Ok(doc.to_string())
}

/// Whether a dependency entry inherits from the workspace (`workspace = true`).
fn is_inherited(item: &Item) -> bool {
    item.as_table_like()
        .and_then(|table| table.get("workspace"))
        .and_then(Item::as_bool)
        .unwrap_or(false)
}

/// Merges into `disk` (the workspace's root Cargo.toml) `rendered`'s entries of the crates a
/// member inherits from its `[workspace.dependencies]` (`inherited`, as
/// [`EditedManifest::inherited`] lists them), as [`merge_dependencies`] merges a package's own.
pub fn merge_workspace_dependencies(
    disk: &str,
    rendered: &str,
    inherited: &[String],
) -> Result<EditedManifest> {
    let rendered: DocumentMut = rendered
        .parse()
        .map_err(|e| anyhow!("authgate rendered an invalid Cargo.toml: {e}"))?;
    let mut doc = parse_manifest(disk)?;
    let mut edited = EditedManifest::default();
    let table = doc
        .get_mut("workspace")
        .and_then(Item::as_table_like_mut)
        .context(ManifestProblem::NotATable("workspace".to_owned()))?
        .entry("dependencies")
        .or_insert_with(|| Item::Table(Table::new()))
        .as_table_like_mut()
        .context(ManifestProblem::NotATable(
            "workspace.dependencies".to_owned(),
        ))?;
    for name in inherited {
        let Some(wanted) = TABLES
            .iter()
            .find_map(|table| rendered.get(table)?.get(name))
        else {
            continue;
        };
        match table.get_mut(name) {
            Some(item) => update(name, item, wanted, &mut edited),
            None => {
                insert_fresh(table, name, wanted);
                edited.added.push(name.clone());
            }
        }
    }
    edited.text = doc.to_string();
    Ok(edited)
}

/// The edition the workspace's root manifest gives its members (`[workspace.package]`).
pub fn workspace_edition(manifest: &str) -> Result<Option<String>> {
    let doc = parse_manifest(manifest)?;
    Ok(doc
        .get("workspace")
        .and_then(|workspace| workspace.get("package"))
        .and_then(|package| package.get("edition"))
        .and_then(Item::as_str)
        .map(str::to_owned))
}

/// Whether the manifest is a workspace's root (it has a `[workspace]` table).
pub fn is_workspace_root(manifest: &str) -> Result<bool> {
    Ok(parse_manifest(manifest)?.get("workspace").is_some())
}

/// The `[package]` edition, when the manifest states one (`None` when it is inherited from the
/// workspace, or the file has no package).
pub fn edition(manifest: &str) -> Result<Option<String>> {
    let doc = parse_manifest(manifest)?;
    let Some(package) = doc.get("package").and_then(Item::as_table_like) else {
        return Ok(None);
    };
    Ok(match package.get("edition") {
        // Cargo's default when the key is absent.
        None => Some("2015".to_owned()),
        // `edition.workspace = true` is not a string: inherited, unknown here.
        Some(edition) => edition.as_str().map(str::to_owned),
    })
}

/// The crypto backend of jsonwebtoken (one of its features). jsonwebtoken 11 picks its backend
/// from its features at run time and panics at the first token when both are enabled, so the
/// module uses the one the package has already chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CryptoBackend {
    /// aws-lc-rs: authgate's default, and the choice of any package that has not made one.
    #[default]
    AwsLcRs,
    /// The RustCrypto crates (`rsa`, `p256`, `ed25519-dalek`, `hmac`, `sha2`).
    RustCrypto,
}

impl CryptoBackend {
    /// Its jsonwebtoken feature.
    pub fn feature(self) -> &'static str {
        match self {
            CryptoBackend::AwsLcRs => "aws_lc_rs",
            CryptoBackend::RustCrypto => "rust_crypto",
        }
    }
}

/// The backend the package's own `jsonwebtoken` uses: RustCrypto when its entry in
/// `[dependencies]` enables `rust_crypto` and not `aws_lc_rs`, else aws-lc-rs (also when the
/// package has no jsonwebtoken of its own).
pub fn jsonwebtoken_backend(manifest: &str) -> Result<CryptoBackend> {
    let doc = parse_manifest(manifest)?;
    let entry = doc
        .get("dependencies")
        .and_then(Item::as_table_like)
        .and_then(|table| table.get("jsonwebtoken"));
    let features = entry.map(features_of).unwrap_or_default();
    let has = |feature: &str| features.iter().any(|f| f == feature);
    Ok(if has("rust_crypto") && !has("aws_lc_rs") {
        CryptoBackend::RustCrypto
    } else {
        CryptoBackend::AwsLcRs
    })
}

/// Whether the manifest has a `[package]` table (a virtual workspace manifest has none).
pub fn has_package(manifest: &str) -> Result<bool> {
    Ok(parse_manifest(manifest)?.get("package").is_some())
}

fn parse_manifest(text: &str) -> Result<DocumentMut> {
    text.parse::<DocumentMut>()
        .map_err(|e| anyhow!("{}", e.to_string().trim_end()))
        .context(ManifestProblem::InvalidToml)
}

fn has_dependency(doc: &DocumentMut, table: &str, name: &str) -> bool {
    doc.get(table)
        .and_then(Item::as_table_like)
        .is_some_and(|table| table.contains_key(name))
}

/// Whether `text` names the crate `name` as a path root: `serde::`, `use url::Host`,
/// `#[tokio::test]`; `serde_json::` does not name `serde`, nor `my_url::` `url`.
pub fn names_crate(text: &str, name: &str) -> bool {
    let needle = format!("{}::", name.replace('-', "_"));
    text.match_indices(&needle).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
    })
}

fn add(doc: &mut DocumentMut, table_name: &str, name: &str, wanted: &Item) -> Result<()> {
    let table = doc
        .entry(table_name)
        .or_insert_with(|| Item::Table(Table::new()))
        .as_table_like_mut()
        .with_context(|| ManifestProblem::NotATable(table_name.to_owned()))?;
    insert_fresh(table, name, wanted);
    Ok(())
}

/// Inserts authgate's entry `wanted` as `name`, without the comments around it in its template.
fn insert_fresh(table: &mut dyn TableLike, name: &str, wanted: &Item) {
    let mut item = wanted.clone();
    if let Some(value) = item.as_value_mut() {
        value.decor_mut().clear();
    }
    table.insert(name, item);
}

/// Raises the version and adds the features of one existing entry, when needed.
fn update(name: &str, item: &mut Item, wanted: &Item, edited: &mut EditedManifest) {
    let wanted_version = version_of(wanted).unwrap_or_default().to_owned();
    let wanted_features = features_of(wanted);

    // `name = "1.2"`: turned into a table only when features must be added.
    if let Some(current) = item.as_str().map(str::to_owned) {
        let version = match raise(&current, &wanted_version) {
            Raise::To(version) => {
                edited.raised(name, &current, &version);
                version
            }
            Raise::No => current.clone(),
            Raise::Unknown => {
                note_left_alone(edited, name, &current, &wanted_version);
                current.clone()
            }
        };
        let value = item.as_value_mut().expect("a string is a value");
        let decor = value.decor().clone();
        if wanted_features.is_empty() {
            *value = Value::from(version);
        } else {
            let mut table = InlineTable::new();
            table.insert("version", Value::from(version));
            table.insert("features", Value::Array(wanted_features.iter().collect()));
            let added: Vec<&str> = wanted_features.iter().map(String::as_str).collect();
            edited
                .features
                .push(format!("{name} +{}", added.join(" +")));
            *value = Value::InlineTable(table);
        }
        *value.decor_mut() = decor;
        return;
    }

    let inline = item.is_inline_table();
    let Some(table) = item.as_table_like_mut() else {
        edited
            .left_alone
            .push(format!("{name}: not a version or a table"));
        return;
    };
    if ["path", "git", "workspace"]
        .iter()
        .any(|key| table.contains_key(key))
    {
        return;
    }
    match table
        .get("version")
        .and_then(Item::as_str)
        .map(str::to_owned)
    {
        Some(current) => match raise(&current, &wanted_version) {
            Raise::To(version) => {
                set_string(table, "version", &version);
                edited.raised(name, &current, &version);
            }
            Raise::No => {}
            Raise::Unknown => note_left_alone(edited, name, &current, &wanted_version),
        },
        None if !wanted_version.is_empty() => {
            set_string(table, "version", &wanted_version);
            edited.raised.push(format!("{name} → {wanted_version}"));
        }
        None => {}
    }
    let present = features_in(table);
    let missing: Vec<&String> = wanted_features
        .iter()
        .filter(|feature| !enables(name, &present, feature))
        .collect();
    if missing.is_empty() {
        return;
    }
    match table.get_mut("features").and_then(Item::as_array_mut) {
        Some(features) => {
            for feature in &missing {
                features.push(feature.as_str());
            }
        }
        None => {
            let features: Array = missing.iter().map(|f| f.as_str()).collect();
            // In `{ version = "1" }`, the space before `}` belongs to the last value: it
            // would stand before the comma of the key added after it.
            if inline
                && let Some(last) = table
                    .iter_mut()
                    .last()
                    .and_then(|(_, last)| last.as_value_mut())
            {
                let suffix = last.decor().suffix().and_then(|raw| raw.as_str());
                if suffix.is_some_and(|text| text.trim().is_empty()) {
                    last.decor_mut().set_suffix("");
                }
            }
            table.insert("features", Item::Value(Value::Array(features)));
        }
    }
    let mut line = String::from(name);
    for feature in missing {
        let _ = write!(line, " +{feature}");
    }
    edited.features.push(line);
}

fn set_string(table: &mut dyn TableLike, key: &str, text: &str) {
    match table.get_mut(key).and_then(Item::as_value_mut) {
        Some(value) => {
            let decor = value.decor().clone();
            *value = Value::from(text);
            *value.decor_mut() = decor;
        }
        None => {
            table.insert(key, Item::Value(Value::from(text)));
        }
    }
}

fn note_left_alone(edited: &mut EditedManifest, name: &str, current: &str, wanted: &str) {
    edited.left_alone.push(format!(
        "{name} = \"{current}\" (authgate's module is written for \"{wanted}\"; if the module \
         does not build with yours, set \"{wanted}\")"
    ));
}

fn version_of(item: &Item) -> Option<&str> {
    item.as_str()
        .or_else(|| item.as_table_like()?.get("version")?.as_str())
}

fn features_of(item: &Item) -> Vec<String> {
    item.as_table_like().map(features_in).unwrap_or_default()
}

/// The `features` of a dependency's table.
fn features_in(table: &dyn TableLike) -> Vec<String> {
    table
        .get("features")
        .and_then(Item::as_array)
        .map(|features| {
            features
                .iter()
                .filter_map(|f| f.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[derive(Debug, PartialEq, Eq)]
enum Raise {
    /// Older than needed: the requirement to write instead.
    To(String),
    /// Accepts only versions the module is written for.
    No,
    /// Cannot tell, or must not be changed: a kind of requirement other than `1.2`, `^1.2`,
    /// `~1.2` and `=1.2.3`; a `~` or `=` requirement older than needed (the user pinned it);
    /// or a release newer than, and not compatible with, the one the module is written for.
    Unknown,
}

/// Whether the requirement `current` must be raised to `wanted` (like `1`, `0.8`, `1.2.3`, with
/// an optional `^`). `~1.2` and `=1.2.3` accept a part of what `^1.2` and `^1.2.3` accept, so
/// they are as recent as those, but authgate does not rewrite them.
fn raise(current: &str, wanted: &str) -> Raise {
    let current = current.trim();
    let (pinned, caret) = match current.strip_prefix(['~', '=']) {
        Some(rest) => (true, rest),
        None => (false, current),
    };
    let (Some(have), Some(need)) = (lowest_version(caret), lowest_version(wanted)) else {
        return if current == wanted.trim() {
            Raise::No
        } else {
            Raise::Unknown
        };
    };
    match compatible(have).cmp(&compatible(need)) {
        std::cmp::Ordering::Less if !pinned => Raise::To(wanted.to_owned()),
        std::cmp::Ordering::Equal if have >= need => Raise::No,
        std::cmp::Ordering::Equal if !pinned => Raise::To(wanted.to_owned()),
        _ => Raise::Unknown,
    }
}

/// The part of a version that a compatible release keeps: the major version from 1 on, else
/// the minor version, else the patch (Cargo's caret rule).
fn compatible((major, minor, patch): (u64, u64, u64)) -> (u64, u64, u64) {
    match (major, minor) {
        (0, 0) => (0, 0, patch),
        (0, minor) => (0, minor, 0),
        (major, _) => (major, 0, 0),
    }
}

/// The lowest version a caret requirement accepts, or `None` for any other kind.
fn lowest_version(requirement: &str) -> Option<(u64, u64, u64)> {
    let text = requirement.trim();
    let text = text.strip_prefix('^').unwrap_or(text).trim();
    let mut parts = text.split('.');
    let mut next = || -> Option<Option<u64>> {
        match parts.next() {
            None => Some(None),
            Some(part) => part.parse().ok().map(Some),
        }
    };
    let major = next()??;
    let minor = next()?.unwrap_or(0);
    let patch = next()?.unwrap_or(0);
    if parts.next().is_some() {
        return None;
    }
    Some((major, minor, patch))
}

#[cfg(test)]
mod tests {
    use super::*;

    const RENDERED: &str = r#"[package]
name = "x"

[dependencies]
axum = { version = "0.8", features = ["macros"] }
jsonwebtoken = { version = "11", default-features = false, features = ["aws_lc_rs"] }
serde = { version = "1", features = ["derive"] }
tokio = { version = "1", features = ["macros", "sync"] }
url = "2"
utoipa = "6"

[dev-dependencies]
base64 = "0.22"
"#;

    const SOURCES: &[&str] = &[
        "use axum::Json;\nuse jsonwebtoken::Algorithm;\n#[tokio::test]\nuse serde::Deserialize;\n\
         use url::Host;\nlet _ = base64::encode;\n",
    ];

    #[test]
    fn a_crate_is_named_as_a_path_root_only() {
        assert!(names_crate("use serde::Deserialize;", "serde"));
        assert!(names_crate("#[tokio::test]", "tokio"));
        assert!(names_crate("x: aws_lc_rs::Y", "aws-lc-rs"));
        assert!(!names_crate("use serde_json::json;", "serde"));
        assert!(!names_crate("my_url::x", "url"));
        assert!(!names_crate("crate::url::x", "url"));
        assert!(!names_crate("reqwest::Url", "url"));
    }

    #[test]
    fn missing_crates_are_added_and_the_rest_is_kept() {
        let disk = "[package]\nname = \"mine\" # my crate\nedition = \"2024\"\n\n\
                    [dependencies]\n# the web framework\naxum = \"0.8\"\nrand = \"0.9\"\n";
        let edited = merge_dependencies(disk, RENDERED, SOURCES).unwrap();
        let text = &edited.text;
        assert!(
            text.starts_with("[package]\nname = \"mine\" # my crate\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "# the web framework\naxum = { version = \"0.8\", features = [\"macros\"] }\n"
            ),
            "{text}"
        );
        assert!(text.contains("rand = \"0.9\"\n"), "{text}");
        assert!(
            text.contains(
                "jsonwebtoken = { version = \"11\", default-features = false, features = [\"aws_lc_rs\"] }\n"
            ),
            "{text}"
        );
        assert!(text.contains("url = \"2\"\n"), "{text}");
        assert!(
            text.contains("[dev-dependencies]\nbase64 = \"0.22\"\n"),
            "{text}"
        );
        assert!(!text.contains("utoipa"), "not named by the sources: {text}");
        assert_eq!(
            edited.describe(),
            "added jsonwebtoken, serde, tokio, url, base64; features axum +macros"
        );
        // Applying the same merge again changes nothing.
        let again = merge_dependencies(text, RENDERED, SOURCES).unwrap();
        assert_eq!(&again.text, text);
        assert_eq!(again.describe(), "");
    }

    #[test]
    fn old_versions_are_raised_and_features_added_keeping_the_users() {
        let disk = "[dependencies]\njsonwebtoken = { version = \"9.3\", features = [\"use_pem\"] }\n\
                    tokio = { version = \"1.40\", features = [\"full\"] }\nserde = \"=0.9.15\"\n\
                    url = { path = \"../url\" }\n\n[dependencies.axum]\nversion = \"0.7\"\n";
        let edited = merge_dependencies(disk, RENDERED, SOURCES).unwrap();
        let text = &edited.text;
        assert!(
            text.contains(
                "jsonwebtoken = { version = \"11\", features = [\"use_pem\", \"aws_lc_rs\"] }"
            ),
            "{text}"
        );
        assert!(
            text.contains("tokio = { version = \"1.40\", features = [\"full\"] }"),
            "{text}"
        );
        assert!(
            text.contains("serde = { version = \"=0.9.15\", features = [\"derive\"] }"),
            "{text}"
        );
        assert!(text.contains("url = { path = \"../url\" }"), "{text}");
        assert!(
            text.contains("[dependencies.axum]\nversion = \"0.8\"\nfeatures = [\"macros\"]\n"),
            "{text}"
        );
        assert_eq!(edited.left_alone.len(), 1, "{:?}", edited.left_alone);
        assert_eq!(
            edited.left_alone[0],
            "serde = \"=0.9.15\" (authgate's module is written for \"1\"; if the module does \
             not build with yours, set \"1\")"
        );
    }

    #[test]
    fn a_dev_dependency_already_among_the_dependencies_is_not_added_twice() {
        let disk = "[dependencies]\nbase64 = \"0.22\"\n";
        let edited = merge_dependencies(disk, RENDERED, &["base64::x"]).unwrap();
        assert_eq!(edited.text, disk);
    }

    #[test]
    fn versions() {
        assert_eq!(raise("0.7", "0.8"), Raise::To("0.8".to_owned()));
        assert_eq!(raise("^0.7.5", "0.8"), Raise::To("0.8".to_owned()));
        assert_eq!(raise("0.8.3", "0.8"), Raise::No);
        assert_eq!(raise("1", "1"), Raise::No);
        assert_eq!(raise("1.40", "1"), Raise::No);
        assert_eq!(raise(">=1, <2", "1"), Raise::Unknown);
        assert_eq!(raise("*", "1"), Raise::Unknown);
        // `~` and `=` accept a part of what `^` does: as recent as it, never rewritten.
        assert_eq!(raise("~1.2", "1"), Raise::No);
        assert_eq!(raise("~0.8.4", "0.8"), Raise::No);
        assert_eq!(raise("=1.0.100", "1"), Raise::No);
        assert_eq!(raise("~0.8.4", "0.8.5"), Raise::Unknown);
        assert_eq!(raise("=0.7.9", "0.8"), Raise::Unknown);
        // Within a compatible release a caret requirement is raised to the module's minimum.
        assert_eq!(raise("0.8.1", "0.8.5"), Raise::To("0.8.5".to_owned()));
        // A release newer than the module's and not compatible with it: the user is told.
        assert_eq!(raise("0.23", "0.22"), Raise::Unknown);
        assert_eq!(raise("2", "1"), Raise::Unknown);
        assert_eq!(raise("1.3", "0.8"), Raise::Unknown);
    }

    #[test]
    fn raises_across_a_breaking_release_are_told_apart() {
        let breaking = |found: &str, needed: &str| {
            let mut edited = EditedManifest::default();
            edited.raised("x", found, needed);
            !edited.breaking.is_empty()
        };
        assert!(!breaking("1.2", "1.5"));
        assert!(!breaking("^1", "1.40"));
        assert!(!breaking("0.8.1", "0.8.5"));
        assert!(breaking("0.7", "0.8"));
        assert!(breaking("1", "2"));
        assert!(breaking("0.0.3", "0.0.4"));
        assert!(!breaking("0.0.3", "0.0.3"));
    }

    #[test]
    fn a_feature_added_to_an_inline_table_reads_as_if_written_by_hand() {
        let disk = "[dependencies]\naxum = { version = \"0.8\" } # the web framework\n\
                    serde = { version = \"1\" }\n";
        let edited = merge_dependencies(disk, RENDERED, SOURCES).unwrap();
        let text = &edited.text;
        assert!(
            text.contains(
                "axum = { version = \"0.8\", features = [\"macros\"] } # the web framework\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("serde = { version = \"1\", features = [\"derive\"] }\n"),
            "{text}"
        );
    }

    #[test]
    fn a_feature_the_user_s_features_enable_is_not_added() {
        assert!(enables("tokio", &["full".to_owned()], "rt-multi-thread"));
        assert!(enables("tokio", &["sync".to_owned()], "sync"));
        assert!(!enables("tokio", &["rt".to_owned()], "sync"));
        assert!(!enables("hyper", &["full".to_owned()], "macros"));
        let disk = "[dependencies]\ntokio = { version = \"1\", features = [\"full\"] }\n";
        let edited = merge_dependencies(disk, RENDERED, SOURCES).unwrap();
        assert!(edited.features.is_empty(), "{:?}", edited.features);
        assert!(edited.text.contains(disk), "{}", edited.text);
    }

    #[test]
    fn the_package_s_own_jsonwebtoken_backend_is_kept() {
        let backend = |manifest: &str| jsonwebtoken_backend(manifest).unwrap();
        assert_eq!(backend("[package]\nname = \"x\"\n"), CryptoBackend::AwsLcRs);
        assert_eq!(
            backend("[dependencies]\njsonwebtoken = \"11\"\n"),
            CryptoBackend::AwsLcRs
        );
        assert_eq!(
            backend(
                "[dependencies]\njsonwebtoken = { version = \"11\", features = [\"rust_crypto\"] }\n"
            ),
            CryptoBackend::RustCrypto
        );
        assert_eq!(
            backend(
                "[dependencies.jsonwebtoken]\nversion = \"11\"\nfeatures = [\"rust_crypto\"]\n"
            ),
            CryptoBackend::RustCrypto
        );
        // Both: already the package's own choice to make at run time; nothing is added.
        assert_eq!(
            backend(
                "[dependencies]\njsonwebtoken = { version = \"11\", features = [\"rust_crypto\", \"aws_lc_rs\"] }\n"
            ),
            CryptoBackend::AwsLcRs
        );
    }

    #[test]
    fn editions() {
        assert_eq!(
            edition("[package]\nedition = \"2021\"\n")
                .unwrap()
                .as_deref(),
            Some("2021")
        );
        assert_eq!(
            edition("[package]\nname = \"x\"\n").unwrap().as_deref(),
            Some("2015")
        );
        assert_eq!(
            edition("[package]\nedition.workspace = true\n").unwrap(),
            None
        );
        assert!(!has_package("[workspace]\nmembers = []\n").unwrap());
    }
}
