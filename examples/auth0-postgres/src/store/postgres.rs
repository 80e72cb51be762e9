//! PostgreSQL: a pool of sqlx connections (deadpool) to one server shared by every replica of
//! this API. Migrations are applied at start (sqlx takes an advisory lock, so replicas starting
//! together apply them once). Every query names its owner in the `WHERE` clause. Creates
//! waiting together are written by one statement (`Creates`).

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use deadpool::Runtime;
use deadpool::managed::{self, Metrics, Object, RecycleResult};
use secrecy::{ExposeSecret, SecretString};
use sqlx::error::ErrorKind;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{Connection, Postgres, QueryBuilder};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;
use uuid::Uuid;

use super::{Cause, Cursor, SortKey, StoreError};
use crate::auth::SettingError;
use crate::config::parse_or;

/// Where the data lives, and how the connection pool behaves.
#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    /// May hold credentials, so it is never logged.
    pub url: SecretString,
    /// The most connections the pool opens (`DATABASE_MAX_CONNECTIONS`).
    /// Every replica opens up to this many: keep replicas × this below the server's
    /// `max_connections`.
    pub max_connections: u32,
    /// How long a request waits for a free connection before it is answered with 503
    /// (`DATABASE_ACQUIRE_TIMEOUT_SECS`).
    pub acquire_timeout: Duration,
    /// The longest a statement may run on the server; `None` leaves the server's setting
    /// (`DATABASE_STATEMENT_TIMEOUT_SECS`, `0` for none).
    pub statement_timeout: Option<Duration>,
}

impl DatabaseSettings {
    /// Reads the `DATABASE_*` variables through `var` (a variable's trimmed value, `None` when
    /// it is unset or blank), pushing every problem onto `errors`: the settings returned are
    /// only meant to be used when there is none.
    pub fn from_lookup(
        var: impl Fn(&str) -> Option<String>,
        errors: &mut Vec<SettingError>,
    ) -> Self {
        let url = var("DATABASE_URL").unwrap_or_default();
        if url.is_empty() {
            errors.push(SettingError::new(
                "DATABASE_URL",
                "is required: the postgres server, e.g. postgres://app:secret@localhost:5432/orders_api",
            ));
        } else if !(url.starts_with("postgres://") || url.starts_with("postgresql://"))
            || url.parse::<PgConnectOptions>().is_err()
        {
            // The URL may hold a password: it is not repeated here.
            errors.push(SettingError::new(
                "DATABASE_URL",
                "is not a postgres URL like postgres://user:password@host:5432/database",
            ));
        }
        let max_connections = parse_or(
            errors,
            "DATABASE_MAX_CONNECTIONS",
            var("DATABASE_MAX_CONNECTIONS"),
            10,
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
        let statement_timeout_secs: u64 = parse_or(
            errors,
            "DATABASE_STATEMENT_TIMEOUT_SECS",
            var("DATABASE_STATEMENT_TIMEOUT_SECS"),
            10,
            "a whole number of seconds (0 for no limit)",
        );
        Self {
            url: SecretString::from(url),
            max_connections: max_connections.max(1),
            acquire_timeout: Duration::from_secs(acquire_timeout_secs.max(1)),
            statement_timeout: (statement_timeout_secs > 0)
                .then(|| Duration::from_secs(statement_timeout_secs)),
        }
    }
}

#[cfg(test)]
impl DatabaseSettings {
    /// A valid environment for these settings, for tests here and in the rest of the crate:
    /// the server, the one setting without a default.
    pub(crate) const EXAMPLE_ENV: &[(&str, &str)] =
        &[("DATABASE_URL", "postgres://app@localhost/app")];
}

/// A connection last taken from the pool this long ago is pinged before it is used again.
const PING_WHEN_IDLE_FOR: Duration = Duration::from_secs(1);

/// Opens the pool's connections, and checks one that sat idle before it is used again.
///
/// The pool is deadpool's, not sqlx's: sqlx's pool pings every connection handed back to it, a
/// second round trip to the server on every request (a fifth of the server's and of
/// PostgreSQL's CPU per list). A connection given back in the middle of a statement (its
/// request timed out) needs no ping either: sqlx reads what the server still had to say before
/// it sends the next statement.
struct Connector {
    options: PgConnectOptions,
}

impl managed::Manager for Connector {
    type Type = PgConnection;
    type Error = sqlx::Error;

    async fn create(&self) -> Result<PgConnection, sqlx::Error> {
        PgConnection::connect_with(&self.options).await
    }

    /// A connection idle for a while may have been closed by the server meanwhile (a restart,
    /// `idle_session_timeout`, a proxy's idle cut): it is pinged, and replaced if that fails.
    async fn recycle(
        &self,
        connection: &mut PgConnection,
        metrics: &Metrics,
    ) -> RecycleResult<sqlx::Error> {
        if metrics.last_used() >= PING_WHEN_IDLE_FOR {
            connection.ping().await?;
        }
        Ok(())
    }
}

type Pool = managed::Pool<Connector>;

/// A connection taken from the pool, which it goes back to when dropped.
pub(super) struct PooledConnection(Object<Connector>);

impl PooledConnection {
    /// A connection from `pool`; failing to get one (the server is down, refuses us, or every
    /// connection is busy past the acquire timeout) is the database being unavailable.
    async fn get(pool: &Pool) -> Result<Self, StoreError> {
        pool.get()
            .await
            .map(Self)
            .map_err(|error| StoreError::Unavailable(error.into()))
    }

    /// The outcome of a statement run on this connection, as the API answers it. After a
    /// failure the client did not cause (the server went away or ended the session, a broken
    /// protocol, a timeout), the connection is closed rather than handed to the next request.
    pub(super) fn check<T>(self, result: Result<T, sqlx::Error>) -> Result<T, StoreError> {
        result.map_err(|error| {
            let error = StoreError::from(error);
            if !matches!(error, StoreError::Conflict(_) | StoreError::Constraint(_)) {
                drop(Object::take(self.0));
            }
            error
        })
    }
}

impl std::ops::Deref for PooledConnection {
    type Target = PgConnection;

    fn deref(&self) -> &PgConnection {
        &self.0
    }
}

impl std::ops::DerefMut for PooledConnection {
    fn deref_mut(&mut self) -> &mut PgConnection {
        &mut self.0
    }
}

/// The most creates of one resource that one statement writes.
const GROUP_SIZE: usize = 16;
/// The most statements writing creates of one resource at once.
const WRITERS: usize = 4;
/// The most creates of one resource waiting for a statement; one more waits for room up to
/// the acquire timeout, then is answered 503.
const WAITING: usize = GROUP_SIZE * WRITERS * 4;

/// A new row of one resource's table, written together with others by one statement.
pub(super) trait NewRow: Send + Sync + Sized + 'static {
    /// The item the API answers with.
    type Item: Send + 'static;

    /// The id this row will have.
    fn id(&self) -> Uuid;

    /// The id of an item this statement answered, to match it with its row.
    fn item_id(item: &Self::Item) -> Uuid;

    /// Inserts `rows` in one statement, answering their items in any order: a statement that
    /// fails has inserted none.
    fn insert(
        connection: &mut PgConnection,
        rows: &[Self],
    ) -> impl Future<Output = Result<Vec<Self::Item>, sqlx::Error>> + Send;
}

/// A create, and where its outcome goes.
struct Pending<R: NewRow> {
    row: R,
    reply: oneshot::Sender<Result<R::Item, StoreError>>,
}

/// The creates of one resource. Each create waits in a queue; a task takes the waiting ones
/// in groups of up to `GROUP_SIZE`, and writes each group with one statement on one connection,
/// up to `WRITERS` groups at once: one round trip and one commit for many creates, which
/// PostgreSQL writes at about three times the rate of single-row commits (measured in
/// authgate's `benches/proposed/pg-create-bounds.txt`). A statement the database refuses
/// (a constraint) is run again one create at a time, so that each create fails or succeeds
/// on its own.
pub(super) struct Creates<R: NewRow> {
    queue: mpsc::Sender<Pending<R>>,
    /// How long a create waits for room in the queue: the acquire timeout.
    admit_within: Duration,
}

impl<R: NewRow> Clone for Creates<R> {
    fn clone(&self) -> Self {
        Self {
            queue: self.queue.clone(),
            admit_within: self.admit_within,
        }
    }
}

impl<R: NewRow> Creates<R> {
    /// Starts the task that writes the creates; it ends when every copy of this is dropped,
    /// after writing the creates still waiting.
    fn start(pool: Pool, admit_within: Duration) -> Self {
        let (queue, waiting) = mpsc::channel(WAITING);
        tokio::spawn(write_groups(pool, waiting));
        Self {
            queue,
            admit_within,
        }
    }

    /// Writes `row`, with the creates waiting beside it, and answers its item. A create
    /// whose request is given up (it timed out, the client went away) before its group is
    /// written is not written.
    pub(super) async fn insert(&self, row: R) -> Result<R::Item, StoreError> {
        let (reply, outcome) = oneshot::channel();
        match tokio::time::timeout(self.admit_within, self.queue.send(Pending { row, reply })).await
        {
            Ok(Ok(())) => {}
            Ok(Err(_)) => return Err(stopped()),
            Err(_) => {
                return Err(StoreError::Unavailable(
                    "too many creates are waiting to be written".into(),
                ));
            }
        }
        outcome.await.unwrap_or_else(|_| Err(stopped()))
    }
}

/// A create's answer was dropped unsent: the task writing its group, or the one forming the
/// groups, panicked.
fn stopped() -> StoreError {
    StoreError::Other("the writer of creates has stopped".into())
}

/// Takes the waiting creates in groups, each written by a task of its own, up to `WRITERS`
/// at once; while they are all busy, creates gather into the next group.
async fn write_groups<R: NewRow>(pool: Pool, mut waiting: mpsc::Receiver<Pending<R>>) {
    let mut writing = JoinSet::new();
    loop {
        if writing.len() == WRITERS {
            writing.join_next().await;
        }
        let mut group = Vec::with_capacity(GROUP_SIZE);
        if waiting.recv_many(&mut group, GROUP_SIZE).await == 0 {
            break;
        }
        writing.spawn(write_group(pool.clone(), group));
    }
    writing.join_all().await;
}

/// Writes `group` with one statement, and answers each create.
async fn write_group<R: NewRow>(pool: Pool, group: Vec<Pending<R>>) {
    let (rows, replies): (Vec<R>, Vec<_>) = group
        .into_iter()
        .filter(|pending| !pending.reply.is_closed())
        .map(|pending| (pending.row, pending.reply))
        .unzip();
    if rows.is_empty() {
        return;
    }
    match insert(&pool, &rows).await {
        Err(StoreError::Conflict(_) | StoreError::Constraint(_)) if rows.len() > 1 => {
            // One create or more broke a rule, and the statement inserted none: each is
            // written alone, to fail or succeed on its own.
            for (row, reply) in rows.into_iter().zip(replies) {
                let row = [row];
                let outcome = insert(&pool, &row).await;
                answer(&row, vec![reply], outcome);
            }
        }
        outcome => answer(&rows, replies, outcome),
    }
}

/// Inserts `rows` with one statement, on a connection from `pool`.
async fn insert<R: NewRow>(pool: &Pool, rows: &[R]) -> Result<Vec<R::Item>, StoreError> {
    let mut connection = PooledConnection::get(pool).await?;
    let result = R::insert(&mut connection, rows).await;
    connection.check(result)
}

/// Answers each create of `rows` with its item, or with the failure of them all.
fn answer<R: NewRow>(
    rows: &[R],
    replies: Vec<oneshot::Sender<Result<R::Item, StoreError>>>,
    outcome: Result<Vec<R::Item>, StoreError>,
) {
    match outcome {
        Ok(mut items) => {
            for (row, reply) in rows.iter().zip(replies) {
                let item = items
                    .iter()
                    .position(|item| R::item_id(item) == row.id())
                    .map(|at| items.swap_remove(at))
                    .ok_or_else(|| StoreError::Other("an inserted row was not returned".into()));
                let _ = reply.send(item);
            }
        }
        Err(error) => {
            let (failure, cause): (fn(Cause) -> StoreError, Cause) = match error {
                StoreError::Unavailable(cause) => (StoreError::Unavailable, cause),
                StoreError::Conflict(cause) => (StoreError::Conflict, cause),
                StoreError::Constraint(cause) => (StoreError::Constraint, cause),
                StoreError::Other(cause) => (StoreError::Other, cause),
            };
            let cause: Arc<dyn std::error::Error + Send + Sync> = Arc::from(cause);
            for reply in replies {
                let _ = reply.send(Err(failure(Box::new(Arc::clone(&cause)))));
            }
        }
    }
}

#[derive(Clone)]
pub struct Store {
    pool: Pool,
    pub(super) orders: Creates<super::orders::NewOrder>,
}

impl Store {
    /// Connects to the server and applies the migrations in `migrations/`.
    pub async fn connect(settings: &DatabaseSettings) -> anyhow::Result<Self> {
        let mut options = PgConnectOptions::from_str(settings.url.expose_secret())
            .context("DATABASE_URL is not a valid postgres URL")?
            .application_name(env!("CARGO_PKG_NAME"));
        if let Some(timeout) = settings.statement_timeout {
            // Enforced by the server: a runaway query is cancelled, not left holding a
            // connection.
            let millis = timeout.as_millis().to_string();
            options = options.options([("statement_timeout", millis)]);
        }
        // Waiting for a free connection, opening one and pinging one each give up after the
        // acquire timeout.
        let pool = Pool::builder(Connector { options })
            .max_size(settings.max_connections as usize)
            .wait_timeout(Some(settings.acquire_timeout))
            .create_timeout(Some(settings.acquire_timeout))
            .recycle_timeout(Some(settings.acquire_timeout))
            .runtime(Runtime::Tokio1)
            .build()
            .context("cannot make the postgres connection pool")?;
        let mut connection = pool
            .get()
            .await
            .context("cannot connect to the postgres database (DATABASE_URL)")?;
        sqlx::migrate!()
            .run(&mut *connection)
            .await
            .context("cannot apply database migrations")?;
        drop(connection);
        Ok(Self {
            orders: Creates::start(pool.clone(), settings.acquire_timeout),
            pool,
        })
    }

    /// A connection from the pool (see [`PooledConnection::get`]).
    pub(super) async fn connection(&self) -> Result<PooledConnection, StoreError> {
        PooledConnection::get(&self.pool).await
    }

    /// The connection a write goes through: any of the pool's, since PostgreSQL runs writes
    /// side by side.
    pub(super) async fn writer(&self) -> Result<PooledConnection, StoreError> {
        self.connection().await
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        let mut connection = self.connection().await?;
        let result = sqlx::query("SELECT 1").execute(&mut *connection).await;
        connection.check(result).map(drop)
    }

    /// The pool's connections: `(open, idle)`, for `/metrics`.
    pub fn pool_usage(&self) -> (u32, usize) {
        let status = self.pool.status();
        (status.size as u32, status.available)
    }
}

/// Continues a list after `after`: by insertion (`column` none), or by `column` (nulls last,
/// ties by insertion), then orders it so.
pub(super) fn order_after(
    query: &mut QueryBuilder<Postgres>,
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

fn bind_key(query: &mut QueryBuilder<Postgres>, key: SortKey) {
    match key {
        SortKey::Time(time) => query.push_bind(time),
    };
}

/// Whether a SQLSTATE means "the server cannot serve this now; retry later" rather than a bug:
/// connection exceptions (08), insufficient resources (53: too many connections, disk full),
/// operator intervention (57: shutdown, statement timeout), serialization failures and
/// deadlocks (40), and a missing or refused database or role (3D, 28).
fn is_unavailable(sqlstate: &str) -> bool {
    ["08", "53", "57", "40", "3D", "28"]
        .iter()
        .any(|class| sqlstate.starts_with(class))
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        let unavailable = match &error {
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => true,
            sqlx::Error::Database(database) => {
                match database.kind() {
                    ErrorKind::UniqueViolation | ErrorKind::ExclusionViolation => {
                        return Self::Conflict(error.into());
                    }
                    ErrorKind::ForeignKeyViolation
                    | ErrorKind::NotNullViolation
                    | ErrorKind::CheckViolation => return Self::Constraint(error.into()),
                    _ => {}
                }
                // Class 22, a data exception: a value the column cannot hold (a date before
                // 4713 BC, ...), the client's to fix.
                if database.code().is_some_and(|code| code.starts_with("22")) {
                    return Self::Constraint(error.into());
                }
                database.code().is_some_and(|code| is_unavailable(&code))
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
        assert_eq!(
            (defaults.max_connections, defaults.acquire_timeout),
            (10, Duration::from_secs(5))
        );
        assert_eq!(defaults.statement_timeout, Some(Duration::from_secs(10)));
        let (set, errors) = settings(
            &[
                DatabaseSettings::EXAMPLE_ENV,
                &[
                    ("DATABASE_MAX_CONNECTIONS", "3"),
                    ("DATABASE_ACQUIRE_TIMEOUT_SECS", "2"),
                    ("DATABASE_STATEMENT_TIMEOUT_SECS", "0"),
                ],
            ]
            .concat(),
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            (set.max_connections, set.acquire_timeout),
            (3, Duration::from_secs(2))
        );
        assert_eq!(set.statement_timeout, None);
    }

    #[test]
    fn every_bad_variable_is_reported_at_once() {
        let (_, errors) = settings(&[
            ("DATABASE_URL", "sqlite://data/app.db"),
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

    #[test]
    fn the_url_is_required_and_never_repeated() {
        let (_, errors) = settings(&[]);
        assert_eq!(variables(&errors), ["DATABASE_URL"]);
        let (_, errors) = settings(&[("DATABASE_URL", "postgres://app:hunter2@db:notaport/app")]);
        assert_eq!(variables(&errors), ["DATABASE_URL"]);
        let error = errors[0].to_string();
        assert!(!error.contains("hunter2"), "the password leaks: {error}");
    }
}
