//! Tasks in SQLite. Every query names the owner in
//! its `WHERE` clause.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::QueryBuilder;
use utoipa::ToSchema;
use uuid::Uuid;

use super::sqlite::order_after;
use super::{Cursor, Order, Page, SortKey, Store, StoreError, now, time_at};

/// A task, as stored and as returned by the API.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Task {
    pub id: Uuid,
    /// 1 to 200 characters, not all whitespace, no NUL.
    pub title: String,
    /// 1 to 2000 characters, not all whitespace, no NUL. Optional: `null` when not given.
    pub description: Option<String>,
    /// `true` or `false`. Default `false`.
    pub completed: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Every field of a new task, defaults applied.
#[derive(Debug)]
pub struct TaskFields {
    pub title: String,
    pub description: Option<String>,
    pub completed: bool,
}

/// The fields to change; `None` keeps the stored value, and `Some(None)` clears an optional
/// one.
#[derive(Debug, Default)]
pub struct TaskChanges {
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub completed: Option<bool>,
}

impl From<TaskFields> for TaskChanges {
    /// A replacement: every field changes.
    fn from(fields: TaskFields) -> Self {
        Self {
            title: Some(fields.title),
            description: Some(fields.description),
            completed: Some(fields.completed),
        }
    }
}

/// The equality filters of a list; `None` does not filter.
#[derive(Debug, Default)]
pub struct TaskFilter {
    pub completed: Option<bool>,
}

/// What a list of tasks can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskSort {
    CreatedAt,
}

impl TaskSort {
    /// The key `item` is sorted by.
    pub fn key(self, item: &Task) -> Option<SortKey> {
        match self {
            Self::CreatedAt => Some(SortKey::Time(item.created_at)),
        }
    }

    /// The key a cursor's number stands for (see `SortKey::as_number`); numbers beyond the
    /// years 1 to 9999 stand for their ends.
    pub fn key_at(self, n: i64) -> SortKey {
        match self {
            Self::CreatedAt => SortKey::Time(time_at(n)),
        }
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    seq: i64,
    #[sqlx(flatten)]
    item: Task,
}

/// The table and the columns of a `Row`, spliced into queries with `concat!` so that every
/// query but a list's stays a string literal. Every name is quoted: any resource or field name
/// is a valid identifier, even one that is an SQL keyword.
macro_rules! table {
    () => {
        r#""tasks""#
    };
}

macro_rules! columns {
    () => {
        r#"seq, id, "title", "description", "completed", created_at, updated_at"#
    };
}

/// The column a list is sorted by.
fn column(sort: TaskSort) -> &'static str {
    match sort {
        TaskSort::CreatedAt => "created_at",
    }
}

impl Store {
    /// Up to `limit` tasks of `owner` after `after`, in `order` (none: oldest first).
    pub async fn list_tasks(
        &self,
        owner: &str,
        filter: &TaskFilter,
        order: Option<Order<TaskSort>>,
        after: Option<&Cursor>,
        limit: u32,
    ) -> Result<Page<Task>, StoreError> {
        let mut query = QueryBuilder::new(concat!(
            "SELECT ",
            columns!(),
            " FROM ",
            table!(),
            " WHERE owner_id = "
        ));
        query.push_bind(owner);
        if let Some(value) = filter.completed {
            query.push(r#" AND "completed" = "#).push_bind(value);
        }
        order_after(
            &mut query,
            order.map(|order| (column(order.by), order.descending)),
            after,
        );
        // Not `LIMIT ?`: SQLite lets a bound LIMIT steer its plan, so binding one expires the
        // cached statement and every list would be parsed and planned again.
        query
            .push(" LIMIT CAST(")
            .push_bind(i64::from(limit) + 1)
            .push(" AS INTEGER)");
        let mut connection = self.connection().await?;
        let mut rows: Vec<Row> = query.build_query_as().fetch_all(&mut *connection).await?;
        let next = if rows.len() > limit as usize {
            rows.truncate(limit as usize);
            rows.last().map(|row| Cursor {
                seq: row.seq,
                key: order.map(|order| order.by.key(&row.item)),
            })
        } else {
            None
        };
        Ok(Page {
            items: rows.into_iter().map(|row| row.item).collect(),
            next,
        })
    }

    pub async fn create_task(&self, owner: &str, fields: TaskFields) -> Result<Task, StoreError> {
        let mut connection = self.writer().await?;
        let now = now();
        let row: Row = sqlx::query_as(concat!(
            "INSERT INTO ",
            table!(),
            r#" (id, owner_id, "title", "description", "completed", created_at, updated_at) "#,
            "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING ",
            columns!()
        ))
        .bind(Uuid::new_v4())
        .bind(owner)
        .bind(fields.title)
        .bind(fields.description)
        .bind(fields.completed)
        .bind(now)
        .bind(now)
        .fetch_one(&mut *connection)
        .await?;
        Ok(row.item)
    }

    pub async fn get_task(&self, owner: &str, id: Uuid) -> Result<Option<Task>, StoreError> {
        let mut connection = self.connection().await?;
        let row: Option<Row> = sqlx::query_as(concat!(
            "SELECT ",
            columns!(),
            " FROM ",
            table!(),
            " WHERE id = ? AND owner_id = ?"
        ))
        .bind(id)
        .bind(owner)
        .fetch_optional(&mut *connection)
        .await?;
        Ok(row.map(|row| row.item))
    }

    /// Applies `changes` in one statement, so that concurrent changes to different fields
    /// are all kept.
    pub async fn update_task(
        &self,
        owner: &str,
        id: Uuid,
        changes: TaskChanges,
    ) -> Result<Option<Task>, StoreError> {
        let mut connection = self.writer().await?;
        let (set_description, description) = match changes.description {
            Some(value) => (true, value),
            None => (false, None),
        };
        let row: Option<Row> = sqlx::query_as(concat!(
            "UPDATE ",
            table!(),
            " SET ",
            r#""title" = COALESCE(?, "title"), "#,
            r#""description" = CASE WHEN ? THEN ? ELSE "description" END, "#,
            r#""completed" = COALESCE(?, "completed"), "#,
            "updated_at = ? ",
            "WHERE id = ? AND owner_id = ? RETURNING ",
            columns!()
        ))
        .bind(changes.title)
        .bind(set_description)
        .bind(description)
        .bind(changes.completed)
        .bind(now())
        .bind(id)
        .bind(owner)
        .fetch_optional(&mut *connection)
        .await?;
        Ok(row.map(|row| row.item))
    }

    /// True when a task of `owner` was deleted.
    pub async fn delete_task(&self, owner: &str, id: Uuid) -> Result<bool, StoreError> {
        let mut connection = self.writer().await?;
        let result = sqlx::query(concat!(
            "DELETE FROM ",
            table!(),
            " WHERE id = ? AND owner_id = ?"
        ))
        .bind(id)
        .bind(owner)
        .execute(&mut *connection)
        .await?;
        Ok(result.rows_affected() == 1)
    }
}
