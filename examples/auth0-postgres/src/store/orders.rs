//! Orders in PostgreSQL.
//!
//! Every query names the owner in its `WHERE` clause.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgConnection, QueryBuilder};
use utoipa::ToSchema;
use uuid::Uuid;

use super::postgres::{NewRow, order_after};
use super::{Cursor, Page, SortKey, SortOrder, Store, StoreError, now, time_at};

/// A order, as stored and as returned by the API.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Order {
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

/// Every field of a new order, defaults applied.
#[derive(Debug)]
pub struct OrderFields {
    pub title: String,
    pub description: Option<String>,
    pub completed: bool,
}

/// The fields to change; `None` keeps the stored value, and `Some(None)` clears an optional
/// one.
#[derive(Debug, Default)]
pub struct OrderChanges {
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub completed: Option<bool>,
}

impl From<OrderFields> for OrderChanges {
    /// A replacement: every field changes.
    fn from(fields: OrderFields) -> Self {
        Self {
            title: Some(fields.title),
            description: Some(fields.description),
            completed: Some(fields.completed),
        }
    }
}

/// The equality filters of a list; `None` does not filter.
#[derive(Debug, Default)]
pub struct OrderFilter {
    pub completed: Option<bool>,
}

/// What a list of orders can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderSort {
    CreatedAt,
}

impl OrderSort {
    /// The key `item` is sorted by.
    pub fn key(self, item: &Order) -> Option<SortKey> {
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
    item: Order,
}

/// The table and the columns of a `Row`, spliced into queries with `concat!` so that every
/// query but a list's stays a string literal. Every name is quoted: any resource or field name
/// is a valid identifier, even one that is an SQL keyword.
macro_rules! table {
    () => {
        r#""orders""#
    };
}

macro_rules! columns {
    () => {
        r#"seq, id, "title", "description", "completed", created_at, updated_at"#
    };
}

/// The column a list is sorted by.
fn column(sort: OrderSort) -> &'static str {
    match sort {
        OrderSort::CreatedAt => "created_at",
    }
}

impl Store {
    /// Up to `limit` orders of `owner` after `after`, in `order` (none: oldest first).
    pub async fn list_orders(
        &self,
        owner: &str,
        filter: &OrderFilter,
        order: Option<SortOrder<OrderSort>>,
        after: Option<&Cursor>,
        limit: u32,
    ) -> Result<Page<Order>, StoreError> {
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

    /// Writes a new order, in one statement with the creates waiting beside it (see
    /// `Creates`).
    pub async fn create_order(
        &self,
        owner: &str,
        fields: OrderFields,
    ) -> Result<Order, StoreError> {
        self.orders
            .insert(NewOrder {
                id: Uuid::new_v4(),
                owner: owner.to_owned(),
                fields,
                at: now(),
            })
            .await
    }

    pub async fn get_order(&self, owner: &str, id: Uuid) -> Result<Option<Order>, StoreError> {
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
    pub async fn update_order(
        &self,
        owner: &str,
        id: Uuid,
        changes: OrderChanges,
    ) -> Result<Option<Order>, StoreError> {
        let mut connection = self.writer().await?;
        let (set_description, description) = match changes.description {
            Some(value) => (true, value),
            None => (false, None),
        };
        let result = sqlx::query_as(concat!(
            "UPDATE ",
            table!(),
            " SET ",
            r#""title" = COALESCE($1, "title"), "#,
            r#""description" = CASE WHEN $2 THEN $3 ELSE "description" END, "#,
            r#""completed" = COALESCE($4, "completed"), "#,
            "updated_at = $5 ",
            "WHERE id = $6 AND owner_id = $7 RETURNING ",
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
        .await;
        let row: Option<Row> = connection.check(result)?;
        Ok(row.map(|row| row.item))
    }

    /// True when a order of `owner` was deleted.
    pub async fn delete_order(&self, owner: &str, id: Uuid) -> Result<bool, StoreError> {
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

/// A order to insert.
pub(super) struct NewOrder {
    id: Uuid,
    owner: String,
    fields: OrderFields,
    /// When it was created.
    at: DateTime<Utc>,
}

impl NewRow for NewOrder {
    type Item = Order;

    fn id(&self) -> Uuid {
        self.id
    }

    fn item_id(item: &Order) -> Uuid {
        item.id
    }

    /// One statement for any number of rows: each column's values are bound as one array, and
    /// `unnest` turns the arrays back into rows.
    async fn insert(
        connection: &mut PgConnection,
        rows: &[Self],
    ) -> Result<Vec<Order>, sqlx::Error> {
        let rows: Vec<Row> = sqlx::query_as(concat!(
            "INSERT INTO ",
            table!(),
            r#" (id, owner_id, "title", "description", "completed", created_at, updated_at) "#,
            "SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::timestamptz[], $6::timestamptz[]) RETURNING ",
            columns!()
        ))
        .bind(rows.iter().map(|row| row.id).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| &row.owner).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| &row.fields.title).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.fields.description.as_ref()).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| &row.fields.completed).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.at).collect::<Vec<_>>())
        .fetch_all(connection)
        .await?;
        Ok(rows.into_iter().map(|row| row.item).collect())
    }
}
