use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/health", tag = "health", responses((status = 200, description = "The process is up")))]
pub async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Readiness: the signing keys are loaded and the database answers.
#[utoipa::path(get, path = "/ready", tag = "health", responses(
    (status = 200, description = "Ready to serve authenticated requests"),
    (status = 503, description = "Keys not loaded yet, or the database is unreachable"),
))]
pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let keys = state.verifier.is_ready();
    let database = state.store.ping().await.is_ok();
    let status = if keys && database {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "status": if status.is_success() { "ready" } else { "starting" },
        "checks": { "signing_keys": keys, "database": database },
    });
    (status, Json(body))
}
