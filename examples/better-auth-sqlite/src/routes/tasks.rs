//! `/api/{user_id}/tasks`: CRUD on the caller's own tasks.

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::extract::{ItemPath, Json, Owner, Query};
use crate::AppState;
use crate::error::ApiError;
use crate::store::{Task, TaskChanges};

const TITLE_MAX_CHARS: usize = 200;
const DESCRIPTION_MAX_CHARS: usize = 2000;
const DEFAULT_PAGE_SIZE: u32 = 20;
const MAX_PAGE_SIZE: u32 = 100;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/{user_id}/tasks", get(list_tasks).post(create_task))
        .route(
            "/api/{user_id}/tasks/{id}",
            get(get_task)
                .put(replace_task)
                .patch(update_task)
                .delete(delete_task),
        )
}

#[derive(Deserialize)]
pub struct TaskId {
    id: Uuid,
}

/// A new task.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTask {
    /// 1 to 200 characters.
    title: String,
    /// Up to 2000 characters.
    description: Option<String>,
    #[serde(default)]
    completed: bool,
}

/// A whole task, replacing the stored one.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplaceTask {
    title: String,
    description: Option<String>,
    completed: bool,
}

/// Some fields of a task; `"description": null` clears the description.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchTask {
    title: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    description: Option<Option<String>>,
    completed: Option<bool>,
}

/// Tells a field sent as `null` (`Some(None)`) from a field not sent (`None`).
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Option<String>>, D::Error> {
    Option::deserialize(deserializer).map(Some)
}

#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    /// Page size, 1 to 100 (larger values are clamped).
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// One page of tasks.
#[derive(Serialize, ToSchema)]
pub struct TaskPage {
    items: Vec<Task>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    next_cursor: Option<String>,
}

fn check_title(title: &str) -> Result<(), ApiError> {
    let chars = title.chars().count();
    if title.trim().is_empty() || chars > TITLE_MAX_CHARS {
        return Err(ApiError::Unprocessable(format!(
            "title must be 1 to {TITLE_MAX_CHARS} characters"
        )));
    }
    Ok(())
}

fn check_description(description: Option<&str>) -> Result<(), ApiError> {
    if description.is_some_and(|d| d.chars().count() > DESCRIPTION_MAX_CHARS) {
        return Err(ApiError::Unprocessable(format!(
            "description must be at most {DESCRIPTION_MAX_CHARS} characters"
        )));
    }
    Ok(())
}

/// List the caller's tasks, oldest first.
#[utoipa::path(get, path = "/api/{user_id}/tasks", tag = "tasks", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "Must be the token's user"), ListParams),
    responses(
        (status = 200, body = TaskPage),
        (status = 400, description = "Malformed query"),
        (status = 401, description = "Missing or invalid token"),
        (status = 403, description = "The path names another user"),
        (status = 429, description = "Rate limit exceeded"),
    ))]
pub async fn list_tasks(
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
        Some(cursor) => Some(cursor.parse::<i64>().map_err(|_| {
            ApiError::BadRequest("cursor must be a `next_cursor` from a previous page".into())
        })?),
    };
    let page = state.store.list(&owner, after, limit).await?;
    Ok(axum::Json(TaskPage {
        items: page.tasks,
        next_cursor: page.next.map(|seq| seq.to_string()),
    }))
}

/// Create a task owned by the caller.
#[utoipa::path(post, path = "/api/{user_id}/tasks", tag = "tasks", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "Must be the token's user")),
    request_body = NewTask,
    responses(
        (status = 201, body = Task, headers(("location" = String, description = "URL of the new task"))),
        (status = 401, description = "Missing or invalid token"),
        (status = 403, description = "The path names another user"),
        (status = 413, description = "Body too large"),
        (status = 422, description = "Invalid or unknown field"),
    ))]
pub async fn create_task(
    State(state): State<AppState>,
    Owner(owner): Owner,
    Json(new): Json<NewTask>,
) -> Result<impl IntoResponse, ApiError> {
    check_title(&new.title)?;
    check_description(new.description.as_deref())?;
    let task = state
        .store
        .create(
            &owner,
            &new.title,
            new.description.as_deref(),
            new.completed,
        )
        .await?;
    let location = format!("/api/{owner}/tasks/{}", task.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        axum::Json(task),
    ))
}

/// One of the caller's tasks.
#[utoipa::path(get, path = "/api/{user_id}/tasks/{id}", tag = "tasks", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "Must be the token's user"), ("id" = Uuid, Path)),
    responses(
        (status = 200, body = Task),
        (status = 401, description = "Missing or invalid token"),
        (status = 403, description = "The path names another user"),
        (status = 404, description = "No such task of the caller"),
    ))]
pub async fn get_task(
    State(state): State<AppState>,
    Owner(owner): Owner,
    ItemPath(TaskId { id }): ItemPath<TaskId>,
) -> Result<axum::Json<Task>, ApiError> {
    let task = state
        .store
        .get(&owner, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(axum::Json(task))
}

/// Replace one of the caller's tasks.
#[utoipa::path(put, path = "/api/{user_id}/tasks/{id}", tag = "tasks", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "Must be the token's user"), ("id" = Uuid, Path)),
    request_body = ReplaceTask,
    responses(
        (status = 200, body = Task),
        (status = 401, description = "Missing or invalid token"),
        (status = 403, description = "The path names another user"),
        (status = 404, description = "No such task of the caller"),
        (status = 422, description = "Invalid or unknown field"),
    ))]
pub async fn replace_task(
    State(state): State<AppState>,
    Owner(owner): Owner,
    ItemPath(TaskId { id }): ItemPath<TaskId>,
    Json(task): Json<ReplaceTask>,
) -> Result<axum::Json<Task>, ApiError> {
    check_title(&task.title)?;
    check_description(task.description.as_deref())?;
    let changes = TaskChanges {
        title: Some(task.title),
        description: Some(task.description),
        completed: Some(task.completed),
    };
    let task = state
        .store
        .update(&owner, id, changes)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(axum::Json(task))
}

/// Change some fields of one of the caller's tasks.
#[utoipa::path(patch, path = "/api/{user_id}/tasks/{id}", tag = "tasks", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "Must be the token's user"), ("id" = Uuid, Path)),
    request_body = PatchTask,
    responses(
        (status = 200, body = Task),
        (status = 401, description = "Missing or invalid token"),
        (status = 403, description = "The path names another user"),
        (status = 404, description = "No such task of the caller"),
        (status = 422, description = "Invalid or unknown field"),
    ))]
pub async fn update_task(
    State(state): State<AppState>,
    Owner(owner): Owner,
    ItemPath(TaskId { id }): ItemPath<TaskId>,
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
    let task = state
        .store
        .update(&owner, id, changes)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(axum::Json(task))
}

/// Delete one of the caller's tasks.
#[utoipa::path(delete, path = "/api/{user_id}/tasks/{id}", tag = "tasks", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "Must be the token's user"), ("id" = Uuid, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Missing or invalid token"),
        (status = 403, description = "The path names another user"),
        (status = 404, description = "No such task of the caller"),
    ))]
pub async fn delete_task(
    State(state): State<AppState>,
    Owner(owner): Owner,
    ItemPath(TaskId { id }): ItemPath<TaskId>,
) -> Result<StatusCode, ApiError> {
    if state.store.delete(&owner, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}
