//! Tasks in PostgreSQL, each in one of its owner's projects.
//!
//! Every query names the owner in its `WHERE` clause.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, QueryBuilder};
use utoipa::ToSchema;
use uuid::Uuid;

use super::postgres::{NewRow, order_after};
use super::{Cursor, Page, SortKey, SortOrder, Store, StoreError, date_at, now, time_at};

/// The values of a task's `priority`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[sqlx(type_name = "text")]
#[serde(try_from = "String")]
pub enum TaskPriority {
    #[serde(rename = "low")]
    #[sqlx(rename = "low")]
    Low,
    #[serde(rename = "normal")]
    #[sqlx(rename = "normal")]
    Normal,
    #[serde(rename = "high")]
    #[sqlx(rename = "high")]
    High,
}

impl TryFrom<&str> for TaskPriority {
    type Error = String;

    fn try_from(value: &str) -> Result<Self, Self::Error> {
        match value {
            "low" => Ok(Self::Low),
            "normal" => Ok(Self::Normal),
            "high" => Ok(Self::High),
            _ => Err(format!(
                "unknown value `{value}`, expected one of `low`, `normal`, `high`"
            )),
        }
    }
}

/// Read from a string, so that anything else (a number, `null`) is refused as the wrong type.
impl TryFrom<String> for TaskPriority {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::try_from(value.as_str())
    }
}

/// A task, as stored and as returned by the API.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Task {
    pub id: Uuid,
    /// The project it belongs to.
    pub project_id: Uuid,
    /// 1 to 200 characters, not all whitespace, no NUL.
    pub title: String,
    /// `true` or `false`. Default `false`.
    pub done: bool,
    /// A date, `YYYY-MM-DD`. Optional: `null` when not given.
    pub due: Option<NaiveDate>,
    /// One of `low`, `normal`, `high`. Default `normal`.
    pub priority: TaskPriority,
    /// A whole number (64-bit). Optional: `null` when not given.
    pub estimate_minutes: Option<i64>,
    /// Up to 100000 characters, no NUL. Optional: `null` when not given.
    pub notes: Option<String>,
    /// An RFC 3339 date and time; stored in UTC, to the microsecond. Optional: `null` when not given.
    #[serde(serialize_with = "super::rfc3339_or_null")]
    pub remind_at: Option<DateTime<Utc>>,
    /// A UUID. Optional: `null` when not given.
    pub assignee: Option<Uuid>,
    #[serde(serialize_with = "super::rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "super::rfc3339")]
    pub updated_at: DateTime<Utc>,
}

/// Every field of a new task, defaults applied.
#[derive(Debug)]
pub struct TaskFields {
    pub title: String,
    pub done: bool,
    pub due: Option<NaiveDate>,
    pub priority: TaskPriority,
    pub estimate_minutes: Option<i64>,
    pub notes: Option<String>,
    pub remind_at: Option<DateTime<Utc>>,
    pub assignee: Option<Uuid>,
}

/// The fields to change; `None` keeps the stored value, and `Some(None)` clears an optional
/// one.
#[derive(Debug, Default)]
pub struct TaskChanges {
    pub title: Option<String>,
    pub done: Option<bool>,
    pub due: Option<Option<NaiveDate>>,
    pub priority: Option<TaskPriority>,
    pub estimate_minutes: Option<Option<i64>>,
    pub notes: Option<Option<String>>,
    pub remind_at: Option<Option<DateTime<Utc>>>,
    pub assignee: Option<Option<Uuid>>,
}

impl From<TaskFields> for TaskChanges {
    /// A replacement: every field changes.
    fn from(fields: TaskFields) -> Self {
        Self {
            title: Some(fields.title),
            done: Some(fields.done),
            due: Some(fields.due),
            priority: Some(fields.priority),
            estimate_minutes: Some(fields.estimate_minutes),
            notes: Some(fields.notes),
            remind_at: Some(fields.remind_at),
            assignee: Some(fields.assignee),
        }
    }
}

/// The equality filters of a list; `None` does not filter.
#[derive(Debug, Default)]
pub struct TaskFilter {
    pub done: Option<bool>,
    pub priority: Option<TaskPriority>,
    pub assignee: Option<Uuid>,
}

/// What a list of tasks can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskSort {
    CreatedAt,
    Due,
    EstimateMinutes,
    RemindAt,
}

impl TaskSort {
    /// The key `item` is sorted by.
    pub fn key(self, item: &Task) -> Option<SortKey> {
        match self {
            Self::CreatedAt => Some(SortKey::Time(item.created_at)),
            Self::Due => item.due.map(SortKey::Date),
            Self::EstimateMinutes => item.estimate_minutes.map(SortKey::Int),
            Self::RemindAt => item.remind_at.map(SortKey::Time),
        }
    }

    /// The key a cursor's number stands for (see `SortKey::as_number`); numbers beyond the
    /// years 1 to 9999 stand for their ends.
    pub fn key_at(self, n: i64) -> SortKey {
        match self {
            Self::CreatedAt => SortKey::Time(time_at(n)),
            Self::Due => SortKey::Date(date_at(n)),
            Self::EstimateMinutes => SortKey::Int(n),
            Self::RemindAt => SortKey::Time(time_at(n)),
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
        r#"seq, id, project_id, "title", "done", "due", "priority", "estimate_minutes", "notes", "remind_at", "assignee", created_at, updated_at"#
    };
}

/// The column a list is sorted by.
fn column(sort: TaskSort) -> &'static str {
    match sort {
        TaskSort::CreatedAt => "created_at",
        TaskSort::Due => r#""due""#,
        TaskSort::EstimateMinutes => r#""estimate_minutes""#,
        TaskSort::RemindAt => r#""remind_at""#,
    }
}

impl Store {
    /// Up to `limit` tasks of `owner` in the project `project_id` after `after`, in `order` (none: oldest first).
    pub async fn list_tasks(
        &self,
        owner: &str,
        project_id: Uuid,
        filter: &TaskFilter,
        order: Option<SortOrder<TaskSort>>,
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
        query.push(" AND project_id = ").push_bind(project_id);
        if let Some(value) = filter.done {
            query.push(r#" AND "done" = "#).push_bind(value);
        }
        if let Some(value) = filter.priority {
            query.push(r#" AND "priority" = "#).push_bind(value);
        }
        if let Some(value) = filter.assignee {
            query.push(r#" AND "assignee" = "#).push_bind(value);
        }
        order_after(
            &mut query,
            order.map(|order| (column(order.by), order.descending)),
            after,
        );
        query.push(" LIMIT ").push_bind(i64::from(limit) + 1);
        let mut connection = self.connection().await?;
        let result = query.build_query_as().fetch_all(&mut *connection).await;
        let mut rows: Vec<Row> = connection.check(result)?;
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

    /// Writes a new task, in one statement with the creates waiting beside it (see
    /// `Creates`).
    pub async fn create_task(
        &self,
        owner: &str,
        project_id: Uuid,
        fields: TaskFields,
    ) -> Result<Task, StoreError> {
        self.tasks
            .insert(NewTask {
                id: Uuid::new_v4(),
                owner: owner.to_owned(),
                project_id,
                fields,
                at: now(),
            })
            .await
    }

    pub async fn get_task(
        &self,
        owner: &str,
        project_id: Uuid,
        id: Uuid,
    ) -> Result<Option<Task>, StoreError> {
        let mut connection = self.connection().await?;
        let result = sqlx::query_as(concat!(
            "SELECT ",
            columns!(),
            " FROM ",
            table!(),
            " WHERE id = $1 AND owner_id = $2 AND project_id = $3"
        ))
        .bind(id)
        .bind(owner)
        .bind(project_id)
        .fetch_optional(&mut *connection)
        .await;
        let row: Option<Row> = connection.check(result)?;
        Ok(row.map(|row| row.item))
    }

    /// Applies `changes` in one statement, so that concurrent changes to different fields
    /// are all kept.
    pub async fn update_task(
        &self,
        owner: &str,
        project_id: Uuid,
        id: Uuid,
        changes: TaskChanges,
    ) -> Result<Option<Task>, StoreError> {
        let mut connection = self.writer().await?;
        let (set_due, due) = match changes.due {
            Some(value) => (true, value),
            None => (false, None),
        };
        let (set_estimate_minutes, estimate_minutes) = match changes.estimate_minutes {
            Some(value) => (true, value),
            None => (false, None),
        };
        let (set_notes, notes) = match changes.notes {
            Some(value) => (true, value),
            None => (false, None),
        };
        let (set_remind_at, remind_at) = match changes.remind_at {
            Some(value) => (true, value),
            None => (false, None),
        };
        let (set_assignee, assignee) = match changes.assignee {
            Some(value) => (true, value),
            None => (false, None),
        };
        let result = sqlx::query_as(concat!(
            "UPDATE ",
            table!(),
            " SET ",
            r#""title" = COALESCE($1, "title"), "#,
            r#""done" = COALESCE($2, "done"), "#,
            r#""due" = CASE WHEN $3 THEN $4 ELSE "due" END, "#,
            r#""priority" = COALESCE($5, "priority"), "#,
            r#""estimate_minutes" = CASE WHEN $6 THEN $7 ELSE "estimate_minutes" END, "#,
            r#""notes" = CASE WHEN $8 THEN $9 ELSE "notes" END, "#,
            r#""remind_at" = CASE WHEN $10 THEN $11 ELSE "remind_at" END, "#,
            r#""assignee" = CASE WHEN $12 THEN $13 ELSE "assignee" END, "#,
            "updated_at = $14 ",
            "WHERE id = $15 AND owner_id = $16 AND project_id = $17 RETURNING ",
            columns!()
        ))
        .bind(changes.title)
        .bind(changes.done)
        .bind(set_due)
        .bind(due)
        .bind(changes.priority)
        .bind(set_estimate_minutes)
        .bind(estimate_minutes)
        .bind(set_notes)
        .bind(notes)
        .bind(set_remind_at)
        .bind(remind_at)
        .bind(set_assignee)
        .bind(assignee)
        .bind(now())
        .bind(id)
        .bind(owner)
        .bind(project_id)
        .fetch_optional(&mut *connection)
        .await;
        let row: Option<Row> = connection.check(result)?;
        Ok(row.map(|row| row.item))
    }

    /// True when a task of `owner` was deleted.
    pub async fn delete_task(
        &self,
        owner: &str,
        project_id: Uuid,
        id: Uuid,
    ) -> Result<bool, StoreError> {
        let mut connection = self.writer().await?;
        let result = sqlx::query(concat!(
            "DELETE FROM ",
            table!(),
            " WHERE id = $1 AND owner_id = $2 AND project_id = $3"
        ))
        .bind(id)
        .bind(owner)
        .bind(project_id)
        .execute(&mut *connection)
        .await;
        let deleted = connection.check(result)?;
        Ok(deleted.rows_affected() == 1)
    }
}

/// A task to insert.
pub(super) struct NewTask {
    id: Uuid,
    owner: String,
    project_id: Uuid,
    fields: TaskFields,
    /// When it was created.
    at: DateTime<Utc>,
}

impl NewRow for NewTask {
    type Item = Task;

    fn id(&self) -> Uuid {
        self.id
    }

    fn item_id(item: &Task) -> Uuid {
        item.id
    }

    /// One statement for any number of rows: each column's values are bound as one array, and
    /// `unnest` turns the arrays back into rows.
    async fn insert(
        connection: &mut PgConnection,
        rows: &[Self],
    ) -> Result<Vec<Task>, sqlx::Error> {
        let rows: Vec<Row> = sqlx::query_as(concat!(
            "INSERT INTO ",
            table!(),
            r#" (id, owner_id, project_id, "title", "done", "due", "priority", "estimate_minutes", "notes", "remind_at", "assignee", created_at, updated_at) "#,
            "SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::boolean[], $6::date[], $7::text[], $8::bigint[], $9::text[], $10::timestamptz[], $11::uuid[], $12::timestamptz[], $12::timestamptz[]) RETURNING ",
            columns!()
        ))
        .bind(rows.iter().map(|row| row.id).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| &row.owner).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.project_id).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| &row.fields.title).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| &row.fields.done).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.fields.due.as_ref()).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| &row.fields.priority).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.fields.estimate_minutes.as_ref()).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.fields.notes.as_ref()).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.fields.remind_at.as_ref()).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.fields.assignee.as_ref()).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.at).collect::<Vec<_>>())
        .fetch_all(connection)
        .await?;
        Ok(rows.into_iter().map(|row| row.item).collect())
    }
}
