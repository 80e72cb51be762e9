//! orders-api: an HTTP API of orders, each owned by one user.
//!
//! Every `/api` route is behind JWT verification ([`auth`]): the bearer token says who the user
//! is, and a user reaches their own orders only.

pub mod auth;
pub mod client_ip;
pub mod config;
pub mod error;
pub mod hardening;
pub mod rate_limit;
pub mod routes;
pub mod server;
pub mod store;
pub mod telemetry;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::extract::FromRef;
use axum::http::{HeaderValue, Method, header};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::auth::Verifier;
use crate::client_ip::TrustedProxies;
use crate::config::{AppEnv, BODY_LIMIT_BYTES, Config, REQUEST_TIMEOUT};
use crate::error::ApiError;
use crate::hardening::Hardened;
use crate::rate_limit::{AuthenticateLayer, ClientIp, RateLimitLayer, User};
use crate::server::ServerSettings;
use crate::store::Store;

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
    router: Hardened,
    /// Whether requests carry the client's address: the per-address rate limiter reads it.
    connect_info: bool,
    server: ServerSettings,
    trusted_proxies: TrustedProxies,
    /// `/metrics`, on a listener of its own, when `METRICS_ADDR` is set.
    metrics: Option<(TcpListener, Router)>,
    /// Loads and refreshes the signing keys, when they come from the network.
    key_refresh: Option<tokio::task::JoinHandle<()>>,
}

impl Application {
    /// Opens the store, starts the token verifier and binds the listener.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let store = Store::connect(&config.database).await?;
        // Before the key fetches start, so that none goes uncounted.
        let metrics = match config.metrics_addr {
            Some(addr) => {
                let listener = TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("cannot listen on {addr} (METRICS_ADDR)"))?;
                Some((listener, telemetry::metrics_router(store.clone())?))
            }
            None => None,
        };
        let verifier = Arc::new(Verifier::new(config.auth.clone())?);
        let key_refresh = verifier.start();
        let router = router(AppState { store, verifier }, &config)?;
        let listener = TcpListener::bind((config.host, config.port))
            .await
            .with_context(|| format!("cannot listen on {}:{}", config.host, config.port))?;
        Ok(Self {
            listener,
            router,
            connect_info: config.rate_limit.is_some(),
            server: config.server,
            trusted_proxies: config.trusted_proxies,
            metrics,
            key_refresh,
        })
    }

    pub fn port(&self) -> u16 {
        self.listener
            .local_addr()
            .map(|addr| addr.port())
            .unwrap_or_default()
    }

    /// The port `/metrics` is served on, when it is.
    pub fn metrics_port(&self) -> Option<u16> {
        let (listener, _) = self.metrics.as_ref()?;
        listener.local_addr().ok().map(|addr| addr.port())
    }

    /// Serves until SIGTERM or Ctrl-C, then stops accepting, lets the requests in flight finish
    /// for up to `SHUTDOWN_TIMEOUT_SECS`, and closes the connections left.
    pub async fn run_until_stopped(self) {
        let (stop, stopped) = watch::channel(false);
        tokio::spawn(async move {
            shutdown_signal().await;
            stop.send_replace(true);
        });
        let until_stopped = move || {
            let mut stopped = stopped.clone();
            async move {
                // An error means the sender is gone, which happens only once it has sent.
                let _ = stopped.wait_for(|stopped| *stopped).await;
            }
        };
        let api = server::serve(
            self.listener,
            self.router,
            self.connect_info,
            self.server.clone(),
            self.trusted_proxies.clone(),
            until_stopped(),
        );
        match self.metrics {
            Some((listener, router)) => {
                let metrics = server::serve(
                    listener,
                    router,
                    false,
                    self.server,
                    self.trusted_proxies,
                    until_stopped(),
                );
                tokio::join!(api, metrics);
            }
            None => api.await,
        }
        if let Some(task) = self.key_refresh {
            task.abort();
        }
    }
}

/// The whole HTTP stack: the routes, and the protections around them.
pub fn router(state: AppState, config: &Config) -> anyhow::Result<Hardened> {
    let mut api = routes::api();
    if let Some(limit) = config.user_rate_limit {
        // Inside the authentication below: keyed by the user it found.
        api = api
            .route_layer(RateLimitLayer::new(limit, User::default()))
            .route_layer(AuthenticateLayer::new(state.verifier.clone()));
    }
    if let Some(limit) = config.rate_limit {
        let clients = ClientIp(config.trusted_proxies.clone());
        api = api.layer(RateLimitLayer::new(limit, clients));
    }
    let mut app = routes::public().merge(api);
    if config.app_env == AppEnv::Development {
        app = app.merge(routes::docs());
    }
    let app = app
        .fallback(|| async { ApiError::NotFound })
        .with_state(state);
    let app = if config.metrics_addr.is_some() {
        // Around every route and the fallback, so that every answer is counted.
        app.layer(telemetry::RecordRequestLayer::new()?)
    } else {
        app
    };
    Ok(Hardened::new(
        app,
        cors(&config.cors_allowed_origins),
        config.app_env == AppEnv::Production,
        BODY_LIMIT_BYTES,
        REQUEST_TIMEOUT,
    ))
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
