//! Storage of tasks.
//!
//! Only the backend this project was generated with is here (sqlite). Every operation is
//! scoped to an owner: an item of another user is never read, changed or deleted, whatever id
//! the caller sends.

mod sqlite;
mod tasks;

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use serde::Serializer;

pub use sqlite::{DatabaseSettings, Store};
pub use tasks::*;

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

impl SortKey {
    /// The key as a number, for a cursor: microseconds or days since the epoch, or the
    /// integer itself. Each resource's `key_at` reads it back.
    pub fn as_number(self) -> i64 {
        match self {
            Self::Time(time) => time.timestamp_micros(),
        }
    }
}

/// `time` to the microsecond: what PostgreSQL keeps, and what a cursor holds. Every time is
/// stored so, on every backend.
pub fn micros(time: DateTime<Utc>) -> DateTime<Utc> {
    time.trunc_subsecs(6)
}

/// Now, to the microsecond.
pub fn now() -> DateTime<Utc> {
    micros(Utc::now())
}

/// Writes `time` as RFC 3339, its fraction only as long as needed (`2026-12-04T22:02:02.5Z`):
/// the text of chrono's own `Serialize`, made in one piece instead of a few characters at a
/// time through `fmt` and the JSON writer's escaping (8% of a list's CPU in a profile).
pub fn rfc3339<S: Serializer>(time: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&time.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

/// The first and the last microsecond of the years 1 to 9999, from the epoch.
const FIRST_MICROS: i64 = -62_135_596_800_000_000;
const LAST_MICROS: i64 = 253_402_300_799_999_999;

/// The time `micros` after the epoch, within the years 1 to 9999.
pub fn time_at(micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(micros.clamp(FIRST_MICROS, LAST_MICROS)).unwrap_or_default()
}

/// How a list is ordered: by insertion, or by a field (nulls last) and then by insertion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortOrder<S> {
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
