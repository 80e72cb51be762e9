//! `authgate auth [PATH]`: (re)generates the auth module of an existing package. [`crate::regen`]
//! plans it without writing; this shows the plan (`--dry-run`, `--check`) or applies it.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result};
use toml_edit::{DocumentMut, Item};

use crate::cli::AuthArgs;
use crate::commands::providers::required_env_vars;
use crate::error::{IoFailure, RegenFailure, UsageError};
use crate::options::{Answers, DEFAULT_MODULE, NameSource, Options, Scope, validate_module};
use crate::{prompt, regen, render, report};

/// `authgate auth`: plans the regeneration, then shows it (`--dry-run`, `--check`) or applies
/// it. Returns what to print, and the failure to end with (exit status 1) after printing it:
/// conflicts to resolve, or a module out of date under `--check`.
pub(crate) fn run(args: AuthArgs) -> Result<(String, Option<RegenFailure>)> {
    let flags = args.answers();
    let root = args.path.clone();
    let flag_module = args.module.as_deref().map(validate_module).transpose()?;
    let module = flag_module.as_deref().unwrap_or(DEFAULT_MODULE);
    let (plan, wizard) = match regen::inspect(&root, args.check, module)? {
        regen::Found::Recorded(file) => {
            let recorded = file.module.as_deref().unwrap_or(DEFAULT_MODULE);
            let module = match flag_module.as_deref() {
                Some(_) if file.scope == Scope::Project => {
                    return Err(UsageError::ModuleInProject.into());
                }
                Some(flag) if flag != recorded => {
                    return Err(UsageError::InvalidModule(format!(
                        "--module `{flag}`: the module here is `src/{recorded}/` \
                         (authgate.toml); renaming it is not supported: run `authgate auth` \
                         without --module"
                    ))
                    .into());
                }
                _ => recorded,
            };
            let answers_path = root.join(render::ANSWERS_FILE);
            let (options, previous) = regen::recorded_options(&file, &answers_path, &flags)?;
            let plan = regen::plan(&root, file.scope, &options, previous.as_ref(), module)?;
            (plan, None)
        }
        regen::Found::Package => {
            let (options, wizard) = resolve_module_options(flags, args.yes, &root)?;
            let plan = regen::plan(&root, Scope::AuthModule, &options, None, module)?;
            (plan, wizard)
        }
    };
    let again = report::auth_again(&root);
    let quiet = args.quiet;

    if args.check {
        if !plan.changes_files() {
            let text = unless_quiet(quiet, || report::checked_up_to_date(&root, &plan.options));
            return Ok((text, None));
        }
        let text = unless_quiet(quiet, || report::would_change(&root, &plan));
        return Ok((text, Some(RegenFailure::OutOfDate { command: again })));
    }

    if args.dry_run {
        let text = unless_quiet(quiet, || {
            if plan.changes_files() {
                report::auth_dry_run(&root, &plan)
            } else {
                report::dry_run_up_to_date(&root, &plan.options)
            }
        });
        return Ok((text, None));
    }

    if let Some(wizard) = wizard {
        wizard.confirm_auth(&root)?;
    }
    regen::apply(&plan).with_context(|| IoFailure::UpdateProject {
        root: root.clone(),
        command: again,
    })?;
    let conflicts = plan.conflicts();
    let failure = (!conflicts.is_empty()).then_some(RegenFailure::Conflicts(conflicts));
    let required = required_env_vars(&plan.options);
    let layout = layout(&plan.root);
    let text = unless_quiet(quiet, || report::auth_applied(&plan, &required, &layout));
    Ok((text, failure))
}

/// Where the library and the server of the package at `root` are (see [`server_file`]); as
/// much as its manifest tells when it cannot be read.
fn layout(root: &Path) -> report::Layout {
    let manifest: Option<DocumentMut> = fs::read_to_string(root.join("Cargo.toml"))
        .ok()
        .and_then(|text| text.parse().ok());
    report::Layout {
        library: manifest
            .as_ref()
            .and_then(|manifest| library(root, manifest)),
        server: server_file(root, manifest.as_ref()),
    }
}

/// The root of the package's library, relative to the package, and its crate name: `[lib]`'s
/// path and name, else `src/lib.rs` and the package's name with `-` as `_`, as cargo has them.
fn library(root: &Path, manifest: &DocumentMut) -> Option<(PathBuf, String)> {
    let lib = manifest.get("lib");
    let path = match lib.and_then(|lib| lib.get("path")) {
        Some(path) => tidy(Path::new(path.as_str()?)),
        None => {
            let autolib = manifest
                .get("package")
                .and_then(|package| package.get("autolib"))
                .and_then(Item::as_bool);
            let path = PathBuf::from("src/lib.rs");
            let found = (autolib != Some(false) || lib.is_some()) && root.join(&path).is_file();
            found.then_some(path)?
        }
    };
    let name = match lib.and_then(|lib| lib.get("name")) {
        Some(name) => name.as_str()?.to_owned(),
        None => manifest
            .get("package")?
            .get("name")?
            .as_str()?
            .replace('-', "_"),
    };
    Some((path, name))
}

/// A path of the manifest without its `./` parts.
fn tidy(path: &Path) -> PathBuf {
    path.components()
        .filter(|part| part != &Component::CurDir)
        .collect()
}

/// The file of the package at `root` with its server's `main`, relative to `root`:
/// `src/main.rs`, else the package's only binary (a `[[bin]]` path, `src/bin/*.rs` or
/// `src/bin/*/main.rs`); `None` when it has several or none. Without a manifest, only
/// `src/main.rs` is looked for.
fn server_file(root: &Path, manifest: Option<&DocumentMut>) -> Option<PathBuf> {
    let main = PathBuf::from("src/main.rs");
    if root.join(&main).is_file() {
        return Some(main);
    }
    let manifest = manifest?;
    let mut binaries = BTreeSet::new();
    for bin in manifest
        .get("bin")
        .and_then(Item::as_array_of_tables)
        .into_iter()
        .flatten()
    {
        let path = match (bin.get("path"), bin.get("name")) {
            (Some(path), _) => PathBuf::from(path.as_str()?),
            (None, Some(name)) => {
                let name = name.as_str()?;
                let file = Path::new("src/bin").join(format!("{name}.rs"));
                if root.join(&file).is_file() {
                    file
                } else {
                    Path::new("src/bin").join(name).join("main.rs")
                }
            }
            (None, None) => return None,
        };
        binaries.insert(tidy(&path));
    }
    let autobins = manifest
        .get("package")
        .and_then(|package| package.get("autobins"))
        .and_then(Item::as_bool);
    if autobins != Some(false)
        && let Ok(entries) = fs::read_dir(root.join("src/bin"))
    {
        for entry in entries.flatten() {
            let name = PathBuf::from(entry.file_name());
            let path = Path::new("src/bin").join(&name);
            if name.extension().is_some_and(|extension| extension == "rs") {
                binaries.insert(path);
            } else if root.join(&path).join("main.rs").is_file() {
                binaries.insert(path.join("main.rs"));
            }
        }
    }
    let mut binaries = binaries.into_iter();
    match (binaries.next(), binaries.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    }
}

/// `--quiet` keeps the outcome (the exit status) and drops the text.
fn unless_quiet(quiet: bool, text: impl FnOnce() -> String) -> String {
    if quiet { String::new() } else { text() }
}

/// The answers of an auth module added to a repository authgate did not generate: the flags,
/// then the defaults under `--yes`, then the wizard when stdin and stderr are terminals.
fn resolve_module_options(
    flags: Answers,
    yes: bool,
    path: &Path,
) -> Result<(Options, Option<prompt::Wizard>)> {
    let mut answers = regen::module_answers(flags);
    if yes {
        answers = answers.or_defaults();
    }
    let Some(flag) = answers.first_missing() else {
        return Ok((Options::from_answers(answers, NameSource::Flag)?, None));
    };
    if !prompt::is_interactive() {
        return Err(UsageError::MissingAnswer { flag }.into());
    }
    let wizard = prompt::Wizard::new();
    let answers = wizard.ask_missing(answers, "app")?;
    wizard.show_auth_summary(path, &answers)?;
    let options = Options::from_answers(answers, NameSource::Flag)?;
    Ok((options, Some(wizard)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A package of `files` (path, text), with a manifest whose `[package]` is followed by
    /// `manifest_tail`.
    fn package(files: &[&str], manifest_tail: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let manifest = format!("[package]\nname = \"x\"\nversion = \"0.1.0\"\n{manifest_tail}");
        fs::write(dir.path().join("Cargo.toml"), manifest).unwrap();
        for file in files {
            let path = dir.path().join(file);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, "fn main() {}\n").unwrap();
        }
        dir
    }

    fn server(files: &[&str], manifest_tail: &str) -> Option<PathBuf> {
        layout(package(files, manifest_tail).path()).server
    }

    fn library(files: &[&str], manifest_tail: &str) -> Option<(PathBuf, String)> {
        layout(package(files, manifest_tail).path()).library
    }

    #[test]
    fn the_library_is_src_lib_rs_else_lib_s_path_named_as_cargo_names_it() {
        let some = |path: &str, name: &str| Some((PathBuf::from(path), name.to_owned()));
        let manifest = |tail: &str| format!("[package]\nname = \"my-api\"\n{tail}");
        let found = |files: &[&str], tail: &str| {
            let dir = package(files, "");
            fs::write(dir.path().join("Cargo.toml"), manifest(tail)).unwrap();
            layout(dir.path()).library
        };
        assert_eq!(
            found(&["src/lib.rs", "src/main.rs"], ""),
            some("src/lib.rs", "my_api")
        );
        assert_eq!(
            found(&["src/lib.rs"], "\n[lib]\nname = \"core\"\n"),
            some("src/lib.rs", "core")
        );
        assert_eq!(
            found(&["lib/root.rs"], "\n[lib]\npath = \"./lib/root.rs\"\n"),
            some("lib/root.rs", "my_api")
        );
        assert_eq!(found(&["src/lib.rs"], "autolib = false\n"), None);
        assert_eq!(library(&["src/main.rs"], ""), None);
    }

    #[test]
    fn the_server_is_src_main_rs_else_the_only_binary() {
        let some = |path: &str| Some(PathBuf::from(path));
        assert_eq!(
            server(&["src/main.rs", "src/bin/tool.rs"], ""),
            some("src/main.rs")
        );
        assert_eq!(
            server(&["src/lib.rs", "src/bin/api.rs"], ""),
            some("src/bin/api.rs")
        );
        assert_eq!(
            server(&["src/bin/api/main.rs"], ""),
            some("src/bin/api/main.rs")
        );
        assert_eq!(
            server(
                &["server/main.rs"],
                "\n[[bin]]\nname = \"api\"\npath = \"server/main.rs\"\n"
            ),
            some("server/main.rs")
        );
        // A `[[bin]]` of a file cargo would find anyway is one binary, not two.
        assert_eq!(
            server(&["src/bin/api.rs"], "\n[[bin]]\nname = \"api\"\n"),
            some("src/bin/api.rs")
        );
        // A path written from `./` is the same file, and the `#[path]` to the module counts
        // its folders without the `.`.
        assert_eq!(
            server(
                &["server/main.rs"],
                "\n[[bin]]\nname = \"api\"\npath = \"./server/main.rs\"\n"
            ),
            some("server/main.rs")
        );
        assert_eq!(server(&["src/bin/api.rs", "src/bin/tool.rs"], ""), None);
        assert_eq!(server(&["src/lib.rs"], ""), None);
        assert_eq!(server(&["src/bin/api.rs"], "autobins = false\n"), None);
    }
}
