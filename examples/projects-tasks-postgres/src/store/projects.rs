//! Projects in PostgreSQL.
//!
//! Every query names the owner in its `WHERE` clause.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::{PgConnection, QueryBuilder};
use utoipa::ToSchema;
use uuid::Uuid;

use super::postgres::{NewRow, order_after};
use super::{Cursor, Page, SortKey, SortOrder, Store, StoreError, date_at, now, time_at};

/// A project, as stored and as returned by the API.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Project {
    pub id: Uuid,
    /// 1 to 120 characters, not all whitespace, no NUL.
    pub name: String,
    /// `true` or `false`. Default `false`.
    pub archived: bool,
    /// A number. Optional: `null` when not given.
    pub budget: Option<f64>,
    /// A date, `YYYY-MM-DD`. Optional: `null` when not given.
    pub starts_on: Option<NaiveDate>,
    #[serde(serialize_with = "super::rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "super::rfc3339")]
    pub updated_at: DateTime<Utc>,
}

/// Every field of a new project, defaults applied.
#[derive(Debug)]
pub struct ProjectFields {
    pub name: String,
    pub archived: bool,
    pub budget: Option<f64>,
    pub starts_on: Option<NaiveDate>,
}

/// The fields to change; `None` keeps the stored value, and `Some(None)` clears an optional
/// one.
#[derive(Debug, Default)]
pub struct ProjectChanges {
    pub name: Option<String>,
    pub archived: Option<bool>,
    pub budget: Option<Option<f64>>,
    pub starts_on: Option<Option<NaiveDate>>,
}

impl From<ProjectFields> for ProjectChanges {
    /// A replacement: every field changes.
    fn from(fields: ProjectFields) -> Self {
        Self {
            name: Some(fields.name),
            archived: Some(fields.archived),
            budget: Some(fields.budget),
            starts_on: Some(fields.starts_on),
        }
    }
}

/// The equality filters of a list; `None` does not filter.
#[derive(Debug, Default)]
pub struct ProjectFilter {
    pub archived: Option<bool>,
}

/// What a list of projects can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectSort {
    CreatedAt,
    StartsOn,
}

impl ProjectSort {
    /// The key `item` is sorted by.
    pub fn key(self, item: &Project) -> Option<SortKey> {
        match self {
            Self::CreatedAt => Some(SortKey::Time(item.created_at)),
            Self::StartsOn => item.starts_on.map(SortKey::Date),
        }
    }

    /// The key a cursor's number stands for (see `SortKey::as_number`); numbers beyond the
    /// years 1 to 9999 stand for their ends.
    pub fn key_at(self, n: i64) -> SortKey {
        match self {
            Self::CreatedAt => SortKey::Time(time_at(n)),
            Self::StartsOn => SortKey::Date(date_at(n)),
        }
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    seq: i64,
    #[sqlx(flatten)]
    item: Project,
}

/// The table and the columns of a `Row`, spliced into queries with `concat!` so that every
/// query but a list's stays a string literal. Every name is quoted: any resource or field name
/// is a valid identifier, even one that is an SQL keyword.
macro_rules! table {
    () => {
        r#""projects""#
    };
}

macro_rules! columns {
    () => {
        r#"seq, id, "name", "archived", "budget", "starts_on", created_at, updated_at"#
    };
}

/// The column a list is sorted by.
fn column(sort: ProjectSort) -> &'static str {
    match sort {
        ProjectSort::CreatedAt => "created_at",
        ProjectSort::StartsOn => r#""starts_on""#,
    }
}

impl Store {
    /// Whether `owner` has the project `id`.
    pub async fn has_project(&self, owner: &str, id: Uuid) -> Result<bool, StoreError> {
        let mut connection = self.connection().await?;
        let result = sqlx::query_scalar(concat!(
            "SELECT 1 FROM ",
            table!(),
            " WHERE id = $1 AND owner_id = $2"
        ))
        .bind(id)
        .bind(owner)
        .fetch_optional(&mut *connection)
        .await;
        let found: Option<i32> = connection.check(result)?;
        Ok(found.is_some())
    }

    /// Up to `limit` projects of `owner` after `after`, in `order` (none: oldest first).
    pub async fn list_projects(
        &self,
        owner: &str,
        filter: &ProjectFilter,
        order: Option<SortOrder<ProjectSort>>,
        after: Option<&Cursor>,
        limit: u32,
    ) -> Result<Page<Project>, StoreError> {
        let mut query = QueryBuilder::new(concat!(
            "SELECT ",
            columns!(),
            " FROM ",
            table!(),
            " WHERE owner_id = "
        ));
        query.push_bind(owner);
        if let Some(value) = filter.archived {
            query.push(r#" AND "archived" = "#).push_bind(value);
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

    /// Writes a new project, in one statement with the creates waiting beside it (see
    /// `Creates`).
    pub async fn create_project(
        &self,
        owner: &str,
        fields: ProjectFields,
    ) -> Result<Project, StoreError> {
        self.projects
            .insert(NewProject {
                id: Uuid::new_v4(),
                owner: owner.to_owned(),
                fields,
                at: now(),
            })
            .await
    }

    pub async fn get_project(&self, owner: &str, id: Uuid) -> Result<Option<Project>, StoreError> {
        let mut connection = self.connection().await?;
        let result = sqlx::query_as(concat!(
            "SELECT ",
            columns!(),
            " FROM ",
            table!(),
            " WHERE id = $1 AND owner_id = $2"
        ))
        .bind(id)
        .bind(owner)
        .fetch_optional(&mut *connection)
        .await;
        let row: Option<Row> = connection.check(result)?;
        Ok(row.map(|row| row.item))
    }

    /// Applies `changes` in one statement, so that concurrent changes to different fields
    /// are all kept.
    pub async fn update_project(
        &self,
        owner: &str,
        id: Uuid,
        changes: ProjectChanges,
    ) -> Result<Option<Project>, StoreError> {
        let mut connection = self.writer().await?;
        let (set_budget, budget) = match changes.budget {
            Some(value) => (true, value),
            None => (false, None),
        };
        let (set_starts_on, starts_on) = match changes.starts_on {
            Some(value) => (true, value),
            None => (false, None),
        };
        let result = sqlx::query_as(concat!(
            "UPDATE ",
            table!(),
            " SET ",
            r#""name" = COALESCE($1, "name"), "#,
            r#""archived" = COALESCE($2, "archived"), "#,
            r#""budget" = CASE WHEN $3 THEN $4 ELSE "budget" END, "#,
            r#""starts_on" = CASE WHEN $5 THEN $6 ELSE "starts_on" END, "#,
            "updated_at = $7 ",
            "WHERE id = $8 AND owner_id = $9 RETURNING ",
            columns!()
        ))
        .bind(changes.name)
        .bind(changes.archived)
        .bind(set_budget)
        .bind(budget)
        .bind(set_starts_on)
        .bind(starts_on)
        .bind(now())
        .bind(id)
        .bind(owner)
        .fetch_optional(&mut *connection)
        .await;
        let row: Option<Row> = connection.check(result)?;
        Ok(row.map(|row| row.item))
    }

    /// True when a project of `owner` was deleted, with everything nested under it (the
    /// foreign keys cascade).
    pub async fn delete_project(&self, owner: &str, id: Uuid) -> Result<bool, StoreError> {
        let mut connection = self.writer().await?;
        let result = sqlx::query(concat!(
            "DELETE FROM ",
            table!(),
            " WHERE id = $1 AND owner_id = $2"
        ))
        .bind(id)
        .bind(owner)
        .execute(&mut *connection)
        .await;
        let deleted = connection.check(result)?;
        Ok(deleted.rows_affected() == 1)
    }
}

/// A project to insert.
pub(super) struct NewProject {
    id: Uuid,
    owner: String,
    fields: ProjectFields,
    /// When it was created.
    at: DateTime<Utc>,
}

impl NewRow for NewProject {
    type Item = Project;

    fn id(&self) -> Uuid {
        self.id
    }

    fn item_id(item: &Project) -> Uuid {
        item.id
    }

    /// One statement for any number of rows: each column's values are bound as one array, and
    /// `unnest` turns the arrays back into rows.
    async fn insert(
        connection: &mut PgConnection,
        rows: &[Self],
    ) -> Result<Vec<Project>, sqlx::Error> {
        let rows: Vec<Row> = sqlx::query_as(concat!(
            "INSERT INTO ",
            table!(),
            r#" (id, owner_id, "name", "archived", "budget", "starts_on", created_at, updated_at) "#,
            "SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::boolean[], $5::double precision[], $6::date[], $7::timestamptz[], $7::timestamptz[]) RETURNING ",
            columns!()
        ))
        .bind(rows.iter().map(|row| row.id).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| &row.owner).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| &row.fields.name).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| &row.fields.archived).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.fields.budget.as_ref()).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.fields.starts_on.as_ref()).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.at).collect::<Vec<_>>())
        .fetch_all(connection)
        .await?;
        Ok(rows.into_iter().map(|row| row.item).collect())
    }
}
