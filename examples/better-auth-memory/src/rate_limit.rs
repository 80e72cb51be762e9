//! Rate limits on `/api`: a token bucket per key (a client's address, a user), kept by
//! `governor`. A request over its key's limit is answered 429 with `Retry-After`, without
//! reaching the route. The per-user limit needs the user first: [`Authenticate`] verifies the
//! token before it.
//!
//! The buckets read the system's monotonic clock, one clock for every core: a per-core counter,
//! seen going back by a thread that moves between cores, would refuse clients under their
//! limit. A refusal costs the check and one more read of that clock, so a client flooding the
//! API is turned away for less than any route costs.

use std::convert::Infallible;
use std::future::{Future, Ready, ready};
use std::hash::{BuildHasher, Hash, RandomState};
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, MonotonicClock};
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};
use pin_project_lite::pin_project;
use tower::{Layer, Service};

use crate::auth::{AuthError, AuthUser, Verifier};
use crate::client_ip::TrustedProxies;
use crate::config::RateLimit;
use crate::error::{ApiError, ErrorBody};

/// What a limit counts requests by.
pub trait Key: Clone + Send + Sync + 'static {
    /// One bucket per value.
    type Value: Hash + Eq + Clone + Send + Sync + 'static;

    /// The request's value; `None` when what it is read from is missing, which the layer
    /// answers with a 500: the request was not checked, and is not let through.
    fn of(&self, request: &Request<Body>) -> Option<Self::Value>;
}

/// Counts by the client's address, as [`TrustedProxies::client_ip`] says; an IPv6 client by
/// its /64, the block a network gives one host at least: counted by whole address, one host
/// could be 2^64 clients, each with a full bucket and an entry in the table.
#[derive(Debug, Clone)]
pub struct ClientIp(pub TrustedProxies);

impl Key for ClientIp {
    type Value = IpAddr;

    fn of(&self, request: &Request<Body>) -> Option<IpAddr> {
        let ConnectInfo(peer) = request.extensions().get::<ConnectInfo<SocketAddr>>()?;
        Some(match self.0.client_ip(peer.ip(), request.headers()) {
            IpAddr::V6(ip) => IpAddr::V6(Ipv6Addr::from_bits(ip.to_bits() & !u128::from(u64::MAX))),
            v4 => v4,
        })
    }
}

/// Counts by the user that authentication found (it runs first), by the hash of their id with
/// a key of this process: the buckets keep no user id, and a request needs no copy of one.
#[derive(Debug, Clone, Default)]
pub struct User(RandomState);

impl Key for User {
    type Value = u64;

    fn of(&self, request: &Request<Body>) -> Option<u64> {
        let user = request.extensions().get::<AuthUser>()?;
        Some(self.0.hash_one(&user.user_id))
    }
}

type Buckets<V> = RateLimiter<V, DashMapStateStore<V>, MonotonicClock>;

/// The layer of one limit.
#[derive(Clone)]
pub struct RateLimitLayer<K: Key> {
    buckets: Arc<Buckets<K::Value>>,
    key: K,
}

impl<K: Key> RateLimitLayer<K> {
    /// `limit.per_second` requests a second per key, and bursts of up to `limit.burst`. Keys
    /// quiet for long enough to have a full bucket again are forgotten every minute, so that
    /// the table does not grow without bound; that task ends with the last service of the layer.
    pub fn new(limit: RateLimit, key: K) -> Self {
        let quota = Quota::per_second(limit.per_second).allow_burst(limit.burst);
        let buckets = Arc::new(RateLimiter::dashmap_with_clock(quota, MonotonicClock));
        let weak = Arc::downgrade(&buckets);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(60)).await;
                let Some(buckets) = weak.upgrade() else { break };
                buckets.retain_recent();
            }
        });
        Self { buckets, key }
    }
}

impl<S, K: Key> Layer<S> for RateLimitLayer<K> {
    type Service = RateLimited<S, K>;

    fn layer(&self, inner: S) -> Self::Service {
        RateLimited {
            inner,
            buckets: self.buckets.clone(),
            key: self.key.clone(),
        }
    }
}

/// A service behind one limit.
#[derive(Clone)]
pub struct RateLimited<S, K: Key> {
    inner: S,
    buckets: Arc<Buckets<K::Value>>,
    key: K,
}

impl<S, K> Service<Request<Body>> for RateLimited<S, K>
where
    S: Service<Request<Body>, Response = Response, Error = Infallible>,
    K: Key,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Limited<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let refusal = match self.key.of(&request) {
            Some(value) => match self.buckets.check_key(&value) {
                Ok(()) => {
                    return Limited::Passed {
                        route: self.inner.call(request),
                    };
                }
                Err(not_until) => {
                    too_many_requests(not_until.wait_time_from(self.buckets.clock().now()))
                }
            },
            None => ApiError::Internal(anyhow::anyhow!(
                "rate limit: the request carries no key (a layer it reads from is missing)"
            ))
            .into_response(),
        };
        Limited::Refused {
            response: ready(Ok(refusal)),
        }
    }
}

pin_project! {
    /// The route's answer, or the refusal.
    #[project = LimitedProjection]
    pub enum Limited<F> {
        Passed { #[pin] route: F },
        Refused { #[pin] response: Ready<Result<Response, Infallible>> },
    }
}

impl<F: Future<Output = Result<Response, Infallible>>> Future for Limited<F> {
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            LimitedProjection::Passed { route } => route.poll(cx),
            LimitedProjection::Refused { response } => response.poll(cx),
        }
    }
}

/// Verifies the caller's token before the per-user limit, and hands the user on to the route,
/// whose `AuthUser` then does not verify it again; a refused token is answered here, and never
/// reaches the limit or the route. A token decided without waiting (one remembered, or checked
/// against keys at hand) goes on to the route at once, without a copy of the route or a future
/// around it.
#[derive(Clone)]
pub struct Authenticate<S> {
    inner: S,
    verifier: Arc<Verifier>,
}

/// The layer of [`Authenticate`].
#[derive(Clone)]
pub struct AuthenticateLayer(Arc<Verifier>);

impl AuthenticateLayer {
    /// Puts [`Authenticate`], verifying with `verifier`, in front of a route.
    pub fn new(verifier: Arc<Verifier>) -> Self {
        Self(verifier)
    }
}

impl<S> Layer<S> for AuthenticateLayer {
    type Service = Authenticate<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Authenticate {
            inner,
            verifier: self.0.clone(),
        }
    }
}

impl<S> Service<Request<Body>> for Authenticate<S>
where
    S: Service<Request<Body>, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Authenticated<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let (mut parts, body) = request.into_parts();
        let verifier = self.verifier.clone();
        let mut verification: Verification = Box::pin(async move {
            let user = AuthUser::from_request_parts(&mut parts, &verifier).await;
            (user, parts)
        });
        // Polled once here, without a task to wake: most tokens are decided at once. One that
        // waits (for the keys) goes on where it stopped, polled by the request's task.
        match verification
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
        {
            Poll::Ready((Ok(user), mut parts)) => {
                parts.extensions.insert(user);
                Authenticated::Now {
                    route: self.inner.call(Request::from_parts(parts, body)),
                }
            }
            Poll::Ready((Err(refusal), _)) => Authenticated::Refused {
                response: ready(Ok(refusal.into_response())),
            },
            Poll::Pending => {
                // The ready service goes with the request; this one keeps a clone.
                let ready_inner = self.inner.clone();
                let mut inner = std::mem::replace(&mut self.inner, ready_inner);
                Authenticated::Later {
                    route: Box::pin(async move {
                        match verification.await {
                            (Ok(user), mut parts) => {
                                parts.extensions.insert(user);
                                inner.call(Request::from_parts(parts, body)).await
                            }
                            (Err(refusal), _) => Ok(refusal.into_response()),
                        }
                    }),
                }
            }
        }
    }
}

/// A token's verification, and the request's parts it read the token from.
type Verification = Pin<Box<dyn Future<Output = (Result<AuthUser, AuthError>, Parts)> + Send>>;

/// A route's answer, boxed.
type BoxedRoute = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

pin_project! {
    /// The route's answer, now or once the token is decided, or the refusal.
    #[project = AuthenticatedProjection]
    pub enum Authenticated<F> {
        Now { #[pin] route: F },
        Later { route: BoxedRoute },
        Refused { #[pin] response: Ready<Result<Response, Infallible>> },
    }
}

impl<F: Future<Output = Result<Response, Infallible>>> Future for Authenticated<F> {
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            AuthenticatedProjection::Now { route } => route.poll(cx),
            AuthenticatedProjection::Later { route } => route.as_mut().poll(cx),
            AuthenticatedProjection::Refused { response } => response.poll(cx),
        }
    }
}

/// 429, with the whole seconds until the key's next request would pass (at least 1).
fn too_many_requests(wait: Duration) -> Response {
    let seconds = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
    let body = ErrorBody {
        error: "rate_limited",
        message: "too many requests; retry later".to_owned(),
    };
    (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::RETRY_AFTER, HeaderValue::from(seconds))],
        Json(body),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use std::num::NonZeroU32;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::Router;
    use axum::routing::get;
    use tower::ServiceExt;

    use crate::auth::AuthSettings;

    use super::*;

    /// A route behind the per-address limit (1 a second, bursts of 2), and how often it ran.
    fn limited() -> (Router, Arc<AtomicUsize>) {
        let reached = Arc::new(AtomicUsize::new(0));
        let counter = reached.clone();
        let limit = RateLimit {
            per_second: NonZeroU32::MIN,
            burst: NonZeroU32::new(2).unwrap(),
        };
        let router = Router::new()
            .route(
                "/",
                get(move || async move {
                    counter.fetch_add(1, Ordering::Relaxed);
                    "ok"
                }),
            )
            .layer(RateLimitLayer::new(
                limit,
                ClientIp(TrustedProxies::default()),
            ));
        (router, reached)
    }

    async fn from(router: &Router, peer: Option<&str>) -> Response {
        let mut request = Request::get("/").body(Body::empty()).unwrap();
        if let Some(peer) = peer {
            let peer: SocketAddr = peer.parse().unwrap();
            request.extensions_mut().insert(ConnectInfo(peer));
        }
        router.clone().oneshot(request).await.unwrap()
    }

    #[tokio::test]
    async fn a_client_over_its_limit_is_refused_before_the_route_and_others_are_not() {
        let (router, reached) = limited();
        for _ in 0..2 {
            assert_eq!(
                from(&router, Some("192.0.2.1:1000")).await.status(),
                StatusCode::OK
            );
        }
        // Another port of the same address: the same client.
        let refused = from(&router, Some("192.0.2.1:2000")).await;
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(refused.headers()[header::RETRY_AFTER], "1");
        assert_eq!(reached.load(Ordering::Relaxed), 2);
        assert_eq!(
            from(&router, Some("192.0.2.2:1000")).await.status(),
            StatusCode::OK
        );
        assert_eq!(reached.load(Ordering::Relaxed), 3);
    }

    #[tokio::test]
    async fn an_ipv6_client_is_counted_by_its_64() {
        let (router, reached) = limited();
        for peer in ["[2001:db8::1]:1000", "[2001:db8::ffff:2]:1000"] {
            assert_eq!(from(&router, Some(peer)).await.status(), StatusCode::OK);
        }
        let refused = from(&router, Some("[2001:db8::3]:1000")).await;
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            from(&router, Some("[2001:db8:0:1::1]:1000")).await.status(),
            StatusCode::OK
        );
        assert_eq!(reached.load(Ordering::Relaxed), 3);
    }

    #[tokio::test]
    async fn a_request_without_its_key_is_a_500_and_not_let_through() {
        let (router, reached) = limited();
        let response = from(&router, None).await;
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(reached.load(Ordering::Relaxed), 0);
    }

    /// A route behind the per-user limit and [`Authenticate`], as `router` puts them, and how
    /// often it ran.
    fn authenticated() -> (Router, Arc<AtomicUsize>) {
        let env = AuthSettings::EXAMPLE_ENV;
        let lookup = |name: &str| {
            env.iter()
                .find(|(variable, _)| *variable == name)
                .map(|(_, value)| (*value).to_owned())
        };
        let Ok(verifier) = Verifier::new(AuthSettings::from_lookup(lookup, false).unwrap());
        let verifier = Arc::new(verifier);
        let reached = Arc::new(AtomicUsize::new(0));
        let counter = reached.clone();
        let limit = RateLimit {
            per_second: NonZeroU32::MIN,
            burst: NonZeroU32::MIN,
        };
        let router = Router::new()
            .route(
                "/",
                get(move |user: AuthUser| async move {
                    counter.fetch_add(1, Ordering::Relaxed);
                    user.user_id
                }),
            )
            .route_layer(RateLimitLayer::new(limit, User::default()))
            .route_layer(AuthenticateLayer::new(verifier.clone()))
            .with_state(verifier);
        (router, reached)
    }

    /// No token, a token that is not one, other credentials: each is refused with the
    /// token's answer (401 and its challenge), before the per-user limit (which, finding no
    /// user, would answer 500) and the route.
    #[tokio::test]
    async fn a_refused_token_is_answered_before_the_limit_and_the_route() {
        let (router, reached) = authenticated();
        for authorization in [None, Some("Bearer not.a.token"), Some("Basic dXNlcjpwYXNz")] {
            let mut request = Request::get("/").body(Body::empty()).unwrap();
            if let Some(value) = authorization {
                request
                    .headers_mut()
                    .insert(header::AUTHORIZATION, HeaderValue::from_static(value));
            }
            let response = router.clone().oneshot(request).await.unwrap();
            assert_eq!(
                response.status(),
                StatusCode::UNAUTHORIZED,
                "{authorization:?}"
            );
            assert!(
                response.headers().contains_key(header::WWW_AUTHENTICATE),
                "{authorization:?}"
            );
        }
        assert_eq!(reached.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn retry_after_is_the_wait_in_whole_seconds_rounded_up() {
        let retry_after = |wait| too_many_requests(wait).headers()[header::RETRY_AFTER].clone();
        assert_eq!(retry_after(Duration::ZERO), "1");
        assert_eq!(retry_after(Duration::from_millis(200)), "1");
        assert_eq!(retry_after(Duration::from_secs(1)), "1");
        assert_eq!(retry_after(Duration::from_millis(1500)), "2");
    }
}
