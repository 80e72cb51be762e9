//! Notes in PostgreSQL.
//!
//! Every query names the owner in its `WHERE` clause.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, QueryBuilder};
use utoipa::ToSchema;
use uuid::Uuid;

use super::postgres::{NewRow, order_after};
use super::{Cursor, Page, SortKey, SortOrder, Store, StoreError, now, time_at};

/// The values of a note's `tag`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[sqlx(type_name = "text")]
#[serde(try_from = "String")]
pub enum NoteTag {
    #[serde(rename = "work")]
    #[sqlx(rename = "work")]
    Work,
    #[serde(rename = "home")]
    #[sqlx(rename = "home")]
    Home,
    #[serde(rename = "someday")]
    #[sqlx(rename = "someday")]
    Someday,
}

impl TryFrom<&str> for NoteTag {
    type Error = String;

    fn try_from(value: &str) -> Result<Self, Self::Error> {
        match value {
            "work" => Ok(Self::Work),
            "home" => Ok(Self::Home),
            "someday" => Ok(Self::Someday),
            _ => Err(format!(
                "unknown value `{value}`, expected one of `work`, `home`, `someday`"
            )),
        }
    }
}

/// Read from a string, so that anything else (a number, `null`) is refused as the wrong type.
impl TryFrom<String> for NoteTag {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::try_from(value.as_str())
    }
}

/// A note, as stored and as returned by the API.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Note {
    pub id: Uuid,
    /// Up to 100000 characters, no NUL.
    pub body: String,
    /// `true` or `false`. Default `false`.
    pub pinned: bool,
    /// One of `work`, `home`, `someday`. Optional: `null` when not given.
    pub tag: Option<NoteTag>,
    #[serde(serialize_with = "super::rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "super::rfc3339")]
    pub updated_at: DateTime<Utc>,
}

/// Every field of a new note, defaults applied.
#[derive(Debug)]
pub struct NoteFields {
    pub body: String,
    pub pinned: bool,
    pub tag: Option<NoteTag>,
}

/// The fields to change; `None` keeps the stored value, and `Some(None)` clears an optional
/// one.
#[derive(Debug, Default)]
pub struct NoteChanges {
    pub body: Option<String>,
    pub pinned: Option<bool>,
    pub tag: Option<Option<NoteTag>>,
}

impl From<NoteFields> for NoteChanges {
    /// A replacement: every field changes.
    fn from(fields: NoteFields) -> Self {
        Self {
            body: Some(fields.body),
            pinned: Some(fields.pinned),
            tag: Some(fields.tag),
        }
    }
}

/// The equality filters of a list; `None` does not filter.
#[derive(Debug, Default)]
pub struct NoteFilter {
    pub pinned: Option<bool>,
    pub tag: Option<NoteTag>,
}

/// What a list of notes can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteSort {
    CreatedAt,
}

impl NoteSort {
    /// The key `item` is sorted by.
    pub fn key(self, item: &Note) -> Option<SortKey> {
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
    item: Note,
}

/// The table and the columns of a `Row`, spliced into queries with `concat!` so that every
/// query but a list's stays a string literal. Every name is quoted: any resource or field name
/// is a valid identifier, even one that is an SQL keyword.
macro_rules! table {
    () => {
        r#""notes""#
    };
}

macro_rules! columns {
    () => {
        r#"seq, id, "body", "pinned", "tag", created_at, updated_at"#
    };
}

/// The column a list is sorted by.
fn column(sort: NoteSort) -> &'static str {
    match sort {
        NoteSort::CreatedAt => "created_at",
    }
}

impl Store {
    /// Up to `limit` notes of `owner` after `after`, in `order` (none: oldest first).
    pub async fn list_notes(
        &self,
        owner: &str,
        filter: &NoteFilter,
        order: Option<SortOrder<NoteSort>>,
        after: Option<&Cursor>,
        limit: u32,
    ) -> Result<Page<Note>, StoreError> {
        let mut query = QueryBuilder::new(concat!(
            "SELECT ",
            columns!(),
            " FROM ",
            table!(),
            " WHERE owner_id = "
        ));
        query.push_bind(owner);
        if let Some(value) = filter.pinned {
            query.push(r#" AND "pinned" = "#).push_bind(value);
        }
        if let Some(value) = filter.tag {
            query.push(r#" AND "tag" = "#).push_bind(value);
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

    /// Writes a new note, in one statement with the creates waiting beside it (see
    /// `Creates`).
    pub async fn create_note(&self, owner: &str, fields: NoteFields) -> Result<Note, StoreError> {
        self.notes
            .insert(NewNote {
                id: Uuid::new_v4(),
                owner: owner.to_owned(),
                fields,
                at: now(),
            })
            .await
    }

    pub async fn get_note(&self, owner: &str, id: Uuid) -> Result<Option<Note>, StoreError> {
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
    pub async fn update_note(
        &self,
        owner: &str,
        id: Uuid,
        changes: NoteChanges,
    ) -> Result<Option<Note>, StoreError> {
        let mut connection = self.writer().await?;
        let (set_tag, tag) = match changes.tag {
            Some(value) => (true, value),
            None => (false, None),
        };
        let result = sqlx::query_as(concat!(
            "UPDATE ",
            table!(),
            " SET ",
            r#""body" = COALESCE($1, "body"), "#,
            r#""pinned" = COALESCE($2, "pinned"), "#,
            r#""tag" = CASE WHEN $3 THEN $4 ELSE "tag" END, "#,
            "updated_at = $5 ",
            "WHERE id = $6 AND owner_id = $7 RETURNING ",
            columns!()
        ))
        .bind(changes.body)
        .bind(changes.pinned)
        .bind(set_tag)
        .bind(tag)
        .bind(now())
        .bind(id)
        .bind(owner)
        .fetch_optional(&mut *connection)
        .await;
        let row: Option<Row> = connection.check(result)?;
        Ok(row.map(|row| row.item))
    }

    /// True when a note of `owner` was deleted.
    pub async fn delete_note(&self, owner: &str, id: Uuid) -> Result<bool, StoreError> {
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

/// A note to insert.
pub(super) struct NewNote {
    id: Uuid,
    owner: String,
    fields: NoteFields,
    /// When it was created.
    at: DateTime<Utc>,
}

impl NewRow for NewNote {
    type Item = Note;

    fn id(&self) -> Uuid {
        self.id
    }

    fn item_id(item: &Note) -> Uuid {
        item.id
    }

    /// One statement for any number of rows: each column's values are bound as one array, and
    /// `unnest` turns the arrays back into rows.
    async fn insert(
        connection: &mut PgConnection,
        rows: &[Self],
    ) -> Result<Vec<Note>, sqlx::Error> {
        let rows: Vec<Row> = sqlx::query_as(concat!(
            "INSERT INTO ",
            table!(),
            r#" (id, owner_id, "body", "pinned", "tag", created_at, updated_at) "#,
            "SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::boolean[], $5::text[], $6::timestamptz[], $6::timestamptz[]) RETURNING ",
            columns!()
        ))
        .bind(rows.iter().map(|row| row.id).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| &row.owner).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| &row.fields.body).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| &row.fields.pinned).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.fields.tag.as_ref()).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.at).collect::<Vec<_>>())
        .fetch_all(connection)
        .await?;
        Ok(rows.into_iter().map(|row| row.item).collect())
    }
}
