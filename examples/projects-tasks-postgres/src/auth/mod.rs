//! Bearer-token authentication for Better Auth JWTs (the `jwt` plugin), verified against the
//! server's JWKS.
//!
//! This module is self-contained so that `authgate auth` can regenerate it: it reads its own
//! settings from the environment ([`AuthSettings`]), verifies tokens ([`Verifier`], with the key
//! cache [`JwksCache`]), and maps every failure to an RFC 6750 response ([`AuthError`]).
//!
//! Wiring it into a router takes three lines:
//! ```text
//! let verifier = Arc::new(auth::Verifier::new(auth::AuthSettings::from_env(production)?)?);
//! verifier.start();                                 // loads the keys, keeps them fresh
//! async fn handler(user: auth::AuthUser) { /* user.user_id */ }
//! ```

mod cache;
mod error;
mod extractor;
mod jwks;
mod settings;
mod verifier;

pub use error::AuthError;
pub use extractor::{AuthUser, MAX_TOKEN_BYTES};
pub use jwks::{JwksCache, JwksError};
pub use settings::{ALGORITHMS, AuthSettings, JwksSettings, SettingError, USER_ID_CLAIM};
pub use verifier::Verifier;
