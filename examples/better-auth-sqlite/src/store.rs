//! SQLite storage. Every query is filtered by owner: a task of another user is never read,
//! changed or deleted, whatever id the caller sends.

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use utoipa::ToSchema;
use uuid::Uuid;

/// A task, as stored and as returned by the API.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Task {
    pub id: Uuid,
    pub title: String,
    pub description: Option<String>,
    pub completed: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A page of tasks; `next` is the cursor of the following page.
pub struct Page {
    pub tasks: Vec<Task>,
    pub next: Option<i64>,
}

/// The fields to change; `None` keeps the stored value. `description: Some(None)` clears it.
#[derive(Debug, Default)]
pub struct TaskChanges {
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub completed: Option<bool>,
}

#[derive(sqlx::FromRow)]
struct Row {
    seq: i64,
    #[sqlx(flatten)]
    task: Task,
}

/// The columns of a `Row`, spliced into queries with `concat!` so that every query stays a
/// string literal.
macro_rules! columns {
    () => {
        "seq, id, title, description, completed, created_at, updated_at"
    };
}

#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (creating it if needed) the database file, in WAL mode, and applies migrations.
    pub async fn connect(database_url: &SecretString) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(database_url.expose_secret())
            .context("DATABASE_URL is not a valid sqlite URL")?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
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
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .context("cannot open the sqlite database")?;
        sqlx::migrate!()
            .run(&pool)
            .await
            .context("cannot apply database migrations")?;
        Ok(Self { pool })
    }

    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(drop)
    }

    /// Up to `limit` tasks of `owner` after the cursor `after`, oldest first.
    pub async fn list(
        &self,
        owner: &str,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Page, sqlx::Error> {
        let mut rows: Vec<Row> = sqlx::query_as(concat!(
            "SELECT ",
            columns!(),
            " FROM tasks WHERE owner_id = ? AND seq > ? ORDER BY seq LIMIT ?"
        ))
        .bind(owner)
        .bind(after.unwrap_or(0))
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
        .await?;
        let next = if rows.len() > limit as usize {
            rows.truncate(limit as usize);
            rows.last().map(|row| row.seq)
        } else {
            None
        };
        Ok(Page {
            tasks: rows.into_iter().map(|row| row.task).collect(),
            next,
        })
    }

    pub async fn create(
        &self,
        owner: &str,
        title: &str,
        description: Option<&str>,
        completed: bool,
    ) -> Result<Task, sqlx::Error> {
        let now = Utc::now();
        let row: Row = sqlx::query_as(concat!(
            "INSERT INTO tasks (id, owner_id, title, description, completed, created_at, updated_at) ",
            "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING ",
            columns!()
        ))
        .bind(Uuid::new_v4())
        .bind(owner)
        .bind(title)
        .bind(description)
        .bind(completed)
        .bind(now)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.task)
    }

    pub async fn get(&self, owner: &str, id: Uuid) -> Result<Option<Task>, sqlx::Error> {
        let row: Option<Row> = sqlx::query_as(concat!(
            "SELECT ",
            columns!(),
            " FROM tasks WHERE id = ? AND owner_id = ?"
        ))
        .bind(id)
        .bind(owner)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|row| row.task))
    }

    pub async fn update(
        &self,
        owner: &str,
        id: Uuid,
        changes: TaskChanges,
    ) -> Result<Option<Task>, sqlx::Error> {
        let (set_description, description) = match changes.description {
            Some(description) => (true, description),
            None => (false, None),
        };
        let row: Option<Row> = sqlx::query_as(concat!(
            "UPDATE tasks SET title = COALESCE(?, title), ",
            "description = CASE WHEN ? THEN ? ELSE description END, ",
            "completed = COALESCE(?, completed), updated_at = ? ",
            "WHERE id = ? AND owner_id = ? RETURNING ",
            columns!()
        ))
        .bind(changes.title)
        .bind(set_description)
        .bind(description)
        .bind(changes.completed)
        .bind(Utc::now())
        .bind(id)
        .bind(owner)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|row| row.task))
    }

    /// True when a task of `owner` was deleted.
    pub async fn delete(&self, owner: &str, id: Uuid) -> Result<bool, sqlx::Error> {
        let result = sqlx::query("DELETE FROM tasks WHERE id = ? AND owner_id = ?")
            .bind(id)
            .bind(owner)
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected() == 1)
    }
}
