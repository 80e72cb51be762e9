//! RFC 6750 responses for authentication failures. Every invalid token gets the same status
//! and body, whatever the reason, so that a caller learns nothing about why it was refused.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Why a request was refused, each answered as RFC 6750 says.
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

impl AuthError {
    /// The status, the `WWW-Authenticate` challenge and a JSON body naming the error with its
    /// message (the text above): all constants, so a refusal allocates nothing to answer.
    fn parts(self) -> (StatusCode, &'static str, &'static str) {
        match self {
            Self::MissingToken => (
                StatusCode::UNAUTHORIZED,
                "Bearer",
                r#"{"error":"unauthorized","message":"a bearer token is required"}"#,
            ),
            Self::InvalidRequest => (
                StatusCode::BAD_REQUEST,
                r#"Bearer error="invalid_request""#,
                r#"{"error":"invalid_request","message":"the Authorization header must be `Bearer <token>`"}"#,
            ),
            Self::InvalidToken => (
                StatusCode::UNAUTHORIZED,
                r#"Bearer error="invalid_token""#,
                r#"{"error":"invalid_token","message":"the bearer token is invalid or expired"}"#,
            ),
        }
    }
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        let (status, challenge, body) = self.parts();
        let headers = [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            ),
        ];
        (status, headers, body).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each body is JSON whose `message` is the error's own text, and whose `error` is the code
    /// of its challenge (RFC 6750 §3), or `unauthorized` where the challenge has none.
    #[test]
    fn each_body_names_its_error_and_says_its_message() {
        for error in [
            AuthError::MissingToken,
            AuthError::InvalidRequest,
            AuthError::InvalidToken,
        ] {
            let (_, challenge, body) = error.parts();
            let body: serde_json::Value = serde_json::from_str(body).unwrap();
            assert_eq!(body["message"], error.to_string(), "{error:?}");
            let code = body["error"].as_str().unwrap();
            let expected = match challenge.strip_prefix("Bearer error=") {
                Some(quoted) => quoted.trim_matches('"'),
                None => "unauthorized",
            };
            assert_eq!(code, expected, "{error:?}");
        }
    }
}
