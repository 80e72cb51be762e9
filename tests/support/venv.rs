//! Python tools for tests, installed with pip at the exact versions of a requirements file into
//! a virtual environment under `target/<name>/venv/`, once per change of that file (serialised
//! across test processes). Python 3.10+ with the `venv` module is required; a missing Python is
//! a failure, never a skip.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use super::cargo::repo_dir;
use super::node::DirLock;

/// Written into the venv after a successful install: the requirements it was installed from.
const STAMP_FILE: &str = ".authgate-requirements-stamp";

/// The `bin/` directory of the venv `target/<name>/venv/`, installed from `requirements` (a path
/// relative to the repository) at most once per test run and reinstalled when that file
/// changes. Every pinned package is listed there: pip installs them with `--no-deps`.
pub fn venv_bin(name: &str, requirements: &str) -> PathBuf {
    type Done = Arc<OnceLock<Result<PathBuf, String>>>;
    static DONE: Mutex<BTreeMap<String, Done>> = Mutex::new(BTreeMap::new());
    let done = Arc::clone(
        DONE.lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .entry(name.to_owned())
            .or_default(),
    );
    let installed = done.get_or_init(|| {
        std::panic::catch_unwind(|| install(name, &repo_dir().join(requirements))).map_err(
            |panic| {
                panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_else(|| format!("installing {requirements} failed"))
            },
        )
    });
    match installed {
        Ok(bin) => bin.clone(),
        Err(message) => panic!("{message}"),
    }
}

fn install(name: &str, requirements_file: &Path) -> PathBuf {
    let requirements = fs::read(requirements_file)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", requirements_file.display()));
    let dir = repo_dir().join("target").join(name);
    let venv = dir.join("venv");
    let bin = venv.join("bin");
    let stamp = venv.join(STAMP_FILE);
    let fresh = || fs::read(&stamp).is_ok_and(|s| s == requirements);
    if fresh() {
        return bin;
    }
    fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    let _lock = DirLock::acquire(&dir.join(".pip-install.lock"));
    if fresh() {
        return bin; // another process installed while we waited
    }
    let started = Instant::now();
    if venv.exists() {
        fs::remove_dir_all(&venv)
            .unwrap_or_else(|e| panic!("cannot remove the old {}: {e}", venv.display()));
    }
    run(
        Command::new("python3").args(["-m", "venv"]).arg(&venv),
        "Python 3.10+ with its venv module is required (Debian/Ubuntu: `apt-get install \
         python3 python3-venv`)",
    );
    run(
        Command::new(bin.join("pip"))
            .args([
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
            ])
            .arg("--requirement")
            .arg(requirements_file),
        &format!(
            "pip could not install the pinned packages of {}",
            requirements_file.display()
        ),
    );
    fs::write(&stamp, &requirements)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", stamp.display()));
    eprintln!(
        "{name}: installed {} into {} in {:.1?}",
        requirements_file.display(),
        venv.display(),
        started.elapsed()
    );
    bin
}

/// Runs `command`, panicking with `help` and its output when it cannot start or fails.
fn run(command: &mut Command, help: &str) {
    let shown = format!("{command:?}");
    let output = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {shown}: {e}\n{help}"));
    assert!(
        output.status.success(),
        "{shown} failed ({}):\n{}{}\n{help}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
}
