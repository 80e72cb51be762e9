//! The HTTP server: its own accept loop, so that no client holds more than its share of the
//! connections and none waits for a descriptor; a deadline on every request's head; and a
//! shutdown that lets requests in flight finish, but not forever.
//!
//! The deadlines on heads are kept by one timer per connection, which sleeps until the
//! connection has had no request in flight for too long, rather than by hyper's header-read
//! timeout, which arms and drops a timer for every request (see the README's benchmarks for
//! what each costs).

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::response::Response;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use pin_project_lite::pin_project;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tower::{Service, ServiceExt};

use crate::auth::SettingError;
use crate::client_ip::TrustedProxies;
use crate::config::parse_or;

/// Descriptors kept back from connections, even when `MAX_CONNECTIONS` is set: the database
/// pool, key fetches, the listeners, logs.
const RESERVED_FILES: u64 = 64;
/// The default `MAX_CONNECTIONS` is three quarters of the open files limit, at most this.
const DEFAULT_MAX_CONNECTIONS: u64 = 100_000;

/// The longest any of the timeouts below may be set to, in seconds.
const MAX_TIMEOUT_SECS: u64 = 3600;

/// How connections are served (`HEADER_READ_TIMEOUT_SECS`, `KEEP_ALIVE_TIMEOUT_SECS`,
/// `MAX_CONNECTIONS`, `MAX_CONNECTIONS_PER_IP`, `SHUTDOWN_TIMEOUT_SECS`).
#[derive(Debug, Clone)]
pub struct ServerSettings {
    /// The longest a new connection may take to send its first request's head (its line and
    /// headers).
    pub header_read_timeout: Duration,
    /// The longest a connection may take, after an answer, to send its next request's head
    /// (idle or sending part of it); `None`: one request per connection.
    pub keep_alive_timeout: Option<Duration>,
    /// Connections open at once; more are closed as soon as they are accepted.
    pub max_connections: usize,
    /// Connections open at once from one address (a trusted proxy's are not counted).
    pub max_connections_per_ip: usize,
    /// How long requests in flight may take to finish after SIGTERM; then every connection left
    /// is closed.
    pub shutdown_timeout: Duration,
}

impl ServerSettings {
    pub fn from_lookup(
        var: impl Fn(&str) -> Option<String>,
        errors: &mut Vec<SettingError>,
    ) -> Self {
        let secs = |errors: &mut Vec<SettingError>, name: &'static str, default: u64| {
            parse_or(
                errors,
                name,
                var(name),
                default,
                "a whole number of seconds",
            )
        };
        let header_read_secs = secs(errors, "HEADER_READ_TIMEOUT_SECS", 10);
        if !(1..=MAX_TIMEOUT_SECS).contains(&header_read_secs) {
            errors.push(SettingError::new(
                "HEADER_READ_TIMEOUT_SECS",
                format!(
                    "must be between 1 and {MAX_TIMEOUT_SECS}: without it one client can hold \
                     connections forever"
                ),
            ));
        }
        let keep_alive_secs = secs(errors, "KEEP_ALIVE_TIMEOUT_SECS", 5);
        if keep_alive_secs > header_read_secs {
            // Else one quick request would buy a client a longer wait than a new connection gets.
            errors.push(SettingError::new(
                "KEEP_ALIVE_TIMEOUT_SECS",
                format!(
                    "`{keep_alive_secs}` is longer than HEADER_READ_TIMEOUT_SECS \
                     ({header_read_secs}): a reused connection gets no longer for a head than a \
                     new one; raise both"
                ),
            ));
        }
        let open_files = open_files_limit();
        let most = usize::try_from(open_files.saturating_sub(RESERVED_FILES)).unwrap_or(usize::MAX);
        let default_max = usize::try_from((open_files / 4 * 3).min(DEFAULT_MAX_CONNECTIONS))
            .unwrap_or(usize::MAX);
        let max_connections = parse_or(
            errors,
            "MAX_CONNECTIONS",
            var("MAX_CONNECTIONS"),
            default_max,
            "a whole number of connections",
        );
        if max_connections == 0 || max_connections > most {
            errors.push(SettingError::new(
                "MAX_CONNECTIONS",
                format!(
                    "must be between 1 and {most}: this process may open {open_files} files, \
                     and keeps {RESERVED_FILES} of them for other work"
                ),
            ));
        }
        let max_connections_per_ip = parse_or(
            errors,
            "MAX_CONNECTIONS_PER_IP",
            var("MAX_CONNECTIONS_PER_IP"),
            256,
            "a whole number of connections",
        );
        if max_connections_per_ip == 0 {
            errors.push(SettingError::new(
                "MAX_CONNECTIONS_PER_IP",
                "must be at least 1",
            ));
        }
        let shutdown_secs = secs(errors, "SHUTDOWN_TIMEOUT_SECS", 20);
        if shutdown_secs > MAX_TIMEOUT_SECS {
            errors.push(SettingError::new(
                "SHUTDOWN_TIMEOUT_SECS",
                format!("must be at most {MAX_TIMEOUT_SECS}"),
            ));
        }
        Self {
            header_read_timeout: Duration::from_secs(header_read_secs),
            keep_alive_timeout: (keep_alive_secs > 0).then(|| Duration::from_secs(keep_alive_secs)),
            max_connections,
            max_connections_per_ip,
            shutdown_timeout: Duration::from_secs(shutdown_secs),
        }
    }
}

/// Raises this process's soft limit on open files to its hard limit, as most servers do at
/// start: the soft limit (often 1024) is a default for programs that never need many. Where
/// the system refuses (macOS caps it), the soft limit stays as it was.
#[cfg(unix)]
pub fn raise_open_files_limit() {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    if limit.current != limit.maximum {
        let raised = Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        };
        if let Err(error) = setrlimit(Resource::Nofile, raised) {
            tracing::debug!(%error, ?limit, "cannot raise the open files limit");
        }
    }
}

#[cfg(not(unix))]
pub fn raise_open_files_limit() {}

/// The most files this process may open now.
#[cfg(unix)]
fn open_files_limit() -> u64 {
    rustix::process::getrlimit(rustix::process::Resource::Nofile)
        .current
        .unwrap_or(u64::MAX)
}

/// Windows has no such limit on sockets; this keeps the default connection cap of a small
/// Unix server.
#[cfg(not(unix))]
fn open_files_limit() -> u64 {
    16_384
}

/// Serves `service` on `listener` until `stop` completes, then stops accepting, lets the
/// requests in flight finish for up to `settings.shutdown_timeout`, and closes what is left.
/// With `connect_info`, each request carries its peer's address (`ConnectInfo`), for the
/// per-address rate limiter, the one reader of it.
pub async fn serve<S>(
    listener: TcpListener,
    service: S,
    connect_info: bool,
    settings: ServerSettings,
    trusted_proxies: TrustedProxies,
    stop: impl Future<Output = ()>,
) where
    S: Service<Request<Incoming>, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send,
{
    let mut http = http1::Builder::new();
    http.keep_alive(settings.keep_alive_timeout.is_some());
    let limits = Arc::new(Limits {
        open: AtomicUsize::new(0),
        per_ip: Mutex::new(HashMap::new()),
        settings: settings.clone(),
        trusted_proxies,
    });
    let (stopping, stopped) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        // The connection went away before it was accepted, or (never with the
                        // caps above) no descriptor is left: wait a moment instead of spinning.
                        tracing::debug!(%error, "accept failed");
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        continue;
                    }
                };
                // Over a cap, the connection is closed at once: dropping it is all it takes.
                let Some(slot) = limits.admit(peer.ip()) else {
                    continue;
                };
                let connection = Connection {
                    stream,
                    peer,
                    connect_info,
                    service: service.clone(),
                    header_read_timeout: settings.header_read_timeout,
                    keep_alive: settings.keep_alive_timeout,
                    stopped: stopped.clone(),
                };
                connections.spawn(connection.serve(http.clone(), slot));
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    stopping.send_replace(true);
    tracing::info!(
        open = connections.len(),
        "shutting down: finishing requests in flight"
    );
    let drained = tokio::time::timeout(settings.shutdown_timeout, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            closed = connections.len(),
            "shutdown deadline reached: closing the connections left"
        );
        connections.shutdown().await;
    }
}

/// The connections open now, in total and per address.
struct Limits {
    open: AtomicUsize,
    per_ip: Mutex<HashMap<IpAddr, usize>>,
    settings: ServerSettings,
    trusted_proxies: TrustedProxies,
}

impl Limits {
    /// A slot for a connection from `ip`, or `None` when it would go over a cap.
    fn admit(self: &Arc<Self>, ip: IpAddr) -> Option<Slot> {
        if self.open.fetch_add(1, Ordering::AcqRel) >= self.settings.max_connections {
            self.open.fetch_sub(1, Ordering::AcqRel);
            metrics::counter!("http_connections_refused_total", "cap" => "total").increment(1);
            return None;
        }
        // A proxy speaks for many clients: only the total counts its connections.
        let counted = !self.trusted_proxies.contains(ip);
        if counted {
            let mut per_ip = self.per_ip.lock().unwrap_or_else(PoisonError::into_inner);
            let count = per_ip.entry(ip).or_default();
            if *count >= self.settings.max_connections_per_ip {
                drop(per_ip);
                self.open.fetch_sub(1, Ordering::AcqRel);
                metrics::counter!("http_connections_refused_total", "cap" => "per_ip").increment(1);
                return None;
            }
            *count += 1;
        }
        metrics::gauge!("http_open_connections").increment(1.0);
        Some(Slot {
            limits: self.clone(),
            ip: counted.then_some(ip),
        })
    }
}

/// A connection's place under the caps, given back when it closes.
struct Slot {
    limits: Arc<Limits>,
    /// The address it counts against, unless a trusted proxy's.
    ip: Option<IpAddr>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(ip) = self.ip {
            let mut per_ip = self
                .limits
                .per_ip
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if let Some(count) = per_ip.get_mut(&ip) {
                *count -= 1;
                if *count == 0 {
                    per_ip.remove(&ip);
                }
            }
        }
        self.limits.open.fetch_sub(1, Ordering::AcqRel);
        metrics::gauge!("http_open_connections").decrement(1.0);
    }
}

/// One accepted connection and what serving it needs.
struct Connection<S> {
    stream: TcpStream,
    peer: SocketAddr,
    /// Whether requests carry `peer` as `ConnectInfo`.
    connect_info: bool,
    service: S,
    header_read_timeout: Duration,
    keep_alive: Option<Duration>,
    stopped: watch::Receiver<bool>,
}

impl<S> Connection<S>
where
    S: Service<Request<Incoming>, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send,
{
    /// Serves requests until the client leaves, the connection has had no request in flight
    /// for too long (`header_read_timeout` before its first, `keep_alive` after an answer: a
    /// head that is still incomplete counts as none), or the server stops (then the request in
    /// flight, if any, finishes first).
    async fn serve(self, http: http1::Builder, _slot: Slot) {
        let Self {
            stream,
            peer,
            connect_info,
            service,
            header_read_timeout,
            keep_alive,
            mut stopped,
        } = self;
        // Small JSON answers go out at once rather than waiting for more to send.
        let _ = stream.set_nodelay(true);
        let activity = Arc::new(Activity::new());
        let service = {
            let activity = activity.clone();
            hyper::service::service_fn(move |mut request: Request<Incoming>| {
                if connect_info {
                    // What `into_make_service_with_connect_info` would add.
                    request.extensions_mut().insert(ConnectInfo(peer));
                }
                let in_flight = InFlight::begin(activity.clone());
                let response = service.clone().oneshot(request);
                async move {
                    let response = response.await?;
                    Ok::<_, Infallible>(response.map(|body| Answer {
                        body,
                        _in_flight: in_flight,
                    }))
                }
            })
        };
        let connection = http.serve_connection(TokioIo::new(stream), service);
        tokio::pin!(connection);
        // Without keep-alive, hyper closes the connection after its first answer.
        let between = keep_alive.unwrap_or(header_read_timeout);
        let mut closing = false;
        loop {
            tokio::select! {
                biased;
                result = connection.as_mut() => {
                    if let Err(error) = result {
                        // A client gone, a malformed head: routine, not worth a warning.
                        tracing::debug!(%error, %peer, "connection ended");
                    }
                    return;
                }
                // Dropping the connection closes it: nothing is in flight.
                () = activity.idle_for(header_read_timeout, between) => {
                    tracing::debug!(%peer, "no request in time: connection closed");
                    return;
                }
                _ = stopped.wait_for(|stopped| *stopped), if !closing => {
                    connection.as_mut().graceful_shutdown();
                    closing = true;
                }
            }
        }
    }
}

/// Whether a connection has a request in flight, and since when it has not.
struct Activity {
    started: Instant,
    in_flight: AtomicUsize,
    /// Whether a request has been answered on this connection.
    answered: AtomicBool,
    /// When the last request ended, in milliseconds after `started`.
    idle_since_ms: AtomicU64,
}

impl Activity {
    fn new() -> Self {
        Self {
            started: Instant::now(),
            in_flight: AtomicUsize::new(0),
            answered: AtomicBool::new(false),
            idle_since_ms: AtomicU64::new(0),
        }
    }

    fn end(&self) {
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.idle_since_ms.store(now, Ordering::Release);
        self.answered.store(true, Ordering::Release);
        self.in_flight.fetch_sub(1, Ordering::AcqRel);
    }

    /// Completes once the connection has had no request in flight for `first` since it was
    /// opened, or for `between` since its last answer. One timer, which wakes when the
    /// deadline it slept for has passed, not at every request.
    async fn idle_for(&self, first: Duration, between: Duration) {
        loop {
            let limit = if self.answered.load(Ordering::Acquire) {
                between
            } else {
                first
            };
            let idle_since =
                self.started + Duration::from_millis(self.idle_since_ms.load(Ordering::Acquire));
            let deadline = idle_since + limit;
            if self.in_flight.load(Ordering::Acquire) > 0 {
                tokio::time::sleep(limit).await;
            } else if Instant::now() >= deadline {
                return;
            } else {
                tokio::time::sleep_until(deadline.into()).await;
            }
        }
    }
}

/// A request in flight on its connection, from the moment its head is read until hyper has
/// taken the last of its answer's body (or the request is dropped).
struct InFlight(Arc<Activity>);

impl InFlight {
    fn begin(activity: Arc<Activity>) -> Self {
        activity.in_flight.fetch_add(1, Ordering::AcqRel);
        Self(activity)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.end();
    }
}

pin_project! {
    /// An answer's body, which keeps its request in flight until it is all sent.
    struct Answer {
        #[pin]
        body: Body,
        _in_flight: InFlight,
    }
}

impl HttpBody for Answer {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        self.project().body.poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn settings(vars: &[(&str, &str)]) -> (ServerSettings, Vec<&'static str>) {
        let vars: HashMap<_, _> = vars.iter().copied().collect();
        let mut errors = Vec::new();
        let settings = ServerSettings::from_lookup(
            |name| vars.get(name).map(|v| (*v).to_owned()),
            &mut errors,
        );
        (settings, errors.iter().map(|e| e.variable).collect())
    }

    #[test]
    fn defaults_stay_below_the_open_files_limit() {
        let (settings, errors) = settings(&[]);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(settings.header_read_timeout, Duration::from_secs(10));
        assert_eq!(settings.keep_alive_timeout, Some(Duration::from_secs(5)));
        assert_eq!(settings.max_connections_per_ip, 256);
        assert_eq!(settings.shutdown_timeout, Duration::from_secs(20));
        assert!(settings.max_connections as u64 <= open_files_limit() / 4 * 3);
        assert!(settings.max_connections > 0);
    }

    #[test]
    fn bad_values_are_named() {
        let (_, errors) = settings(&[
            ("HEADER_READ_TIMEOUT_SECS", "0"),
            ("MAX_CONNECTIONS", "0"),
            ("MAX_CONNECTIONS_PER_IP", "many"),
            ("SHUTDOWN_TIMEOUT_SECS", "-1"),
        ]);
        assert_eq!(
            errors,
            [
                "HEADER_READ_TIMEOUT_SECS",
                "KEEP_ALIVE_TIMEOUT_SECS",
                "MAX_CONNECTIONS",
                "MAX_CONNECTIONS_PER_IP",
                "SHUTDOWN_TIMEOUT_SECS"
            ]
        );
        let (_, errors) = settings(&[("MAX_CONNECTIONS", &u64::MAX.to_string())]);
        assert_eq!(errors, ["MAX_CONNECTIONS"]);
    }

    #[test]
    fn zero_keep_alive_serves_one_request_per_connection() {
        let (settings, errors) = settings(&[("KEEP_ALIVE_TIMEOUT_SECS", "0")]);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(settings.keep_alive_timeout, None);
    }
}
