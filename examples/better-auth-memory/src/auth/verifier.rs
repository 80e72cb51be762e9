//! Token verification: algorithm allowlist, key, signature, then claims.

use std::convert::Infallible;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, Header, Validation, decode};
use serde::de::IgnoredAny;
use serde::{Deserialize, Deserializer};

use super::cache::{self, VerifiedTokens};
use super::error::AuthError;
use super::extractor::AuthUser;
use super::jwks::JwksCache;
use super::settings::{ALGORITHMS, AuthSettings, USER_ID_CLAIM};

/// Key ids longer than this are refused without a cache lookup.
const MAX_KID_BYTES: usize = 256;
/// User ids longer than this are refused.
const MAX_USER_ID_BYTES: usize = 256;

/// A verification key and the algorithms it may be used with.
pub struct VerifyingKey {
    pub(super) key: DecodingKey,
    pub(super) algorithms: Vec<Algorithm>,
}

/// The algorithms only: key material is never printed.
impl std::fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("algorithms", &self.algorithms)
            .finish_non_exhaustive()
    }
}

/// The claims this API relies on. Types are strict: `iss: 123`, `aud: {}`, a string `iat` or
/// any registered claim sent as `null` fail here, even where the JWT library would treat them
/// as absent.
#[derive(Deserialize)]
struct Claims {
    #[serde(rename = "sub")]
    user_id: String,
    #[serde(rename = "iss", default, deserialize_with = "present")]
    _issuer: Option<String>,
    #[serde(rename = "aud", default, deserialize_with = "present")]
    _audience: Option<Audience>,
    #[serde(rename = "exp")]
    expires_at: f64,
    #[serde(rename = "nbf", default, deserialize_with = "present")]
    _not_before: Option<f64>,
    #[serde(rename = "iat", default, deserialize_with = "present")]
    issued_at: Option<f64>,
    /// A confirmation key (RFC 7800): the token is bound to a key its holder must prove (by RFC
    /// 9449's proofs or mutual TLS), which a bearer token cannot. Present in any form, even
    /// `null`, it is refused.
    #[serde(rename = "cnf", default, deserialize_with = "anything")]
    confirmation: Option<IgnoredAny>,
}

/// A claim that may be absent (then `#[serde(default)]` gives `None`) but is never `null`.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

/// A claim whose presence is all that counts, whatever its value (`null` included).
fn anything<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<IgnoredAny>, D::Error> {
    IgnoredAny::deserialize(deserializer).map(Some)
}

/// The token's header and claims (its first two parts), decoded from base64url once for every
/// check that reads them as they are.
fn header_and_claims(token: &str) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut parts = token.split('.');
    let (header, claims) = (parts.next()?, parts.next()?);
    Some((
        URL_SAFE_NO_PAD.decode(header).ok()?,
        URL_SAFE_NO_PAD.decode(claims).ok()?,
    ))
}

/// `aud` is a string or an array of strings (RFC 7519 §4.1.3); only its shape is checked here,
/// membership is the library's job.
#[derive(Deserialize)]
#[serde(untagged)]
#[allow(dead_code)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

/// Verifies bearer tokens against the provider's keys and this API's rules.
pub struct Verifier {
    jwks: Arc<JwksCache>,
    /// One validation per allowed algorithm: the key's family must match the token's `alg`.
    validations: Vec<(Algorithm, Validation)>,
    leeway_secs: u64,
    verified: VerifiedTokens,
}

/// What it accepts; keys and remembered tokens are left out.
impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("jwks", &self.jwks)
            .field("algorithms", &ALGORITHMS)
            .field("leeway_secs", &self.leeway_secs)
            .finish_non_exhaustive()
    }
}

impl Verifier {
    /// The verifier for `settings`.
    ///
    /// # Errors
    ///
    /// None: everything that can be wrong was reported when the settings were read. (The
    /// `Result` keeps code that handles an error from earlier versions of this module
    /// compiling.)
    #[must_use]
    #[allow(clippy::unnecessary_wraps)] // The `Result` above, kept on purpose.
    pub fn new(settings: AuthSettings) -> Result<Self, Infallible> {
        let validations = ALGORITHMS
            .iter()
            .map(|&alg| (alg, validation(alg, &settings)))
            .collect();
        let jwks = Arc::new(JwksCache::new(settings.jwks_url, settings.jwks));
        Ok(Self {
            jwks,
            validations,
            leeway_secs: settings.leeway.as_secs(),
            verified: VerifiedTokens::default(),
        })
    }

    /// The key cache: its readiness and counters.
    pub fn jwks(&self) -> &Arc<JwksCache> {
        &self.jwks
    }

    /// True once the keys needed to verify tokens are at hand.
    pub fn is_ready(&self) -> bool {
        self.jwks.is_loaded()
    }

    /// Starts loading and refreshing the keys in the background (a no-op when the key is
    /// fixed). Call once at start; `is_ready` turns true once keys are loaded.
    // An `Option` whatever the keys' source, so that a caller's code stays right when the
    // provider changes (`authgate auth --provider ...`).
    #[allow(clippy::unnecessary_wraps)]
    pub fn start(&self) -> Option<tokio::task::JoinHandle<()>> {
        Some(self.jwks.clone().start())
    }

    /// Verifies `token`; any doubt is `AuthError::InvalidToken`. The reason is logged at
    /// debug level, never returned to the caller.
    ///
    /// A token that passed before, against the current key set, is answered from memory until
    /// its `exp` plus the leeway: the same answer `check` would give, without the signature's
    /// cost.
    ///
    /// # Errors
    ///
    /// `AuthError::InvalidToken` for a token refused, whatever the reason.
    pub async fn verify(&self, token: &str) -> Result<AuthUser, AuthError> {
        let digest = cache::digest(token);
        let now = jsonwebtoken::get_current_timestamp();
        // Read before verifying: should the key set change meanwhile, the entry is born stale.
        let key_generation = self.jwks.generation();
        if let Some(user) = self.verified.get(&digest, now, key_generation) {
            metrics::counter!("auth_token_cache_hits_total").increment(1);
            return Ok(user);
        }
        metrics::counter!("auth_token_cache_misses_total").increment(1);
        let (user, expires_at) = self.check(token).await.map_err(|reason| {
            tracing::debug!(reason, "bearer token refused");
            metrics::counter!("auth_token_refusals_total", "reason" => reason).increment(1);
            AuthError::InvalidToken
        })?;
        let valid_until = expires_at.saturating_add(self.leeway_secs);
        self.verified
            .insert(digest, user.clone(), valid_until, now, key_generation);
        Ok(user)
    }

    /// Every check of `token`: the user it names and its `exp`, in whole seconds.
    async fn check(&self, token: &str) -> Result<(AuthUser, u64), &'static str> {
        let (header_json, claims_json) = header_and_claims(token).ok_or("malformed token")?;
        // The header is only read to choose a key; `jku`, `x5u`, `jwk` and `x5c` are ignored.
        let header: Header = serde_json::from_slice(&header_json).map_err(|_| "malformed token")?;
        // Its JSON members too, for what `Header` does not tell: whether a member is there at
        // all (`crit: null` reads as absent in a type) and members it does not know.
        let raw_header: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(&header_json).map_err(|_| "malformed token")?;
        // RFC 7515 §4.1.11: a token that names an extension the verifier does not understand
        // is refused, and this one understands none. jsonwebtoken parses `crit`, never
        // enforces it.
        if raw_header.contains_key("crit") {
            return Err("critical header extension");
        }
        // jsonwebtoken reads `kid: null` and `typ: null` as absent; here they are refusals.
        if ["kid", "typ"].iter().any(|member| {
            raw_header
                .get(*member)
                .is_some_and(|value| !value.is_string())
        }) {
            return Err("kid or typ not a string");
        }
        // RFC 8259 §8.1: JSON text is UTF-8. serde_json checks only the strings it reads, so
        // a claim this API ignores could hide bytes that are not.
        if std::str::from_utf8(&claims_json).is_err() {
            return Err("claims not UTF-8");
        }
        let validation = self
            .validations
            .iter()
            .find(|(alg, _)| *alg == header.alg)
            .map(|(_, validation)| validation)
            .ok_or("algorithm not allowed")?;
        let key = self.key(&header).await?;
        if !key.algorithms.contains(&header.alg) {
            return Err("algorithm not allowed for this key");
        }
        let claims = decode::<Claims>(token, &key.key, validation)
            .map_err(|_| "signature or claims invalid")?
            .claims;
        if claims.confirmation.is_some() {
            return Err("bound to a key (cnf), presented as a bearer token");
        }
        // Exact: a Unix time in seconds stays below 2^53 for millions of years.
        #[allow(clippy::cast_precision_loss)]
        let latest_issue = (jsonwebtoken::get_current_timestamp() + self.leeway_secs) as f64;
        if claims.issued_at.is_some_and(|iat| iat > latest_issue) {
            return Err("issued in the future");
        }
        if claims.user_id.is_empty() || claims.user_id.len() > MAX_USER_ID_BYTES {
            return Err("unusable user id");
        }
        let user = AuthUser {
            user_id: claims.user_id,
        };
        // Rounded down, so that the cache never outlasts the library's own answer. `exp` passed
        // the library's check, so it is positive; past `u64::MAX`, the cast gives `u64::MAX`.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let expires_at = claims.expires_at as u64;
        Ok((user, expires_at))
    }

    /// The key to verify this token with.
    async fn key(&self, header: &Header) -> Result<Arc<VerifyingKey>, &'static str> {
        let Some(kid) = header.kid.as_deref() else {
            return self
                .jwks
                .only_key_for(header.alg)
                .await
                .ok_or("no kid, and not exactly one key for its algorithm");
        };
        if kid.is_empty() || kid.len() > MAX_KID_BYTES {
            return Err("unusable kid");
        }
        self.jwks.key(kid).await.ok_or("unknown kid")
    }
}

/// What the JWT library checks for a token signed with `alg`: the signature, `exp` and `nbf`
/// with the leeway, the claims that must be present, the issuer and the audience.
fn validation(alg: Algorithm, settings: &AuthSettings) -> Validation {
    let mut validation = Validation::new(alg);
    validation.leeway = settings.leeway.as_secs();
    validation.validate_exp = true;
    validation.validate_nbf = true;
    validation.set_required_spec_claims(&["exp", "iss", "aud", USER_ID_CLAIM]);
    validation.set_issuer(&[&settings.issuer]);
    validation.set_audience(&[&settings.audience]);
    validation
}
