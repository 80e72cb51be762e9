//! Token verification: algorithm allowlist, key by `kid`, signature, then claims.

use std::sync::Arc;

use jsonwebtoken::{Algorithm, Validation, decode, decode_header};
use serde::Deserialize;

use super::error::AuthError;
use super::extractor::AuthUser;
use super::jwks::JwksCache;
use super::settings::{ALGORITHMS, AuthSettings, USER_ID_CLAIM};

/// Key ids longer than this are refused without a cache lookup.
const MAX_KID_BYTES: usize = 256;
/// User ids longer than this are refused.
const MAX_USER_ID_BYTES: usize = 256;

/// The claims this API relies on. Types are strict: `iss: 123`, `aud: {}` or a string `iat`
/// fail here even where the JWT library would treat them as absent.
#[derive(Deserialize)]
struct Claims {
    #[serde(rename = "sub")]
    user_id: String,
    #[serde(rename = "iss")]
    _issuer: String,
    #[serde(rename = "aud")]
    _audience: Audience,
    #[serde(rename = "exp")]
    _expires_at: f64,
    #[serde(rename = "iat", default)]
    issued_at: Option<f64>,
}

/// `aud` is a string or an array of strings (RFC 7519 §4.1.3); the library checks membership.
#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(#[allow(dead_code)] String),
    Many(#[allow(dead_code)] Vec<String>),
}

/// Verifies bearer tokens against the provider's keys and this API's rules.
pub struct Verifier {
    jwks: Arc<JwksCache>,
    /// One validation per allowed algorithm: the key's family must match the token's `alg`.
    validations: Vec<(Algorithm, Validation)>,
    leeway_secs: u64,
}

impl Verifier {
    pub fn new(settings: AuthSettings) -> Result<Self, reqwest::Error> {
        let leeway_secs = settings.leeway.as_secs();
        let validations = ALGORITHMS
            .iter()
            .map(|&alg| {
                let mut validation = Validation::new(alg);
                validation.leeway = leeway_secs;
                validation.validate_exp = true;
                validation.validate_nbf = true;
                validation.validate_aud = true;
                validation.set_required_spec_claims(&["exp", "iss", "aud", USER_ID_CLAIM]);
                validation.set_issuer(&[&settings.issuer]);
                validation.set_audience(&[&settings.audience]);
                (alg, validation)
            })
            .collect();
        let jwks = Arc::new(JwksCache::new(settings.jwks_url, settings.jwks)?);
        Ok(Self {
            jwks,
            validations,
            leeway_secs,
        })
    }

    pub fn jwks(&self) -> &Arc<JwksCache> {
        &self.jwks
    }

    /// Verifies `token`; any doubt is `AuthError::InvalidToken`. The reason is logged at
    /// debug level, never returned to the caller.
    pub async fn verify(&self, token: &str) -> Result<AuthUser, AuthError> {
        self.check(token).await.map_err(|reason| {
            tracing::debug!(reason, "bearer token refused");
            AuthError::InvalidToken
        })
    }

    async fn check(&self, token: &str) -> Result<AuthUser, &'static str> {
        // The header is only read to choose a key; `jku`, `x5u`, `jwk` and `x5c` are ignored.
        let header = decode_header(token).map_err(|_| "malformed token")?;
        let validation = self
            .validations
            .iter()
            .find(|(alg, _)| *alg == header.alg)
            .map(|(_, validation)| validation)
            .ok_or("algorithm not allowed")?;
        let kid = header.kid.as_deref().ok_or("no kid")?;
        if kid.is_empty() || kid.len() > MAX_KID_BYTES {
            return Err("unusable kid");
        }
        let key = self.jwks.key(kid).await.ok_or("unknown kid")?;
        if !key.algorithms.contains(&header.alg) {
            return Err("algorithm not allowed for this key");
        }
        let claims = decode::<Claims>(token, &key.key, validation)
            .map_err(|_| "signature or claims invalid")?
            .claims;
        if claims.issued_at.is_some_and(|iat| {
            iat > (jsonwebtoken::get_current_timestamp() + self.leeway_secs) as f64
        }) {
            return Err("issued in the future");
        }
        if claims.user_id.is_empty() || claims.user_id.len() > MAX_USER_ID_BYTES {
            return Err("unusable user id");
        }
        Ok(AuthUser {
            user_id: claims.user_id,
        })
    }
}
