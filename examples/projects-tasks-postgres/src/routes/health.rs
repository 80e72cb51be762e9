use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`.
    status: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct Readiness {
    /// `ready`, or `starting` while a check fails.
    status: &'static str,
    checks: ReadinessChecks,
}

#[derive(Serialize, ToSchema)]
pub struct ReadinessChecks {
    signing_keys: bool,
    database: bool,
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/health", tag = "health", responses((status = 200, body = Health, description = "The process is up")))]
pub async fn health() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// Readiness: the signing keys are loaded and the database answers.
#[utoipa::path(get, path = "/ready", tag = "health", responses(
    (status = 200, body = Readiness, description = "Ready to serve authenticated requests"),
    (status = 503, body = Readiness, description = "The signing keys are not loaded yet, or the database is unreachable"),
))]
pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    let keys = state.verifier.is_ready();
    let database = state.store.ping().await.is_ok();
    let (status, word) = if keys && database {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "starting")
    };
    let body = Readiness {
        status: word,
        checks: ReadinessChecks {
            signing_keys: keys,
            database,
        },
    };
    (status, Json(body))
}
