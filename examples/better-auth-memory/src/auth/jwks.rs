//! The JWKS cache: keys fetched from the provider, indexed by `kid`, kept fresh in the
//! background and on an unknown `kid`, and kept through an outage. A token without `kid` is
//! verified with the only key for its algorithm, when there is exactly one.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Instant;

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyOperations, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use reqwest::Url;
use serde::Deserialize;
use tokio::sync::Mutex;

use super::settings::{ALGORITHMS, JwksSettings};
use super::verifier::VerifyingKey;

/// A JWKS larger than this is refused rather than buffered.
const MAX_JWKS_BYTES: usize = 256 * 1024;

/// Why a fetch of the key set failed. The cache keeps its last good keys whatever the cause.
#[derive(Debug, thiserror::Error)]
pub enum JwksError {
    /// The request failed, or answered with an error status.
    #[error("fetching the JWKS failed: {0}")]
    Http(#[from] reqwest::Error),
    /// The body was larger than `MAX_JWKS_BYTES`.
    #[error("the JWKS is larger than {MAX_JWKS_BYTES} bytes")]
    TooLarge,
    /// The body was not a JSON key set.
    #[error("the JWKS is not a JSON key set: {0}")]
    Json(#[from] serde_json::Error),
    /// No key of the set can verify any of the accepted algorithms.
    #[error("the JWKS holds no key usable with {ALGORITHMS:?}")]
    NoUsableKey,
}

#[derive(Deserialize)]
struct KeySetDocument {
    keys: Vec<serde_json::Value>,
}

/// The usable keys of one JWKS document.
#[derive(Default)]
struct KeySet {
    by_kid: HashMap<String, Arc<VerifyingKey>>,
    /// Every usable key, with or without a `kid`, for tokens that name none.
    all: Vec<Arc<VerifyingKey>>,
}

impl KeySet {
    /// The one key usable with `alg`; `None` when there are none, or several (they are never
    /// tried in turn).
    fn only_key_for(&self, alg: Algorithm) -> Option<Arc<VerifyingKey>> {
        let mut candidates = self.all.iter().filter(|key| key.algorithms.contains(&alg));
        match (candidates.next(), candidates.next()) {
            (Some(key), None) => Some(key.clone()),
            _ => None,
        }
    }

    fn has_key_for(&self, alg: Algorithm) -> bool {
        self.all.iter().any(|key| key.algorithms.contains(&alg))
    }
}

/// Keys by `kid`, fetched from one JWKS URL.
pub struct JwksCache {
    url: Url,
    /// Timings, and the HTTP client.
    settings: JwksSettings,
    keys: RwLock<Arc<KeySet>>,
    loaded: AtomicBool,
    /// Bumped by every successful refresh; lets a waiter see that someone else refreshed.
    generation: AtomicU64,
    /// When a refresh for an unknown `kid` last started; held for the whole of it, by the task
    /// that fetches: one such fetch in flight.
    on_demand: Arc<Mutex<Option<Instant>>>,
    fetches: AtomicU64,
}

/// Where the keys come from and how often they were fetched; the keys themselves are left out.
impl std::fmt::Debug for JwksCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwksCache")
            .field("url", &self.url.as_str())
            .field("generation", &self.generation)
            .field("fetches", &self.fetches)
            .finish_non_exhaustive()
    }
}

impl JwksCache {
    /// A cache of the key set at `url`, empty until its first fetch.
    #[must_use]
    pub fn new(url: Url, settings: JwksSettings) -> Self {
        Self {
            url,
            settings,
            keys: RwLock::new(Arc::new(KeySet::default())),
            loaded: AtomicBool::new(false),
            generation: AtomicU64::new(0),
            on_demand: Arc::new(Mutex::new(None)),
            fetches: AtomicU64::new(0),
        }
    }

    /// True once a key set has been loaded; the API is not ready before.
    pub fn is_loaded(&self) -> bool {
        self.loaded.load(Ordering::Acquire)
    }

    /// Bumped by every successful refresh: a token verified under another generation may have
    /// been signed by a key that is gone.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// How many times the JWKS was requested (for metrics and tests).
    pub fn fetch_count(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    /// Loads the key set (retrying with backoff until it succeeds), then refreshes it every
    /// `refresh_interval` for as long as the process runs.
    pub fn start(self: Arc<Self>) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut backoff = std::time::Duration::from_millis(250);
            while let Err(error) = self.refresh().await {
                tracing::warn!(%error, retry_in = ?backoff, "JWKS not loaded yet");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(self.settings.max_retry_backoff);
            }
            loop {
                tokio::time::sleep(self.settings.refresh_interval).await;
                if let Err(error) = self.refresh().await {
                    tracing::warn!(%error, "JWKS refresh failed; keeping the last good keys");
                }
            }
        })
    }

    /// The key for `kid`. On a miss the key set is refreshed once, unless a refresh for a miss
    /// happened less than `min_refresh_interval` ago; concurrent misses share one fetch.
    pub async fn key(self: &Arc<Self>, kid: &str) -> Option<Arc<VerifyingKey>> {
        if let Some(key) = self.current().by_kid.get(kid) {
            return Some(key.clone());
        }
        self.refresh_on_demand().await;
        self.current().by_kid.get(kid).cloned()
    }

    /// The key for a token that names no `kid`: the key set's only key usable with `alg` (as
    /// the providers' own libraries choose). With no such key the set is refreshed as for an
    /// unknown `kid`; with several, the token is refused.
    pub async fn only_key_for(self: &Arc<Self>, alg: Algorithm) -> Option<Arc<VerifyingKey>> {
        if !self.current().has_key_for(alg) {
            self.refresh_on_demand().await;
        }
        self.current().only_key_for(alg)
    }

    /// Refreshes the key set for a key it lacks, unless a refresh for a miss happened less than
    /// `min_refresh_interval` ago; concurrent misses share one fetch.
    ///
    /// The fetch runs in a task of its own, which holds the lock until it ends: a request that
    /// goes away mid-fetch (its client disconnected) leaves the fetch it started to finish,
    /// rather than cancelling it after it was counted against `min_refresh_interval`.
    async fn refresh_on_demand(self: &Arc<Self>) {
        let seen = self.generation.load(Ordering::Acquire);
        let mut last = Arc::clone(&self.on_demand).lock_owned().await;
        if self.generation.load(Ordering::Acquire) != seen
            || last.is_some_and(|at| at.elapsed() < self.settings.min_refresh_interval)
        {
            return;
        }
        *last = Some(Instant::now());
        let cache = Arc::clone(self);
        let fetch = tokio::spawn(async move {
            if let Err(error) = cache.refresh().await {
                tracing::warn!(%error, "JWKS refresh for an unknown key failed");
            }
            drop(last);
        });
        if let Err(error) = fetch.await {
            tracing::error!(%error, "the JWKS refresh for an unknown key did not finish");
        }
    }

    fn current(&self) -> Arc<KeySet> {
        self.keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Fetches the key set and replaces the cached one. On any failure, including a set with
    /// no usable key, the previous keys stay in place. Returns how many usable keys it holds.
    ///
    /// # Errors
    ///
    /// Why the key set could not be fetched or used: the previous keys stay.
    pub async fn refresh(&self) -> Result<usize, JwksError> {
        let url = self.url.clone();
        self.fetches.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("auth_jwks_fetches_total").increment(1);
        let keys = self.fetch(url).await.inspect_err(|_| {
            metrics::counter!("auth_jwks_fetch_failures_total").increment(1);
        })?;
        let count = keys.all.len();
        *self.keys.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(keys);
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.loaded.store(true, Ordering::Release);
        tracing::debug!(keys = count, "JWKS loaded");
        Ok(count)
    }
}

impl JwksCache {
    /// The usable keys of the set at `url`; a set without any is an error.
    async fn fetch(&self, url: Url) -> Result<KeySet, JwksError> {
        let document: KeySetDocument = serde_json::from_slice(&self.get(url).await?)?;
        let keys = usable_keys(document.keys);
        if keys.all.is_empty() {
            return Err(JwksError::NoUsableKey);
        }
        Ok(keys)
    }

    /// GET `url` within `fetch_timeout`, refusing redirects, error statuses and bodies over
    /// `MAX_JWKS_BYTES`.
    async fn get(&self, url: Url) -> Result<Vec<u8>, JwksError> {
        let mut response = self
            .settings
            .client
            .get(url)
            .timeout(self.settings.fetch_timeout)
            .send()
            .await?
            .error_for_status()?;
        if response
            .content_length()
            .is_some_and(|length| length > MAX_JWKS_BYTES as u64)
        {
            return Err(JwksError::TooLarge);
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err(JwksError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

/// Keeps the keys that can verify a signature with an allowed algorithm; skips the rest (other
/// types, encryption keys, symmetric keys) instead of failing the set. A key without `kid`
/// serves only tokens that name none.
fn usable_keys(values: Vec<serde_json::Value>) -> KeySet {
    let mut keys = KeySet::default();
    for value in values {
        let Ok(jwk) = serde_json::from_value::<Jwk>(value) else {
            continue;
        };
        let Some(key) = verifying_key(&jwk) else {
            continue;
        };
        let key = Arc::new(key);
        if let Some(kid) = jwk.common.key_id {
            if keys.by_kid.contains_key(&kid) {
                tracing::warn!(%kid, "JWKS lists this kid twice; keeping the first key");
                continue;
            }
            keys.by_kid.insert(kid, key.clone());
        }
        keys.all.push(key);
    }
    keys
}

fn verifying_key(jwk: &Jwk) -> Option<VerifyingKey> {
    if matches!(&jwk.common.public_key_use, Some(usage) if *usage != PublicKeyUse::Signature) {
        return None;
    }
    if matches!(&jwk.common.key_operations, Some(ops) if !ops.contains(&KeyOperations::Verify)) {
        return None;
    }
    let fits: &[Algorithm] = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => &[
            Algorithm::RS256,
            Algorithm::RS384,
            Algorithm::RS512,
            Algorithm::PS256,
            Algorithm::PS384,
            Algorithm::PS512,
        ],
        AlgorithmParameters::EllipticCurve(ec) => match ec.curve {
            EllipticCurve::P256 => &[Algorithm::ES256],
            EllipticCurve::P384 => &[Algorithm::ES384],
            _ => &[],
        },
        AlgorithmParameters::OctetKeyPair(okp) => match okp.curve {
            EllipticCurve::Ed25519 => &[Algorithm::EdDSA],
            _ => &[],
        },
        // A JWKS is public: a symmetric key in it is never a verification key.
        _ => &[],
    };
    let declared = match jwk.common.key_algorithm {
        Some(alg) => Some(alg.to_string().parse::<Algorithm>().ok()?),
        None => None,
    };
    let algorithms: Vec<Algorithm> = ALGORITHMS
        .iter()
        .copied()
        .filter(|alg| fits.contains(alg) && declared.is_none_or(|declared| declared == *alg))
        .collect();
    if algorithms.is_empty() {
        return None;
    }
    let key = DecodingKey::from_jwk(jwk).ok()?;
    Some(VerifyingKey { key, algorithms })
}
