//! Storage of bookmarks. Only the backend this project was generated
//! with is here (memory). Every operation is scoped to an owner: an item of another user
//! is never read, changed or deleted, whatever id the caller sends.

mod bookmarks;
mod memory;

use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};

pub use bookmarks::*;
pub use memory::Store;

/// A page of items in the order asked for; `next` is where the following page starts.
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<Cursor>,
}

/// Where a page starts: after the item `seq` (the insertion order), and in a sorted list after
/// its sort key too (`Some(None)`: the key was `null`; nulls come last).
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    pub seq: i64,
    pub key: Option<Option<SortKey>>,
}

/// The value an item is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SortKey {
    Time(DateTime<Utc>),
}

/// The text of a key in a cursor: read back by each resource's `parse_key`.
impl fmt::Display for SortKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Time(time) => f.write_str(&time.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
        }
    }
}

/// How a list is ordered: by insertion, or by a field (nulls last) and then by insertion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Order<S> {
    pub by: S,
    pub descending: bool,
}

/// The cause of a storage failure, kept for the logs; never shown to clients.
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

/// Why a storage operation failed, in the terms the API answers with (see `crate::error`).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached, is overloaded, or gave up on the query: 503, worth a
    /// retry.
    #[error("the database is unavailable")]
    Unavailable(#[source] Cause),
    /// A uniqueness constraint refused the write: 409.
    #[error("the item conflicts with an existing one")]
    Conflict(#[source] Cause),
    /// A foreign-key, not-null or check constraint refused the write: 422.
    #[error("the item breaks a rule of the database")]
    Constraint(#[source] Cause),
    /// Anything else: 500.
    #[error("database error")]
    Other(#[source] Cause),
}
