//! Storage of tasks. Only the backend this project was generated with is
//! here (sqlite). Every operation is scoped to an owner: a task of
//! another user is never read, changed or deleted, whatever id the caller sends.

mod sqlite;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

pub use sqlite::{DatabaseSettings, Store};

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

/// A page of tasks, oldest first; `next` is the cursor of the following
/// page.
pub struct Page {
    pub items: Vec<Task>,
    pub next: Option<i64>,
}

/// The fields to change; `None` keeps the stored value. `description: Some(None)` clears it.
#[derive(Debug, Default)]
pub struct TaskChanges {
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub completed: Option<bool>,
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
    #[error("the task conflicts with an existing one")]
    Conflict(#[source] Cause),
    /// A foreign-key, not-null or check constraint refused the write: 422.
    #[error("the task breaks a rule of the database")]
    Constraint(#[source] Cause),
    /// Anything else: 500.
    #[error("database error")]
    Other(#[source] Cause),
}
