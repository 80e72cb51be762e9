//! Node test servers under `tests/interop/<name>/`: installing their dependencies from the
//! lockfile, and running their `server.mjs`, which prints one `READY {json}` line on stdout
//! once it listens and exits when its stdin closes.
//!
//! Node 20+ and npm are required. A missing Node is a test failure, never a skip.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};
use std::{fs, thread};

use serde_json::Value;

use super::process::collect;

/// How long one start of a server may take to print its READY line (it takes 0.5 to 4 s on
/// two busy cores).
const READY_TIMEOUT: Duration = Duration::from_secs(20);
/// Per-request timeout of [`http_agent`].
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// Stamp written into `node_modules` after a successful `npm ci`: holds the lockfile's content.
const STAMP_FILE: &str = ".authgate-lockfile-stamp";
/// Cross-process lock (a directory, created atomically) around `npm ci`.
const LOCK_DIR: &str = ".npm-ci.lock";
/// A lock older than this is considered abandoned (its owner was killed) and is broken.
const STALE_LOCK: Duration = Duration::from_secs(600);

const INSTALL_NODE: &str = "Install it from https://nodejs.org/en/download (or `nvm install 20`, \
or your package manager, e.g. `apt-get install nodejs npm` on Debian/Ubuntu with Node >= 20, \
`brew install node@20` on macOS), make sure `node` and `npm` are on PATH, and re-run the tests.";

/// The short name of an interop directory (`better-auth`, `oidc-provider`), for messages.
fn label(dir: &Path) -> String {
    dir.file_name().map_or_else(
        || dir.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// What to do when Node or npm is missing or too old.
fn install_help(dir: &Path) -> String {
    format!(
        "Node.js 20 or newer (with npm) is required by the {} interop tests. {INSTALL_NODE}",
        label(dir)
    )
}

fn npm_program() -> &'static str {
    if cfg!(windows) { "npm.cmd" } else { "npm" }
}

/// Makes sure `node_modules` in `dir` matches its `package-lock.json`, running
/// `npm ci --no-audit --no-fund` when it is missing or stale. Runs at most once per directory
/// per test binary (parallel tests wait for the first), and is serialised across processes
/// with a lock directory. Panics when Node or npm is missing, too old, or `npm ci` fails.
pub fn ensure_node_deps(dir: &Path) {
    type Done = Arc<OnceLock<Result<(), String>>>;
    static DONE: Mutex<BTreeMap<PathBuf, Done>> = Mutex::new(BTreeMap::new());
    let done = Arc::clone(
        DONE.lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .entry(dir.to_owned())
            .or_default(),
    );
    if let Err(message) = done.get_or_init(|| {
        std::panic::catch_unwind(|| install_node_deps(dir)).map_err(|panic| {
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| {
                    format!(
                        "installing the Node dependencies in {} failed",
                        dir.display()
                    )
                })
        })
    }) {
        panic!("{message}");
    }
}

fn install_node_deps(dir: &Path) {
    check_node(dir);
    let lockfile = fs::read(dir.join("package-lock.json")).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}",
            dir.join("package-lock.json").display()
        )
    });
    let stamp = dir.join("node_modules").join(STAMP_FILE);
    let fresh = || fs::read(&stamp).is_ok_and(|s| s == lockfile);
    if fresh() {
        return;
    }

    let _lock = DirLock::acquire(&dir.join(LOCK_DIR));
    if fresh() {
        return; // another process installed while we waited
    }
    let started = Instant::now();
    let output = Command::new(npm_program())
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run `npm ci` in {}: {e}\n{}",
                dir.display(),
                install_help(dir)
            )
        });
    if !output.status.success() {
        panic!(
            "`npm ci --no-audit --no-fund` failed in {} ({}):\n--- stdout\n{}\n--- stderr\n{}",
            dir.display(),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
        );
    }
    fs::write(&stamp, &lockfile)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", stamp.display()));
    eprintln!(
        "{} interop: `npm ci` in {} took {:.1?}",
        label(dir),
        dir.display(),
        started.elapsed()
    );
}

/// Panics with install instructions unless `node` (>= 20) and `npm` run.
fn check_node(dir: &Path) {
    let help = || install_help(dir);
    let version = |program: &str| -> String {
        match Command::new(program)
            .arg("--version")
            .stdin(Stdio::null())
            .output()
        {
            Ok(out) if out.status.success() => {
                String::from_utf8_lossy(&out.stdout).trim().to_owned()
            }
            Ok(out) => panic!(
                "`{program} --version` failed ({}): {}\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim(),
                help()
            ),
            Err(e) => panic!("cannot run `{program}`: {e}\n{}", help()),
        }
    };
    let node = version("node");
    let major: u32 = node
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or_else(|| panic!("unexpected `node --version` output {node:?}\n{}", help()));
    assert!(major >= 20, "found Node {node}, too old.\n{}", help());
    version(npm_program());
}

/// A lock held as long as the directory exists; removed on drop.
pub struct DirLock(PathBuf);

impl DirLock {
    /// Waits until `path` can be created (breaking a lock older than 10 minutes), then holds it.
    pub fn acquire(path: &Path) -> DirLock {
        let deadline = Instant::now() + STALE_LOCK + Duration::from_secs(60);
        loop {
            match fs::create_dir(path) {
                Ok(()) => return DirLock(path.to_owned()),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let age = fs::metadata(path)
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| SystemTime::now().duration_since(t).ok());
                    if age.is_some_and(|age| age > STALE_LOCK) {
                        let _ = fs::remove_dir(path);
                        continue;
                    }
                    assert!(
                        Instant::now() < deadline,
                        "timed out waiting for {} (another install?); remove it if stale",
                        path.display()
                    );
                    thread::sleep(Duration::from_millis(200));
                }
                Err(e) => panic!("cannot create lock {}: {e}", path.display()),
            }
        }
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        let _ = fs::remove_dir(&self.0);
    }
}

/// An HTTP client for a test server: statuses are answers, not errors; no proxy, no
/// redirects followed, a 15 s timeout per request.
pub fn http_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .max_redirects(0)
        .timeout_global(Some(REQUEST_TIMEOUT))
        .build()
        .into()
}

/// A running `node server.mjs` on 127.0.0.1. Killed on drop; it also exits by itself when
/// its stdin closes, so it cannot outlive the test process.
pub struct NodeServer {
    child: Child,
    stdin: Option<ChildStdin>,
    ready: Value,
    port: u16,
    log: Arc<Mutex<String>>,
}

impl NodeServer {
    /// Installs the dependencies of `dir` ([`ensure_node_deps`]), then runs `node server.mjs`
    /// there with `NODE_ENV` unset, after `configure` has adjusted the command (environment),
    /// and waits for its `READY {json}` line, whose JSON must hold the `port`.
    ///
    /// A server that prints no READY within [`READY_TIMEOUT`] is killed, what its threads
    /// were doing is printed to stderr, and it is started once more: Node 20 can deadlock for
    /// good when a key it generated is exported (see `tests/interop/shared/keys.mjs`). Our
    /// servers avoid that; the libraries they run (better-auth generates its keys through
    /// jose) may not. Panics, with both starts' output, when the second fails too.
    pub fn start(dir: &Path, configure: impl Fn(&mut Command)) -> NodeServer {
        ensure_node_deps(dir);
        let first = match Self::try_start(dir, &configure) {
            Ok(server) => return server,
            Err(failure) => failure,
        };
        eprintln!(
            "{} server did not start; starting it once more. {first}",
            label(dir)
        );
        Self::try_start(dir, &configure).unwrap_or_else(|second| {
            panic!(
                "{} server did not start, twice.\nFirst start: {first}\nSecond start: {second}",
                label(dir)
            )
        })
    }

    /// One start of `node server.mjs` (see [`NodeServer::start`]); the error says why it did
    /// not get ready, with the server's output.
    fn try_start(dir: &Path, configure: &impl Fn(&mut Command)) -> Result<NodeServer, String> {
        let label = label(dir);
        let mut command = Command::new("node");
        command
            .arg("server.mjs")
            .current_dir(dir)
            .env_remove("NODE_ENV")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        configure(&mut command);
        let started = Instant::now();
        let mut child = command.spawn().unwrap_or_else(|e| {
            panic!(
                "cannot start `node server.mjs` in {}: {e}\n{}",
                dir.display(),
                install_help(dir)
            )
        });

        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().expect("piped stderr");
        collect(stderr, Arc::clone(&log));
        let stdout = child.stdout.take().expect("piped stdout");
        let (ready_tx, ready_rx) = mpsc::channel::<String>();
        {
            let log = Arc::clone(&log);
            thread::spawn(move || {
                let mut ready_tx = Some(ready_tx);
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    match line.strip_prefix("READY ") {
                        Some(ready) if ready_tx.is_some() => {
                            let _ = ready_tx.take().unwrap().send(ready.to_owned());
                        }
                        _ => log.lock().unwrap().push_str(&format!("[stdout] {line}\n")),
                    }
                }
            });
        }

        let ready = match ready_rx.recv_timeout(READY_TIMEOUT) {
            Ok(ready) => ready,
            Err(e) => {
                let threads = thread_states(child.id());
                let _ = child.kill();
                let status = child.wait();
                thread::sleep(Duration::from_millis(100)); // let the drain threads catch up
                return Err(format!(
                    "No READY ({}; exit after kill: {status:?}). Its threads when it was \
                     killed:\n{threads}Its output:\n{}",
                    match e {
                        mpsc::RecvTimeoutError::Timeout =>
                            format!("timed out after {READY_TIMEOUT:?}"),
                        mpsc::RecvTimeoutError::Disconnected => "stdout closed".to_owned(),
                    },
                    log.lock().unwrap()
                ));
            }
        };
        let ready: Value = serde_json::from_str(&ready)
            .unwrap_or_else(|e| panic!("bad READY line {ready:?}: {e}"));
        let port = ready["port"]
            .as_u64()
            .and_then(|p| u16::try_from(p).ok())
            .unwrap_or_else(|| panic!("no port in READY {ready}"));
        eprintln!(
            "{label} interop: server ready in {:.1?}: {ready}",
            started.elapsed()
        );

        let stdin = child.stdin.take();
        Ok(NodeServer {
            child,
            stdin,
            ready,
            port,
            log,
        })
    }

    /// The JSON of its READY line.
    pub fn ready(&self) -> &Value {
        &self.ready
    }

    /// The string field `key` of its READY line; panics when there is none.
    pub fn ready_str(&self, key: &str) -> String {
        self.ready[key]
            .as_str()
            .unwrap_or_else(|| panic!("no {key} in READY {}", self.ready))
            .to_owned()
    }

    /// The port it listens on (`port` of its READY line).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Everything it has written to stderr (and stray stdout lines) so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }
}

/// One line per thread of process `pid` from `/proc` (name, state, user and system clock
/// ticks, kernel wait channel): whether a stalled process spins or waits, and on what.
fn thread_states(pid: u32) -> String {
    let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else {
        return format!("(no /proc/{pid}/task)\n");
    };
    let mut lines = String::new();
    for task in tasks.flatten() {
        let path = task.path();
        let read = |name: &str| fs::read_to_string(path.join(name)).unwrap_or_default();
        let stat = read("stat");
        // Fields after the `(comm)`, which may hold spaces: state is the 1st, utime the 12th
        // and stime the 13th.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
        let field = |i: usize| fields.get(i).copied().unwrap_or("?");
        lines.push_str(&format!(
            "  {} {} state {} utime {} stime {} wchan {}\n",
            task.file_name().to_string_lossy(),
            read("comm").trim(),
            field(0),
            field(11),
            field(12),
            read("wchan").trim(),
        ));
    }
    lines
}

impl Drop for NodeServer {
    fn drop(&mut self) {
        drop(self.stdin.take()); // the server exits on stdin EOF; kill to be sure and quick
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
