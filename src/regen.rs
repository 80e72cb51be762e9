//! `authgate auth`: plan the regeneration of the auth module in an existing repository, then show
//! the plan (`--dry-run`, `--check`) or carry it out, losing none of the user's edits.
//!
//! Planning reads everything first and writes nothing: `authgate.toml` (the recorded answers),
//! the flags, the files on disk and authgate's copies of what it last wrote. Only a complete plan
//! is applied, one atomic write per file.
//!
//! **The regenerable files** are those the render plan marks so ([`crate::plan::PLAN`]): in a
//! project authgate generated ([`Scope::Project`]), the auth module and the files whose text
//! depends on the provider, algorithms or user claim that the project needs to build, pass its
//! tests and document the provider; in a repository authgate did not generate
//! ([`Scope::AuthModule`]), the auth module only. The migrations also name the user claim, in a
//! comment, but are never rewritten: sqlx checks the checksum of every applied migration.
//! Besides those, Cargo.toml's dependencies are merged (see [`crate::deps`]) and `authgate.toml`
//! is written.
//!
//! **What authgate last wrote.** `.authgate/pristine/<path>` holds a copy of every regenerable
//! file as authgate last rendered it. No separate hash manifest: the copies are the manifest.
//! Per file, with base = that copy, yours = the file on disk and now = the new rendering:
//! - yours == now: nothing to do;
//! - no yours, no base: created;
//! - yours == base: replaced by now (you never touched it);
//! - edited: merged three ways; a clean merge is written, overlapping edits are written with
//!   conflict markers and make the command exit 1;
//! - now has no such file (e.g. `src/auth/jwks.rs` for an HMAC secret): removed when yours ==
//!   base, else kept and named on every run (its copy stays, as the base of a merge should
//!   authgate generate it again);
//! - deleted by you: left deleted, unless authgate changed it (then written back, a conflict).
//!
//! A project generated before `.authgate/` existed has no copies: the base is then the rendering
//! of the answers recorded in its `authgate.toml` (exact when the same authgate generated it).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::deps::{self, CryptoBackend};
use crate::error::{IoFailure, RegenFailure, UsageError};
use crate::merge::{self, DiskText, Merged};
use crate::options::{Answers, AnswersFile, DEFAULT_MODULE, NameSource, Options, Scope, defaults};
use crate::provider::Algorithm;
use crate::render::{self, ANSWERS_FILE, AUTHGATE_VERSION, RenderedFiles};
use crate::write;

/// authgate's own directory in a generated project.
pub const STATE_DIR: &str = ".authgate";

/// Where the copies of what authgate last wrote live: `.authgate/pristine/<path>`.
pub const PRISTINE_DIR: &str = ".authgate/pristine";

const MANIFEST: &str = "Cargo.toml";

pub use crate::plan::is_regenerable;

/// The regenerable files among `files`.
pub fn regenerable(files: &RenderedFiles, scope: Scope) -> RenderedFiles {
    files
        .iter()
        .filter(|(path, _)| is_regenerable(path, scope))
        .map(|(path, text)| (path.clone(), text.clone()))
        .collect()
}

/// `.authgate/pristine/<path>`.
pub fn pristine_path(path: &Path) -> PathBuf {
    Path::new(PRISTINE_DIR).join(path)
}

/// What `authgate new` writes: the project, and a copy of each of its regenerable files under
/// `.authgate/pristine/`, the base of the next `authgate auth`.
pub fn with_pristine_copies(mut files: RenderedFiles) -> RenderedFiles {
    let copies = regenerable(&files, Scope::Project);
    files.extend(
        copies
            .into_iter()
            .map(|(path, text)| (pristine_path(&path), text)),
    );
    files
}

// ---------------------------------------------------------------------------------------------
// Where the answers come from

/// What `authgate auth` finds at the target.
#[derive(Debug, Clone)]
pub enum Found {
    /// An `authgate.toml`: the answers and the scope come from it.
    Recorded(Box<AnswersFile>),
    /// A Rust package authgate did not generate, which can receive the module.
    Package,
}

/// Looks at the target before any question is asked: a directory with an `authgate.toml`, or a
/// Rust package (edition 2021 or later) without a `src/<module>` of its own (`module`: `auth`
/// unless `--module` names another). `check` refuses a target without `authgate.toml`: there is
/// nothing to check there.
pub fn inspect(root: &Path, check: bool, module: &str) -> Result<Found> {
    if !root.is_dir() {
        return Err(UsageError::ProjectNotADirectory(root.to_owned()).into());
    }
    if let Some(file) = read_recorded(root)? {
        return Ok(Found::Recorded(Box::new(file)));
    }
    let answers_path = root.join(ANSWERS_FILE);
    if check {
        return Err(UsageError::NothingToCheck(answers_path).into());
    }
    let manifest_path = root.join(MANIFEST);
    let manifest = match fs::read_to_string(&manifest_path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(UsageError::NoCargoToml(root.to_owned()).into());
        }
        Err(e) => {
            return Err(e).with_context(|| IoFailure::Read(manifest_path));
        }
    };
    if !deps::has_package(&manifest)? {
        return Err(UsageError::WorkspaceManifest(manifest_path).into());
    }
    // `edition.workspace = true`: the workspace's.
    let edition = match deps::edition(&manifest)? {
        Some(edition) => Some(edition),
        None => match workspace_manifest(root)? {
            Some((_, workspace)) => deps::workspace_edition(&workspace.text)?,
            None => None,
        },
    };
    if let Some(edition) = edition
        && edition.as_str() < "2021"
    {
        return Err(UsageError::EditionTooOld {
            path: manifest_path,
            edition,
        }
        .into());
    }
    for own in [format!("src/{module}"), format!("src/{module}.rs")] {
        let path = root.join(own);
        if fs::symlink_metadata(&path).is_ok() {
            return Err(UsageError::ForeignAuthModule(path).into());
        }
    }
    Ok(Found::Package)
}

/// The `authgate.toml` at `root`, if there is one; one that cannot be read or parsed is refused.
pub fn read_recorded(root: &Path) -> Result<Option<AnswersFile>, UsageError> {
    let path = root.join(ANSWERS_FILE);
    match fs::read_to_string(&path) {
        Ok(text) => AnswersFile::from_toml(&text)
            .map(Some)
            .map_err(|reason| UsageError::AnswersFileInvalid { path, reason }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(UsageError::AnswersFileUnreadable {
            path,
            reason: e.to_string(),
        }),
    }
}

/// The options to render from the recorded answers with the flags applied, and those the
/// recorded answers alone give (the base when `.authgate/` is missing; `None` when they are no
/// longer valid).
///
/// A new `--provider` without `--alg` takes that provider's default algorithm: the recorded
/// ones belong to the old provider. The user claim is kept unless `--user-claim` is given.
pub fn recorded_options(
    file: &AnswersFile,
    path: &Path,
    flags: &Answers,
) -> Result<(Options, Option<Options>), UsageError> {
    if let Some(recorded) = &file.authgate_version
        && is_newer(recorded, AUTHGATE_VERSION)
    {
        return Err(UsageError::NewerAuthgate {
            path: path.to_owned(),
            recorded: recorded.clone(),
            ours: AUTHGATE_VERSION,
        });
    }
    let recorded = &file.answers;
    let required: &[(&'static str, bool)] = match file.scope {
        Scope::Project => &[
            ("name", recorded.name.is_none()),
            ("provider", recorded.provider.is_none()),
            ("algorithms", recorded.algorithms.is_none()),
            ("user_claim", recorded.user_claim.is_none()),
            ("storage", recorded.storage.is_none()),
            (
                "resource",
                recorded.resource.is_none() && recorded.resources.is_none(),
            ),
            ("user_in_path", recorded.user_in_path.is_none()),
        ],
        Scope::AuthModule => &[
            ("provider", recorded.provider.is_none()),
            ("algorithms", recorded.algorithms.is_none()),
            ("user_claim", recorded.user_claim.is_none()),
        ],
    };
    if let Some((key, _)) = required.iter().find(|(_, missing)| *missing) {
        return Err(UsageError::AnswersFileIncomplete {
            path: path.to_owned(),
            key,
        });
    }

    let mut base = recorded.clone();
    if flags.provider.is_some_and(|p| Some(p) != recorded.provider) {
        base.algorithms = None;
    }
    let mut answers = flags.clone().or(base);
    if let Some(provider) = answers.provider {
        answers
            .algorithms
            .get_or_insert_with(|| vec![provider.default_algorithm().to_string()]);
    }
    let (answers, previous) = match file.scope {
        Scope::Project => (answers, recorded.clone()),
        Scope::AuthModule => (module_answers(answers), module_answers(recorded.clone())),
    };
    let options = Options::from_answers(answers, NameSource::AnswersFile)?;
    let previous = Options::from_answers(previous, NameSource::AnswersFile).ok();
    Ok((options, previous))
}

/// Fills the answers that shape a whole project, which the auth module alone does not depend
/// on (its templates use the provider, algorithms and user claim only), so that the module can
/// be rendered; none of them is recorded for [`Scope::AuthModule`].
pub fn module_answers(answers: Answers) -> Answers {
    Answers {
        name: Some("app".to_owned()),
        storage: Some(defaults::STORAGE),
        resource: Some(defaults::RESOURCE.to_owned()),
        user_in_path: Some(defaults::USER_IN_PATH),
        ..answers
    }
}

/// Whether version `a` is newer than `b` (`major.minor.patch`, numerically; anything else,
/// such as a pre-release suffix, compares as older).
fn is_newer(a: &str, b: &str) -> bool {
    let parse = |v: &str| -> Option<Vec<u64>> { v.split('.').map(|n| n.parse().ok()).collect() };
    match (parse(a), parse(b)) {
        (Some(a), Some(b)) => a > b,
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------------
// The plan

/// What happens to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// A new file.
    Created,
    /// A file the user never edited, replaced.
    Updated,
    /// A file the user edited, merged cleanly with authgate's changes.
    Merged,
    /// A file the user edited, written with conflict markers where the edits overlap.
    Conflicted,
    /// A file the user deleted and authgate changed: written back.
    Restored,
    /// A file authgate no longer generates and the user never edited.
    Removed,
}

impl ChangeKind {
    /// Whether the user must look at the file before going on (exit status 1).
    pub fn needs_attention(self) -> bool {
        matches!(self, ChangeKind::Conflicted | ChangeKind::Restored)
    }
}

/// One file to write or remove: its path relative to the project, and its text before and after
/// (`None`: absent), with the file's own line endings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub path: PathBuf,
    pub kind: ChangeKind,
    pub before: Option<String>,
    pub after: Option<String>,
    /// For Cargo.toml: what changed in it.
    pub note: Option<String>,
}

/// A complete regeneration, computed without writing anything.
#[derive(Debug, Clone)]
pub struct Plan {
    pub root: PathBuf,
    pub scope: Scope,
    pub options: Options,
    /// The auth module's name: `src/<module>/`, `mod <module>;`.
    pub module: String,
    /// Changes to the project's files, Cargo.toml and authgate.toml, sorted by path with
    /// authgate.toml last.
    pub changes: Vec<Change>,
    /// Changes to `.authgate/pristine/`, applied after `changes`.
    pub bookkeeping: Vec<Change>,
    /// Files authgate no longer generates, kept because the user edited them.
    pub kept: Vec<PathBuf>,
    /// Cargo.toml entries left as the user set them although authgate's differ.
    pub left_alone: Vec<String>,
    /// Files an earlier authgate regenerated and this one no longer does: left as they are,
    /// the user's from now on.
    pub handed_over: Vec<PathBuf>,
    /// True when `.authgate/pristine/` was missing and the base was rendered from the answers.
    pub rendered_base: bool,
}

impl Plan {
    /// The files that need the user's attention: conflicts, and deleted files written back.
    pub fn conflicts(&self) -> Vec<PathBuf> {
        self.changes
            .iter()
            .filter(|change| change.kind.needs_attention())
            .map(|change| change.path.clone())
            .collect()
    }

    /// Whether `authgate auth` would change any of the user's files (its own bookkeeping under
    /// `.authgate/` aside).
    pub fn changes_files(&self) -> bool {
        !self.changes.is_empty()
    }
}

/// Plans the regeneration of the project at `root` for `options`. `previous` (the recorded
/// answers) gives the base when `.authgate/pristine/` is missing in a generated project.
pub fn plan(
    root: &Path,
    scope: Scope,
    options: &Options,
    previous: Option<&Options>,
    module: &str,
) -> Result<Plan> {
    let manifest = read_text(root, Path::new(MANIFEST))?
        .ok_or_else(|| UsageError::NoCargoToml(root.to_owned()))?;
    // In a package of the user's, the module uses the jsonwebtoken backend it has chosen.
    let crypto = match scope {
        Scope::AuthModule => deps::jsonwebtoken_backend(&manifest.text)?,
        Scope::Project => CryptoBackend::default(),
    };
    if crypto == CryptoBackend::RustCrypto && options.algorithms.contains(&Algorithm::ES512) {
        return Err(UsageError::Es512NeedsAwsLcRs(root.join(MANIFEST)).into());
    }
    let rendered = render::render_in(options, scope, crypto, module)?;
    let wanted: RenderedFiles = regenerable(&rendered, scope)
        .into_iter()
        .map(|(path, text)| (module_path(&path, module), text))
        .collect();

    let pristine_root = root.join(PRISTINE_DIR);
    let mut stale = Vec::new();
    // Files an earlier authgate regenerated and this one only writes at `new` (`src/config.rs`,
    // since the provider's fixtures left it): left exactly as they are, and the user's from now
    // on. Rewriting them would need the files around them (the store, for `src/config.rs`) at
    // the same version, and those are the user's already.
    let mut handed_over = Vec::new();
    let (bases, rendered_base) = if pristine_root.is_dir() {
        let mut bases = RenderedFiles::new();
        for (path, text) in read_tree(&pristine_root)? {
            if is_regenerable(&template_path(&path, module), scope) {
                bases.insert(path, text);
            } else {
                if rendered.contains_key(&path) && root.join(&path).is_file() {
                    handed_over.push(path.clone());
                }
                stale.push(path);
            }
        }
        (bases, false)
    } else if let (Scope::Project, Some(previous)) = (scope, previous) {
        (regenerable(&render::render(previous)?, scope), true)
    } else {
        (RenderedFiles::new(), false)
    };

    let mut plan = Plan {
        root: root.to_owned(),
        scope,
        options: options.clone(),
        module: module.to_owned(),
        changes: Vec::new(),
        bookkeeping: Vec::new(),
        kept: Vec::new(),
        left_alone: Vec::new(),
        handed_over,
        rendered_base,
    };

    (plan.changes, plan.kept) = decide_files(root, &bases, &wanted, "authgate auth")?;

    // Cargo.toml: the dependencies the regenerated files name.
    let sources: Vec<&str> = wanted
        .iter()
        .filter(|(path, _)| path.extension().is_some_and(|ext| ext == "rs"))
        .map(|(_, text)| text.as_str())
        .collect();
    let rendered_manifest = rendered
        .get(Path::new(MANIFEST))
        .context("authgate rendered no Cargo.toml")?;
    let mut edited = deps::merge_dependencies(&manifest.text, rendered_manifest, &sources)?;
    if scope == Scope::AuthModule {
        // A provider switch: the crates only the previous module named go, unless the
        // package's own code names them too.
        let previous: Vec<&str> = bases
            .iter()
            .filter(|(path, _)| path.extension().is_some_and(|ext| ext == "rs"))
            .map(|(_, text)| text.as_str())
            .collect();
        let unneeded: Vec<String> = deps::dependency_names(&edited.text)?
            .into_iter()
            .filter(|name| {
                previous.iter().any(|text| deps::names_crate(text, name))
                    && !sources.iter().any(|text| deps::names_crate(text, name))
            })
            .collect();
        if !unneeded.is_empty() {
            let own = package_sources(root, module)?;
            for name in unneeded {
                match own.iter().find(|(_, text)| deps::names_crate(text, &name)) {
                    Some((path, _)) => edited.left_alone.push(format!(
                        "{name}: the module no longer needs it; kept, for `{}` uses it",
                        path.display()
                    )),
                    None => {
                        edited.text = deps::remove_dependency(&edited.text, &name)?;
                        edited.removed.push(name);
                    }
                }
            }
        }
    }
    let mut breaking = edited.breaking.clone();
    // A member's `workspace = true` entries are the workspace's to raise and to give features.
    let workspace = if edited.inherited.is_empty() {
        None
    } else {
        let (path, disk) =
            workspace_manifest(root)?.ok_or_else(|| UsageError::NoWorkspaceManifest {
                path: root.join(MANIFEST),
                inherited: edited.inherited.clone(),
            })?;
        let merged =
            deps::merge_workspace_dependencies(&disk.text, rendered_manifest, &edited.inherited)?;
        breaking.extend(merged.breaking.iter().cloned());
        Some((path, disk, merged))
    };
    plan.left_alone = edited.left_alone.clone();
    if edited.text != manifest.text {
        plan.changes.push(Change {
            path: PathBuf::from(MANIFEST),
            kind: ChangeKind::Updated,
            before: Some(manifest.restore_endings(&manifest.text)),
            after: Some(manifest.restore_endings(&edited.text)),
            note: Some(edited.describe()),
        });
    }
    if let Some((path, disk, merged)) = workspace {
        plan.left_alone.extend(merged.left_alone.iter().cloned());
        if merged.text != disk.text {
            plan.changes.push(Change {
                path,
                kind: ChangeKind::Updated,
                before: Some(disk.restore_endings(&disk.text)),
                after: Some(disk.restore_endings(&merged.text)),
                note: Some(merged.describe()),
            });
        }
    }
    // In a package of the user's, its own code relies on the versions it requires.
    if scope == Scope::AuthModule && !breaking.is_empty() {
        return Err(UsageError::DependencyTooOld {
            path: root.join(MANIFEST),
            too_old: breaking,
        }
        .into());
    }
    plan.changes.sort_by(|a, b| a.path.cmp(&b.path));

    // authgate.toml, last.
    let answers_text = options.answers_file_for(scope, AUTHGATE_VERSION, module);
    plan.changes
        .extend(answers_file_change(root, answers_text)?);

    // The copies of what authgate wrote this time.
    let copies = if rendered_base {
        RenderedFiles::new()
    } else {
        bases.clone()
    };
    plan.bookkeeping = copy_changes(&wanted, &copies);
    if !rendered_base {
        // A kept file keeps its copy: the base of a merge if authgate generates it again.
        let gone = bases
            .iter()
            .filter(|(path, _)| !wanted.contains_key(*path) && !plan.kept.contains(*path))
            .map(|(path, text)| (path.clone(), Some(text.clone())));
        let stale = stale.into_iter().map(|path| (path, None));
        for (path, before) in gone.chain(stale) {
            plan.bookkeeping.push(Change {
                path: pristine_path(&path),
                kind: ChangeKind::Removed,
                before,
                after: None,
                note: None,
            });
        }
    }
    Ok(plan)
}

// ---------------------------------------------------------------------------------------------
// Adding a resource (`authgate add resource`)

/// Where sqlx finds a project's migrations.
pub const MIGRATIONS_DIR: &str = "migrations";

/// Every migration version in the project's `migrations/` (the leading digits of each
/// `<version>_<description>.sql`).
pub fn migration_versions(root: &Path) -> Result<Vec<u64>> {
    let dir = root.join(MIGRATIONS_DIR);
    let entries = match fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| IoFailure::ReadDir(dir)),
    };
    let mut versions = Vec::new();
    for entry in entries {
        let name = entry
            .with_context(|| IoFailure::ReadDir(dir.clone()))?
            .file_name();
        let name = name.to_string_lossy();
        if let Some((digits, _)) = name.split_once('_')
            && let Ok(version) = digits.parse::<u64>()
        {
            versions.push(version);
        }
    }
    Ok(versions)
}

/// Plans the project at `root` rendered for `after` (a resource more) instead of `before` (the
/// recorded answers), writing nothing.
///
/// Only the files whose rendering differs between the two, or that only `after` renders, are
/// looked at; each is decided as `authgate auth` decides a regenerable file, the base being the
/// rendering of `before` (or, for a regenerable file, its copy under `.authgate/pristine/`, what
/// authgate last wrote there): untouched files are replaced, new ones created, edited ones
/// merged three ways. A migration is only ever created: sqlx refuses to start when an applied
/// one changes, so the migrations of the resources already there are never rewritten. The copies
/// of the regenerable files that change follow, and `authgate.toml`, last.
pub fn plan_addition(root: &Path, before: &Options, after: &Options) -> Result<Plan> {
    let old = render::render(before)?;
    let new = render::render(after)?;
    let answers = Path::new(ANSWERS_FILE);
    let pristine_root = root.join(PRISTINE_DIR);
    let mut bases = RenderedFiles::new();
    let mut wanted = RenderedFiles::new();
    let mut copies = RenderedFiles::new();
    let paths: BTreeSet<&PathBuf> = old.keys().chain(new.keys()).collect();
    for path in paths {
        let (base, now) = (old.get(path), new.get(path));
        if base == now || path == answers {
            continue;
        }
        if path.starts_with(MIGRATIONS_DIR) && (base.is_some() || root.join(path).exists()) {
            continue;
        }
        let mut base = base.cloned();
        if is_regenerable(path, Scope::Project)
            && let Some(copy) = read_text(&pristine_root, path)?
        {
            copies.insert(path.clone(), copy.text.clone());
            base = Some(copy.text);
        }
        bases.extend(base.map(|text| (path.clone(), text)));
        wanted.extend(now.map(|text| (path.clone(), text.clone())));
    }
    let (mut changes, kept) = decide_files(root, &bases, &wanted, "authgate add resource")?;
    changes.sort_by(|a, b| a.path.cmp(&b.path));
    let answers_text = after.answers_file_for(Scope::Project, AUTHGATE_VERSION, DEFAULT_MODULE);
    changes.extend(answers_file_change(root, answers_text)?);

    let regenerated = regenerable(&wanted, Scope::Project);
    let mut bookkeeping = copy_changes(&regenerated, &copies);
    // A copy of a file authgate no longer generates goes with it, unless the file is kept.
    bookkeeping.extend(
        copies
            .iter()
            .filter(|(path, _)| !wanted.contains_key(*path) && !kept.contains(*path))
            .map(|(path, text)| Change {
                path: pristine_path(path),
                kind: ChangeKind::Removed,
                before: Some(text.clone()),
                after: None,
                note: None,
            }),
    );
    Ok(Plan {
        root: root.to_owned(),
        scope: Scope::Project,
        options: after.clone(),
        module: DEFAULT_MODULE.to_owned(),
        changes,
        bookkeeping,
        kept,
        left_alone: Vec::new(),
        handed_over: Vec::new(),
        rendered_base: false,
    })
}

/// Decides every file that `bases` or `wanted` holds (what authgate last wrote, and what it
/// renders now), against the file on disk: the changes to make, and the files authgate no
/// longer generates that are kept because the user edited them. A file that still holds
/// conflict markers stops the plan: only the user can resolve it, then run `command` again.
fn decide_files(
    root: &Path,
    bases: &RenderedFiles,
    wanted: &RenderedFiles,
    command: &'static str,
) -> Result<(Vec<Change>, Vec<PathBuf>)> {
    let mut changes = Vec::new();
    let mut kept = Vec::new();
    let mut unresolved = Vec::new();
    let paths: BTreeSet<&PathBuf> = wanted.keys().chain(bases.keys()).collect();
    for path in paths {
        let base = bases.get(path).map(String::as_str);
        let now = wanted.get(path).map(String::as_str);
        let yours = read_text(root, path)?;
        if let Some(yours) = &yours
            && Some(yours.text.as_str()) != base
            && Some(yours.text.as_str()) != now
            && merge::has_conflict_markers(&yours.text)
        {
            unresolved.push(path.clone());
            continue;
        }
        match decide(path, base, yours.as_ref(), now) {
            Decision::Nothing => {}
            Decision::Keep => kept.push(path.clone()),
            Decision::Change(change) => changes.push(change),
        }
    }
    if !unresolved.is_empty() {
        return Err(RegenFailure::Unresolved {
            paths: unresolved,
            command,
        }
        .into());
    }
    Ok((changes, kept))
}

/// The change that writes `authgate.toml` as `text`, unless it already says exactly that.
fn answers_file_change(root: &Path, text: String) -> Result<Option<Change>> {
    let recorded = read_text(root, Path::new(ANSWERS_FILE))?;
    Ok(match &recorded {
        Some(recorded) if recorded.text == text => None,
        _ => Some(Change {
            path: PathBuf::from(ANSWERS_FILE),
            kind: if recorded.is_some() {
                ChangeKind::Updated
            } else {
                ChangeKind::Created
            },
            before: recorded.as_ref().map(|r| r.restore_endings(&r.text)),
            after: Some(text),
            note: None,
        }),
    })
}

/// The changes to `.authgate/pristine/` that make its copies what authgate wrote this time:
/// `wanted`, the regenerable files rendered now, over `copies`, those on disk.
fn copy_changes(wanted: &RenderedFiles, copies: &RenderedFiles) -> Vec<Change> {
    wanted
        .iter()
        .filter_map(|(path, text)| {
            let before = copies.get(path).cloned();
            (before.as_deref() != Some(text.as_str())).then(|| Change {
                path: pristine_path(path),
                kind: if before.is_some() {
                    ChangeKind::Updated
                } else {
                    ChangeKind::Created
                },
                before,
                after: Some(text.clone()),
                note: None,
            })
        })
        .collect()
}

enum Decision {
    Nothing,
    Keep,
    Change(Change),
}

/// What to do with one regenerable file; see the module documentation.
fn decide(
    path: &Path,
    base: Option<&str>,
    yours: Option<&DiskText>,
    now: Option<&str>,
) -> Decision {
    let change = |kind, after: Option<String>| {
        Decision::Change(Change {
            path: path.to_owned(),
            kind,
            before: yours.map(|y| y.restore_endings(&y.text)),
            after: after.map(|text| match yours {
                Some(y) => y.restore_endings(&text),
                None => text,
            }),
            note: None,
        })
    };
    let text = yours.map(|y| y.text.as_str());
    match (base, text, now) {
        (_, Some(yours), Some(now)) if yours == now => Decision::Nothing,
        (None, None, Some(now)) => change(ChangeKind::Created, Some(now.to_owned())),
        // Deleted by the user: respected, unless authgate changed the file since.
        (Some(base), None, Some(now)) if base == now => Decision::Nothing,
        (Some(_), None, Some(now)) => change(ChangeKind::Restored, Some(now.to_owned())),
        (Some(base), Some(yours), Some(now)) if yours == base => {
            change(ChangeKind::Updated, Some(now.to_owned()))
        }
        // Edited by the user (or, without a base, written by the user): merged.
        (base, Some(yours), Some(now)) => match merge::three_way(base.unwrap_or(""), yours, now) {
            Merged::Clean(merged) if merged == yours => Decision::Nothing,
            Merged::Clean(merged) => change(ChangeKind::Merged, Some(merged)),
            Merged::Conflicted(marked) => change(ChangeKind::Conflicted, Some(marked)),
        },
        // No longer generated.
        (Some(base), Some(yours), None) if yours == base => change(ChangeKind::Removed, None),
        (Some(_), Some(_), None) => Decision::Keep,
        (_, None, None) | (None, Some(_), None) => Decision::Nothing,
    }
}

/// The text of `root/path`, or `None` when there is no such file.
/// The package's own Rust sources (outside the auth module, `target/` and `.authgate/`), by
/// path relative to `root`, to tell whether its code names a crate.
fn package_sources(root: &Path, module: &str) -> Result<Vec<(PathBuf, String)>> {
    fn walk(
        root: &Path,
        dir: &Path,
        skip: &[PathBuf],
        out: &mut Vec<(PathBuf, String)>,
    ) -> Result<()> {
        let entries = fs::read_dir(dir).with_context(|| IoFailure::Read(dir.to_owned()))?;
        for entry in entries {
            let path = entry
                .with_context(|| IoFailure::Read(dir.to_owned()))?
                .path();
            let relative = path.strip_prefix(root).unwrap_or(&path).to_owned();
            if skip.contains(&relative) || path.is_symlink() {
                continue;
            }
            if path.is_dir() {
                walk(root, &path, skip, out)?;
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                // A file that is not UTF-8 names no crate that this search could see.
                if let Ok(text) = fs::read_to_string(&path) {
                    out.push((relative, text));
                }
            }
        }
        Ok(())
    }
    let skip = [
        PathBuf::from("target"),
        PathBuf::from(".git"),
        PathBuf::from(".authgate"),
        Path::new("src").join(module),
    ];
    let mut out = Vec::new();
    walk(root, root, &skip, &mut out)?;
    Ok(out)
}

/// Where a rendered file goes when the auth module is named `module`: `src/auth/x.rs` →
/// `src/<module>/x.rs`; every other path is unchanged.
fn module_path(path: &Path, module: &str) -> PathBuf {
    match path.strip_prefix("src/auth") {
        Ok(rest) if module != DEFAULT_MODULE => Path::new("src").join(module).join(rest),
        _ => path.to_owned(),
    }
}

/// The rendered path of a file of the package: the inverse of [`module_path`].
fn template_path(path: &Path, module: &str) -> PathBuf {
    match path.strip_prefix(Path::new("src").join(module)) {
        Ok(rest) if module != DEFAULT_MODULE => Path::new("src/auth").join(rest),
        _ => path.to_owned(),
    }
}

/// The root manifest of the workspace the package at `root` belongs to: the nearest
/// `Cargo.toml` above it with a `[workspace]` table, by its path relative to `root`
/// (`../../Cargo.toml`).
fn workspace_manifest(root: &Path) -> Result<Option<(PathBuf, DiskText)>> {
    let absolute = root
        .canonicalize()
        .with_context(|| IoFailure::Read(root.to_owned()))?;
    let mut relative = PathBuf::new();
    for dir in absolute.ancestors().skip(1) {
        relative.push("..");
        let path = relative.join(MANIFEST);
        if !dir.join(MANIFEST).is_file() {
            continue;
        }
        let Some(text) = read_text(root, &path)? else {
            continue;
        };
        if deps::is_workspace_root(&text.text)? {
            return Ok(Some((path, text)));
        }
    }
    Ok(None)
}

fn read_text(root: &Path, path: &Path) -> Result<Option<DiskText>> {
    match fs::read(root.join(path)) {
        Ok(bytes) => {
            let text =
                String::from_utf8(bytes).map_err(|_| RegenFailure::NotUtf8(path.to_owned()))?;
            Ok(Some(DiskText::new(text)))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| IoFailure::ReadToMerge(path.to_owned())),
    }
}

/// Every file under `dir`, by path relative to it.
fn read_tree(dir: &Path) -> Result<BTreeMap<PathBuf, String>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(current) = pending.pop() {
        let entries =
            fs::read_dir(&current).with_context(|| IoFailure::ReadDir(current.clone()))?;
        for entry in entries {
            let path = entry
                .with_context(|| IoFailure::ReadDir(current.clone()))?
                .path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path.strip_prefix(dir).expect("under dir").to_owned();
                let text =
                    fs::read_to_string(&path).with_context(|| IoFailure::Read(path.clone()))?;
                files.insert(relative, text.replace("\r\n", "\n"));
            }
        }
    }
    Ok(files)
}

// ---------------------------------------------------------------------------------------------
// Carrying it out (described by `crate::report`)

/// Writes the plan: the project's files first, then authgate's copies, `authgate.toml` last, so
/// that an interrupted run is completed by running again. Each file is replaced atomically.
pub fn apply(plan: &Plan) -> Result<()> {
    for change in plan.changes.iter().chain(&plan.bookkeeping) {
        let path = plan.root.join(&change.path);
        match &change.after {
            Some(text) => write::write_file_atomic(&path, text)?,
            None => write::remove_file(&path)?,
        }
    }
    prune_empty_dirs(&plan.root.join(PRISTINE_DIR));
    Ok(())
}

/// Removes empty directories under `dir` (left when a file is no longer generated).
fn prune_empty_dirs(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            prune_empty_dirs(&path);
            // Fails, as it should, when the directory is not empty.
            let _ = fs::remove_dir(&path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::Provider;

    fn options(provider: Provider) -> Options {
        let answers = Answers {
            name: Some("my-api".to_owned()),
            provider: Some(provider),
            ..Answers::default()
        }
        .or_defaults();
        Options::from_answers(answers, NameSource::Flag).unwrap()
    }

    fn disk(text: &str) -> DiskText {
        DiskText::new(text.to_owned())
    }

    fn kind(decision: Decision) -> Option<ChangeKind> {
        match decision {
            Decision::Change(change) => Some(change.kind),
            Decision::Keep => None,
            Decision::Nothing => None,
        }
    }

    /// Switching provider, algorithms or user claim changes only regenerable files (besides
    /// Cargo.toml, merged by `deps`, authgate.toml, and the migrations' comment naming the user
    /// claim, which must not change once applied).
    #[test]
    fn a_provider_switch_changes_only_regenerable_files() {
        let before = render::render(&options(Provider::BetterAuth)).unwrap();
        let mut others: Vec<Options> = Provider::ALL.into_iter().map(options).collect();
        let mut custom = options(Provider::SharedSecret);
        custom.algorithms = vec![crate::provider::Algorithm::HS512];
        custom.user_claim = "user_id".to_owned();
        others.push(custom);
        for after in others {
            let provider = after.provider;
            let after = render::render(&after).unwrap();
            let paths: BTreeSet<&PathBuf> = before.keys().chain(after.keys()).collect();
            for path in paths {
                if before.get(path) != after.get(path)
                    && path != Path::new("Cargo.toml")
                    && path != Path::new(ANSWERS_FILE)
                    && !path.starts_with("migrations")
                {
                    assert!(
                        is_regenerable(path, Scope::Project),
                        "{provider}: `{}` changes but is not regenerated",
                        path.display()
                    );
                }
            }
        }
    }

    #[test]
    fn pristine_copies_for_new_projects() {
        let files = render::render(&options(Provider::Auth0)).unwrap();
        let with = with_pristine_copies(files.clone());
        let copies: Vec<&PathBuf> = with
            .keys()
            .filter(|path| path.starts_with(STATE_DIR))
            .collect();
        assert_eq!(copies.len(), regenerable(&files, Scope::Project).len());
        assert_eq!(
            with[Path::new(".authgate/pristine/src/auth/mod.rs")],
            files[Path::new("src/auth/mod.rs")]
        );
    }

    #[test]
    fn decisions() {
        let p = Path::new("x.rs");
        let base = "a\nb\nc\nd\ne\n";
        let now = "A\nb\nc\nd\ne\n";
        let edited = "a\nb\nc\nd\nE\n";
        let clash = "a2\nb\nc\nd\ne\n";
        let d =
            |base, yours: Option<&str>, now| kind(decide(p, base, yours.map(disk).as_ref(), now));
        assert_eq!(d(None, None, Some(now)), Some(ChangeKind::Created));
        assert_eq!(
            d(Some(base), Some(base), Some(now)),
            Some(ChangeKind::Updated)
        );
        assert_eq!(d(Some(base), Some(now), Some(now)), None);
        assert_eq!(
            d(Some(base), Some(edited), Some(now)),
            Some(ChangeKind::Merged)
        );
        assert_eq!(d(Some(base), Some(edited), Some(base)), None);
        assert_eq!(
            d(Some(base), Some(clash), Some(now)),
            Some(ChangeKind::Conflicted)
        );
        assert_eq!(
            d(None, Some(edited), Some(now)),
            Some(ChangeKind::Conflicted)
        );
        assert_eq!(d(Some(base), None, Some(base)), None);
        assert_eq!(d(Some(base), None, Some(now)), Some(ChangeKind::Restored));
        assert_eq!(d(Some(base), Some(base), None), Some(ChangeKind::Removed));
        assert!(matches!(
            decide(p, Some(base), Some(&disk(edited)), None),
            Decision::Keep
        ));
        assert_eq!(d(Some(base), None, None), None);
    }

    #[test]
    fn windows_line_endings_are_kept() {
        let p = Path::new("x.rs");
        let yours = disk("a\r\nb\r\n");
        let Decision::Change(change) = decide(p, Some("a\nb\n"), Some(&yours), Some("a\nc\n"))
        else {
            panic!("expected a change")
        };
        assert_eq!(change.kind, ChangeKind::Updated);
        assert_eq!(change.after.as_deref(), Some("a\r\nc\r\n"));
    }

    #[test]
    fn flags_apply_to_the_recorded_answers() {
        let recorded = options(Provider::BetterAuth);
        let file = AnswersFile::from_toml(&recorded.answers_file("0.0.1")).unwrap();
        let path = Path::new("authgate.toml");

        let (same, previous) = recorded_options(&file, path, &Answers::default()).unwrap();
        assert_eq!(same, recorded);
        assert_eq!(previous, Some(recorded.clone()));

        // A new provider without --alg takes that provider's default algorithm.
        let flags = Answers {
            provider: Some(Provider::Auth0),
            ..Answers::default()
        };
        let (switched, _) = recorded_options(&file, path, &flags).unwrap();
        assert_eq!(switched.provider, Provider::Auth0);
        assert_eq!(
            switched.algorithms,
            vec![Provider::Auth0.default_algorithm()]
        );
        assert_eq!(switched.storage, recorded.storage);
        assert_eq!(switched.name, recorded.name);

        let flags = Answers {
            provider: Some(Provider::Clerk),
            algorithms: Some(vec!["ES256".to_owned()]),
            ..Answers::default()
        };
        assert_eq!(
            recorded_options(&file, path, &flags).unwrap_err(),
            UsageError::ClerkRs256Only
        );
    }

    #[test]
    fn an_incomplete_or_newer_answers_file_is_refused() {
        let path = Path::new("authgate.toml");
        let file = AnswersFile::from_toml("[answers]\nprovider = \"auth0\"\n").unwrap();
        assert_eq!(
            recorded_options(&file, path, &Answers::default()).unwrap_err(),
            UsageError::AnswersFileIncomplete {
                path: path.to_owned(),
                key: "name"
            }
        );
        let text = "authgate_version = \"999.0.0\"\nscope = \"auth-module\"\n[answers]\n\
                    provider = \"auth0\"\nalgorithms = [\"RS256\"]\nuser_claim = \"sub\"\n";
        let file = AnswersFile::from_toml(text).unwrap();
        assert!(matches!(
            recorded_options(&file, path, &Answers::default()).unwrap_err(),
            UsageError::NewerAuthgate { .. }
        ));
        let file = AnswersFile::from_toml(&text.replace("999.0.0", "0.0.1")).unwrap();
        let (module, _) = recorded_options(&file, path, &Answers::default()).unwrap();
        assert_eq!(module.provider, Provider::Auth0);
    }

    #[test]
    fn versions_compare_numerically() {
        assert!(is_newer("0.10.0", "0.9.9"));
        assert!(!is_newer("0.1.0", "0.1.0"));
        assert!(!is_newer("0.1.0-beta", "0.1.0"));
    }
}
