//! A database of its own for every test, on a real PostgreSQL server, so that tests run in
//! parallel without seeing each other's rows.
//!
//! The server is `TEST_DATABASE_URL` when it is set (a role that may `CREATE DATABASE`; every
//! test database is dropped afterwards). Otherwise the tests start a throwaway cluster of their
//! own from the PostgreSQL binaries on this machine (`initdb` and `pg_ctl`, found on `PATH` or
//! in `/usr/lib/postgresql/*/bin`), in a temporary directory that is removed, server and all,
//! when the test process exits. As root, the cluster runs as the unprivileged user `nobody`,
//! since PostgreSQL refuses to run as root. When neither is possible the tests fail and say how
//! to get a server: they are never skipped.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};

use sqlx::{AssertSqlSafe, Connection, Executor, PgConnection};

/// What to do when there is no server to test against.
const HOW_TO_GET_A_SERVER: &str = "the tests of this project need a PostgreSQL server: set \
    TEST_DATABASE_URL to one (e.g. postgres://postgres:postgres@localhost:5432/postgres, a role \
    that may CREATE DATABASE; `docker run -e POSTGRES_PASSWORD=postgres -p 5432:5432 postgres` \
    starts one), or install PostgreSQL (`apt-get install postgresql`, `brew install \
    postgresql`) so that the tests can start a throwaway server from its `initdb` and `pg_ctl`";

/// The server the tests create their databases on.
struct Server {
    /// Connects to a database that always exists, as a role that may create databases.
    admin_url: String,
    /// A server that outlives the tests (`TEST_DATABASE_URL`): each test drops its database.
    shared: bool,
}

impl Server {
    fn describe(&self) -> &'static str {
        if self.shared {
            "the server of TEST_DATABASE_URL"
        } else {
            "the throwaway server"
        }
    }
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();
    let server = SERVER.get_or_init(|| match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => Ok(Server {
            admin_url: url.trim().to_owned(),
            shared: true,
        }),
        _ => Cluster::start().map(|admin_url| Server {
            admin_url,
            shared: false,
        }),
    });
    match server {
        Ok(server) => server,
        Err(problem) => panic!("{problem}\n{HOW_TO_GET_A_SERVER}"),
    }
}

/// A database created for one test.
pub struct TestDatabase {
    pub url: String,
    pub name: String,
}

impl TestDatabase {
    pub async fn create() -> Self {
        let server = server();
        let name = format!("test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&server.admin_url)
            .await
            .unwrap_or_else(|e| {
                let server = server.describe();
                panic!("cannot connect to {server} as its admin: {e}\n{HOW_TO_GET_A_SERVER}")
            });
        admin
            .execute(AssertSqlSafe(format!(r#"CREATE DATABASE "{name}""#)))
            .await
            .unwrap_or_else(|e| panic!("cannot create the test database {name}: {e}"));
        let _ = admin.close().await;
        let mut url = reqwest::Url::parse(&server.admin_url).expect("the admin URL is a URL");
        url.set_path(&name);
        Self {
            url: url.to_string(),
            name,
        }
    }
}

impl TestDatabase {
    /// The server's admin connection: a role that may create, alter and drop databases.
    pub fn admin_url(&self) -> String {
        server().admin_url.clone()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let server = server();
        if !server.shared {
            // The whole cluster goes when the tests end.
            return;
        }
        // Drop is not async: drop the database on a runtime of its own.
        let admin_url = server.admin_url.clone();
        let statement = format!(r#"DROP DATABASE IF EXISTS "{}" WITH (FORCE)"#, self.name);
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let mut admin = PgConnection::connect(&admin_url).await?;
                admin.execute(AssertSqlSafe(statement)).await?;
                admin.close().await
            })?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        })
        .join();
        if let Ok(Err(error)) = dropped {
            eprintln!("cannot drop the test database {}: {error}", self.name);
        }
    }
}

/// A throwaway PostgreSQL cluster in a temporary directory.
struct Cluster;

impl Cluster {
    /// Starts a cluster and returns the URL of its `postgres` database as the superuser
    /// `postgres` (trust authentication, loopback only).
    fn start() -> Result<String, String> {
        let bin = postgres_bin_dir().ok_or(
            "TEST_DATABASE_URL is not set, and no PostgreSQL binaries (initdb, pg_ctl) were found \
             on PATH or in /usr/lib/postgresql/*/bin",
        )?;
        let dir = std::env::temp_dir().join(format!(
            "{}-postgres-{}-{}",
            env!("CARGO_PKG_NAME"),
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        fs::create_dir(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let runner = Runner::for_dir(&dir)?;
        // First the janitor, so that even a cluster that fails half-way is removed.
        runner.remove_when_this_process_exits(&bin, &dir)?;

        let data = dir.join("data");
        runner.run(
            &dir,
            Command::new(bin.join("initdb"))
                .arg("--pgdata")
                .arg(&data)
                .args(["--username=postgres", "--auth=trust", "--encoding=UTF8"])
                .args(["--locale=C", "--no-sync"]),
        )?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map_err(|e| format!("cannot find a free port: {e}"))?
            .port();
        // Durability is not wanted for throwaway data: no fsync makes every test faster.
        let settings = format!(
            "-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={dir} \
             -c max_connections=500 -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off",
            dir = dir.display()
        );
        runner.run(
            &dir,
            Command::new(bin.join("pg_ctl"))
                .arg("--pgdata")
                .arg(&data)
                .arg("--log")
                .arg(dir.join("postgres.log"))
                .args(["--wait", "--timeout=60", "-o", &settings, "start"]),
        )?;
        Ok(format!("postgres://postgres@127.0.0.1:{port}/postgres"))
    }
}

/// Where `initdb` and `pg_ctl` are: on `PATH`, else the newest `/usr/lib/postgresql/*/bin`.
fn postgres_bin_dir() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default();
    let mut versioned: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .collect();
    versioned.sort();
    on_path
        .into_iter()
        .chain(versioned.into_iter().rev().map(|(_, dir)| dir))
        .find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file())
}

/// Runs the cluster's commands: as this user, or as `nobody` when this user is root.
struct Runner {
    /// `setpriv`/`runuser` and its arguments, before the command; empty when not root.
    prefix: Vec<String>,
}

impl Runner {
    fn for_dir(dir: &Path) -> Result<Self, String> {
        let owner = fs::metadata(dir)
            .map_err(|e| format!("cannot inspect {}: {e}", dir.display()))?
            .uid();
        if owner != 0 {
            return Ok(Self { prefix: Vec::new() });
        }
        // PostgreSQL refuses to run as root: hand the directory to an unprivileged user.
        let id = |flag: &str| -> Result<u32, String> {
            let output = Command::new("id")
                .args([flag, "nobody"])
                .output()
                .map_err(|e| format!("cannot run `id {flag} nobody`: {e}"))?;
            String::from_utf8_lossy(&output.stdout)
                .trim()
                .parse()
                .map_err(|_| {
                    "running as root, and there is no user `nobody` to run PostgreSQL as".to_owned()
                })
        };
        let (uid, gid) = (id("-u")?, id("-g")?);
        std::os::unix::fs::chown(dir, Some(uid), Some(gid))
            .map_err(|e| format!("cannot hand {} to nobody: {e}", dir.display()))?;
        let prefix = if which("setpriv") {
            vec![
                "setpriv".to_owned(),
                format!("--reuid={uid}"),
                format!("--regid={gid}"),
                "--clear-groups".to_owned(),
                "--".to_owned(),
            ]
        } else if which("runuser") {
            ["runuser", "-u", "nobody", "--"]
                .map(str::to_owned)
                .to_vec()
        } else {
            return Err(
                "running as root, and neither setpriv nor runuser is there to run \
                        PostgreSQL as an unprivileged user"
                    .to_owned(),
            );
        };
        Ok(Self { prefix })
    }

    fn command(&self, command: &Command) -> Command {
        let mut words: Vec<&std::ffi::OsStr> = self.prefix.iter().map(|w| w.as_ref()).collect();
        words.push(command.get_program());
        words.extend(command.get_args());
        let mut run = Command::new(words[0]);
        run.args(&words[1..]);
        run
    }

    /// Runs `command` to completion in `dir`; its output is in the error when it fails.
    fn run(&self, dir: &Path, command: &mut Command) -> Result<(), String> {
        let mut run = self.command(command);
        let output = run
            .current_dir(dir)
            .env("LC_ALL", "C")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {:?}: {e}", command.get_program()))?;
        if output.status.success() {
            return Ok(());
        }
        let log = fs::read_to_string(dir.join("postgres.log")).unwrap_or_default();
        Err(format!(
            "{:?} failed ({}):\n{}{}\n{log}",
            run,
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
        ))
    }

    /// Starts a janitor that waits for this process to exit (its stdin, a pipe only this process
    /// writes to, reaches end of file, however this process ends), then stops the cluster and
    /// removes `dir`.
    fn remove_when_this_process_exits(&self, bin: &Path, dir: &Path) -> Result<(), String> {
        static JANITOR: Mutex<Vec<Child>> = Mutex::new(Vec::new());
        let mut stop = Command::new(bin.join("pg_ctl"));
        stop.arg("--pgdata")
            .arg(dir.join("data"))
            .args(["--mode=immediate", "stop"]);
        let stop = self.command(&stop);
        let mut script = String::from("cat >/dev/null; cd /;");
        script.push_str(&shell_words(&stop));
        script.push_str(" >/dev/null 2>&1; rm -rf ");
        script.push_str(&shell_quote(&dir.to_string_lossy()));
        let janitor = Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start the cleanup of {}: {e}", dir.display()))?;
        // Kept, never written to, never closed: the pipe closes when this process exits.
        JANITOR.lock().unwrap().push(janitor);
        Ok(())
    }
}

fn which(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

fn shell_quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

fn shell_words(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|word| shell_quote(&word.to_string_lossy()))
        .collect::<Vec<_>>()
        .join(" ")
}
