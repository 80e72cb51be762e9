//! Tokens that passed every check, remembered so that a client presenting the same token again
//! is not verified again on every request. An entry never outlives the token's `exp` (plus the
//! leeway) nor the key set the token was verified against, and only
//! verified tokens are ever remembered: a refused token costs a full verification every time.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use super::extractor::AuthUser;

/// Tokens remembered at most; when full, expired and stale entries go first, then all.
const CAPACITY: usize = 10_000;

/// SHA-256 of the whole token, signature included: a token differing in any byte, even only
/// in its signature, is another entry.
pub(super) type Digest = [u8; 32];

/// The key of `token` in the cache.
pub(super) fn digest(token: &str) -> Digest {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes());
    let mut bytes = [0; 32];
    bytes.copy_from_slice(digest.as_ref());
    bytes
}

struct Entry {
    user: AuthUser,
    /// The last second (Unix time) at which the token itself would still be accepted.
    valid_until: u64,
    /// The key set the token was verified against; any other generation makes the entry stale.
    key_generation: u64,
}

impl Entry {
    fn holds(&self, now: u64, key_generation: u64) -> bool {
        self.key_generation == key_generation && now <= self.valid_until
    }
}

/// The verified tokens, by digest.
#[derive(Default)]
pub(super) struct VerifiedTokens {
    entries: Mutex<HashMap<Digest, Entry>>,
}

impl VerifiedTokens {
    /// The user of a token verified against `key_generation` whose time has not run out.
    pub(super) fn get(&self, digest: &Digest, now: u64, key_generation: u64) -> Option<AuthUser> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries
            .get(digest)
            .filter(|entry| entry.holds(now, key_generation))
            .map(|entry| entry.user.clone())
    }

    /// Remembers a verified token until `valid_until` or until the key set changes.
    pub(super) fn insert(
        &self,
        digest: Digest,
        user: AuthUser,
        valid_until: u64,
        now: u64,
        key_generation: u64,
    ) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= CAPACITY {
            entries.retain(|_, entry| entry.holds(now, key_generation));
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(
            digest,
            Entry {
                user,
                valid_until,
                key_generation,
            },
        );
    }
}
