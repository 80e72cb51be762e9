//! RFC 6750 responses for authentication failures. Every invalid token gets the same status
//! and body, whatever the reason, so that a caller learns nothing about why it was refused.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No `Authorization: Bearer` credentials at all.
    #[error("a bearer token is required")]
    MissingToken,
    /// An Authorization header that is not one well-formed `Bearer <token>`.
    #[error("the Authorization header must be `Bearer <token>`")]
    InvalidRequest,
    /// A token was presented and refused: bad signature, expired, wrong issuer, ...
    #[error("the bearer token is invalid or expired")]
    InvalidToken,
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        let (status, challenge, code) = match self {
            Self::MissingToken => (StatusCode::UNAUTHORIZED, "Bearer", "unauthorized"),
            Self::InvalidRequest => (
                StatusCode::BAD_REQUEST,
                r#"Bearer error="invalid_request""#,
                "invalid_request",
            ),
            Self::InvalidToken => (
                StatusCode::UNAUTHORIZED,
                r#"Bearer error="invalid_token""#,
                "invalid_token",
            ),
        };
        let body = Json(json!({ "error": code, "message": self.to_string() }));
        let mut response = (status, body).into_response();
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(challenge),
        );
        response
    }
}
