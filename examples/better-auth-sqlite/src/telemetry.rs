//! Logging, human-readable in development and JSON in production (`RUST_LOG` overrides the
//! level), and metrics in the Prometheus text format, served on `METRICS_ADDR` when it is set.
//!
//! Metrics: `http_requests_total` and `http_request_duration_seconds` by method, route template
//! and status; `http_open_connections` and `http_connections_refused_total` (by cap);
//! the token verifier's `auth_*` counters (see `src/auth/`); `db_pool_connections` and
//! `db_pool_connections_idle`. No label holds a user id, a token or a path parameter.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics::Label;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;

use crate::store::Store;

/// Upper bounds of the latency histogram's buckets, in seconds.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

pub fn init(json: bool) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    // A second call (tests) keeps the first subscriber.
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// The process's one metrics recorder, installed by the first call.
fn recorder() -> anyhow::Result<PrometheusHandle> {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    if let Some(handle) = HANDLE.get() {
        return Ok(handle.clone());
    }
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full("http_request_duration_seconds".to_owned()),
            LATENCY_BUCKETS,
        )?
        .install_recorder()
        .context("cannot install the metrics recorder")?;
    let handle = HANDLE.get_or_init(|| handle).clone();
    // Histograms keep their samples until upkeep folds them into the buckets.
    let upkeep = handle.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(5)).await;
            upkeep.run_upkeep();
        }
    });
    Ok(handle)
}

/// `GET /metrics`, for the listener on `METRICS_ADDR`.
pub fn metrics_router(store: Store) -> anyhow::Result<Router> {
    Ok(Router::new()
        .route("/metrics", get(render))
        .with_state((recorder()?, store)))
}

async fn render(State((handle, store)): State<(PrometheusHandle, Store)>) -> Response {
    let (open, idle) = store.pool_usage();
    metrics::gauge!("db_pool_connections").set(open);
    metrics::gauge!("db_pool_connections_idle").set(idle as f64);
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        handle.render(),
    )
        .into_response()
}

/// Counts and times every request by method, route template (`/api/{user_id}/tasks`, never
/// the path itself) and status.
pub async fn record_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let response = next.run(request).await;
    let labels = vec![
        Label::new("method", method),
        Label::new("route", route),
        Label::new("status", response.status().as_str().to_owned()),
    ];
    metrics::counter!("http_requests_total", labels.clone()).increment(1);
    metrics::histogram!("http_request_duration_seconds", labels).record(started.elapsed());
    response
}

/// The method's name; any method outside HTTP's own is `other`, so that clients cannot make
/// labels up.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}
