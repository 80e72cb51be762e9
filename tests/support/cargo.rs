//! Nested cargo builds of generated projects, in one shared target directory.
//!
//! Every generated project builds into `target/generated/`, so dependencies are compiled once
//! and later runs are incremental. Projects sharing it must have distinct package names: two
//! packages of the same name would overwrite each other's binaries there.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// How many lines of a failed command's output a panic message shows.
pub const FAILURE_TAIL_LINES: usize = 200;

/// This repository.
pub fn repo_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The one target directory every generated project builds into.
pub fn target_dir() -> PathBuf {
    repo_dir().join("target/generated")
}

/// Runs `cargo <args>` in `dir` with the shared target directory; returns its output (stdout
/// and stderr, interleaved), shown live with `--nocapture` under a `[label cargo <command>]`
/// prefix. Panics with the command, its exit status and the end of its output when it fails.
pub fn cargo(dir: &Path, label: &str, args: &[&str]) -> String {
    let shown = format!(
        "cd {} && CARGO_TARGET_DIR={} cargo {}",
        dir.display(),
        target_dir().display(),
        args.join(" ")
    );
    eprintln!("`{label}`: running `{shown}`");
    let started = Instant::now();
    let (reader, writer) = std::io::pipe().expect("create a pipe");
    let mut child = {
        let mut command = Command::new(env!("CARGO"));
        command
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(writer.try_clone().expect("clone the pipe"))
            .stderr(writer);
        isolate_nested_cargo(&mut command);
        command
            .env("CARGO_TARGET_DIR", target_dir())
            .env("CARGO_TERM_COLOR", "never");
        command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run `{shown}`: {e}"))
        // `command` is dropped here, closing our copies of the pipe's write end, so that
        // reading ends when cargo and everything it started have exited.
    };

    // Stream the output (two tests' commands may interleave, hence the prefix) and keep it
    // for the checks.
    let prefix = format!("[{label} cargo {}] ", args[0]);
    let mut output = String::new();
    let mut reader = BufReader::new(reader);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => {
                let text = String::from_utf8_lossy(&line);
                eprint!("{prefix}{text}");
                output.push_str(&text);
                if !text.ends_with('\n') {
                    output.push('\n');
                }
            }
            Err(e) => panic!("reading the output of `{shown}`: {e}"),
        }
    }
    let status = child
        .wait()
        .unwrap_or_else(|e| panic!("waiting for `{shown}`: {e}"));
    let elapsed = started.elapsed();
    eprintln!(
        "`{label}`: `cargo {}` took {elapsed:.1?} ({status})",
        args.join(" ")
    );
    if !status.success() {
        panic!(
            "`{shown}` failed ({status}) after {elapsed:.1?} in the generated project `{label}`. \
             The last {FAILURE_TAIL_LINES} lines of its output:\n{}",
            tail(&output, FAILURE_TAIL_LINES)
        );
    }
    output
}

/// Keeps the environment `cargo test` runs this test in from changing the nested build: the
/// user's cargo setup (home, registries, network, jobs, incremental, profiles) is kept; this
/// package's identity, its target directory and target, compiler flags and wrappers (coverage
/// tools, sccache) are dropped, so that the nested build is the build a user gets and its
/// fingerprints do not depend on how this test was started.
pub fn isolate_nested_cargo(command: &mut Command) {
    const KEEP: &[&str] = &[
        "CARGO_HOME",
        "CARGO_BUILD_JOBS",
        "CARGO_INCREMENTAL",
        "CARGO_NET_",
        "CARGO_HTTP_",
        "CARGO_REGISTRIES_",
        "CARGO_REGISTRY_",
        "CARGO_PROFILE_",
    ];
    const DROP: &[&str] = &[
        "RUSTFLAGS",
        "RUSTDOCFLAGS",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "LLVM_PROFILE_FILE",
        "MAKEFLAGS",
        "MFLAGS",
    ];
    for (name, _) in std::env::vars_os() {
        let Some(text) = name.to_str() else { continue };
        let cargo_var = text.starts_with("CARGO_") || text.starts_with("__CARGO");
        let kept = KEEP
            .iter()
            .any(|keep| text == *keep || (keep.ends_with('_') && text.starts_with(keep)));
        if (cargo_var && !kept) || DROP.contains(&text) {
            command.env_remove(&name);
        }
    }
    command.env("LIBSQLITE3_FLAGS", sqlite_flags());
}

/// The flags generated SQLite projects compile SQLite with (the `LIBSQLITE3_FLAGS` of their
/// `.cargo/config.toml`), given to every nested build: a project without that file (memory,
/// PostgreSQL, an upgraded one of the previous release) that compiles SQLite would otherwise
/// recompile libsqlite3-sys, and every crate above it, in the shared target directory.
fn sqlite_flags() -> String {
    let path = repo_dir().join("templates/storage/sqlite/dot-cargo/config.toml.jinja");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let config: toml::Table = text
        .parse()
        .unwrap_or_else(|e| panic!("{} is not TOML: {e}", path.display()));
    config["env"]["LIBSQLITE3_FLAGS"]
        .as_str()
        .unwrap_or_else(|| panic!("{} sets no LIBSQLITE3_FLAGS", path.display()))
        .to_owned()
}

/// The last `lines` lines of `text`, with a note of how many were left out.
pub fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    let start = all.len().saturating_sub(lines);
    let mut out = String::new();
    if start > 0 {
        out.push_str(&format!("[... {start} earlier lines ...]\n"));
    }
    for line in &all[start..] {
        out.push_str(line);
        out.push('\n');
    }
    out
}
