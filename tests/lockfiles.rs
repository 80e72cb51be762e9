//! The `Cargo.lock` that `authgate new` writes (`src/lockfile.rs` says how it is made) is, for
//! every distinct Cargo.toml any answers render, byte for byte what cargo writes for that
//! manifest from the versions of `tests/lockfiles/superset.Cargo.lock`; and that superset lock is
//! current: cargo would not change it for the union of those manifests.
//!
//! After a change to the dependencies of the templates, refresh the locks with
//!
//!   UPDATE_LOCKS=1 cargo test --test lockfiles
//!
//! which keeps every version still in use and resolves only what is new. `UPDATE_LOCKS=upgrade`
//! moves every dependency to its newest version instead. Then run the whole `cargo test`: the
//! generated projects are built and tested with `--locked`, so with these versions.
//!
//! Cargo runs with `--offline` except when the superset is resolved (which fills the local copy
//! of the index for every later step); nothing is compiled.

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use authgate::lockfile::{self, PLACEHOLDER, SUFFIX};
use authgate::options::{Answers, NameSource, Options, Storage};
use authgate::project_files;
use authgate::provider::Provider;
use support::cargo::{isolate_nested_cargo, repo_dir};

const SUPERSET: &str = "tests/lockfiles/superset.Cargo.lock";
const REFRESH: &str = "run `UPDATE_LOCKS=1 cargo test --test lockfiles`";

/// Names that sort first, among and last of the packages, so that the project's entry is moved.
const NAMES: [&str; 3] = ["a-api", "my-api", "zz-api"];

/// Every answer that could change Cargo.toml: each provider with each of its algorithms (what
/// they need depends on the key source they imply), every storage backend and both route
/// styles. Add any new answer
/// that changes the dependencies here.
fn every_configuration() -> Vec<Options> {
    let mut all = Vec::new();
    for provider in Provider::ALL {
        let algorithm_sets: Vec<Vec<String>> = provider
            .algorithms()
            .iter()
            .map(|alg| vec![alg.as_str().to_owned()])
            .collect();
        for algorithms in algorithm_sets {
            for storage in Storage::ALL {
                for user_in_path in [true, false] {
                    let answers = Answers {
                        name: Some(PLACEHOLDER.to_owned()),
                        provider: Some(provider),
                        algorithms: Some(algorithms.clone()),
                        storage: Some(storage),
                        user_in_path: Some(user_in_path),
                        ..Answers::default()
                    };
                    // Some sets are refused (HMAC beside public keys): they make no project.
                    if let Ok(options) =
                        Options::from_answers(answers.or_defaults(), NameSource::Flag)
                    {
                        all.push(options);
                    }
                }
            }
        }
    }
    all
}

/// The Cargo.toml of `options` (rendered without its lock, which may not exist yet).
fn manifest(options: &Options) -> String {
    let files = authgate::render::render(options)
        .unwrap_or_else(|e| panic!("{options:?} do not render: {e:#}"));
    files[Path::new("Cargo.toml")].clone()
}

/// A manifest without its comments: two that differ only there lock alike.
fn manifest_key(manifest: &str) -> String {
    manifest
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The dependency tables of every manifest merged: each crate once, with every feature any of
/// them turns on.
fn union_manifest(manifests: &[&str]) -> String {
    let mut union: toml_edit::DocumentMut = manifests[0].parse().unwrap();
    for manifest in &manifests[1..] {
        let document: toml_edit::DocumentMut = manifest.parse().unwrap();
        for table in ["dependencies", "dev-dependencies"] {
            let Some(theirs) = document.get(table).and_then(|t| t.as_table_like()) else {
                continue;
            };
            let ours = union[table].as_table_like_mut().unwrap();
            for (name, spec) in theirs.iter() {
                let Some(existing) = ours.get_mut(name) else {
                    ours.insert(name, spec.clone());
                    continue;
                };
                let version = |item: &toml_edit::Item| {
                    item.as_str()
                        .or_else(|| item.get("version").and_then(|v| v.as_str()))
                        .map(str::to_owned)
                };
                assert_eq!(
                    version(existing),
                    version(spec),
                    "two configurations ask for different versions of `{name}`"
                );
                let features: Vec<String> = spec
                    .get("features")
                    .and_then(|f| f.as_array())
                    .map(|f| {
                        f.iter()
                            .filter_map(|f| f.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                if features.is_empty() {
                    continue;
                }
                if existing.is_str() {
                    *existing = spec.clone();
                    continue;
                }
                let table = existing.as_table_like_mut().unwrap();
                if table.get("features").is_none() {
                    table.insert("features", toml_edit::value(toml_edit::Array::default()));
                }
                let array = table
                    .get_mut("features")
                    .and_then(|f| f.as_array_mut())
                    .unwrap();
                for feature in features {
                    if !array.iter().any(|f| f.as_str() == Some(&feature)) {
                        array.push(feature);
                    }
                }
            }
        }
    }
    union.to_string()
}

/// Runs `cargo update <args>` in `dir`; its output, or `Err` with it when cargo fails.
fn cargo_update(dir: &Path, args: &[&str]) -> Result<String, String> {
    let mut command = Command::new(env!("CARGO"));
    command
        .arg("update")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null());
    isolate_nested_cargo(&mut command);
    let output = command
        .env("CARGO_TERM_COLOR", "never")
        .output()
        .expect("cargo runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if output.status.success() {
        Ok(text)
    } else {
        Err(format!("`cargo update {}` failed: {text}", args.join(" ")))
    }
}

/// A package of `manifest` (and an empty library, since cargo wants a target) in a new
/// temporary directory, with `lock` as its Cargo.lock.
fn package(manifest: &str, lock: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    fs::create_dir(dir.path().join("src")).unwrap();
    fs::write(dir.path().join("src/lib.rs"), "").unwrap();
    fs::write(dir.path().join("Cargo.toml"), manifest).unwrap();
    if let Some(lock) = lock {
        fs::write(dir.path().join("Cargo.lock"), lock).unwrap();
    }
    dir
}

/// What cargo writes for `manifest` from the superset's versions.
fn pruned(superset: &str, manifest: &str) -> String {
    let dir = package(manifest, Some(superset));
    cargo_update(dir.path(), &["--workspace", "--offline"]).unwrap_or_else(|e| panic!("{e}"));
    fs::read_to_string(dir.path().join("Cargo.lock")).unwrap()
}

fn lock_path(class: &str) -> PathBuf {
    repo_dir()
        .join("lockfiles")
        .join(format!("{class}{SUFFIX}"))
}

#[test]
fn generated_lock_files_are_what_cargo_writes_from_the_superset() {
    let update = std::env::var("UPDATE_LOCKS").ok();

    // Every distinct manifest, and for each class the one with the most dependencies.
    let mut distinct: BTreeMap<String, (Options, String)> = BTreeMap::new();
    for options in every_configuration() {
        let manifest = manifest(&options);
        distinct
            .entry(manifest_key(&manifest))
            .or_insert((options, manifest));
    }
    let mut fullest: BTreeMap<String, &str> = BTreeMap::new();
    for (options, manifest) in distinct.values() {
        let class = lockfile::class(options);
        let size = |m: &str| m.lines().count();
        let entry = fullest.entry(class).or_insert(manifest);
        if size(manifest) > size(entry) {
            *entry = manifest;
        }
    }
    eprintln!(
        "lockfiles: {} distinct manifests in {} classes",
        distinct.len(),
        fullest.len()
    );

    // The superset.
    let manifests: Vec<&str> = distinct.values().map(|(_, m)| m.as_str()).collect();
    let superset_manifest = union_manifest(&manifests);
    let superset_path = repo_dir().join(SUPERSET);
    let checked_in = fs::read_to_string(&superset_path).ok();
    let dir = package(&superset_manifest, checked_in.as_deref());
    let superset = match update.as_deref() {
        Some(mode) => {
            let args: &[&str] = if mode == "upgrade" {
                &[]
            } else {
                &["--workspace"]
            };
            let output = cargo_update(dir.path(), args).unwrap_or_else(|e| panic!("{e}"));
            eprintln!("lockfiles: the superset:\n{output}");
            let superset = fs::read_to_string(dir.path().join("Cargo.lock")).unwrap();
            fs::write(&superset_path, &superset).unwrap();
            superset
        }
        None => {
            let checked_in = checked_in.unwrap_or_else(|| panic!("no {SUPERSET}; {REFRESH}"));
            if let Err(e) = cargo_update(dir.path(), &["--workspace", "--locked"]) {
                panic!(
                    "{SUPERSET} is not current for the templates' dependencies; {REFRESH}.\n{e}"
                );
            }
            checked_in
        }
    };

    // The class locks.
    let mut stale = Vec::new();
    let mut classes: BTreeMap<String, String> = BTreeMap::new();
    for (class, manifest) in &fullest {
        let expected = pruned(&superset, manifest);
        let path = lock_path(class);
        if update.is_some() {
            fs::write(&path, &expected).unwrap();
        } else if fs::read_to_string(&path).ok().as_deref() != Some(expected.as_str()) {
            stale.push(format!("lockfiles/{class}{SUFFIX}"));
        }
        classes.insert(class.clone(), expected);
    }
    if update.is_some() {
        for entry in fs::read_dir(repo_dir().join("lockfiles")).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let class = name.strip_suffix(SUFFIX).unwrap_or(&name);
            if !classes.contains_key(class) {
                fs::remove_file(&path).unwrap();
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale or missing: {}; {REFRESH}",
        stale.join(", ")
    );
    for class in classes.keys().filter(|_| update.is_none()) {
        assert!(
            lockfile::checked_in(class).is_some(),
            "authgate was built without lockfiles/{class}{SUFFIX}; rebuild it"
        );
    }

    // Every distinct manifest: what authgate renders is what cargo writes.
    let mut differing = Vec::new();
    for (i, (options, _)) in distinct.values().enumerate() {
        let mut options = options.clone();
        options.name = NAMES[i % NAMES.len()].to_owned();
        let manifest = &manifest(&options);
        let rendered = lockfile::for_project(
            &classes[&lockfile::class(&options)],
            &options.project_name(),
            &lockfile::direct_dependencies(manifest).unwrap(),
        )
        .unwrap();
        if update.is_none() {
            let files = project_files(&options).unwrap();
            assert_eq!(
                files[Path::new("Cargo.lock")],
                rendered,
                "authgate embeds other locks than lockfiles/ holds; rebuild it"
            );
        }
        let expected = pruned(&superset, manifest);
        if rendered != expected {
            differing.push(format!(
                "{} {:?} {} user_in_path={}:\n{}",
                options.provider,
                options.algorithms,
                options.storage,
                options.user_in_path,
                first_difference(&rendered, &expected)
            ));
        }
    }
    assert!(
        differing.is_empty(),
        "the Cargo.lock authgate renders is not what cargo writes for {} of {} manifests (if \
         an answer now adds packages, `lockfile::class` must tell its projects apart):\n{}",
        differing.len(),
        distinct.len(),
        differing.join("\n")
    );
}

/// The first line where `a` and `b` differ, with a little context.
fn first_difference(a: &str, b: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let at = a
        .iter()
        .zip(&b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let window = |lines: &[&str]| lines[at.saturating_sub(3)..(at + 3).min(lines.len())].join("\n");
    format!(
        "  line {}\n--- rendered\n{}\n--- cargo\n{}",
        at + 1,
        window(&a),
        window(&b)
    )
}
