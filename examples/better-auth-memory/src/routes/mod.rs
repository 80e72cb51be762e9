//! HTTP routes: health checks, the owned resources, and the API description.

mod extract;
mod fields;
mod health;
mod openapi;
mod page;

/// `bookmarks`.
mod bookmarks;

use axum::Router;

use crate::AppState;

pub use openapi::ApiDoc;

/// Routes that need no token.
pub fn public() -> Router<AppState> {
    health::router()
}

/// Routes behind authentication and ownership checks.
pub fn api() -> Router<AppState> {
    Router::new().merge(bookmarks::router())
}

/// `/openapi.json` and `/docs`; mounted outside production only.
pub fn docs() -> Router<AppState> {
    openapi::router()
}
