//! SQLite: one file beside the process (sqlx, WAL mode, migrations applied at start). Every
//! query names its owner in the `WHERE` clause (see each resource's module).

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use deadpool::Runtime;
use deadpool::unmanaged::{Object, Pool, PoolConfig};
use secrecy::{ExposeSecret, SecretString};
use sqlx::error::ErrorKind;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, QueryBuilder, Sqlite, SqliteConnection};

use super::{Cursor, SortKey, StoreError};
use crate::auth::SettingError;
use crate::config::parse_or;

/// How long a connection waits for a lock before it gives up (503). The one writer takes no
/// lock another write holds, so this is left to a checkpoint, or to another process writing to
/// the same file.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Where the data lives, and how the connection pool behaves.
#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    /// May hold credentials, so it is never logged.
    pub url: SecretString,
    /// The most connections that read at once (`DATABASE_MAX_CONNECTIONS`); writes go through
    /// one more connection of their own.
    pub max_connections: u32,
    /// How long a request waits for a free connection before it is answered with 503
    /// (`DATABASE_ACQUIRE_TIMEOUT_SECS`).
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

/// Connections opened at start and kept open. They are pooled here rather than in sqlx's pool,
/// which pings each connection it takes back: a round trip to the connection's thread after
/// every query, for nothing a file can lose. Each connection's thread runs its commands in
/// order, so whatever a cancelled request left running finishes before the next query starts.
#[derive(Clone)]
pub struct Store {
    /// Reads, up to `DATABASE_MAX_CONNECTIONS` at once; WAL mode lets them run beside a write.
    readers: Pool<SqliteConnection>,
    /// Writes, one at a time, in the order they arrive. SQLite lets one connection write at a
    /// time: writes on several connections would queue in its busy handler instead, which
    /// sleeps in steps of up to 100 ms.
    writer: Pool<SqliteConnection>,
}

impl Store {
    /// Opens (creating it and its directory if needed) the database file, in WAL mode, and
    /// applies the migrations in `migrations/`.
    pub async fn connect(settings: &DatabaseSettings) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(settings.url.expose_secret())
            .context("DATABASE_URL is not a valid sqlite URL")?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        if let Some(dir) = options
            .get_filename()
            .parent()
            .filter(|dir| !dir.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir).with_context(|| {
                format!("cannot create the database directory `{}`", dir.display())
            })?;
        }
        let mut writer = options
            .connect()
            .await
            .context("cannot open the sqlite database")?;
        sqlx::migrate!()
            .run(&mut writer)
            .await
            .context("cannot apply database migrations")?;
        let mut readers = Vec::new();
        for _ in 0..settings.max_connections {
            readers.push(
                options
                    .clone()
                    .read_only(true)
                    .connect()
                    .await
                    .context("cannot open the sqlite database for reading")?,
            );
        }
        Ok(Self {
            readers: pool(readers, settings.acquire_timeout)?,
            writer: pool(vec![writer], settings.acquire_timeout)?,
        })
    }

    /// A connection that reads; failing to get one is the database being unavailable.
    pub(super) async fn connection(&self) -> Result<Object<SqliteConnection>, StoreError> {
        acquire(&self.readers).await
    }

    /// The connection that writes, once the writes before it are done.
    pub(super) async fn writer(&self) -> Result<Object<SqliteConnection>, StoreError> {
        acquire(&self.writer).await
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        let mut connection = self.connection().await?;
        sqlx::query("SELECT 1")
            .execute(&mut *connection)
            .await
            .map(drop)
            .map_err(StoreError::from)
    }

    /// The connections, the writer's included: `(open, idle)`, for `/metrics`.
    pub fn pool_usage(&self) -> (u32, usize) {
        let (readers, writer) = (self.readers.status(), self.writer.status());
        (
            u32::try_from(readers.size + writer.size).unwrap_or(u32::MAX),
            readers.available + writer.available,
        )
    }
}

/// A pool of `connections`, taken in turn by the requests that wait for one (for `timeout` at
/// most).
fn pool(
    connections: Vec<SqliteConnection>,
    timeout: Duration,
) -> anyhow::Result<Pool<SqliteConnection>> {
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

async fn acquire(pool: &Pool<SqliteConnection>) -> Result<Object<SqliteConnection>, StoreError> {
    pool.get()
        .await
        .map_err(|error| StoreError::Unavailable(error.into()))
}

/// Continues a list after `after`: by insertion (`column` none), or by `column` (nulls last,
/// ties by insertion), then orders it so.
pub(super) fn order_after(
    query: &mut QueryBuilder<Sqlite>,
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

fn bind_key(query: &mut QueryBuilder<Sqlite>, key: SortKey) {
    match key {
        SortKey::Time(time) => query.push_bind(time),
    };
}

/// SQLite's primary result codes (the low byte of an extended code) that mean "busy or out of
/// resources, try again later" rather than a bug.
const UNAVAILABLE_CODES: [i32; 5] = [
    5,  // SQLITE_BUSY: another connection held the lock longer than the busy timeout
    6,  // SQLITE_LOCKED
    10, // SQLITE_IOERR
    13, // SQLITE_FULL: the disk is full
    14, // SQLITE_CANTOPEN
];

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        let unavailable = match &error {
            sqlx::Error::Io(_) | sqlx::Error::WorkerCrashed => true,
            sqlx::Error::Database(database) => {
                match database.kind() {
                    ErrorKind::UniqueViolation => return Self::Conflict(error.into()),
                    ErrorKind::ForeignKeyViolation
                    | ErrorKind::NotNullViolation
                    | ErrorKind::CheckViolation => return Self::Constraint(error.into()),
                    _ => {}
                }
                database
                    .code()
                    .and_then(|code| code.parse::<i32>().ok())
                    .is_some_and(|code| UNAVAILABLE_CODES.contains(&(code & 0xff)))
            }
            _ => false,
        };
        if unavailable {
            Self::Unavailable(error.into())
        } else {
            Self::Other(error.into())
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
