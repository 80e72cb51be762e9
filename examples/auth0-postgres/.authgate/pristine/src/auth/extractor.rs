//! The `AuthUser` extractor: takes the bearer token from the Authorization header, and only
//! from there, and verifies it.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, request::Parts};

use super::error::AuthError;
use super::verifier::Verifier;

/// Tokens longer than this are refused before any parsing.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// The authenticated caller. Add it to a handler's arguments to require a valid token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthUser {
    /// The user id from the token's user claim.
    pub user_id: String,
    /// The token's scopes (`scope`) and RBAC permissions (`permissions`).
    pub scopes: Vec<String>,
}

impl AuthUser {
    /// Whether the token grants `scope`, as a scope or as a permission.
    #[must_use]
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// For a handler that needs a scope of its own: `user.require_scope("delete:tasks")?`
    /// answers 403 `insufficient_scope` when the token lacks it.
    ///
    /// # Errors
    ///
    /// `AuthError::InsufficientScope` when the token does not grant `scope`.
    pub fn require_scope(&self, scope: &str) -> Result<(), AuthError> {
        if self.has_scope(scope) {
            Ok(())
        } else {
            Err(AuthError::InsufficientScope)
        }
    }
}

impl<S> FromRequestParts<S> for AuthUser
where
    Arc<Verifier>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let verifier = Arc::<Verifier>::from_ref(state);
        // A middleware that needed the user first (a per-user rate limit) left it here.
        let user = match parts.extensions.get::<Self>() {
            Some(user) => user.clone(),
            None => verifier.verify(bearer_token(&parts.headers)?).await?,
        };
        // Writes need the configured scope (AUTH0_WRITE_SCOPE), when there is one.
        if let Some(scope) = verifier.write_scope().filter(|_| !parts.method.is_safe()) {
            user.require_scope(scope)?;
        }
        Ok(user)
    }
}

/// The token of the one `Authorization: Bearer <token>` header.
fn bearer_token(headers: &HeaderMap) -> Result<&str, AuthError> {
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let value = values.next().ok_or(AuthError::MissingToken)?;
    if values.next().is_some() {
        return Err(AuthError::InvalidRequest);
    }
    let value = value.to_str().map_err(|_| AuthError::InvalidRequest)?;
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        // Basic, Digest, ...: no bearer credentials were presented.
        return Err(AuthError::MissingToken);
    }
    let token = token.trim_matches(' ');
    if token.is_empty() || token.contains(' ') {
        return Err(AuthError::InvalidRequest);
    }
    if token.len() > MAX_TOKEN_BYTES {
        return Err(AuthError::InvalidToken);
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn takes_exactly_one_bearer_token() {
        assert_eq!(bearer_token(&headers(&["Bearer abc"])), Ok("abc"));
        assert_eq!(bearer_token(&headers(&["bearer abc"])), Ok("abc"));
        assert_eq!(bearer_token(&headers(&[])), Err(AuthError::MissingToken));
        assert_eq!(
            bearer_token(&headers(&["Basic dXNlcjpwYXNz"])),
            Err(AuthError::MissingToken)
        );
        assert_eq!(
            bearer_token(&headers(&["Bearer"])),
            Err(AuthError::InvalidRequest)
        );
        assert_eq!(
            bearer_token(&headers(&["Bearer a b"])),
            Err(AuthError::InvalidRequest)
        );
        assert_eq!(
            bearer_token(&headers(&["Bearer a", "Bearer b"])),
            Err(AuthError::InvalidRequest)
        );
        let long = format!("Bearer {}", "a".repeat(MAX_TOKEN_BYTES + 1));
        assert_eq!(
            bearer_token(&headers(&[&long])),
            Err(AuthError::InvalidToken)
        );
    }
}
