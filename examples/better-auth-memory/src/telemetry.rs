//! Logging, human-readable in development and JSON in production (`RUST_LOG` overrides the
//! level), and metrics in the Prometheus text format, served on `METRICS_ADDR` when it is set.
//!
//! Metrics: `http_requests_total` and `http_request_duration_seconds` by method, route template
//! and status; `http_open_connections` and `http_connections_refused_total` (by cap);
//! the token verifier's `auth_*` counters (see `src/auth/`). No label holds a user id, a token or a path parameter.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::task::{self, Poll, ready};
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics::{Counter, Histogram, Label};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use pin_project_lite::pin_project;
use tower::{Layer, Service};
use tracing_subscriber::EnvFilter;

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

/// The process's one metrics recorder, installed by the first call, from any thread and with
/// or without a tokio runtime.
fn recorder() -> anyhow::Result<PrometheusHandle> {
    // Held while the recorder is installed, so that two applications built at once (tests) do
    // not both try to install one, the second failing.
    static HANDLE: Mutex<Option<PrometheusHandle>> = Mutex::new(None);
    let mut installed = HANDLE.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(handle) = &*installed {
        return Ok(handle.clone());
    }
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full("http_request_duration_seconds".to_owned()),
            LATENCY_BUCKETS,
        )?
        .install_recorder()
        .context("cannot install the metrics recorder")?;
    // Histograms keep their samples until upkeep folds them into the buckets. A thread of its
    // own, not a task: the recorder outlives any runtime that happens to be current here.
    let upkeep = handle.clone();
    std::thread::Builder::new()
        .name("metrics-upkeep".to_owned())
        .spawn(move || {
            loop {
                std::thread::sleep(Duration::from_secs(5));
                upkeep.run_upkeep();
            }
        })
        .context("cannot start the metrics upkeep thread")?;
    *installed = Some(handle.clone());
    Ok(handle)
}

/// `GET /metrics`, for the listener on `METRICS_ADDR`.
pub fn metrics_router() -> anyhow::Result<Router> {
    Ok(Router::new()
        .route("/metrics", get(render))
        .with_state(recorder()?))
}

async fn render(State(handle): State<PrometheusHandle>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        handle.render(),
    )
        .into_response()
}

/// Counts and times every request by method, route template (`/api/{user_id}/tasks`, never
/// the path itself) and status: the layer around the router's routes and fallback.
///
/// A service of its own rather than `axum::middleware::from_fn`, which boxes the router and its
/// future once more for every request; and each series' handles are kept, so that a request
/// builds no labels and looks up no key in the recorder's registry (see the README's
/// benchmarks).
#[derive(Clone)]
pub struct RecordRequestLayer {
    series: Arc<Series>,
}

impl RecordRequestLayer {
    /// Installs the process's recorder unless it already is: a handle taken before it would
    /// count nothing.
    pub fn new() -> anyhow::Result<Self> {
        recorder()?;
        Ok(Self {
            series: Arc::default(),
        })
    }
}

impl<S> Layer<S> for RecordRequestLayer {
    type Service = RecordRequest<S>;

    fn layer(&self, inner: S) -> RecordRequest<S> {
        RecordRequest {
            inner,
            series: self.series.clone(),
        }
    }
}

#[derive(Clone)]
pub struct RecordRequest<S> {
    inner: S,
    series: Arc<Series>,
}

impl<S> Service<Request> for RecordRequest<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Recorded<S::Future>;

    fn poll_ready(&mut self, cx: &mut task::Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let method = method_label(request.method());
        let route = request.extensions().get::<MatchedPath>().cloned();
        Recorded {
            future: self.inner.call(request),
            started: Instant::now(),
            method,
            route,
            series: self.series.clone(),
        }
    }
}

pin_project! {
    /// A request's answer, counted and timed when it is ready.
    pub struct Recorded<F> {
        #[pin]
        future: F,
        started: Instant,
        method: &'static str,
        route: Option<MatchedPath>,
        series: Arc<Series>,
    }
}

impl<F> Future for Recorded<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut task::Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Ok(response) = ready!(this.future.poll(cx));
        let route = this.route.as_ref().map_or("unmatched", MatchedPath::as_str);
        this.series.record(
            this.method,
            route,
            response.status(),
            this.started.elapsed(),
        );
        Poll::Ready(Ok(response))
    }
}

/// The handles of every (route, method, status) answered so far, by route. Their number is
/// bounded as the labels are: the route templates, HTTP's methods and the statuses.
#[derive(Default)]
struct Series(RwLock<HashMap<Box<str>, Vec<Handles>>>);

struct Handles {
    method: &'static str,
    status: StatusCode,
    requests: Counter,
    duration: Histogram,
}

impl Handles {
    fn record(&self, elapsed: Duration) {
        self.requests.increment(1);
        self.duration.record(elapsed);
    }
}

impl Series {
    fn record(&self, method: &'static str, route: &str, status: StatusCode, elapsed: Duration) {
        let same = |handles: &&Handles| handles.method == method && handles.status == status;
        {
            let routes = self.0.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(handles) = routes.get(route).and_then(|all| all.iter().find(same)) {
                handles.record(elapsed);
                return;
            }
        }
        // A series not seen yet (or made meanwhile by another request).
        let mut routes = self.0.write().unwrap_or_else(PoisonError::into_inner);
        let all = routes.entry(route.into()).or_default();
        if let Some(handles) = all.iter().find(same) {
            handles.record(elapsed);
            return;
        }
        let labels = vec![
            Label::new("method", method),
            Label::new("route", route.to_owned()),
            Label::new("status", status.as_str().to_owned()),
        ];
        let handles = Handles {
            method,
            status,
            requests: metrics::counter!("http_requests_total", labels.clone()),
            duration: metrics::histogram!("http_request_duration_seconds", labels),
        };
        handles.record(elapsed);
        all.push(handles);
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_recorder_is_installed_once_from_threads_without_a_runtime() {
        let handles: Vec<_> = (0..4).map(|_| std::thread::spawn(recorder)).collect();
        for handle in handles {
            handle
                .join()
                .expect("recorder() does not panic outside a runtime")
                .expect("every caller gets the one recorder");
        }
        let series = Series::default();
        series.record("GET", "/health", StatusCode::OK, Duration::from_millis(2));
        let text = recorder().unwrap().render();
        assert!(
            text.contains(r#"http_requests_total{method="GET",route="/health",status="200"} 1"#),
            "{text}"
        );
    }
}
