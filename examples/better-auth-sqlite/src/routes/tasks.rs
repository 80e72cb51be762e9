//! `/api/{user_id}/tasks`: CRUD on the caller's own tasks.

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::extract::{ItemPath, Json, Owner, Query};
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::store::{Task, TaskChanges};

const TITLE_MAX_CHARS: usize = 200;
const DESCRIPTION_MAX_CHARS: usize = 2000;
const DEFAULT_PAGE_SIZE: u32 = 20;
const MAX_PAGE_SIZE: u32 = 100;

/// Where the caller's tasks are listed and created.
const COLLECTION: &str = "/api/{user_id}/tasks";
/// Where one of them is read, replaced, changed and deleted.
const ITEM: &str = "/api/{user_id}/tasks/{id}";
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

/// A new task.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTask {
    /// 1 to 200 characters, not all whitespace (as `char::is_whitespace` says), no NUL.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000]*[^\u0000\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    title: String,
    /// Up to 2000 characters, no NUL.
    #[schema(max_length = 2000, pattern = r"^[^\u0000]*$")]
    description: Option<String>,
    #[serde(default)]
    completed: bool,
}

/// A whole task, replacing the stored one.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplaceTask {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000]*[^\u0000\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    title: String,
    #[schema(max_length = 2000, pattern = r"^[^\u0000]*$")]
    description: Option<String>,
    completed: bool,
}

/// Some fields of a task; `"description": null` clears the description.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchTask {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000]*[^\u0000\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    title: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 2000, pattern = r"^[^\u0000]*$")]
    description: Option<Option<String>>,
    completed: Option<bool>,
}

/// Tells a field sent as `null` (`Some(None)`) from a field not sent (`None`).
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Option<String>>, D::Error> {
    Option::deserialize(deserializer).map(Some)
}

#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    /// Page size, 1 to 100: 0 is taken as 1, larger values as 100.
    #[param(value_type = Option<i64>, minimum = 0, maximum = 4_294_967_295.0)]
    limit: Option<u32>,
    /// `next_cursor` of the previous page: up to 18 digits.
    #[param(pattern = "^[0-9]{0,18}$")]
    cursor: Option<String>,
}

/// One page of tasks.
#[derive(Serialize, ToSchema)]
pub struct TaskPage {
    items: Vec<Task>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    next_cursor: Option<String>,
}

/// NUL is refused in every text: PostgreSQL cannot store it, and SQLite's `length` stops at it.
fn check_title(title: &str) -> Result<(), ApiError> {
    let chars = title.chars().count();
    if title.chars().all(char::is_whitespace) || chars > TITLE_MAX_CHARS || title.contains('\0') {
        return Err(ApiError::Unprocessable(format!(
            "title must be 1 to {TITLE_MAX_CHARS} characters, not all whitespace, without NUL"
        )));
    }
    Ok(())
}

fn check_description(description: Option<&str>) -> Result<(), ApiError> {
    if description.is_some_and(|d| d.chars().count() > DESCRIPTION_MAX_CHARS || d.contains('\0')) {
        return Err(ApiError::Unprocessable(format!(
            "description must be at most {DESCRIPTION_MAX_CHARS} characters, without NUL"
        )));
    }
    Ok(())
}

/// List the caller's tasks, oldest first.
#[utoipa::path(get, path = "/api/{user_id}/tasks", operation_id = "list_tasks", tag = "tasks", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "Must be the token's user"), ListParams),
    responses(
        (status = 200, body = TaskPage),
        (status = 400, body = ErrorBody, description = "Malformed Authorization header, or malformed query"),
        (status = 401, body = ErrorBody, description = "Missing or invalid token", headers(("www-authenticate" = String, description = "The RFC 6750 challenge"))),
        (status = 403, body = ErrorBody, description = "The path names another user"),
        (status = 408, body = ErrorBody, description = "The request took longer than `REQUEST_TIMEOUT`"),
        (status = 429, body = ErrorBody, description = "Rate limit exceeded", headers(("retry-after" = u64, description = "Seconds to wait"))),
        (status = 500, body = ErrorBody, description = "Unexpected error; its cause is logged, never sent"),
        (status = 503, body = ErrorBody, description = "The database is unavailable; retry later", headers(("retry-after" = u64, description = "Seconds to wait"))),
    ))]
pub async fn list(
    State(state): State<AppState>,
    Owner(owner): Owner,
    Query(params): Query<ListParams>,
) -> Result<axum::Json<TaskPage>, ApiError> {
    let limit = params
        .limit
        .unwrap_or(DEFAULT_PAGE_SIZE)
        .clamp(1, MAX_PAGE_SIZE);
    let after = match params.cursor.as_deref() {
        None | Some("") => None,
        // Up to 18 digits, as the schema says: always an `i64`, never a sign or a space.
        Some(cursor) => Some(
            Some(cursor)
                .filter(|c| c.len() <= 18 && c.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|c| c.parse::<i64>().ok())
                .ok_or_else(|| {
                    ApiError::BadRequest(
                        "cursor must be a `next_cursor` from a previous page".into(),
                    )
                })?,
        ),
    };
    let page = state.store.list(&owner, after, limit).await?;
    Ok(axum::Json(TaskPage {
        items: page.items,
        next_cursor: page.next.map(|seq| seq.to_string()),
    }))
}

/// Create a task owned by the caller.
#[utoipa::path(post, path = "/api/{user_id}/tasks", operation_id = "create_task", tag = "tasks", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "Must be the token's user")),
    request_body = NewTask,
    responses(
        (status = 201, body = Task, headers(("location" = String, description = "URL of the new task"))),
        (status = 400, body = ErrorBody, description = "Malformed Authorization header, or malformed JSON"),
        (status = 401, body = ErrorBody, description = "Missing or invalid token", headers(("www-authenticate" = String, description = "The RFC 6750 challenge"))),
        (status = 403, body = ErrorBody, description = "The path names another user, or the token lacks a scope that writes need"),
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
    Owner(owner): Owner,
    Json(new): Json<NewTask>,
) -> Result<impl IntoResponse, ApiError> {
    check_title(&new.title)?;
    check_description(new.description.as_deref())?;
    let item = state
        .store
        .create(
            &owner,
            &new.title,
            new.description.as_deref(),
            new.completed,
        )
        .await?;
    let location = format!(
        "/api/{}/tasks/{}",
        utf8_percent_encode(&owner, PATH_SEGMENT),
        item.id
    );
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        axum::Json(item),
    ))
}

/// One of the caller's tasks.
#[utoipa::path(get, path = "/api/{user_id}/tasks/{id}", operation_id = "get_task", tag = "tasks", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "Must be the token's user"), ("id" = Uuid, Path)),
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
    Owner(owner): Owner,
    ItemPath(ItemId { id }): ItemPath<ItemId>,
) -> Result<axum::Json<Task>, ApiError> {
    let item = state
        .store
        .get(&owner, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(axum::Json(item))
}

/// Replace one of the caller's tasks.
#[utoipa::path(put, path = "/api/{user_id}/tasks/{id}", operation_id = "replace_task", tag = "tasks", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "Must be the token's user"), ("id" = Uuid, Path)),
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
    Owner(owner): Owner,
    ItemPath(ItemId { id }): ItemPath<ItemId>,
    Json(replacement): Json<ReplaceTask>,
) -> Result<axum::Json<Task>, ApiError> {
    check_title(&replacement.title)?;
    check_description(replacement.description.as_deref())?;
    let changes = TaskChanges {
        title: Some(replacement.title),
        description: Some(replacement.description),
        completed: Some(replacement.completed),
    };
    let item = state
        .store
        .update(&owner, id, changes)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(axum::Json(item))
}

/// Change some fields of one of the caller's tasks.
#[utoipa::path(patch, path = "/api/{user_id}/tasks/{id}", operation_id = "update_task", tag = "tasks", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "Must be the token's user"), ("id" = Uuid, Path)),
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
    Owner(owner): Owner,
    ItemPath(ItemId { id }): ItemPath<ItemId>,
    Json(patch): Json<PatchTask>,
) -> Result<axum::Json<Task>, ApiError> {
    if let Some(title) = &patch.title {
        check_title(title)?;
    }
    check_description(patch.description.as_ref().and_then(Option::as_deref))?;
    let changes = TaskChanges {
        title: patch.title,
        description: patch.description,
        completed: patch.completed,
    };
    let item = state
        .store
        .update(&owner, id, changes)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(axum::Json(item))
}

/// Delete one of the caller's tasks.
#[utoipa::path(delete, path = "/api/{user_id}/tasks/{id}", operation_id = "delete_task", tag = "tasks", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "Must be the token's user"), ("id" = Uuid, Path)),
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
    Owner(owner): Owner,
    ItemPath(ItemId { id }): ItemPath<ItemId>,
) -> Result<StatusCode, ApiError> {
    if state.store.delete(&owner, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}
