//! SQLite: one file beside the process (WAL mode, migrations applied at start). Every query
//! names its owner in the `WHERE` clause (see each resource's module).
//!
//! Queries run through rusqlite: reads on read-only connections, each taken from a pool for one
//! query and run on the request's own thread; writes on one connection, on a thread of its own
//! that commits the writes waiting together in one transaction. sqlx applies the migrations
//! (the same checksummed `_sqlx_migrations` table as the `sqlx` command line) and is not used
//! after that: its SQLite driver runs every connection on a thread of its own and hands each
//! command and row across it, a context switch or more per query.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, SecondsFormat, Utc};
use deadpool::Runtime;
use deadpool::unmanaged::{Pool, PoolConfig};
use include_dir::{Dir, include_dir};
use rusqlite::hooks::Wal;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSqlOutput, ValueRef};
use rusqlite::{Connection, ErrorCode, OpenFlags, ToSql};
use secrecy::{ExposeSecret, SecretString};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{ConnectOptions, Connection as _, SqlStr};

use super::{Cursor, SortKey, StoreError};
use crate::auth::SettingError;
use crate::config::parse_or;

/// How long a connection waits for a lock before it gives up (503). The one writer takes no
/// lock another write holds, so this is left to a checkpoint, or to another process writing to
/// the same file.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The statements each connection keeps prepared: every resource's five, and its lists' shapes.
const STATEMENT_CACHE: usize = 64;

/// The most writes committed in one transaction.
const MOST_WRITES_PER_COMMIT: usize = 64;

/// Pages in the write-ahead log past which they are copied back into the database file
/// (SQLite's own default), by a thread of its own rather than by the commit that crossed it.
const CHECKPOINT_PAGES: i32 = 1000;

/// Pages past which the writer checkpoints the log itself. A checkpoint beside a writer that
/// never pauses never catches up with it, and only a log checkpointed to its end starts again
/// from its beginning: this bounds the file (32 MiB of 4 KiB pages).
const MOST_LOG_PAGES: i32 = 8 * CHECKPOINT_PAGES;

/// The files of `migrations/`, embedded at build time. (sqlx's `migrate!` would embed them too,
/// but its macros build sqlx and SQLite a second time, for the compiler: a tenth of a cold
/// build's CPU time.) Cargo rebuilds on a change to a file here; a new file is seen when this
/// crate is compiled again (any edit to its code, or `touch src/store/sqlite.rs`), as with
/// `migrate!`.
static MIGRATIONS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/migrations");

/// Where the data lives, and how the connection pool behaves.
#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    /// May hold credentials, so it is never logged.
    pub url: SecretString,
    /// The most connections that read at once (`DATABASE_MAX_CONNECTIONS`); writes go through
    /// one more connection of their own.
    pub max_connections: u32,
    /// How long a request waits for a reader, or for its write to be committed, before it is
    /// answered with 503 (`DATABASE_ACQUIRE_TIMEOUT_SECS`).
    pub acquire_timeout: Duration,
}

impl DatabaseSettings {
    /// Reads the `DATABASE_*` variables through `var` (a variable's trimmed value, `None` when
    /// it is unset or blank), pushing every problem onto `errors`: the settings returned are
    /// only meant to be used when there is none.
    pub fn from_lookup(
        var: impl Fn(&str) -> Option<String>,
        errors: &mut Vec<SettingError>,
    ) -> Self {
        let url = var("DATABASE_URL").unwrap_or_else(|| "sqlite://data/app.db".to_owned());
        if !url.starts_with("sqlite:") {
            errors.push(SettingError::new(
                "DATABASE_URL",
                "must be a sqlite URL, e.g. sqlite://data/app.db",
            ));
        } else if url.contains(":memory:") || url.contains("mode=memory") {
            // Each connection would open a database of its own, the tables only in one.
            errors.push(SettingError::new(
                "DATABASE_URL",
                "must name a file, e.g. sqlite://data/app.db: an in-memory SQLite database is \
                 not shared by the server's connections (for data kept in memory, generate the \
                 project with --storage memory)",
            ));
        }
        let max_connections = parse_or(
            errors,
            "DATABASE_MAX_CONNECTIONS",
            var("DATABASE_MAX_CONNECTIONS"),
            8,
            "a whole number of connections, at least 1",
        );
        if max_connections == 0 {
            errors.push(SettingError::new(
                "DATABASE_MAX_CONNECTIONS",
                "must be at least 1",
            ));
        }
        let acquire_timeout_secs: u64 = parse_or(
            errors,
            "DATABASE_ACQUIRE_TIMEOUT_SECS",
            var("DATABASE_ACQUIRE_TIMEOUT_SECS"),
            5,
            "a whole number of seconds, at least 1",
        );
        if acquire_timeout_secs == 0 {
            errors.push(SettingError::new(
                "DATABASE_ACQUIRE_TIMEOUT_SECS",
                "must be at least 1",
            ));
        }
        Self {
            url: SecretString::from(url),
            max_connections: max_connections.max(1),
            acquire_timeout: Duration::from_secs(acquire_timeout_secs.max(1)),
        }
    }
}

#[cfg(test)]
impl DatabaseSettings {
    /// A valid environment for these settings, for tests here and in the rest of the crate:
    /// empty, every one has a default.
    pub(crate) const EXAMPLE_ENV: &[(&str, &str)] = &[];
}

/// Connections opened at start and kept open: a pool of readers, and the writer.
#[derive(Clone)]
pub struct Store {
    /// Reads, up to `DATABASE_MAX_CONNECTIONS` at once; WAL mode lets them run beside a write.
    /// They are handed out without a query to check them: a file does not drop a connection.
    readers: Pool<Connection>,
    writer: Arc<Writer>,
}

/// The one connection that writes, on a thread of its own. SQLite lets one connection write at
/// a time: writes on several connections would queue in its busy handler instead, which sleeps
/// in steps of up to 100 ms. Writes are taken in the order they arrive, and those that arrived
/// while the last transaction ran are committed together in the next: one commit's cost (the
/// write-ahead log's pages and locks) for many writes.
struct Writer {
    writes: mpsc::Sender<Write>,
    /// Writes sent and not yet answered, for `/metrics`.
    pending: AtomicUsize,
    /// How long a request waits for its write to be committed before it is answered with 503
    /// (`DATABASE_ACQUIRE_TIMEOUT_SECS`); a write not yet run by then is dropped.
    timeout: Duration,
}

/// A write sent to the writer's thread. It runs its statement there and returns whether it
/// succeeded, and how to answer its request once the transaction that holds it has ended.
type Write = Box<dyn FnOnce(&Connection) -> (bool, Answer) + Send>;

/// Answers a write's request: `Ok` when its transaction committed, else why it did not.
type Answer = Box<dyn FnOnce(Result<(), &str>) + Send>;

impl Store {
    /// Opens (creating it and its directory if needed) the database file, in WAL mode, and
    /// applies the migrations in `migrations/`.
    pub async fn connect(settings: &DatabaseSettings) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(settings.url.expose_secret())
            .context("DATABASE_URL is not a valid sqlite URL")?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        let path = options.get_filename();
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| {
                format!("cannot create the database directory `{}`", dir.display())
            })?;
        }
        let mut migrator = options
            .connect()
            .await
            .context("cannot open the sqlite database")?;
        embedded_migrations()?
            .run(&mut migrator)
            .await
            .context("cannot apply database migrations")?;
        migrator
            .close()
            .await
            .context("cannot close the migrations' connection")?;

        let mut connection = open(path, OpenFlags::SQLITE_OPEN_READ_WRITE)
            .context("cannot open the sqlite database")?;
        // A checkpoint syncs the log and the database file: run by the commit that crossed
        // the threshold (SQLite's default), it held up every write waiting behind it.
        let checkpointer = open(path, OpenFlags::SQLITE_OPEN_READ_WRITE)
            .context("cannot open the sqlite database")?;
        let (nudge, nudged) = mpsc::sync_channel(1);
        connection
            .wal_hook(Some(move |log: &mut Wal, pages: i32| {
                if pages >= MOST_LOG_PAGES {
                    // Passive, as the other thread's: busy while that one runs, then the next
                    // commit tries again.
                    if let Err(error) = log.checkpoint() {
                        tracing::debug!(%error, pages, "the writer's checkpoint did not run");
                    }
                } else if pages >= CHECKPOINT_PAGES {
                    // Fails only when a nudge is already waiting, which is as good.
                    let _ = nudge.try_send(());
                }
                Ok(())
            }))
            .context("cannot watch the sqlite write-ahead log")?;
        std::thread::Builder::new()
            .name("sqlite-checkpoint".to_owned())
            .spawn(move || checkpoint_when_due(&checkpointer, &nudged))
            .context("cannot start the sqlite checkpoint's thread")?;
        let (writes, waiting) = mpsc::channel();
        std::thread::Builder::new()
            .name("sqlite-writer".to_owned())
            .spawn(move || write_in_turn(&connection, &waiting))
            .context("cannot start the sqlite writer's thread")?;
        let readers = (0..settings.max_connections)
            .map(|_| open(path, OpenFlags::SQLITE_OPEN_READ_ONLY))
            .collect::<rusqlite::Result<Vec<_>>>()
            .context("cannot open the sqlite database for reading")?;
        Ok(Self {
            readers: pool(readers, settings.acquire_timeout)?,
            writer: Arc::new(Writer {
                writes,
                pending: AtomicUsize::new(0),
                timeout: settings.acquire_timeout,
            }),
        })
    }

    /// Runs `query` on a connection that reads, here on the request's own thread: in WAL mode a
    /// read waits for no lock, and handing it to another thread would cost more than most
    /// reads take. A list sorted by a field reads every item of its owner to sort them: past
    /// tens of thousands of items per owner, index that field.
    pub(super) async fn read<T>(
        &self,
        query: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let connection = self
            .readers
            .get()
            .await
            .map_err(|error| StoreError::Unavailable(error.into()))?;
        query(&connection).map_err(StoreError::from)
    }

    /// Runs `query`, one statement, on the writer's thread, and answers once the transaction
    /// that holds it has committed. A request cancelled before its turn leaves nothing written;
    /// one cancelled after it leaves the write to be committed.
    pub(super) async fn write<T: Send + 'static>(
        &self,
        query: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let write: Write = Box::new(move |connection| {
            if reply.is_closed() {
                return (true, Box::new(|_| {}));
            }
            let result = query(connection);
            let succeeded = result.is_ok();
            let answer: Answer = Box::new(move |committed| {
                let answer = result.map_err(StoreError::from).and_then(|value| {
                    committed
                        .map(|()| value)
                        .map_err(|error| StoreError::Unavailable(error.into()))
                });
                // Its request may have given up meanwhile.
                let _ = reply.send(answer);
            });
            (succeeded, answer)
        });
        let writer = &self.writer;
        writer
            .writes
            .send(write)
            .map_err(|_| StoreError::Unavailable("the sqlite writer has stopped".into()))?;
        writer.pending.fetch_add(1, Ordering::Relaxed);
        let answered = tokio::time::timeout(writer.timeout, answer).await;
        writer.pending.fetch_sub(1, Ordering::Relaxed);
        match answered {
            Ok(Ok(answer)) => answer,
            Ok(Err(_)) => Err(StoreError::Unavailable(
                "the sqlite writer dropped the write".into(),
            )),
            Err(elapsed) => Err(StoreError::Unavailable(elapsed.into())),
        }
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        self.read(|connection| connection.query_row("SELECT 1", [], |_| Ok(())))
            .await
    }

    /// The connections, the writer's included: `(open, idle)`, for `/metrics`.
    pub fn pool_usage(&self) -> (u32, usize) {
        let readers = self.readers.status();
        let writer_idle = usize::from(self.writer.pending.load(Ordering::Relaxed) == 0);
        (
            u32::try_from(readers.size + 1).unwrap_or(u32::MAX),
            readers.available + writer_idle,
        )
    }
}

/// The writer's thread: takes the writes waiting on `waiting` (as many as have arrived, up to
/// `MOST_WRITES_PER_COMMIT`), runs them in one transaction and answers each once it has ended.
/// Returns when the store is dropped.
fn write_in_turn(connection: &Connection, waiting: &mpsc::Receiver<Write>) {
    let mut writes = Vec::with_capacity(MOST_WRITES_PER_COMMIT);
    while let Ok(first) = waiting.recv() {
        writes.push(first);
        writes.extend(waiting.try_iter().take(MOST_WRITES_PER_COMMIT - 1));
        if let Err(error) = connection.execute_batch("BEGIN IMMEDIATE") {
            // Dropped unanswered: their requests are answered 503.
            tracing::warn!(%error, writes = writes.len(), "cannot begin a sqlite transaction");
            writes.clear();
            continue;
        }
        let mut answers = Vec::with_capacity(writes.len());
        let mut rolled_back = false;
        for write in writes.drain(..) {
            if rolled_back {
                // Dropped unanswered, as above.
                continue;
            }
            let (succeeded, answer) = write(connection);
            answers.push(answer);
            // A failed statement undoes its own changes; some failures (a full disk, an I/O
            // error) roll the whole transaction back, and the writes before it with it.
            rolled_back = !succeeded && connection.is_autocommit();
        }
        let ended = if rolled_back {
            Err("a failed write rolled its transaction back".to_owned())
        } else {
            connection.execute_batch("COMMIT").map_err(|error| {
                let _ = connection.execute_batch("ROLLBACK");
                format!("cannot commit: {error}")
            })
        };
        for answer in answers {
            answer(ended.as_ref().map(|_| ()).map_err(String::as_str));
        }
    }
}

/// The checkpoint's thread: copies the write-ahead log back into the database file each time
/// the writer finds it past `CHECKPOINT_PAGES`, without waiting for readers or the writer
/// (`PASSIVE`: what they still use is copied next time). Returns when the writer has stopped.
fn checkpoint_when_due(connection: &Connection, due: &mpsc::Receiver<()>) {
    while due.recv().is_ok() {
        if let Err(error) = connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::warn!(%error, "cannot checkpoint the sqlite write-ahead log");
        }
    }
}

/// The embedded migrations, read as sqlx reads the folder (a test holds the two to each other),
/// so that the `_sqlx_migrations` table is the same whichever applied them:
/// `<VERSION>_<DESCRIPTION>.sql` (or `.up.sql` and `.down.sql`), the description with spaces
/// for underscores, the checksum of the text, no transaction when it starts with
/// `-- no-transaction`; files not ending in `.sql` are skipped.
fn embedded_migrations() -> anyhow::Result<Migrator> {
    let mut migrations = Vec::new();
    for file in MIGRATIONS.files() {
        let name = file.path().to_string_lossy();
        if !name.ends_with(".sql") {
            continue;
        }
        let rename = || {
            format!(
                "migrations/{name}: rename it `<VERSION>_<DESCRIPTION>.sql`, the version an \
                 integer (e.g. `20260301000000_add_tags.sql`)"
            )
        };
        let (version, rest) = name.split_once('_').with_context(rename)?;
        let version = version.parse().with_context(rename)?;
        let sql = file
            .contents_utf8()
            .with_context(|| format!("migrations/{name} is not UTF-8: save it as UTF-8"))?;
        let migration_type = MigrationType::from_filename(rest);
        let description = rest
            .trim_end_matches(migration_type.suffix())
            .replace('_', " ");
        migrations.push(Migration::new(
            version,
            description.into(),
            migration_type,
            SqlStr::from_static(sql),
            sql.starts_with("-- no-transaction"),
        ));
    }
    Ok(Migrator::with_migrations(migrations))
}

/// A connection to the file at `path`, in the mode of `flags`.
fn open(path: &Path, flags: OpenFlags) -> rusqlite::Result<Connection> {
    let connection = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    connection.busy_timeout(BUSY_TIMEOUT)?;
    connection.pragma_update(None, "foreign_keys", true)?;
    // In WAL mode, a commit is durable once the log is synced at a checkpoint: a power cut can
    // lose the last commits, never corrupt the file.
    connection.pragma_update(None, "synchronous", "NORMAL")?;
    connection.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(connection)
}

/// A pool of `connections`, taken in turn by the requests that wait for one (for `timeout` at
/// most).
fn pool(connections: Vec<Connection>, timeout: Duration) -> anyhow::Result<Pool<Connection>> {
    let mut config = PoolConfig::new(connections.len());
    config.timeout = Some(timeout);
    config.runtime = Some(Runtime::Tokio1);
    let pool = Pool::from_config(&config);
    for connection in connections {
        pool.try_add(connection)
            .map_err(|(_, error)| error)
            .context("cannot pool the sqlite connections")?;
    }
    Ok(pool)
}

/// A time as stored: RFC 3339 in UTC to the microsecond, always as long
/// (`2026-01-31T09:30:00.000000Z`), so that times sort as their text does.
pub(super) struct Time(pub DateTime<Utc>);

impl ToSql for Time {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(
            self.0.to_rfc3339_opts(SecondsFormat::Micros, true),
        ))
    }
}

impl FromSql for Time {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        DateTime::parse_from_rfc3339(value.as_str()?)
            .map(|time| Self(time.to_utc()))
            .map_err(|error| FromSqlError::Other(error.into()))
    }
}

/// A statement put together at run time (a list's filters, order and cursor), with the values
/// of its parameters, owned and `Send` so that a request holding one across an `.await` can
/// still move between runtime threads.
///
/// Each parameter is written `+?`, not `?`: SQLite re-plans a statement with an `ORDER BY`
/// whenever a new value is bound to a bare `column = ?` (or to `LIMIT ?`), so a cached list
/// would be parsed and planned again on every request. The unary plus changes neither the
/// value nor the plan (the `(owner_id, seq)` index still serves the order).
pub(super) struct Query {
    pub sql: String,
    pub values: Vec<Box<dyn ToSql + Send>>,
}

impl Query {
    pub fn new(sql: &str) -> Self {
        Self {
            sql: sql.to_owned(),
            values: Vec::new(),
        }
    }

    pub fn push(&mut self, sql: impl AsRef<str>) -> &mut Self {
        self.sql.push_str(sql.as_ref());
        self
    }

    pub fn push_bind(&mut self, value: impl ToSql + Send + 'static) -> &mut Self {
        self.sql.push_str("+?");
        self.values.push(Box::new(value));
        self
    }
}

/// Continues a list after `after`: by insertion (`column` none), or by `column` (nulls last,
/// ties by insertion), then orders it so.
pub(super) fn order_after(
    query: &mut Query,
    order: Option<(&'static str, bool)>,
    after: Option<&Cursor>,
) {
    let Some((column, descending)) = order else {
        if let Some(after) = after {
            query.push(" AND seq > ").push_bind(after.seq);
        }
        query.push(" ORDER BY seq");
        return;
    };
    let direction = if descending { "DESC" } else { "ASC" };
    match after.map(|after| (after.seq, after.key.flatten())) {
        None => {}
        // In the nulls, at the end: only later nulls follow.
        Some((seq, None)) => {
            query
                .push(format!(" AND {column} IS NULL AND seq > "))
                .push_bind(seq);
        }
        Some((seq, Some(key))) => {
            let beyond = if descending { "<" } else { ">" };
            query.push(format!(" AND ({column} IS NULL OR {column} {beyond} "));
            bind_key(query, key);
            query.push(format!(" OR ({column} = "));
            bind_key(query, key);
            query.push(" AND seq > ").push_bind(seq).push("))");
        }
    }
    query.push(format!(
        " ORDER BY {column} IS NULL, {column} {direction}, seq"
    ));
}

fn bind_key(query: &mut Query, key: SortKey) {
    match key {
        SortKey::Time(time) => query.push_bind(Time(time)),
    };
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        let rusqlite::Error::SqliteFailure(failure, _) = &error else {
            return Self::Other(error.into());
        };
        match failure.code {
            ErrorCode::ConstraintViolation => match failure.extended_code {
                rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY => Self::Conflict(error.into()),
                _ => Self::Constraint(error.into()),
            },
            // Busy or out of resources: try again later, rather than a bug.
            ErrorCode::DatabaseBusy
            | ErrorCode::DatabaseLocked
            | ErrorCode::SystemIoFailure
            | ErrorCode::DiskFull
            | ErrorCode::CannotOpen => Self::Unavailable(error.into()),
            _ => Self::Other(error.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// The settings read from `vars`, and the problems found.
    fn settings(vars: &[(&str, &str)]) -> (DatabaseSettings, Vec<SettingError>) {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut errors = Vec::new();
        let settings = DatabaseSettings::from_lookup(|name| vars.get(name).cloned(), &mut errors);
        (settings, errors)
    }

    fn variables(errors: &[SettingError]) -> Vec<&'static str> {
        errors.iter().map(|e| e.variable).collect()
    }

    #[test]
    fn pool_settings_have_defaults_and_can_be_set() {
        let (defaults, errors) = settings(DatabaseSettings::EXAMPLE_ENV);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(defaults.url.expose_secret(), "sqlite://data/app.db");
        assert_eq!(
            (defaults.max_connections, defaults.acquire_timeout),
            (8, Duration::from_secs(5))
        );
        let (set, errors) = settings(&[
            ("DATABASE_MAX_CONNECTIONS", "3"),
            ("DATABASE_ACQUIRE_TIMEOUT_SECS", "2"),
        ]);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            (set.max_connections, set.acquire_timeout),
            (3, Duration::from_secs(2))
        );
    }

    #[test]
    fn an_in_memory_database_is_refused() {
        for url in ["sqlite::memory:", "sqlite://app.db?mode=memory"] {
            let (_, errors) = settings(&[("DATABASE_URL", url)]);
            assert_eq!(variables(&errors), ["DATABASE_URL"], "{url}");
        }
    }

    #[tokio::test]
    async fn embedded_migrations_are_read_as_sqlx_reads_the_folder() {
        let fields = |migrator: &Migrator| {
            migrator
                .iter()
                .map(|m| {
                    let checksum = m.checksum.to_vec();
                    (
                        m.version,
                        m.description.to_string(),
                        m.migration_type,
                        checksum,
                        m.no_tx,
                    )
                })
                .collect::<Vec<_>>()
        };
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let sqlx = Migrator::new(folder).await.expect("sqlx reads migrations/");
        let embedded = embedded_migrations().expect("the embedded migrations are read");
        assert!(!fields(&sqlx).is_empty());
        assert_eq!(
            fields(&embedded),
            fields(&sqlx),
            "the migrations built in are not those of migrations/: a file added since this crate \
             was last compiled is built in at its next compilation (`touch src/store/sqlite.rs`)"
        );
    }

    #[test]
    fn every_bad_variable_is_reported_at_once() {
        let (_, errors) = settings(&[
            ("DATABASE_URL", "postgres://localhost/app"),
            ("DATABASE_MAX_CONNECTIONS", "0"),
            ("DATABASE_ACQUIRE_TIMEOUT_SECS", "soon"),
        ]);
        assert_eq!(
            variables(&errors),
            [
                "DATABASE_URL",
                "DATABASE_MAX_CONNECTIONS",
                "DATABASE_ACQUIRE_TIMEOUT_SECS"
            ]
        );
    }
}
