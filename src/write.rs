//! Sinks for a rendered project: write it to disk all-or-nothing, or describe it (`--dry-run`);
//! and the atomic one-file writes that `authgate auth` makes.
//!
//! A new project is written into a hidden staging directory first and moved into place only when
//! every file is written, so a failure half-way leaves nothing behind:
//! - when the target does not exist, the staging directory is created beside it and renamed onto
//!   it (one atomic rename);
//! - when the target is an existing empty directory, the staging directory is created inside it
//!   and its entries are moved up, undone on failure. Renaming over the directory instead would
//!   replace it, losing its permissions and leaving a shell that sits in it (`authgate new .`) in
//!   a deleted directory.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result};
use tempfile::TempDir;

use crate::error::{IoFailure, UsageError};
use crate::render::RenderedFiles;

/// Prefix of the staging directory; hidden, and recognisable if a crash ever leaves one behind.
const STAGING_PREFIX: &str = ".authgate-new-";

/// What is at the target path before writing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Nothing: the project directory will be created in `parent`.
    Missing { parent: PathBuf },
    /// An empty directory: the project is written into it.
    EmptyDir,
}

/// Checks that `target` can receive a new project: it must not exist, or be an empty directory,
/// and its parent must exist. Refusals are [`UsageError`]s.
pub fn check_target(target: &Path) -> Result<Target> {
    match fs::symlink_metadata(target) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let parent = match target.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
                _ => PathBuf::from("."),
            };
            if !parent.is_dir() {
                return Err(UsageError::ParentMissing(parent).into());
            }
            Ok(Target::Missing { parent })
        }
        Err(e) => Err(e).with_context(|| IoFailure::InspectTarget(target.to_owned())),
        Ok(_) => {
            // Follow a symbolic link: a link to an empty directory is an empty directory.
            let is_dir = fs::metadata(target).is_ok_and(|m| m.is_dir());
            if !is_dir {
                return Err(UsageError::TargetNotADirectory(target.to_owned()).into());
            }
            let mut entries =
                fs::read_dir(target).with_context(|| IoFailure::ReadTarget(target.to_owned()))?;
            if entries.next().is_some() {
                return Err(UsageError::TargetNotEmpty(target.to_owned()).into());
            }
            Ok(Target::EmptyDir)
        }
    }
}

/// Writes `files` as a new project at `target`, all or nothing. Nothing outside `target` is left
/// changed, whatever happens.
pub fn write_project(target: &Path, files: &RenderedFiles) -> Result<()> {
    write_project_then(target, files, |_| Ok(()))
}

/// [`write_project`], calling `finish` on the staging directory once every file is in it and
/// before it is moved into place (`git init`): when `finish` fails, nothing is left either.
pub fn write_project_then<T>(
    target: &Path,
    files: &RenderedFiles,
    finish: impl FnOnce(&Path) -> Result<T>,
) -> Result<T> {
    for path in files.keys() {
        if !is_plain_relative(path) {
            return Err(IoFailure::UnsafePath(path.clone()).into());
        }
    }
    match check_target(target)? {
        Target::Missing { parent } => write_beside_then_rename(target, &parent, files, finish),
        Target::EmptyDir => write_inside_then_move_up(target, files, finish),
    }
}

/// One file of a `--dry-run` plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedFile {
    pub path: PathBuf,
    pub bytes: usize,
}

/// The files that would be written, in order, with their sizes; writes nothing.
pub fn dry_run_plan(files: &RenderedFiles) -> Vec<PlannedFile> {
    files
        .iter()
        .map(|(path, text)| PlannedFile {
            path: path.clone(),
            bytes: text.len(),
        })
        .collect()
}

/// Replaces (or creates) the file at `path` with `text` atomically: the text is written to a
/// temporary file in the same directory, which is then renamed onto `path`, so that a reader (or
/// a crash) sees the old file or the new one, never half of one. An existing file keeps its
/// permissions; a new one gets the usual mode (0666 minus the umask). Missing parent
/// directories are created.
pub fn write_file_atomic(path: &Path, text: &str) -> Result<()> {
    use std::io::Write as _;

    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir).with_context(|| IoFailure::CreateDir(dir.to_owned()))?;
    let permissions = fs::metadata(path).ok().map(|m| m.permissions());
    let mut builder = tempfile::Builder::new();
    builder.prefix(".authgate-").suffix(".tmp");
    #[cfg(unix)]
    if permissions.is_none() {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    let mut file = builder
        .tempfile_in(dir)
        .with_context(|| IoFailure::CreateTempFile(dir.to_owned()))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.as_file().sync_all())
        .with_context(|| IoFailure::Write(path.to_owned()))?;
    if let Some(permissions) = permissions {
        file.as_file()
            .set_permissions(permissions)
            .with_context(|| IoFailure::KeepPermissions(path.to_owned()))?;
    }
    file.persist(path)
        .map_err(|e| e.error)
        .with_context(|| IoFailure::Replace(path.to_owned()))?;
    Ok(())
}

/// Removes the file at `path`; a file already gone is fine.
pub fn remove_file(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            Err(e).with_context(|| IoFailure::Remove(path.to_owned()))
        }
        _ => Ok(()),
    }
}

fn write_beside_then_rename<T>(
    target: &Path,
    parent: &Path,
    files: &RenderedFiles,
    finish: impl FnOnce(&Path) -> Result<T>,
) -> Result<T> {
    let staging = staging_dir_in(parent)?;
    write_all(staging.path(), files)?;
    let finished = finish(staging.path())?;
    fs::rename(staging.path(), target)
        .with_context(|| IoFailure::MoveProject(target.to_owned()))?;
    // The staging directory is now the project: it must not be cleaned up.
    let _project = staging.keep();
    Ok(finished)
}

fn write_inside_then_move_up<T>(
    target: &Path,
    files: &RenderedFiles,
    finish: impl FnOnce(&Path) -> Result<T>,
) -> Result<T> {
    let staging = staging_dir_in(target)?;
    write_all(staging.path(), files)?;
    let finished = finish(staging.path())?;
    // Everything in the staging directory: the files, and what `finish` made (`.git`).
    let top_level: BTreeSet<OsString> = fs::read_dir(staging.path())
        .and_then(|entries| entries.map(|entry| entry.map(|e| e.file_name())).collect())
        .with_context(|| IoFailure::ReadDir(staging.path().to_owned()))?;
    let mut moved: Vec<PathBuf> = Vec::new();
    for name in &top_level {
        let destination = target.join(name);
        let result = if fs::symlink_metadata(&destination).is_ok() {
            Err(IoFailure::Appeared(destination.clone()).into())
        } else {
            fs::rename(staging.path().join(name), &destination)
                .with_context(|| IoFailure::MoveIntoPlace(destination.clone()))
        };
        if let Err(error) = result {
            for path in moved.iter().rev() {
                // Best effort: the original error is the one to report.
                let _ = remove_any(path);
            }
            return Err(error);
        }
        moved.push(destination);
    }
    // `staging` is empty now; dropping it removes it.
    Ok(finished)
}

/// A hidden staging directory in `dir`, removed when dropped (on every error path).
fn staging_dir_in(dir: &Path) -> Result<TempDir> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(STAGING_PREFIX);
    #[cfg(unix)]
    {
        // tempfile creates private (0700) directories; the project should get the usual mode,
        // 0777 minus the umask, like any directory the user creates.
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o777));
    }
    builder
        .tempdir_in(dir)
        .with_context(|| IoFailure::CreateStagingDir(dir.to_owned()))
}

fn write_all(root: &Path, files: &RenderedFiles) -> Result<()> {
    for (relative, text) in files {
        let path = root.join(relative);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).with_context(|| {
                let relative_dir = relative.parent().unwrap_or(Path::new(""));
                IoFailure::CreateDir(relative_dir.to_owned())
            })?;
        }
        fs::write(&path, text).with_context(|| IoFailure::Write(relative.clone()))?;
    }
    Ok(())
}

fn remove_any(path: &Path) -> io::Result<()> {
    if fs::symlink_metadata(path)?.is_dir() {
        fs::remove_dir_all(path)
    } else {
        fs::remove_file(path)
    }
}

fn is_plain_relative(path: &Path) -> bool {
    !path.as_os_str().is_empty() && path.components().all(|c| matches!(c, Component::Normal(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(entries: &[(&str, &str)]) -> RenderedFiles {
        entries
            .iter()
            .map(|(path, text)| (PathBuf::from(path), (*text).to_owned()))
            .collect()
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn writes_a_new_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("my-api");
        let project = files(&[
            ("Cargo.toml", "[package]\n"),
            ("src/main.rs", "fn main() {}\n"),
        ]);
        write_project(&target, &project).unwrap();
        assert_eq!(
            fs::read_to_string(target.join("src/main.rs")).unwrap(),
            "fn main() {}\n"
        );
        assert_eq!(listing(tmp.path()), ["my-api"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&target).unwrap().permissions().mode() & 0o777;
            assert_ne!(mode, 0o700, "the project directory should not be private");
        }
    }

    #[test]
    fn writes_into_an_empty_directory_and_keeps_it() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("my-api");
        fs::create_dir(&target).unwrap();
        let project = files(&[
            ("a.txt", "a\n"),
            ("src/b.rs", "b\n"),
            (".gitignore", "/target\n"),
        ]);
        write_project(&target, &project).unwrap();
        assert_eq!(listing(&target), [".gitignore", "a.txt", "src"]);
        assert_eq!(listing(tmp.path()), ["my-api"]);
    }

    #[test]
    fn a_failure_half_way_leaves_nothing_behind() {
        // `a` is written as a file, then `a/b` needs `a` to be a directory: the write fails
        // after the first file is on disk.
        let project = files(&[("a", "file\n"), ("a/b", "under a file\n")]);

        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("my-api");
        let err = write_project(&target, &project).unwrap_err();
        assert!(
            format!("{err:#}").contains("cannot create the directory `a`"),
            "{err:#}"
        );
        assert!(!target.exists());
        assert!(
            listing(tmp.path()).is_empty(),
            "left behind: {:?}",
            listing(tmp.path())
        );

        fs::create_dir(&target).unwrap();
        write_project(&target, &project).unwrap_err();
        assert!(
            listing(&target).is_empty(),
            "left behind: {:?}",
            listing(&target)
        );
        assert_eq!(listing(tmp.path()), ["my-api"]);
    }

    #[test]
    fn refuses_paths_that_escape_the_project() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("my-api");
        for bad in ["../escape", "/etc/escape", ""] {
            assert!(
                write_project(&target, &files(&[(bad, "x")])).is_err(),
                "{bad}"
            );
        }
        assert!(listing(tmp.path()).is_empty());
    }

    #[test]
    fn checks_the_target() {
        let tmp = tempfile::tempdir().unwrap();
        let usage = |path: &Path| {
            check_target(path)
                .unwrap_err()
                .downcast::<UsageError>()
                .unwrap()
        };
        let target = tmp.path().join("new");
        assert_eq!(
            check_target(&target).unwrap(),
            Target::Missing {
                parent: tmp.path().to_owned()
            }
        );
        assert_eq!(
            check_target(Path::new("relative-name")).unwrap(),
            Target::Missing {
                parent: PathBuf::from(".")
            }
        );
        let missing_parent = tmp.path().join("no/such");
        assert_eq!(
            usage(&missing_parent),
            UsageError::ParentMissing(tmp.path().join("no"))
        );
        fs::create_dir(&target).unwrap();
        assert_eq!(check_target(&target).unwrap(), Target::EmptyDir);
        fs::write(target.join("x"), "").unwrap();
        assert_eq!(usage(&target), UsageError::TargetNotEmpty(target.clone()));
        let file = target.join("x");
        assert_eq!(usage(&file), UsageError::TargetNotADirectory(file.clone()));
    }

    #[test]
    fn atomic_writes_replace_keep_permissions_and_leave_no_temporary_file() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("a/b.txt");
        write_file_atomic(&path, "one\n").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "one\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_ne!(
                fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
            fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        }
        write_file_atomic(&path, "two\n").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "two\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o640
            );
        }
        assert_eq!(listing(&tmp.path().join("a")), ["b.txt"]);
        remove_file(&path).unwrap();
        remove_file(&path).unwrap();
        assert!(listing(&tmp.path().join("a")).is_empty());
    }

    #[test]
    fn dry_run_lists_sizes_in_order() {
        let plan = dry_run_plan(&files(&[("b", "12"), ("a", "1")]));
        assert_eq!(
            plan,
            [
                PlannedFile {
                    path: "a".into(),
                    bytes: 1
                },
                PlannedFile {
                    path: "b".into(),
                    bytes: 2
                },
            ]
        );
    }
}
