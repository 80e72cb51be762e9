//! Bookmarks in memory.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Cursor, Page, SortKey, SortOrder, Store, StoreError, now, time_at};

/// A bookmark, as stored and as returned by the API.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Bookmark {
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

/// Every field of a new bookmark, defaults applied.
#[derive(Debug)]
pub struct BookmarkFields {
    pub title: String,
    pub description: Option<String>,
    pub completed: bool,
}

/// The fields to change; `None` keeps the stored value, and `Some(None)` clears an optional
/// one.
#[derive(Debug, Default)]
pub struct BookmarkChanges {
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub completed: Option<bool>,
}

impl From<BookmarkFields> for BookmarkChanges {
    /// A replacement: every field changes.
    fn from(fields: BookmarkFields) -> Self {
        Self {
            title: Some(fields.title),
            description: Some(fields.description),
            completed: Some(fields.completed),
        }
    }
}

/// The equality filters of a list; `None` does not filter.
#[derive(Debug, Default)]
pub struct BookmarkFilter {
    pub completed: Option<bool>,
}

/// What a list of bookmarks can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookmarkSort {
    CreatedAt,
}

impl BookmarkSort {
    /// The key `item` is sorted by.
    pub fn key(self, item: &Bookmark) -> Option<SortKey> {
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

impl Store {
    /// Up to `limit` bookmarks of `owner` after `after`, in `order` (none: oldest first).
    pub async fn list_bookmarks(
        &self,
        owner: &str,
        filter: &BookmarkFilter,
        order: Option<SortOrder<BookmarkSort>>,
        after: Option<&Cursor>,
        limit: u32,
    ) -> Result<Page<Bookmark>, StoreError> {
        let tables = self.read().await;
        let key = order.map(|order| (move |item: &Bookmark| order.by.key(item), order.descending));
        Ok(tables.bookmarks.page(
            owner,
            |item| filter.completed.is_none_or(|value| item.completed == value),
            key,
            after,
            limit,
        ))
    }

    pub async fn create_bookmark(
        &self,
        owner: &str,
        fields: BookmarkFields,
    ) -> Result<Bookmark, StoreError> {
        let now = now();
        let item = Bookmark {
            id: Uuid::new_v4(),
            title: fields.title,
            description: fields.description,
            completed: fields.completed,
            created_at: now,
            updated_at: now,
        };
        let mut tables = self.write().await;
        let seq = tables.next_seq();
        tables.bookmarks.insert(owner, item.id, seq, item.clone());
        Ok(item)
    }

    pub async fn get_bookmark(
        &self,
        owner: &str,
        id: Uuid,
    ) -> Result<Option<Bookmark>, StoreError> {
        let tables = self.read().await;
        Ok(tables.bookmarks.get(owner, id).cloned())
    }

    /// Applies `changes` under one write lock, so that concurrent changes to different fields
    /// are all kept.
    pub async fn update_bookmark(
        &self,
        owner: &str,
        id: Uuid,
        changes: BookmarkChanges,
    ) -> Result<Option<Bookmark>, StoreError> {
        let mut tables = self.write().await;
        let Some(item) = tables.bookmarks.get_mut(owner, id) else {
            return Ok(None);
        };
        if let Some(value) = changes.title {
            item.title = value;
        }
        if let Some(value) = changes.description {
            item.description = value;
        }
        if let Some(value) = changes.completed {
            item.completed = value;
        }
        item.updated_at = now();
        Ok(Some(item.clone()))
    }

    /// True when a bookmark of `owner` was deleted.
    pub async fn delete_bookmark(&self, owner: &str, id: Uuid) -> Result<bool, StoreError> {
        let mut tables = self.write().await;
        if tables.bookmarks.remove(owner, id).is_none() {
            return Ok(false);
        }
        Ok(true)
    }
}
