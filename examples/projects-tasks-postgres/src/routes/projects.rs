//! `/api/{user_id}/projects`: CRUD on the caller's own projects.

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use chrono::NaiveDate;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::extract::{ItemPath, Json, Owner, Query};
use super::fields;
use super::page;
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::store::{Project, ProjectChanges, ProjectFields, ProjectFilter, ProjectSort, SortOrder};

const NAME_MAX_CHARS: usize = 120;

/// Where the caller's projects are listed and created.
const COLLECTION: &str = "/api/{user_id}/projects";
/// Where one of them is read, replaced, changed and deleted.
const ITEM: &str = "/api/{user_id}/projects/{id}";
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

/// A new project.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProject {
    /// 1 to 120 characters, not all whitespace, no NUL.
    #[schema(
        min_length = 1,
        max_length = 120,
        pattern = r"^[^\u0000]*[^\u0000\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    name: String,
    /// `true` or `false`. Default `false`.
    #[serde(default = "default_archived")]
    #[schema(default = default_archived)]
    archived: bool,
    /// A number. Optional: `null` when not given.
    #[serde(default)]
    budget: Option<f64>,
    /// A date, `YYYY-MM-DD`. Optional: `null` when not given.
    #[serde(default)]
    starts_on: Option<NaiveDate>,
}

fn default_archived() -> bool {
    false
}

/// A whole project, replacing the stored one: an optional field not sent is cleared.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplaceProject {
    #[schema(
        min_length = 1,
        max_length = 120,
        pattern = r"^[^\u0000]*[^\u0000\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    name: String,
    archived: bool,
    #[serde(default)]
    budget: Option<f64>,
    #[serde(default)]
    starts_on: Option<NaiveDate>,
}

/// Some fields of a project; `null` clears an optional one.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchProject {
    /// Not `null`: it cannot be cleared.
    #[serde(default, deserialize_with = "fields::required")]
    #[schema(value_type = String, min_length = 1, max_length = 120, pattern = r"^[^\u0000]*[^\u0000\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$")]
    name: Option<String>,
    /// Not `null`: it cannot be cleared.
    #[serde(default, deserialize_with = "fields::required")]
    #[schema(value_type = bool)]
    archived: Option<bool>,
    #[serde(default, deserialize_with = "fields::present")]
    #[schema(value_type = Option<f64>)]
    budget: Option<Option<f64>>,
    #[serde(default, deserialize_with = "fields::present")]
    #[schema(value_type = Option<NaiveDate>)]
    starts_on: Option<Option<NaiveDate>>,
}

impl NewProject {
    fn check(&self) -> Result<(), ApiError> {
        fields::string("name", &self.name, NAME_MAX_CHARS)?;
        Ok(())
    }
}

impl ReplaceProject {
    fn check(&self) -> Result<(), ApiError> {
        fields::string("name", &self.name, NAME_MAX_CHARS)?;
        Ok(())
    }
}

impl PatchProject {
    fn check(&self) -> Result<(), ApiError> {
        if let Some(value) = &self.name {
            fields::string("name", value, NAME_MAX_CHARS)?;
        }
        Ok(())
    }
}

/// The orders of a list: a field, ascending, or with `-` descending; nulls last, ties oldest
/// first.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
pub enum ProjectOrder {
    #[serde(rename = "created_at")]
    CreatedAt,
    #[serde(rename = "-created_at")]
    CreatedAtDescending,
    #[serde(rename = "starts_on")]
    StartsOn,
    #[serde(rename = "-starts_on")]
    StartsOnDescending,
}

impl From<ProjectOrder> for SortOrder<ProjectSort> {
    fn from(order: ProjectOrder) -> Self {
        let (by, descending) = match order {
            ProjectOrder::CreatedAt => (ProjectSort::CreatedAt, false),
            ProjectOrder::CreatedAtDescending => (ProjectSort::CreatedAt, true),
            ProjectOrder::StartsOn => (ProjectSort::StartsOn, false),
            ProjectOrder::StartsOnDescending => (ProjectSort::StartsOn, true),
        };
        SortOrder { by, descending }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct ProjectParams {
    /// Page size, 1 to 100: 0 is taken as 1, larger values as 100.
    #[param(value_type = Option<i64>, minimum = 0, maximum = 4_294_967_295.0)]
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(pattern = r"^([0-9]{1,18}(\.(-?[0-9]{1,18})?)?)?$")]
    cursor: Option<String>,
    /// The order: oldest first unless given.
    #[param(inline)]
    sort: Option<ProjectOrder>,
    /// Only the projects whose `archived` is this.
    archived: Option<bool>,
}

/// One page of projects.
#[derive(Serialize, ToSchema)]
pub struct ProjectPage {
    items: Vec<Project>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    next_cursor: Option<String>,
}

/// List the caller's projects, oldest first unless `sort` says otherwise.
#[utoipa::path(get, path = "/api/{user_id}/projects", operation_id = "list_projects", tag = "projects", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "Must be the token's user"), ProjectParams),
    responses(
        (status = 200, body = ProjectPage),
        (status = 400, body = ErrorBody, description = "Malformed Authorization header, or a malformed cursor"),
        (status = 401, body = ErrorBody, description = "Missing or invalid token", headers(("www-authenticate" = String, description = "The RFC 6750 challenge"))),
        (status = 403, body = ErrorBody, description = "The path names another user"),
        (status = 408, body = ErrorBody, description = "The request took longer than `REQUEST_TIMEOUT`"),
        (status = 422, body = ErrorBody, description = "A query parameter of the wrong type, or a `sort` or filter value outside its list"),
        (status = 429, body = ErrorBody, description = "Rate limit exceeded", headers(("retry-after" = u64, description = "Seconds to wait"))),
        (status = 500, body = ErrorBody, description = "Unexpected error; its cause is logged, never sent"),
        (status = 503, body = ErrorBody, description = "The database is unavailable; retry later", headers(("retry-after" = u64, description = "Seconds to wait"))),
    ))]
pub async fn list(
    State(state): State<AppState>,
    Owner(owner): Owner,
    Query(params): Query<ProjectParams>,
) -> Result<axum::Json<ProjectPage>, ApiError> {
    let order = params.sort.map(SortOrder::from);
    let after = page::cursor(
        params.cursor.as_deref(),
        order.map(|order| move |n| order.by.key_at(n)),
    )?;
    let filter = ProjectFilter {
        archived: params.archived,
    };
    let page = state
        .store
        .list_projects(
            &owner,
            &filter,
            order,
            after.as_ref(),
            page::size(params.limit),
        )
        .await?;
    Ok(axum::Json(ProjectPage {
        items: page.items,
        next_cursor: page.next.as_ref().map(page::cursor_text),
    }))
}

/// Create a project owned by the caller.
#[utoipa::path(post, path = "/api/{user_id}/projects", operation_id = "create_project", tag = "projects", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "Must be the token's user")),
    request_body = NewProject,
    responses(
        (status = 201, body = Project, headers(("location" = String, description = "URL of the new project"))),
        (status = 400, body = ErrorBody, description = "Malformed Authorization header, or malformed JSON"),
        (status = 401, body = ErrorBody, description = "Missing or invalid token", headers(("www-authenticate" = String, description = "The RFC 6750 challenge"))),
        (status = 403, body = ErrorBody, description = "The path names another user, or the token lacks a scope that writes need"),
        (status = 408, body = ErrorBody, description = "The request took longer than `REQUEST_TIMEOUT`"),
        (status = 409, body = ErrorBody, description = "Conflicts with an existing project"),
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
    Json(new): Json<NewProject>,
) -> Result<impl IntoResponse, ApiError> {
    new.check()?;
    let fields = ProjectFields {
        name: new.name,
        archived: new.archived,
        budget: new.budget,
        starts_on: new.starts_on,
    };
    let item = state.store.create_project(&owner, fields).await?;
    let location = format!(
        "/api/{}/projects/{}",
        utf8_percent_encode(&owner, PATH_SEGMENT),
        item.id
    );
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        axum::Json(item),
    ))
}

/// One of the caller's projects.
#[utoipa::path(get, path = "/api/{user_id}/projects/{id}", operation_id = "get_project", tag = "projects", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "Must be the token's user"), ("id" = Uuid, Path)),
    responses(
        (status = 200, body = Project),
        (status = 400, body = ErrorBody, description = "Malformed Authorization header"),
        (status = 401, body = ErrorBody, description = "Missing or invalid token", headers(("www-authenticate" = String, description = "The RFC 6750 challenge"))),
        (status = 403, body = ErrorBody, description = "The path names another user"),
        (status = 404, body = ErrorBody, description = "No such project of the caller"),
        (status = 408, body = ErrorBody, description = "The request took longer than `REQUEST_TIMEOUT`"),
        (status = 429, body = ErrorBody, description = "Rate limit exceeded", headers(("retry-after" = u64, description = "Seconds to wait"))),
        (status = 500, body = ErrorBody, description = "Unexpected error; its cause is logged, never sent"),
        (status = 503, body = ErrorBody, description = "The database is unavailable; retry later", headers(("retry-after" = u64, description = "Seconds to wait"))),
    ))]
pub async fn read(
    State(state): State<AppState>,
    Owner(owner): Owner,
    ItemPath(ItemId { id }): ItemPath<ItemId>,
) -> Result<axum::Json<Project>, ApiError> {
    let item = state
        .store
        .get_project(&owner, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(axum::Json(item))
}

/// Replace one of the caller's projects.
#[utoipa::path(put, path = "/api/{user_id}/projects/{id}", operation_id = "replace_project", tag = "projects", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "Must be the token's user"), ("id" = Uuid, Path)),
    request_body = ReplaceProject,
    responses(
        (status = 200, body = Project),
        (status = 400, body = ErrorBody, description = "Malformed Authorization header, or malformed JSON"),
        (status = 401, body = ErrorBody, description = "Missing or invalid token", headers(("www-authenticate" = String, description = "The RFC 6750 challenge"))),
        (status = 403, body = ErrorBody, description = "The path names another user, or the token lacks a scope that writes need"),
        (status = 404, body = ErrorBody, description = "No such project of the caller"),
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
    Json(replacement): Json<ReplaceProject>,
) -> Result<axum::Json<Project>, ApiError> {
    replacement.check()?;
    let fields = ProjectFields {
        name: replacement.name,
        archived: replacement.archived,
        budget: replacement.budget,
        starts_on: replacement.starts_on,
    };
    let item = state
        .store
        .update_project(&owner, id, ProjectChanges::from(fields))
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(axum::Json(item))
}

/// Change some fields of one of the caller's projects.
#[utoipa::path(patch, path = "/api/{user_id}/projects/{id}", operation_id = "update_project", tag = "projects", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "Must be the token's user"), ("id" = Uuid, Path)),
    request_body = PatchProject,
    responses(
        (status = 200, body = Project),
        (status = 400, body = ErrorBody, description = "Malformed Authorization header, or malformed JSON"),
        (status = 401, body = ErrorBody, description = "Missing or invalid token", headers(("www-authenticate" = String, description = "The RFC 6750 challenge"))),
        (status = 403, body = ErrorBody, description = "The path names another user, or the token lacks a scope that writes need"),
        (status = 404, body = ErrorBody, description = "No such project of the caller"),
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
    Json(patch): Json<PatchProject>,
) -> Result<axum::Json<Project>, ApiError> {
    patch.check()?;
    let changes = ProjectChanges {
        name: patch.name,
        archived: patch.archived,
        budget: patch.budget,
        starts_on: patch.starts_on,
    };
    let item = state
        .store
        .update_project(&owner, id, changes)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(axum::Json(item))
}

/// Delete one of the caller's projects, and everything nested under it.
#[utoipa::path(delete, path = "/api/{user_id}/projects/{id}", operation_id = "delete_project", tag = "projects", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "Must be the token's user"), ("id" = Uuid, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, body = ErrorBody, description = "Malformed Authorization header"),
        (status = 401, body = ErrorBody, description = "Missing or invalid token", headers(("www-authenticate" = String, description = "The RFC 6750 challenge"))),
        (status = 403, body = ErrorBody, description = "The path names another user, or the token lacks a scope that writes need"),
        (status = 404, body = ErrorBody, description = "No such project of the caller"),
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
    if state.store.delete_project(&owner, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}
