//! One error type for every handler: a status and a uniform JSON body. Internal errors are
//! answered with an opaque 500, and logged with their cause chain (by `hardening`, which knows
//! the request).

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::AuthError;
use crate::store::StoreError;

/// The body of every error answer, whatever its status: a stable code for programs and a
/// sentence for people.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// A stable code: `unauthorized`, `invalid_token`, `not_found`, `invalid_body`, ...
    pub error: &'static str,
    pub message: String,
}

/// The cause of a 500 or a 503, carried on the answer to the log line that `hardening` writes
/// with the request's method, path and id.
#[derive(Debug, Clone)]
pub struct Failure(pub String);

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error("this resource belongs to another user")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unprocessable(String),
    /// A query parameter that does not parse, or a `sort` or filter value outside its list.
    #[error("{0}")]
    InvalidQuery(String),
    #[error("{0}")]
    Conflict(String),
    #[error("the request body is larger than the limit")]
    PayloadTooLarge,
    #[error("the request body must be JSON (Content-Type: application/json)")]
    UnsupportedMediaType,
    #[error("the request took too long")]
    Timeout,
    /// The cause is logged, never sent.
    #[error("the service is not available right now; retry later")]
    Unavailable(#[source] anyhow::Error),
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::Auth(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            Self::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
            Self::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            Self::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            Self::Unprocessable(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_body"),
            Self::InvalidQuery(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_query"),
            Self::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            Self::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            Self::UnsupportedMediaType => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            Self::Timeout => (StatusCode::REQUEST_TIMEOUT, "timeout"),
            Self::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Auth(error) = self {
            return error.into_response();
        }
        let failure = match &self {
            Self::Internal(error) | Self::Unavailable(error) => Some(Failure(format!("{error:#}"))),
            _ => None,
        };
        let (status, code) = self.status_and_code();
        let body = Json(ErrorBody {
            error: code,
            message: self.to_string(),
        });
        let mut response = if status == StatusCode::SERVICE_UNAVAILABLE {
            (status, [(header::RETRY_AFTER, "1")], body).into_response()
        } else {
            (status, body).into_response()
        };
        if let Some(failure) = failure {
            response.extensions_mut().insert(failure);
        }
        response
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::MissingJsonContentType(_) => Self::UnsupportedMediaType,
            JsonRejection::BytesRejection(_)
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE =>
            {
                Self::PayloadTooLarge
            }
            JsonRejection::JsonDataError(error) => Self::Unprocessable(error.body_text()),
            other => Self::BadRequest(other.body_text()),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        Self::InvalidQuery(rejection.body_text())
    }
}

impl From<PathRejection> for ApiError {
    /// A path that does not parse (say, an id that is not a UUID) names nothing that exists.
    fn from(_: PathRejection) -> Self {
        Self::NotFound
    }
}

impl From<StoreError> for ApiError {
    /// Constraint violations are the client's to fix (409, 422); the database being down or
    /// overloaded is worth a retry (503); anything else is a bug (500). The database's own
    /// message is logged, never sent: it can name tables and values.
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict(_) => Self::Conflict(error.to_string()),
            StoreError::Constraint(_) => Self::Unprocessable(error.to_string()),
            StoreError::Unavailable(_) => {
                Self::Unavailable(anyhow::Error::new(error).context("storage"))
            }
            StoreError::Other(_) => Self::Internal(anyhow::Error::new(error).context("storage")),
        }
    }
}
