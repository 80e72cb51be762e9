//! HTTP routes: health checks, the owned resource, and the API description.

mod extract;
mod health;
mod openapi;

/// The owned resource: `notes`.
mod notes;

use axum::Router;

use crate::AppState;

pub use openapi::ApiDoc;

/// Routes that need no token.
pub fn public() -> Router<AppState> {
    health::router()
}

/// Routes behind authentication and ownership checks.
pub fn api() -> Router<AppState> {
    notes::router()
}

/// `/openapi.json` and `/docs`; mounted outside production only.
pub fn docs() -> Router<AppState> {
    openapi::router()
}
