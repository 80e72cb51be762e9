//! my-api: an HTTP API of projects, each owned by one user.
//!
//! Every `/api` route is behind JWT verification ([`auth`]): the bearer token says who the user
//! is, and a user reaches their own projects only.

pub mod auth;
pub mod config;
pub mod error;
pub mod routes;
pub mod store;
pub mod telemetry;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::extract::{FromRef, State};
use axum::http::{HeaderName, HeaderValue, Method, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use tokio::net::TcpListener;
use tower_governor::GovernorError;
use tower_governor::GovernorLayer;
use tower_governor::governor::GovernorConfigBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::auth::Verifier;
use crate::config::{AppEnv, BODY_LIMIT_BYTES, Config, REQUEST_TIMEOUT, RateLimit};
use crate::error::{ApiError, ErrorBody};
use crate::store::Store;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub verifier: Arc<Verifier>,
}

impl FromRef<AppState> for Arc<Verifier> {
    fn from_ref(state: &AppState) -> Self {
        state.verifier.clone()
    }
}

/// The server, bound and ready to run.
pub struct Application {
    listener: TcpListener,
    router: Router,
    /// Loads and refreshes the signing keys, when they come from the network.
    key_refresh: Option<tokio::task::JoinHandle<()>>,
}

impl Application {
    /// Opens the store, starts the token verifier and binds the listener.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let store = Store::connect(&config.database).await?;
        let verifier = Arc::new(Verifier::new(config.auth.clone())?);
        let key_refresh = verifier.start();
        let router = router(AppState { store, verifier }, &config)?;
        let listener = TcpListener::bind((config.host, config.port))
            .await
            .with_context(|| format!("cannot listen on {}:{}", config.host, config.port))?;
        Ok(Self {
            listener,
            router,
            key_refresh,
        })
    }

    pub fn port(&self) -> u16 {
        self.listener
            .local_addr()
            .map(|addr| addr.port())
            .unwrap_or_default()
    }

    /// Serves until SIGTERM or Ctrl-C, then lets the requests in flight finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        let result = axum::serve(self.listener, service)
            .with_graceful_shutdown(shutdown_signal())
            .await;
        if let Some(task) = self.key_refresh {
            task.abort();
        }
        result
    }
}

/// The whole HTTP stack: the routes, and the hardening layers around them.
pub fn router(state: AppState, config: &Config) -> anyhow::Result<Router> {
    let mut api = routes::api();
    if let Some(limit) = config.rate_limit {
        api = api.layer(rate_limit(limit)?);
    }
    let mut app = routes::public().merge(api);
    if config.app_env == AppEnv::Development {
        app = app.merge(routes::docs());
    }
    let hsts = config.app_env == AppEnv::Production;
    let app = app
        .fallback(|| async { ApiError::NotFound })
        .with_state(state)
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(cors(&config.cors_allowed_origins))
        .layer(axum::middleware::map_response_with_state(
            hsts,
            security_headers,
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(axum::middleware::map_response(timeout_body))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::Internal(anyhow::anyhow!("a handler panicked")).into_response()
        }))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                let request_id = request
                    .headers()
                    .get(REQUEST_ID)
                    .and_then(|id| id.to_str().ok())
                    .unwrap_or_default();
                // The path only: neither the query string nor any header is logged.
                tracing::info_span!(
                    "request",
                    method = %request.method(),
                    path = %request.uri().path(),
                    request_id,
                )
            }),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(SetSensitiveRequestHeadersLayer::new([
            header::AUTHORIZATION,
            header::COOKIE,
        ]));
    Ok(app)
}

/// Per-client-IP token bucket; over the limit is 429 with `Retry-After`.
fn rate_limit(
    limit: RateLimit,
) -> anyhow::Result<
    GovernorLayer<
        tower_governor::key_extractor::PeerIpKeyExtractor,
        governor::middleware::NoOpMiddleware<governor::clock::QuantaInstant>,
        axum::body::Body,
    >,
> {
    let config = GovernorConfigBuilder::default()
        .period(Duration::from_secs(1) / limit.per_second.get())
        .burst_size(limit.burst.get())
        .finish()
        .context("invalid rate limit")?;
    let limiter = config.limiter().clone();
    tokio::spawn(async move {
        // Forget clients that have been quiet, so the table does not grow without bound.
        loop {
            tokio::time::sleep(Duration::from_secs(60)).await;
            limiter.retain_recent();
        }
    });
    Ok(GovernorLayer::new(config).error_handler(too_many_requests))
}

fn too_many_requests(error: GovernorError) -> Response {
    match error {
        GovernorError::TooManyRequests { wait_time, .. } => {
            let body = ErrorBody {
                error: "rate_limited",
                message: "too many requests; retry later".to_owned(),
            };
            let retry_after = HeaderValue::from(wait_time.max(1));
            (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, retry_after)],
                Json(body),
            )
                .into_response()
        }
        other => ApiError::Internal(anyhow::anyhow!("rate limiter: {other}")).into_response(),
    }
}

/// The timeout layer answers 408 with an empty body, and nothing else answers 408: give it the
/// JSON body of every other error.
async fn timeout_body(response: Response) -> Response {
    if response.status() == StatusCode::REQUEST_TIMEOUT {
        return ApiError::Timeout.into_response();
    }
    response
}

fn cors(allowed_origins: &[HeaderValue]) -> CorsLayer {
    // Tokens travel in the Authorization header, not in cookies: credentials stay disallowed.
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(allowed_origins.iter().cloned()))
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .max_age(Duration::from_secs(600))
}

/// nosniff, no framing, no referrer, no caching; HSTS in production (served behind TLS).
async fn security_headers(State(hsts): State<bool>, mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if hsts {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
    }
    response
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
