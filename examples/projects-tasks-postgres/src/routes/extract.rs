//! Extractors that answer with `ApiError`, so that every rejection has the same JSON shape.

use axum::extract::{FromRequest, FromRequestParts, Path};
use axum::http::request::Parts;
use serde::Deserialize;

use crate::AppState;
use crate::auth::AuthUser;
use crate::error::ApiError;

/// `axum::Json` with `ApiError` rejections: malformed JSON is 400, a missing or other
/// `Content-Type` 415, an oversized body 413, unknown fields and wrong types 422.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Json<T>(pub T);

/// `axum::extract::Query` with `ApiError` rejections.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

/// A path parameter that does not parse is a 404: it names nothing that exists.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ItemPath<T>(pub T);

#[derive(Deserialize)]
struct UserPath {
    user_id: String,
}

/// The authenticated user, who must be the `{user_id}` of the path: another user's path is
/// 403 before the body is even read. Handlers take the owner from here, never from a body.
pub struct Owner(pub String);

impl FromRequestParts<AppState> for Owner {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let user = AuthUser::from_request_parts(parts, state).await?;
        // A `{user_id}` that does not decode (not UTF-8) cannot be the token's user either.
        let Path(path) = Path::<UserPath>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::Forbidden)?;
        if path.user_id != user.user_id {
            return Err(ApiError::Forbidden);
        }
        Ok(Self(user.user_id))
    }
}
