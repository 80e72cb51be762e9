//! Every request's protections, in one service around the router: the Authorization and Cookie
//! headers marked sensitive, a body limit, CORS (for requests that carry `Origin`), a deadline,
//! a 500 for a handler that panics, the security headers and a request id on every answer, and
//! one log line for every failure (a 500 or a 503, with its cause and the request id).
//!
//! One service rather than a stack of tower layers, because each layer around an axum router
//! costs a boxed future and a poll per request, and the stack of them cost half of what a plain
//! axum route serves (see the README's benchmarks). Here the work is what a request needs:
//! nothing for CORS without `Origin`, no timer for a handler that answers on its first poll, no
//! system call for the request id.

use std::convert::Infallible;
use std::future::Future;
use std::hash::{BuildHasher, RandomState};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Bytes, HttpBody};
use axum::extract::DefaultBodyLimit;
use axum::http::header::{self, Entry};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::future::RouteFuture;
use pin_project_lite::pin_project;
use tokio::time::Sleep;
use tower::{BoxError, Layer, Service};
use tower_http::cors::{Cors, CorsLayer, ResponseFuture as CorsFuture};

use crate::error::{ApiError, Failure};

/// The router, with the body limit its extractors apply.
type Limited = <DefaultBodyLimit as Layer<Router>>::Service;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The longest request id taken from a client (or a proxy in front); longer ones are replaced.
const MAX_REQUEST_ID_LEN: usize = 64;

/// The router with every protection around it; what the server serves.
#[derive(Clone)]
pub struct Hardened {
    router: Limited,
    shared: Arc<Shared>,
}

/// What every request reads and no request changes, but for the request id counter.
struct Shared {
    cors: Cors<Limited>,
    /// The headers every answer carries.
    headers: HeaderMap,
    timeout: Duration,
    /// Request ids are this process's random prefix and a count.
    id_prefix: u64,
    next_id: AtomicU64,
}

impl Hardened {
    /// `hsts` adds `Strict-Transport-Security`, for a server behind TLS.
    pub fn new(
        router: Router,
        cors: CorsLayer,
        hsts: bool,
        body_limit: usize,
        timeout: Duration,
    ) -> Self {
        let mut headers = HeaderMap::new();
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
        let router = DefaultBodyLimit::max(body_limit).layer(router);
        let shared = Shared {
            cors: cors.layer(router.clone()),
            headers,
            timeout,
            // Keyed from the system's randomness once per process: ids differ across restarts
            // and replicas.
            id_prefix: RandomState::new().hash_one(std::process::id()),
            next_id: AtomicU64::new(0),
        };
        Self {
            router,
            shared: Arc::new(shared),
        }
    }

    /// The caller's request id when it is short and plain, else a new one.
    fn request_id(&self, headers: &HeaderMap) -> HeaderValue {
        if let Some(id) = headers.get(&REQUEST_ID) {
            let plain = |byte: &u8| byte.is_ascii_alphanumeric() || b"-_.".contains(byte);
            let bytes = id.as_bytes();
            if !bytes.is_empty() && bytes.len() <= MAX_REQUEST_ID_LEN && bytes.iter().all(plain) {
                return id.clone();
            }
        }
        let count = self.shared.next_id.fetch_add(1, Ordering::Relaxed);
        // 32 hex digits, written out by hand: `format!` cost more than the rest of the id.
        let id = (u128::from(self.shared.id_prefix) << 64) | u128::from(count);
        let mut digits = [0; 32];
        for (position, digit) in digits.iter_mut().rev().enumerate() {
            *digit = b"0123456789abcdef"[(id >> (4 * position)) as usize & 0xf];
        }
        HeaderValue::from_bytes(&digits).unwrap_or_else(|_| HeaderValue::from_static("unknown"))
    }
}

impl<B> Service<Request<B>> for Hardened
where
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = HardenedFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        // A router is always ready, and so is CORS around it.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let started = Instant::now();
        let (mut parts, body) = request.into_parts();
        // Whatever prints a request's headers prints these as `Sensitive`.
        for name in [header::AUTHORIZATION, header::COOKIE] {
            if let Entry::Occupied(mut entry) = parts.headers.entry(name) {
                entry.iter_mut().for_each(|value| value.set_sensitive(true));
            }
        }
        let request_id = self.request_id(&parts.headers);
        let method = parts.method.clone();
        let uri = parts.uri.clone();
        let span = tracing::debug_span!(
            "request",
            %method,
            path = uri.path(),
            request_id = request_id.to_str().unwrap_or_default(),
        );
        let cors = parts.headers.contains_key(header::ORIGIN);
        let request = Request::from_parts(parts, body);
        // The router calls a handler only when its future is first polled, under the
        // `catch_unwind` below.
        let route = {
            let _entered = span.enter();
            if cors {
                // Cloned for requests with `Origin` only: its origin list is a `Vec`.
                Route::Cors {
                    future: self.shared.cors.clone().call(request),
                }
            } else {
                Route::Plain {
                    future: self.router.call(request),
                }
            }
        };
        HardenedFuture {
            route,
            deadline: None,
            started,
            method,
            uri,
            request_id: Some(request_id),
            span,
            shared: self.shared.clone(),
        }
    }
}

pin_project! {
    #[project = RouteProjection]
    enum Route {
        Plain { #[pin] future: RouteFuture<Infallible> },
        Cors { #[pin] future: CorsFuture<RouteFuture<Infallible>> },
    }
}

pin_project! {
    /// A request's answer, with the protections' headers.
    pub struct HardenedFuture {
        #[pin]
        route: Route,
        // Armed when the handler first has to wait.
        #[pin]
        deadline: Option<Sleep>,
        started: Instant,
        method: Method,
        uri: Uri,
        request_id: Option<HeaderValue>,
        span: tracing::Span,
        shared: Arc<Shared>,
    }
}

impl Future for HardenedFuture {
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let _entered = this.span.enter();
        let polled = match this.route.as_mut().project() {
            RouteProjection::Plain { future } => catch_unwind(AssertUnwindSafe(|| future.poll(cx))),
            RouteProjection::Cors { future } => catch_unwind(AssertUnwindSafe(|| future.poll(cx))),
        }
        .map_err(|panic| panic_message(&*panic));
        let mut response = match polled {
            Ok(Poll::Ready(Ok(response))) => response,
            Err(message) => {
                tracing::error!(
                    method = %this.method,
                    path = this.uri.path(),
                    request_id = request_id(this.request_id),
                    panic = message,
                    "a handler panicked"
                );
                // The routes' own count (`telemetry::RecordRequestLayer`) never saw it end.
                metrics::counter!("http_requests_aborted_total", "reason" => "panic").increment(1);
                ApiError::Internal(anyhow::anyhow!("a handler panicked")).into_response()
            }
            Ok(Poll::Pending) => {
                if this.deadline.is_none() {
                    let deadline = *this.started + this.shared.timeout;
                    this.deadline
                        .set(Some(tokio::time::sleep_until(deadline.into())));
                }
                if let Some(deadline) = this.deadline.as_mut().as_pin_mut() {
                    ready!(deadline.poll(cx));
                }
                metrics::counter!("http_requests_aborted_total", "reason" => "timeout")
                    .increment(1);
                ApiError::Timeout.into_response()
            }
        };
        if let Some(Failure(error)) = response.extensions_mut().remove::<Failure>() {
            let (method, path) = (&*this.method, this.uri.path());
            let request_id = request_id(this.request_id);
            let latency_ms = this.started.elapsed().as_millis();
            if response.status() == StatusCode::SERVICE_UNAVAILABLE {
                tracing::warn!(%method, path, request_id, latency_ms, error, "answered 503");
            } else {
                tracing::error!(%method, path, request_id, latency_ms, error, "request failed");
            }
        }
        let headers = response.headers_mut();
        // Grown once, not once per header.
        headers.reserve(this.shared.headers.len() + 1);
        for (name, value) in &this.shared.headers {
            headers.insert(name, value.clone());
        }
        if let Some(id) = this.request_id.take() {
            headers.insert(REQUEST_ID, id);
        }
        Poll::Ready(Ok(response))
    }
}

fn request_id(id: &Option<HeaderValue>) -> &str {
    id.as_ref()
        .and_then(|id| id.to_str().ok())
        .unwrap_or_default()
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|message| (*message).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use axum::body::{Body, to_bytes};
    use axum::routing::{get, post};
    use serde_json::Value;
    use tower::ServiceExt;
    use tower_http::cors::AllowOrigin;

    use super::*;

    const TIMEOUT: Duration = Duration::from_millis(300);
    const BODY_LIMIT: usize = 1024;
    const ORIGIN: &str = "https://app.example";

    async fn panics() -> &'static str {
        panic!("a handler's bug")
    }

    fn hardened() -> Hardened {
        let router = Router::new()
            .route("/ok", get(|| async { "ok" }))
            .route("/panics", get(panics))
            .route(
                "/waits",
                get(|| async {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    "in time"
                }),
            )
            .route(
                "/hangs",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    "too late"
                }),
            )
            .route(
                "/sensitive",
                get(|headers: HeaderMap| async move {
                    let sensitive = |name| headers.get(name).is_some_and(HeaderValue::is_sensitive);
                    format!(
                        "{} {}",
                        sensitive(header::AUTHORIZATION),
                        sensitive(header::COOKIE)
                    )
                }),
            )
            .route(
                "/echo",
                post(|body: Bytes| async move { body.len().to_string() }),
            );
        let cors = CorsLayer::new()
            .allow_origin(AllowOrigin::list([HeaderValue::from_static(ORIGIN)]))
            .allow_methods([Method::GET]);
        Hardened::new(router, cors, true, BODY_LIMIT, TIMEOUT)
    }

    async fn send(request: axum::http::request::Builder, body: Body) -> Response {
        hardened()
            .oneshot(request.body(body).unwrap())
            .await
            .unwrap()
    }

    async fn text(response: Response) -> String {
        let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    async fn error_code(response: Response) -> String {
        let body: Value = serde_json::from_str(&text(response).await).unwrap();
        body["error"].as_str().unwrap_or_default().to_owned()
    }

    fn assert_protected(response: &Response) {
        let headers = response.headers();
        for (name, value) in [
            ("x-content-type-options", "nosniff"),
            ("x-frame-options", "DENY"),
            ("referrer-policy", "no-referrer"),
            ("cache-control", "no-store"),
            (
                "strict-transport-security",
                "max-age=63072000; includeSubDomains",
            ),
        ] {
            assert_eq!(
                headers.get(name).map(HeaderValue::as_bytes),
                Some(value.as_bytes()),
                "{name}"
            );
        }
        assert!(headers.contains_key(&REQUEST_ID));
    }

    #[tokio::test]
    async fn a_panic_is_a_500_with_every_header() {
        let response = send(Request::get("/panics"), Body::empty()).await;
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_protected(&response);
        assert_eq!(error_code(response).await, "internal");
    }

    #[tokio::test]
    async fn a_handler_past_the_deadline_is_a_408() {
        let started = Instant::now();
        let response = send(Request::get("/hangs"), Body::empty()).await;
        assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
        assert!(started.elapsed() >= TIMEOUT);
        assert_protected(&response);
        assert_eq!(error_code(response).await, "timeout");
    }

    #[tokio::test]
    async fn a_handler_that_waits_within_the_deadline_answers() {
        let response = send(Request::get("/waits"), Body::empty()).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_protected(&response);
        assert_eq!(text(response).await, "in time");
    }

    #[tokio::test]
    async fn a_plain_request_id_is_kept_and_any_other_replaced() {
        let id = |response: &Response| response.headers()[&REQUEST_ID].to_str().unwrap().to_owned();
        let kept = send(
            Request::get("/ok").header(&REQUEST_ID, "edge-42.a_b"),
            Body::empty(),
        )
        .await;
        assert_eq!(id(&kept), "edge-42.a_b");
        let mut generated = Vec::new();
        for sent in [
            "two words",
            "<script>",
            &"a".repeat(MAX_REQUEST_ID_LEN + 1),
            "",
        ] {
            let response = send(Request::get("/ok").header(&REQUEST_ID, sent), Body::empty()).await;
            generated.push(id(&response));
        }
        generated.push(id(&send(Request::get("/ok"), Body::empty()).await));
        for id in &generated {
            assert_eq!(id.len(), 32, "{id}");
            assert!(id.bytes().all(|byte| byte.is_ascii_hexdigit()), "{id}");
        }
        generated.sort();
        generated.dedup();
        assert_eq!(generated.len(), 5, "every generated id is new");
    }

    #[tokio::test]
    async fn cors_answers_only_requests_with_an_origin() {
        let plain = send(Request::get("/ok"), Body::empty()).await;
        assert!(
            !plain
                .headers()
                .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        );
        assert!(!plain.headers().contains_key(header::VARY));
        let cross = send(
            Request::get("/ok").header(header::ORIGIN, ORIGIN),
            Body::empty(),
        )
        .await;
        assert_eq!(cross.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], ORIGIN);
        assert_protected(&cross);
        let preflight = Request::options("/ok")
            .header(header::ORIGIN, ORIGIN)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET");
        let preflight = send(preflight, Body::empty()).await;
        assert_eq!(preflight.status(), StatusCode::OK);
        assert_eq!(
            preflight.headers()[header::ACCESS_CONTROL_ALLOW_METHODS],
            "GET"
        );
        let other = send(
            Request::get("/ok").header(header::ORIGIN, "https://evil.example"),
            Body::empty(),
        )
        .await;
        assert!(
            !other
                .headers()
                .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        );
    }

    #[tokio::test]
    async fn credentials_reach_handlers_marked_sensitive() {
        let request = Request::get("/sensitive")
            .header(header::AUTHORIZATION, "Bearer secret")
            .header(header::COOKIE, "session=secret");
        assert_eq!(text(send(request, Body::empty()).await).await, "true true");
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_a_413() {
        let within = send(Request::post("/echo"), Body::from(vec![b'x'; BODY_LIMIT])).await;
        assert_eq!(text(within).await, BODY_LIMIT.to_string());
        let over = send(
            Request::post("/echo"),
            Body::from(vec![b'x'; BODY_LIMIT + 1]),
        )
        .await;
        assert_eq!(over.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_protected(&over);
    }
}
