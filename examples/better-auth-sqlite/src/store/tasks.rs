//! Tasks in SQLite.
//!
//! Every query names the owner in its `WHERE` clause.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params, params_from_iter};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::sqlite::{Query, Time, order_after};
use super::{Cursor, Page, SortKey, SortOrder, Store, StoreError, now, time_at};

/// A task, as stored and as returned by the API.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Task {
    pub id: Uuid,
    /// 1 to 200 characters, not all whitespace, no NUL.
    pub title: String,
    /// 1 to 2000 characters, not all whitespace, no NUL. Optional: `null` when not given.
    pub description: Option<String>,
    /// `true` or `false`. Default `false`.
    pub completed: bool,
    #[serde(serialize_with = "super::rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "super::rfc3339")]
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

/// The table and the columns `from_row` reads, spliced into queries with `concat!` so that
/// every query but a list's stays a string literal. Every name is quoted: any resource or field
/// name is a valid identifier, even one that is an SQL keyword.
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

/// A stored task, and its place in insertion order (`seq`), from a row of `columns!()`.
fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, Task)> {
    Ok((
        row.get(0)?,
        Task {
            id: row.get(1)?,
            title: row.get(2)?,
            description: row.get(3)?,
            completed: row.get(4)?,
            created_at: row.get::<_, Time>(5)?.0,
            updated_at: row.get::<_, Time>(6)?.0,
        },
    ))
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
        order: Option<SortOrder<TaskSort>>,
        after: Option<&Cursor>,
        limit: u32,
    ) -> Result<Page<Task>, StoreError> {
        let mut query = Query::new(concat!(
            "SELECT ",
            columns!(),
            " FROM ",
            table!(),
            " WHERE owner_id = "
        ));
        query.push_bind(owner.to_owned());
        if let Some(value) = filter.completed {
            query.push(r#" AND "completed" = "#).push_bind(value);
        }
        order_after(
            &mut query,
            order.map(|order| (column(order.by), order.descending)),
            after,
        );
        query.push(" LIMIT ").push_bind(i64::from(limit) + 1);
        let mut rows = self
            .read(move |connection| {
                connection
                    .prepare_cached(&query.sql)?
                    .query_map(params_from_iter(&query.values), from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .await?;
        let next = if rows.len() > limit as usize {
            rows.truncate(limit as usize);
            rows.last().map(|(seq, item)| Cursor {
                seq: *seq,
                key: order.map(|order| order.by.key(item)),
            })
        } else {
            None
        };
        Ok(Page {
            items: rows.into_iter().map(|(_, item)| item).collect(),
            next,
        })
    }

    pub async fn create_task(&self, owner: &str, fields: TaskFields) -> Result<Task, StoreError> {
        let (id, owner, now) = (Uuid::new_v4(), owner.to_owned(), now());
        let (_, item) = self
            .write(move |connection| {
                connection
                    .prepare_cached(concat!(
                        "INSERT INTO ",
                        table!(),
                        r#" (id, owner_id, "title", "description", "completed", created_at, updated_at) "#,
                        "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING ",
                        columns!()
                    ))?
                    .query_row(
                        params![
                            id,
                            owner,
                            fields.title,
                            fields.description,
                            fields.completed,
                            Time(now),
                            Time(now)
                        ],
                        from_row,
                    )
            })
            .await?;
        Ok(item)
    }

    pub async fn get_task(&self, owner: &str, id: Uuid) -> Result<Option<Task>, StoreError> {
        let row = self
            .read(|connection| {
                connection
                    .prepare_cached(concat!(
                        "SELECT ",
                        columns!(),
                        " FROM ",
                        table!(),
                        " WHERE id = ? AND owner_id = ?"
                    ))?
                    .query_row(params![id, owner], from_row)
                    .optional()
            })
            .await?;
        Ok(row.map(|(_, item)| item))
    }

    /// Applies `changes` in one statement, so that concurrent changes to different fields
    /// are all kept.
    pub async fn update_task(
        &self,
        owner: &str,
        id: Uuid,
        changes: TaskChanges,
    ) -> Result<Option<Task>, StoreError> {
        let (set_description, description) = match changes.description {
            Some(value) => (true, value),
            None => (false, None),
        };
        let (owner, now) = (owner.to_owned(), now());
        let row = self
            .write(move |connection| {
                connection
                    .prepare_cached(concat!(
                        "UPDATE ",
                        table!(),
                        " SET ",
                        r#""title" = COALESCE(?, "title"), "#,
                        r#""description" = CASE WHEN ? THEN ? ELSE "description" END, "#,
                        r#""completed" = COALESCE(?, "completed"), "#,
                        "updated_at = ? ",
                        "WHERE id = ? AND owner_id = ? RETURNING ",
                        columns!()
                    ))?
                    .query_row(
                        params![
                            changes.title,
                            set_description,
                            description,
                            changes.completed,
                            Time(now),
                            id,
                            owner,
                        ],
                        from_row,
                    )
                    .optional()
            })
            .await?;
        Ok(row.map(|(_, item)| item))
    }

    /// True when a task of `owner` was deleted.
    pub async fn delete_task(&self, owner: &str, id: Uuid) -> Result<bool, StoreError> {
        let owner = owner.to_owned();
        let deleted = self
            .write(move |connection| {
                connection
                    .prepare_cached(concat!(
                        "DELETE FROM ",
                        table!(),
                        " WHERE id = ? AND owner_id = ?"
                    ))?
                    .execute(params![id, owner])
            })
            .await?;
        Ok(deleted == 1)
    }
}
