//! `/api/notes`: CRUD on the caller's own notes.

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::extract::{ItemPath, Json, Owner, Query};
use super::fields;
use super::page;
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::store::{Note, NoteChanges, NoteFields, NoteFilter, NoteSort, SortOrder};

const TITLE_MAX_CHARS: usize = 200;
const DESCRIPTION_MAX_CHARS: usize = 2000;

/// Where the caller's notes are listed and created.
const COLLECTION: &str = "/api/notes";
/// Where one of them is read, replaced, changed and deleted.
const ITEM: &str = "/api/notes/{id}";

pub fn router() -> Router<AppState> {
    Router::new()
        .route(COLLECTION, get(list).post(create))
        .route(ITEM, get(read).put(replace).patch(update).delete(delete))
}

#[derive(Deserialize)]
pub struct ItemId {
    id: Uuid,
}

/// A new note.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNote {
    /// 1 to 200 characters, not all whitespace, no NUL.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000]*[^\u0000\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    title: String,
    /// 1 to 2000 characters, not all whitespace, no NUL. Optional: `null` when not given.
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = r"^[^\u0000]*[^\u0000\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    #[serde(default)]
    description: Option<String>,
    /// `true` or `false`. Default `false`.
    #[serde(default = "default_completed")]
    #[schema(default = default_completed)]
    completed: bool,
}

fn default_completed() -> bool {
    false
}

/// A whole note, replacing the stored one: an optional field not sent is cleared.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplaceNote {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000]*[^\u0000\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    title: String,
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = r"^[^\u0000]*[^\u0000\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    #[serde(default)]
    description: Option<String>,
    completed: bool,
}

/// Some fields of a note; `null` clears an optional one.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchNote {
    /// Not `null`: it cannot be cleared.
    #[serde(default, deserialize_with = "fields::required")]
    #[schema(value_type = String, min_length = 1, max_length = 200, pattern = r"^[^\u0000]*[^\u0000\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$")]
    title: Option<String>,
    #[serde(default, deserialize_with = "fields::present")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 2000, pattern = r"^[^\u0000]*[^\u0000\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$")]
    description: Option<Option<String>>,
    /// Not `null`: it cannot be cleared.
    #[serde(default, deserialize_with = "fields::required")]
    #[schema(value_type = bool)]
    completed: Option<bool>,
}

impl NewNote {
    fn check(&self) -> Result<(), ApiError> {
        fields::string("title", &self.title, TITLE_MAX_CHARS)?;
        if let Some(value) = &self.description {
            fields::string("description", value, DESCRIPTION_MAX_CHARS)?;
        }
        Ok(())
    }
}

impl ReplaceNote {
    fn check(&self) -> Result<(), ApiError> {
        fields::string("title", &self.title, TITLE_MAX_CHARS)?;
        if let Some(value) = &self.description {
            fields::string("description", value, DESCRIPTION_MAX_CHARS)?;
        }
        Ok(())
    }
}

impl PatchNote {
    fn check(&self) -> Result<(), ApiError> {
        if let Some(value) = &self.title {
            fields::string("title", value, TITLE_MAX_CHARS)?;
        }
        if let Some(Some(value)) = &self.description {
            fields::string("description", value, DESCRIPTION_MAX_CHARS)?;
        }
        Ok(())
    }
}

/// The orders of a list: a field, ascending, or with `-` descending; nulls last, ties oldest
/// first.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
pub enum NoteOrder {
    #[serde(rename = "created_at")]
    CreatedAt,
    #[serde(rename = "-created_at")]
    CreatedAtDescending,
}

impl From<NoteOrder> for SortOrder<NoteSort> {
    fn from(order: NoteOrder) -> Self {
        let (by, descending) = match order {
            NoteOrder::CreatedAt => (NoteSort::CreatedAt, false),
            NoteOrder::CreatedAtDescending => (NoteSort::CreatedAt, true),
        };
        SortOrder { by, descending }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct NoteParams {
    /// Page size, 1 to 100: 0 is taken as 1, larger values as 100.
    #[param(value_type = Option<i64>, minimum = 0, maximum = 4_294_967_295.0)]
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(pattern = r"^([0-9]{1,18}(\.(-?[0-9]{1,18})?)?)?$")]
    cursor: Option<String>,
    /// The order: oldest first unless given.
    #[param(inline)]
    sort: Option<NoteOrder>,
    /// Only the notes whose `completed` is this.
    completed: Option<bool>,
}

/// One page of notes.
#[derive(Serialize, ToSchema)]
pub struct NotePage {
    items: Vec<Note>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    next_cursor: Option<String>,
}

/// List the caller's notes, oldest first unless `sort` says otherwise.
#[utoipa::path(get, path = "/api/notes", operation_id = "list_notes", tag = "notes", security(("bearer" = [])),
    params(NoteParams),
    responses(
        (status = 200, body = NotePage),
        (status = 400, body = ErrorBody, description = "Malformed Authorization header, or a malformed cursor"),
        (status = 401, body = ErrorBody, description = "Missing or invalid token", headers(("www-authenticate" = String, description = "The RFC 6750 challenge"))),
        (status = 408, body = ErrorBody, description = "The request took longer than `REQUEST_TIMEOUT`"),
        (status = 422, body = ErrorBody, description = "A query parameter of the wrong type, or a `sort` or filter value outside its list"),
        (status = 429, body = ErrorBody, description = "Rate limit exceeded", headers(("retry-after" = u64, description = "Seconds to wait"))),
        (status = 500, body = ErrorBody, description = "Unexpected error; its cause is logged, never sent"),
        (status = 503, body = ErrorBody, description = "The database is unavailable; retry later", headers(("retry-after" = u64, description = "Seconds to wait"))),
    ))]
pub async fn list(
    State(state): State<AppState>,
    Owner(owner): Owner,
    Query(params): Query<NoteParams>,
) -> Result<axum::Json<NotePage>, ApiError> {
    let order = params.sort.map(SortOrder::from);
    let after = page::cursor(
        params.cursor.as_deref(),
        order.map(|order| move |n| order.by.key_at(n)),
    )?;
    let filter = NoteFilter {
        completed: params.completed,
    };
    let page = state
        .store
        .list_notes(
            &owner,
            &filter,
            order,
            after.as_ref(),
            page::size(params.limit),
        )
        .await?;
    Ok(axum::Json(NotePage {
        items: page.items,
        next_cursor: page.next.as_ref().map(page::cursor_text),
    }))
}

/// Create a note owned by the caller.
#[utoipa::path(post, path = "/api/notes", operation_id = "create_note", tag = "notes", security(("bearer" = [])),
    request_body = NewNote,
    responses(
        (status = 201, body = Note, headers(("location" = String, description = "URL of the new note"))),
        (status = 400, body = ErrorBody, description = "Malformed Authorization header, or malformed JSON"),
        (status = 401, body = ErrorBody, description = "Missing or invalid token", headers(("www-authenticate" = String, description = "The RFC 6750 challenge"))),
        (status = 403, body = ErrorBody, description = "The token lacks a scope that writes need"),
        (status = 408, body = ErrorBody, description = "The request took longer than `REQUEST_TIMEOUT`"),
        (status = 409, body = ErrorBody, description = "Conflicts with an existing note"),
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
    Json(new): Json<NewNote>,
) -> Result<impl IntoResponse, ApiError> {
    new.check()?;
    let fields = NoteFields {
        title: new.title,
        description: new.description,
        completed: new.completed,
    };
    let item = state.store.create_note(&owner, fields).await?;
    let location = format!("/api/notes/{}", item.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        axum::Json(item),
    ))
}

/// One of the caller's notes.
#[utoipa::path(get, path = "/api/notes/{id}", operation_id = "get_note", tag = "notes", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = Note),
        (status = 400, body = ErrorBody, description = "Malformed Authorization header"),
        (status = 401, body = ErrorBody, description = "Missing or invalid token", headers(("www-authenticate" = String, description = "The RFC 6750 challenge"))),
        (status = 404, body = ErrorBody, description = "No such note of the caller"),
        (status = 408, body = ErrorBody, description = "The request took longer than `REQUEST_TIMEOUT`"),
        (status = 429, body = ErrorBody, description = "Rate limit exceeded", headers(("retry-after" = u64, description = "Seconds to wait"))),
        (status = 500, body = ErrorBody, description = "Unexpected error; its cause is logged, never sent"),
        (status = 503, body = ErrorBody, description = "The database is unavailable; retry later", headers(("retry-after" = u64, description = "Seconds to wait"))),
    ))]
pub async fn read(
    State(state): State<AppState>,
    Owner(owner): Owner,
    ItemPath(ItemId { id }): ItemPath<ItemId>,
) -> Result<axum::Json<Note>, ApiError> {
    let item = state
        .store
        .get_note(&owner, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(axum::Json(item))
}

/// Replace one of the caller's notes.
#[utoipa::path(put, path = "/api/notes/{id}", operation_id = "replace_note", tag = "notes", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = ReplaceNote,
    responses(
        (status = 200, body = Note),
        (status = 400, body = ErrorBody, description = "Malformed Authorization header, or malformed JSON"),
        (status = 401, body = ErrorBody, description = "Missing or invalid token", headers(("www-authenticate" = String, description = "The RFC 6750 challenge"))),
        (status = 403, body = ErrorBody, description = "The token lacks a scope that writes need"),
        (status = 404, body = ErrorBody, description = "No such note of the caller"),
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
    Json(replacement): Json<ReplaceNote>,
) -> Result<axum::Json<Note>, ApiError> {
    replacement.check()?;
    let fields = NoteFields {
        title: replacement.title,
        description: replacement.description,
        completed: replacement.completed,
    };
    let item = state
        .store
        .update_note(&owner, id, NoteChanges::from(fields))
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(axum::Json(item))
}

/// Change some fields of one of the caller's notes.
#[utoipa::path(patch, path = "/api/notes/{id}", operation_id = "update_note", tag = "notes", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = PatchNote,
    responses(
        (status = 200, body = Note),
        (status = 400, body = ErrorBody, description = "Malformed Authorization header, or malformed JSON"),
        (status = 401, body = ErrorBody, description = "Missing or invalid token", headers(("www-authenticate" = String, description = "The RFC 6750 challenge"))),
        (status = 403, body = ErrorBody, description = "The token lacks a scope that writes need"),
        (status = 404, body = ErrorBody, description = "No such note of the caller"),
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
    Json(patch): Json<PatchNote>,
) -> Result<axum::Json<Note>, ApiError> {
    patch.check()?;
    let changes = NoteChanges {
        title: patch.title,
        description: patch.description,
        completed: patch.completed,
    };
    let item = state
        .store
        .update_note(&owner, id, changes)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(axum::Json(item))
}

/// Delete one of the caller's notes.
#[utoipa::path(delete, path = "/api/notes/{id}", operation_id = "delete_note", tag = "notes", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, body = ErrorBody, description = "Malformed Authorization header"),
        (status = 401, body = ErrorBody, description = "Missing or invalid token", headers(("www-authenticate" = String, description = "The RFC 6750 challenge"))),
        (status = 403, body = ErrorBody, description = "The token lacks a scope that writes need"),
        (status = 404, body = ErrorBody, description = "No such note of the caller"),
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
    if state.store.delete_note(&owner, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}
