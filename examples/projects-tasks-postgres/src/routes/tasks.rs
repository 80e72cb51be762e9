//! `/api/{user_id}/projects/{project_id}/tasks`: CRUD on the caller's own tasks, each in one of their projects.

use axum::Router;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use chrono::{DateTime, NaiveDate, Utc};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::extract::{ItemPath, Json, Owner, Query};
use super::fields;
use super::page;
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::store::{
    SortOrder, Task, TaskChanges, TaskFields, TaskFilter, TaskPriority, TaskSort, micros,
};

const TITLE_MAX_CHARS: usize = 200;
const NOTES_MAX_CHARS: usize = 100_000;

/// Where the caller's tasks are listed and created.
const COLLECTION: &str = "/api/{user_id}/projects/{project_id}/tasks";
/// Where one of them is read, replaced, changed and deleted.
const ITEM: &str = "/api/{user_id}/projects/{project_id}/tasks/{id}";
/// What a user id is escaped from in a path segment: all but RFC 3986's unreserved characters,
/// since a user id may be anything (a `|`, an e-mail address, non-ASCII, a `/`).
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

pub fn router() -> Router<AppState> {
    Router::new()
        .route(COLLECTION, get(list).post(create))
        .route(ITEM, get(read).put(replace).patch(update).delete(delete))
}

#[derive(Deserialize)]
pub struct ItemId {
    id: Uuid,
}

#[derive(Deserialize)]
struct ParentId {
    project_id: Uuid,
}

/// The caller, and their project that the path names: a project of another user (or none) is
/// 404 before the body is even read.
pub struct InProject {
    owner: String,
    project_id: Uuid,
}

impl FromRequestParts<AppState> for InProject {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Owner(owner) = Owner::from_request_parts(parts, state).await?;
        let ItemPath(ParentId { project_id }) =
            ItemPath::<ParentId>::from_request_parts(parts, state).await?;
        if !state.store.has_project(&owner, project_id).await? {
            return Err(ApiError::NotFound);
        }
        Ok(Self { owner, project_id })
    }
}

/// A new task.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTask {
    /// 1 to 200 characters, not all whitespace, no NUL.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000]*[^\u0000\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    title: String,
    /// `true` or `false`. Default `false`.
    #[serde(default = "default_done")]
    #[schema(default = default_done)]
    done: bool,
    /// A date, `YYYY-MM-DD`. Optional: `null` when not given.
    #[serde(default)]
    due: Option<NaiveDate>,
    /// One of `low`, `normal`, `high`. Default `normal`.
    #[serde(default = "default_priority")]
    #[schema(default = default_priority)]
    priority: TaskPriority,
    /// A whole number (64-bit). Optional: `null` when not given.
    #[schema(value_type = Option<i64>)]
    #[serde(default)]
    estimate_minutes: Option<fields::Int>,
    /// Up to 100000 characters, no NUL. Optional: `null` when not given.
    #[schema(max_length = 100000, pattern = r"^[^\u0000]*$")]
    #[serde(default)]
    notes: Option<String>,
    /// An RFC 3339 date and time; stored in UTC, to the microsecond. Optional: `null` when not given.
    #[serde(default)]
    remind_at: Option<DateTime<Utc>>,
    /// A UUID. Optional: `null` when not given.
    #[serde(default)]
    assignee: Option<Uuid>,
}

fn default_done() -> bool {
    false
}

fn default_priority() -> TaskPriority {
    TaskPriority::Normal
}

/// A whole task, replacing the stored one: an optional field not sent is cleared.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplaceTask {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000]*[^\u0000\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    title: String,
    done: bool,
    #[serde(default)]
    due: Option<NaiveDate>,
    priority: TaskPriority,
    #[schema(value_type = Option<i64>)]
    #[serde(default)]
    estimate_minutes: Option<fields::Int>,
    #[schema(max_length = 100000, pattern = r"^[^\u0000]*$")]
    #[serde(default)]
    notes: Option<String>,
    #[serde(default)]
    remind_at: Option<DateTime<Utc>>,
    #[serde(default)]
    assignee: Option<Uuid>,
}

/// Some fields of a task; `null` clears an optional one.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchTask {
    /// Not `null`: it cannot be cleared.
    #[serde(default, deserialize_with = "fields::required")]
    #[schema(value_type = String, min_length = 1, max_length = 200, pattern = r"^[^\u0000]*[^\u0000\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$")]
    title: Option<String>,
    /// Not `null`: it cannot be cleared.
    #[serde(default, deserialize_with = "fields::required")]
    #[schema(value_type = bool)]
    done: Option<bool>,
    #[serde(default, deserialize_with = "fields::present")]
    #[schema(value_type = Option<NaiveDate>)]
    due: Option<Option<NaiveDate>>,
    /// Not `null`: it cannot be cleared.
    #[serde(default, deserialize_with = "fields::required")]
    #[schema(value_type = TaskPriority)]
    priority: Option<TaskPriority>,
    #[serde(default, deserialize_with = "fields::present")]
    #[schema(value_type = Option<i64>)]
    estimate_minutes: Option<Option<fields::Int>>,
    #[serde(default, deserialize_with = "fields::present")]
    #[schema(value_type = Option<String>, max_length = 100000, pattern = r"^[^\u0000]*$")]
    notes: Option<Option<String>>,
    #[serde(default, deserialize_with = "fields::present")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    remind_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "fields::present")]
    #[schema(value_type = Option<Uuid>)]
    assignee: Option<Option<Uuid>>,
}

impl NewTask {
    fn check(&self) -> Result<(), ApiError> {
        fields::string("title", &self.title, TITLE_MAX_CHARS)?;
        if let Some(value) = &self.notes {
            fields::text("notes", value, NOTES_MAX_CHARS)?;
        }
        Ok(())
    }
}

impl ReplaceTask {
    fn check(&self) -> Result<(), ApiError> {
        fields::string("title", &self.title, TITLE_MAX_CHARS)?;
        if let Some(value) = &self.notes {
            fields::text("notes", value, NOTES_MAX_CHARS)?;
        }
        Ok(())
    }
}

impl PatchTask {
    fn check(&self) -> Result<(), ApiError> {
        if let Some(value) = &self.title {
            fields::string("title", value, TITLE_MAX_CHARS)?;
        }
        if let Some(Some(value)) = &self.notes {
            fields::text("notes", value, NOTES_MAX_CHARS)?;
        }
        Ok(())
    }
}

/// The orders of a list: a field, ascending, or with `-` descending; nulls last, ties oldest
/// first.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
pub enum TaskOrder {
    #[serde(rename = "created_at")]
    CreatedAt,
    #[serde(rename = "-created_at")]
    CreatedAtDescending,
    #[serde(rename = "due")]
    Due,
    #[serde(rename = "-due")]
    DueDescending,
    #[serde(rename = "estimate_minutes")]
    EstimateMinutes,
    #[serde(rename = "-estimate_minutes")]
    EstimateMinutesDescending,
    #[serde(rename = "remind_at")]
    RemindAt,
    #[serde(rename = "-remind_at")]
    RemindAtDescending,
}

impl From<TaskOrder> for SortOrder<TaskSort> {
    fn from(order: TaskOrder) -> Self {
        let (by, descending) = match order {
            TaskOrder::CreatedAt => (TaskSort::CreatedAt, false),
            TaskOrder::CreatedAtDescending => (TaskSort::CreatedAt, true),
            TaskOrder::Due => (TaskSort::Due, false),
            TaskOrder::DueDescending => (TaskSort::Due, true),
            TaskOrder::EstimateMinutes => (TaskSort::EstimateMinutes, false),
            TaskOrder::EstimateMinutesDescending => (TaskSort::EstimateMinutes, true),
            TaskOrder::RemindAt => (TaskSort::RemindAt, false),
            TaskOrder::RemindAtDescending => (TaskSort::RemindAt, true),
        };
        SortOrder { by, descending }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct TaskParams {
    /// Page size, 1 to 100: 0 is taken as 1, larger values as 100.
    #[param(value_type = Option<i64>, minimum = 0, maximum = 4_294_967_295.0)]
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(pattern = r"^([0-9]{1,18}(\.(-?[0-9]{1,18})?)?)?$")]
    cursor: Option<String>,
    /// The order: oldest first unless given.
    #[param(inline)]
    sort: Option<TaskOrder>,
    /// Only the tasks whose `done` is this.
    done: Option<bool>,
    /// Only the tasks whose `priority` is this.
    #[param(inline)]
    priority: Option<TaskPriority>,
    /// Only the tasks whose `assignee` is this.
    assignee: Option<Uuid>,
}

/// One page of tasks.
#[derive(Serialize, ToSchema)]
pub struct TaskPage {
    items: Vec<Task>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    next_cursor: Option<String>,
}

/// List the caller's tasks in one of their projects, oldest first unless `sort` says otherwise.
#[utoipa::path(get, path = "/api/{user_id}/projects/{project_id}/tasks", operation_id = "list_tasks", tag = "tasks", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "Must be the token's user"), ("project_id" = Uuid, Path, description = "One of the caller's projects"), TaskParams),
    responses(
        (status = 200, body = TaskPage),
        (status = 400, body = ErrorBody, description = "Malformed Authorization header, or a malformed cursor"),
        (status = 401, body = ErrorBody, description = "Missing or invalid token", headers(("www-authenticate" = String, description = "The RFC 6750 challenge"))),
        (status = 403, body = ErrorBody, description = "The path names another user"),
        (status = 404, body = ErrorBody, description = "No such project of the caller"),
        (status = 408, body = ErrorBody, description = "The request took longer than `REQUEST_TIMEOUT`"),
        (status = 422, body = ErrorBody, description = "A query parameter of the wrong type, or a `sort` or filter value outside its list"),
        (status = 429, body = ErrorBody, description = "Rate limit exceeded", headers(("retry-after" = u64, description = "Seconds to wait"))),
        (status = 500, body = ErrorBody, description = "Unexpected error; its cause is logged, never sent"),
        (status = 503, body = ErrorBody, description = "The database is unavailable; retry later", headers(("retry-after" = u64, description = "Seconds to wait"))),
    ))]
pub async fn list(
    State(state): State<AppState>,
    InProject { owner, project_id }: InProject,
    Query(params): Query<TaskParams>,
) -> Result<axum::Json<TaskPage>, ApiError> {
    let order = params.sort.map(SortOrder::from);
    let after = page::cursor(
        params.cursor.as_deref(),
        order.map(|order| move |n| order.by.key_at(n)),
    )?;
    let filter = TaskFilter {
        done: params.done,
        priority: params.priority,
        assignee: params.assignee,
    };
    let page = state
        .store
        .list_tasks(
            &owner,
            project_id,
            &filter,
            order,
            after.as_ref(),
            page::size(params.limit),
        )
        .await?;
    Ok(axum::Json(TaskPage {
        items: page.items,
        next_cursor: page.next.as_ref().map(page::cursor_text),
    }))
}

/// Create a task owned by the caller in one of their projects.
#[utoipa::path(post, path = "/api/{user_id}/projects/{project_id}/tasks", operation_id = "create_task", tag = "tasks", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "Must be the token's user"), ("project_id" = Uuid, Path, description = "One of the caller's projects")),
    request_body = NewTask,
    responses(
        (status = 201, body = Task, headers(("location" = String, description = "URL of the new task"))),
        (status = 400, body = ErrorBody, description = "Malformed Authorization header, or malformed JSON"),
        (status = 401, body = ErrorBody, description = "Missing or invalid token", headers(("www-authenticate" = String, description = "The RFC 6750 challenge"))),
        (status = 403, body = ErrorBody, description = "The path names another user, or the token lacks a scope that writes need"),
        (status = 404, body = ErrorBody, description = "No such project of the caller"),
        (status = 408, body = ErrorBody, description = "The request took longer than `REQUEST_TIMEOUT`"),
        (status = 409, body = ErrorBody, description = "Conflicts with an existing task"),
        (status = 413, body = ErrorBody, description = "Body larger than `BODY_LIMIT_BYTES`"),
        (status = 415, body = ErrorBody, description = "The body is not sent as `Content-Type: application/json`"),
        (status = 422, body = ErrorBody, description = "Invalid or unknown field"),
        (status = 429, body = ErrorBody, description = "Rate limit exceeded", headers(("retry-after" = u64, description = "Seconds to wait"))),
        (status = 500, body = ErrorBody, description = "Unexpected error; its cause is logged, never sent"),
        (status = 503, body = ErrorBody, description = "The database is unavailable; retry later", headers(("retry-after" = u64, description = "Seconds to wait"))),
    ))]
pub async fn create(
    State(state): State<AppState>,
    InProject { owner, project_id }: InProject,
    Json(new): Json<NewTask>,
) -> Result<impl IntoResponse, ApiError> {
    new.check()?;
    let fields = TaskFields {
        title: new.title,
        done: new.done,
        due: new.due,
        priority: new.priority,
        estimate_minutes: new.estimate_minutes.map(i64::from),
        notes: new.notes,
        remind_at: new.remind_at.map(micros),
        assignee: new.assignee,
    };
    let item = state.store.create_task(&owner, project_id, fields).await?;
    let location = format!(
        "/api/{}/projects/{}/tasks/{}",
        utf8_percent_encode(&owner, PATH_SEGMENT),
        project_id,
        item.id
    );
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        axum::Json(item),
    ))
}

/// One of the caller's tasks.
#[utoipa::path(get, path = "/api/{user_id}/projects/{project_id}/tasks/{id}", operation_id = "get_task", tag = "tasks", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "Must be the token's user"), ("project_id" = Uuid, Path, description = "One of the caller's projects"), ("id" = Uuid, Path)),
    responses(
        (status = 200, body = Task),
        (status = 400, body = ErrorBody, description = "Malformed Authorization header"),
        (status = 401, body = ErrorBody, description = "Missing or invalid token", headers(("www-authenticate" = String, description = "The RFC 6750 challenge"))),
        (status = 403, body = ErrorBody, description = "The path names another user"),
        (status = 404, body = ErrorBody, description = "No such task of the caller"),
        (status = 408, body = ErrorBody, description = "The request took longer than `REQUEST_TIMEOUT`"),
        (status = 429, body = ErrorBody, description = "Rate limit exceeded", headers(("retry-after" = u64, description = "Seconds to wait"))),
        (status = 500, body = ErrorBody, description = "Unexpected error; its cause is logged, never sent"),
        (status = 503, body = ErrorBody, description = "The database is unavailable; retry later", headers(("retry-after" = u64, description = "Seconds to wait"))),
    ))]
pub async fn read(
    State(state): State<AppState>,
    InProject { owner, project_id }: InProject,
    ItemPath(ItemId { id }): ItemPath<ItemId>,
) -> Result<axum::Json<Task>, ApiError> {
    let item = state
        .store
        .get_task(&owner, project_id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(axum::Json(item))
}

/// Replace one of the caller's tasks.
#[utoipa::path(put, path = "/api/{user_id}/projects/{project_id}/tasks/{id}", operation_id = "replace_task", tag = "tasks", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "Must be the token's user"), ("project_id" = Uuid, Path, description = "One of the caller's projects"), ("id" = Uuid, Path)),
    request_body = ReplaceTask,
    responses(
        (status = 200, body = Task),
        (status = 400, body = ErrorBody, description = "Malformed Authorization header, or malformed JSON"),
        (status = 401, body = ErrorBody, description = "Missing or invalid token", headers(("www-authenticate" = String, description = "The RFC 6750 challenge"))),
        (status = 403, body = ErrorBody, description = "The path names another user, or the token lacks a scope that writes need"),
        (status = 404, body = ErrorBody, description = "No such task of the caller"),
        (status = 408, body = ErrorBody, description = "The request took longer than `REQUEST_TIMEOUT`"),
        (status = 413, body = ErrorBody, description = "Body larger than `BODY_LIMIT_BYTES`"),
        (status = 415, body = ErrorBody, description = "The body is not sent as `Content-Type: application/json`"),
        (status = 422, body = ErrorBody, description = "Invalid or unknown field"),
        (status = 429, body = ErrorBody, description = "Rate limit exceeded", headers(("retry-after" = u64, description = "Seconds to wait"))),
        (status = 500, body = ErrorBody, description = "Unexpected error; its cause is logged, never sent"),
        (status = 503, body = ErrorBody, description = "The database is unavailable; retry later", headers(("retry-after" = u64, description = "Seconds to wait"))),
    ))]
pub async fn replace(
    State(state): State<AppState>,
    InProject { owner, project_id }: InProject,
    ItemPath(ItemId { id }): ItemPath<ItemId>,
    Json(replacement): Json<ReplaceTask>,
) -> Result<axum::Json<Task>, ApiError> {
    replacement.check()?;
    let fields = TaskFields {
        title: replacement.title,
        done: replacement.done,
        due: replacement.due,
        priority: replacement.priority,
        estimate_minutes: replacement.estimate_minutes.map(i64::from),
        notes: replacement.notes,
        remind_at: replacement.remind_at.map(micros),
        assignee: replacement.assignee,
    };
    let item = state
        .store
        .update_task(&owner, project_id, id, TaskChanges::from(fields))
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(axum::Json(item))
}

/// Change some fields of one of the caller's tasks.
#[utoipa::path(patch, path = "/api/{user_id}/projects/{project_id}/tasks/{id}", operation_id = "update_task", tag = "tasks", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "Must be the token's user"), ("project_id" = Uuid, Path, description = "One of the caller's projects"), ("id" = Uuid, Path)),
    request_body = PatchTask,
    responses(
        (status = 200, body = Task),
        (status = 400, body = ErrorBody, description = "Malformed Authorization header, or malformed JSON"),
        (status = 401, body = ErrorBody, description = "Missing or invalid token", headers(("www-authenticate" = String, description = "The RFC 6750 challenge"))),
        (status = 403, body = ErrorBody, description = "The path names another user, or the token lacks a scope that writes need"),
        (status = 404, body = ErrorBody, description = "No such task of the caller"),
        (status = 408, body = ErrorBody, description = "The request took longer than `REQUEST_TIMEOUT`"),
        (status = 413, body = ErrorBody, description = "Body larger than `BODY_LIMIT_BYTES`"),
        (status = 415, body = ErrorBody, description = "The body is not sent as `Content-Type: application/json`"),
        (status = 422, body = ErrorBody, description = "Invalid or unknown field"),
        (status = 429, body = ErrorBody, description = "Rate limit exceeded", headers(("retry-after" = u64, description = "Seconds to wait"))),
        (status = 500, body = ErrorBody, description = "Unexpected error; its cause is logged, never sent"),
        (status = 503, body = ErrorBody, description = "The database is unavailable; retry later", headers(("retry-after" = u64, description = "Seconds to wait"))),
    ))]
pub async fn update(
    State(state): State<AppState>,
    InProject { owner, project_id }: InProject,
    ItemPath(ItemId { id }): ItemPath<ItemId>,
    Json(patch): Json<PatchTask>,
) -> Result<axum::Json<Task>, ApiError> {
    patch.check()?;
    let changes = TaskChanges {
        title: patch.title,
        done: patch.done,
        due: patch.due,
        priority: patch.priority,
        estimate_minutes: patch.estimate_minutes.map(|value| value.map(i64::from)),
        notes: patch.notes,
        remind_at: patch.remind_at.map(|value| value.map(micros)),
        assignee: patch.assignee,
    };
    let item = state
        .store
        .update_task(&owner, project_id, id, changes)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(axum::Json(item))
}

/// Delete one of the caller's tasks.
#[utoipa::path(delete, path = "/api/{user_id}/projects/{project_id}/tasks/{id}", operation_id = "delete_task", tag = "tasks", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "Must be the token's user"), ("project_id" = Uuid, Path, description = "One of the caller's projects"), ("id" = Uuid, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, body = ErrorBody, description = "Malformed Authorization header"),
        (status = 401, body = ErrorBody, description = "Missing or invalid token", headers(("www-authenticate" = String, description = "The RFC 6750 challenge"))),
        (status = 403, body = ErrorBody, description = "The path names another user, or the token lacks a scope that writes need"),
        (status = 404, body = ErrorBody, description = "No such task of the caller"),
        (status = 408, body = ErrorBody, description = "The request took longer than `REQUEST_TIMEOUT`"),
        (status = 429, body = ErrorBody, description = "Rate limit exceeded", headers(("retry-after" = u64, description = "Seconds to wait"))),
        (status = 500, body = ErrorBody, description = "Unexpected error; its cause is logged, never sent"),
        (status = 503, body = ErrorBody, description = "The database is unavailable; retry later", headers(("retry-after" = u64, description = "Seconds to wait"))),
    ))]
pub async fn delete(
    State(state): State<AppState>,
    InProject { owner, project_id }: InProject,
    ItemPath(ItemId { id }): ItemPath<ItemId>,
) -> Result<StatusCode, ApiError> {
    if state.store.delete_task(&owner, project_id, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}
