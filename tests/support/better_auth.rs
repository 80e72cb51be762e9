//! A real Better Auth 1.7 server (email and password, `jwt` and `bearer` plugins, memory adapter)
//! run by Node from `tests/interop/better-auth/`, for tests that must hold against the real issuer.
//!
//! Node 20+ and npm are required; the Node dependencies are installed from the lockfile
//! (`npm ci`) on first use. A missing Node is a test failure, never a skip.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};
use std::{fs, thread};

use serde_json::{Value, json};

/// How long the server may take to print its READY line.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// Per-request timeout against the server.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// Stamp written into `node_modules` after a successful `npm ci`: holds the lockfile's content.
const STAMP_FILE: &str = ".authgate-lockfile-stamp";
/// Cross-process lock (a directory, created atomically) around `npm ci`.
const LOCK_DIR: &str = ".npm-ci.lock";
/// A lock older than this is considered abandoned (its owner was killed) and is broken.
const STALE_LOCK: Duration = Duration::from_secs(600);

const INSTALL_NODE: &str = "Node.js 20 or newer (with npm) is required by the Better Auth interop \
tests. Install it from https://nodejs.org/en/download (or `nvm install 20`, or your package \
manager, e.g. `apt-get install nodejs npm` on Debian/Ubuntu with Node >= 20, \
`brew install node@20` on macOS), make sure `node` and `npm` are on PATH, and re-run the tests.";

/// `tests/interop/better-auth/` in this repository.
pub fn interop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/better-auth")
}

fn npm_program() -> &'static str {
    if cfg!(windows) { "npm.cmd" } else { "npm" }
}

/// Makes sure `node_modules` in [`interop_dir`] matches `package-lock.json`, running
/// `npm ci --no-audit --no-fund` when it is missing or stale. Runs at most once per test binary
/// (parallel tests wait for the first), and is serialised across processes with a lock
/// directory. Panics when Node or npm is missing, too old, or `npm ci` fails.
pub fn ensure_node_deps() {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    if let Err(message) = DONE.get_or_init(|| {
        std::panic::catch_unwind(install_node_deps).map_err(|panic| {
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "installing the Better Auth Node dependencies failed".into())
        })
    }) {
        panic!("{message}");
    }
}

fn install_node_deps() {
    check_node();
    let dir = interop_dir();
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
        .current_dir(&dir)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run `npm ci` in {}: {e}\n{INSTALL_NODE}",
                dir.display()
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
        "better-auth interop: `npm ci` in {} took {:.1?}",
        dir.display(),
        started.elapsed()
    );
}

/// Panics with install instructions unless `node` (>= 20) and `npm` run.
fn check_node() {
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
                "`{program} --version` failed ({}): {}\n{INSTALL_NODE}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ),
            Err(e) => panic!("cannot run `{program}`: {e}\n{INSTALL_NODE}"),
        }
    };
    let node = version("node");
    let major: u32 = node
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or_else(|| panic!("unexpected `node --version` output {node:?}\n{INSTALL_NODE}"));
    assert!(major >= 20, "found Node {node}, too old.\n{INSTALL_NODE}");
    version(npm_program());
}

/// A lock held as long as the directory exists; removed on drop.
struct DirLock(PathBuf);

impl DirLock {
    fn acquire(path: &Path) -> DirLock {
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
                        "timed out waiting for {} (another `npm ci`?); remove it if stale",
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

/// A user created through `POST /api/auth/sign-up/email`.
#[derive(Debug, Clone)]
pub struct SignedUp {
    /// `user.id` from the sign-up response: the `sub` of this user's JWTs.
    pub user_id: String,
    /// The signed session token from the bearer plugin's `set-auth-token` response header
    /// (`<token>.<signature>`), to send as `Authorization: Bearer <session_token>`.
    pub session_token: String,
    /// The `user` object of the sign-up response (id, name, email, emailVerified, ...).
    pub user: Value,
}

/// A running Better Auth server on 127.0.0.1. Killed on drop; it also exits by itself when
/// its stdin closes, so it cannot outlive the test process.
pub struct BetterAuthServer {
    child: Child,
    stdin: Option<ChildStdin>,
    base_url: String,
    port: u16,
    agent: ureq::Agent,
    log: Arc<Mutex<String>>,
}

impl BetterAuthServer {
    /// Starts a server with the jwt plugin's default settings (EdDSA / Ed25519).
    pub fn start() -> BetterAuthServer {
        Self::spawn(None)
    }

    /// Starts a server whose jwt plugin signs with `alg`
    /// (`jwks.keyPairConfig.alg`): one of `EdDSA`, `ES256`, `ES512`, `RS256`, `PS256`.
    pub fn start_with_jwt_alg(alg: &str) -> BetterAuthServer {
        Self::spawn(Some(alg))
    }

    fn spawn(jwt_alg: Option<&str>) -> BetterAuthServer {
        ensure_node_deps();
        let dir = interop_dir();
        let mut command = Command::new("node");
        command
            .arg("server.mjs")
            .current_dir(&dir)
            .env_remove("BETTER_AUTH_URL")
            .env_remove("BETTER_AUTH_SECRET")
            .env_remove("BA_JWT_ALG")
            .env_remove("NODE_ENV")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(alg) = jwt_alg {
            command.env("BA_JWT_ALG", alg);
        }
        let started = Instant::now();
        let mut child = command.spawn().unwrap_or_else(|e| {
            panic!(
                "cannot start `node server.mjs` in {}: {e}\n{INSTALL_NODE}",
                dir.display()
            )
        });

        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().expect("piped stderr");
        drain(stderr, Arc::clone(&log));
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
                let _ = child.kill();
                let status = child.wait();
                thread::sleep(Duration::from_millis(100)); // let the drain threads catch up
                panic!(
                    "Better Auth server did not print READY ({}; exit: {status:?}). Its output:\n{}",
                    match e {
                        mpsc::RecvTimeoutError::Timeout =>
                            format!("timed out after {READY_TIMEOUT:?}"),
                        mpsc::RecvTimeoutError::Disconnected => "stdout closed".to_owned(),
                    },
                    log.lock().unwrap()
                );
            }
        };
        let ready: Value = serde_json::from_str(&ready)
            .unwrap_or_else(|e| panic!("bad READY line {ready:?}: {e}"));
        let port = ready["port"]
            .as_u64()
            .and_then(|p| u16::try_from(p).ok())
            .expect("READY.port");
        let base_url = ready["baseURL"].as_str().expect("READY.baseURL").to_owned();
        eprintln!(
            "better-auth interop: server at {base_url} ready in {:.1?}",
            started.elapsed()
        );

        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .proxy(None)
            .max_redirects(0)
            .timeout_global(Some(REQUEST_TIMEOUT))
            .build()
            .into();
        let stdin = child.stdin.take();
        BetterAuthServer {
            child,
            stdin,
            base_url,
            port,
            agent,
            log,
        }
    }

    /// `http://127.0.0.1:<port>`, no trailing slash: Better Auth's `baseURL`, and so also the
    /// default `iss` and `aud` of its JWTs.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The issuer (`iss`) and audience (`aud`) its JWTs carry: the base URL origin.
    pub fn issuer(&self) -> &str {
        &self.base_url
    }

    /// `{base_url}/api/auth/jwks`.
    pub fn jwks_url(&self) -> String {
        format!("{}/api/auth/jwks", self.base_url)
    }

    /// Everything the server has written to stderr (and stray stdout lines) so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Signs a user up with email and password. Panics unless the server answers 200 with a
    /// user id and a `set-auth-token` header.
    pub fn sign_up(&self, email: &str, password: &str, name: &str) -> SignedUp {
        let url = format!("{}/api/auth/sign-up/email", self.base_url);
        let mut response = self
            .agent
            .post(&url)
            .send_json(json!({ "email": email, "password": password, "name": name }))
            .unwrap_or_else(|e| panic!("POST {url}: {e}\n{}", self.log()));
        let status = response.status().as_u16();
        let session_token = response
            .headers()
            .get("set-auth-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response.body_mut().read_to_string().unwrap_or_default();
        assert_eq!(
            status,
            200,
            "POST {url} for {email}: {status} {body}\n{}",
            self.log()
        );
        let body: Value = serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("POST {url}: not JSON ({e}): {body}"));
        let user = body["user"].clone();
        let user_id = user["id"]
            .as_str()
            .unwrap_or_else(|| panic!("POST {url}: no user.id in {body}"))
            .to_owned();
        let session_token = session_token.unwrap_or_else(|| {
            panic!("POST {url}: no set-auth-token header (bearer plugin?); body {body}")
        });
        SignedUp {
            user_id,
            session_token,
            user,
        }
    }

    /// Fetches a fresh JWT for a session: `GET /api/auth/token` with
    /// `Authorization: Bearer <session_token>`, returning the `token` field.
    pub fn jwt(&self, session_token: &str) -> String {
        let body = self.get_json("/api/auth/token", Some(session_token));
        body["token"]
            .as_str()
            .unwrap_or_else(|| panic!("GET /api/auth/token: no token in {body}"))
            .to_owned()
    }

    /// The public key set: `GET /api/auth/jwks`.
    pub fn jwks(&self) -> Value {
        self.get_json("/api/auth/jwks", None)
    }

    /// `GET {base_url}{path}`, optionally with a bearer token; panics unless 200 with JSON.
    pub fn get_json(&self, path: &str, bearer: Option<&str>) -> Value {
        let url = format!("{}{path}", self.base_url);
        let mut request = self.agent.get(&url);
        if let Some(token) = bearer {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        let mut response = request
            .call()
            .unwrap_or_else(|e| panic!("GET {url}: {e}\n{}", self.log()));
        let status = response.status().as_u16();
        let body = response.body_mut().read_to_string().unwrap_or_default();
        assert_eq!(status, 200, "GET {url}: {status} {body}\n{}", self.log());
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {url}: not JSON ({e}): {body}"))
    }
}

impl Drop for BetterAuthServer {
    fn drop(&mut self) {
        drop(self.stdin.take()); // the server exits on stdin EOF; kill to be sure and quick
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn drain(mut stream: impl Read + Send + 'static, log: Arc<Mutex<String>>) {
    thread::spawn(move || {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let text = String::from_utf8_lossy(&buf[..n]);
                    log.lock().unwrap().push_str(&text);
                }
            }
        }
    });
}
