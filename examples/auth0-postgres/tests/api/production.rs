//! Running in production: slow clients and connection caps, shutdown with a deadline, the
//! client's address behind a trusted proxy, the per-user rate limit, and `/metrics`.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{AppOptions, TestApp, collection_path, new_item, spawn_app_with};

/// A connection that has sent the start of a request's head, and no more.
async fn slow_client(app: &TestApp) -> TcpStream {
    let mut stream = TcpStream::connect(app.socket_addr()).await.unwrap();
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .await
        .unwrap();
    stream
}

/// Whether the server closes `stream` within `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0; 1024];
    loop {
        match tokio::time::timeout(within, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            // An answer (a 408, say) before the close.
            Ok(Ok(_)) => continue,
        }
    }
}

/// A server that gives a connection 1 s for a request's head, its first or its next.
async fn spawn_impatient_app() -> TestApp {
    spawn_app_with(AppOptions {
        env: vec![
            ("HEADER_READ_TIMEOUT_SECS", "1".into()),
            ("KEEP_ALIVE_TIMEOUT_SECS", "1".into()),
        ],
        ..Default::default()
    })
    .await
}

#[tokio::test]
async fn a_client_that_sends_its_head_too_slowly_is_disconnected() {
    let app = spawn_impatient_app().await;
    let started = Instant::now();
    let mut slow = slow_client(&app).await;
    // A header now and then does not buy more time.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let _ = slow.write_all(b"X-Trickle: 1\r\n").await;
    assert!(
        closed_within(&mut slow, Duration::from_secs(3)).await,
        "a head unfinished after 1 s keeps its connection"
    );
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert_eq!(app.get("/health").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_reused_connection_that_sends_its_next_head_too_slowly_is_disconnected() {
    let app = spawn_impatient_app().await;
    let mut stream = TcpStream::connect(app.socket_addr()).await.unwrap();
    let request = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    stream.write_all(request).await.unwrap();
    let mut answer = [0; 12];
    stream.read_exact(&mut answer).await.unwrap();
    assert_eq!(&answer, b"HTTP/1.1 200");
    // The next head starts at once, then trickles.
    let started = Instant::now();
    stream.write_all(b"GET /health HTTP/1.1\r\n").await.unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    let _ = stream.write_all(b"X-Trickle: 1\r\n").await;
    assert!(
        closed_within(&mut stream, Duration::from_secs(3)).await,
        "a second head unfinished after 1 s keeps its connection"
    );
    assert!(started.elapsed() >= Duration::from_millis(900));
}

#[tokio::test]
async fn a_request_whose_head_came_in_time_is_answered_however_slow_its_body() {
    let app = spawn_impatient_app().await;
    let token = app.token("user-a");
    let body = new_item().to_string();
    let mut stream = TcpStream::connect(app.socket_addr()).await.unwrap();
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        collection_path("user-a"),
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // Past both timeouts: the request is in flight, which neither of them cuts short (the
    // request's own 30 s deadline does).
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    stream.write_all(body.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
}

#[tokio::test]
async fn connections_over_the_per_ip_cap_are_closed_at_once() {
    let app = spawn_app_with(AppOptions {
        env: vec![("MAX_CONNECTIONS_PER_IP", "3".into())],
        // No connection of the client's own to count.
        wait_ready: false,
        ..Default::default()
    })
    .await;
    let mut held = vec![
        slow_client(&app).await,
        slow_client(&app).await,
        slow_client(&app).await,
    ];
    let mut over = slow_client(&app).await;
    assert!(
        closed_within(&mut over, Duration::from_secs(1)).await,
        "a fourth connection from one address stays open"
    );
    // Those under the cap are still served.
    held[0].write_all(b"\r\n").await.unwrap();
    let mut answer = [0; 12];
    held[0].read_exact(&mut answer).await.unwrap();
    assert_eq!(&answer, b"HTTP/1.1 200");
    held.clear();
    // Their slots are given back as they close.
    let mut status = None;
    for _ in 0..40 {
        if let Ok(response) = app
            .client
            .get(format!("{}/health", app.address))
            .send()
            .await
        {
            status = Some(response.status());
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status, Some(StatusCode::OK));
}

/// SIGTERM with two slow clients connected and a request in flight: the request is answered,
/// the slow clients are cut off at the deadline, and the process exits with status 0.
#[cfg(unix)]
#[tokio::test]
async fn sigterm_finishes_the_request_in_flight_then_exits_by_the_deadline() {
    let mut app = spawn_app_with(AppOptions {
        env: vec![
            ("SHUTDOWN_TIMEOUT_SECS", "2".into()),
            // Longer than the test: only the shutdown deadline ends the slow clients.
            ("HEADER_READ_TIMEOUT_SECS", "60".into()),
            ("KEEP_ALIVE_TIMEOUT_SECS", "60".into()),
        ],
        process: true,
        ..Default::default()
    })
    .await;
    let mut slow = vec![slow_client(&app).await, slow_client(&app).await];
    let token = app.token("user-a");
    let body = new_item().to_string();
    let (first, rest) = body.as_bytes().split_at(body.len() / 2);
    let mut in_flight = TcpStream::connect(app.socket_addr()).await.unwrap();
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        collection_path("user-a"),
        body.len()
    );
    in_flight.write_all(head.as_bytes()).await.unwrap();
    in_flight.write_all(first).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let address = app.socket_addr();
    let process = app.process.as_mut().expect("a server process");
    process.terminate();
    let terminated = Instant::now();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        TcpStream::connect(address).await.is_err(),
        "still accepting after SIGTERM"
    );
    in_flight.write_all(rest).await.unwrap();
    let mut answer = Vec::new();
    in_flight.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 201"),
        "the request in flight: {answer}"
    );

    for stream in &mut slow {
        assert!(
            closed_within(stream, Duration::from_secs(4)).await,
            "a slow client outlived the shutdown deadline"
        );
    }
    let status = process.exit_status(Duration::from_secs(4)).await;
    let took = terminated.elapsed();
    assert!(
        status.is_some_and(|status| status.success()),
        "exit: {status:?}"
    );
    assert!(
        took >= Duration::from_millis(1_800) && took < Duration::from_secs(4),
        "stopped {took:?} after SIGTERM, with a deadline of 2 s"
    );
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_rate_limit() {
    let app = spawn_app_with(AppOptions {
        env: vec![
            ("RATE_LIMIT_PER_SECOND", "1".into()),
            ("RATE_LIMIT_BURST", "2".into()),
            // The test is the proxy.
            ("TRUSTED_PROXIES", "127.0.0.1/32".into()),
        ],
        ..Default::default()
    })
    .await;
    let token = app.token("user-a");
    let status = |header: &'static str, value: &'static str| {
        app.client
            .get(format!("{}{}", app.address, collection_path("user-a")))
            .bearer_auth(&token)
            .header(header, value)
            .send()
    };
    let xff = "x-forwarded-for";
    for expected in [
        StatusCode::OK,
        StatusCode::OK,
        StatusCode::TOO_MANY_REQUESTS,
    ] {
        assert_eq!(
            status(xff, "198.51.100.1").await.unwrap().status(),
            expected
        );
    }
    // Another client; what it wrote at the left of the header is not believed.
    assert_eq!(
        status(xff, "198.51.100.1, 203.0.113.2")
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        status("forwarded", "for=192.0.2.3;proto=https")
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn forwarding_headers_from_an_untrusted_peer_are_ignored() {
    let app = spawn_app_with(AppOptions {
        env: vec![
            ("RATE_LIMIT_PER_SECOND", "1".into()),
            ("RATE_LIMIT_BURST", "2".into()),
        ],
        ..Default::default()
    })
    .await;
    let token = app.token("user-a");
    let mut statuses = Vec::new();
    for client in ["198.51.100.1", "198.51.100.2", "198.51.100.3"] {
        let response = app
            .client
            .get(format!("{}{}", app.address, collection_path("user-a")))
            .bearer_auth(&token)
            .header("x-forwarded-for", client)
            .send()
            .await
            .unwrap();
        statuses.push(response.status());
    }
    assert_eq!(
        statuses,
        [
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::TOO_MANY_REQUESTS
        ],
        "one address, whatever the headers say"
    );
}

#[tokio::test]
async fn each_user_has_a_rate_limit_of_their_own() {
    let app = spawn_app_with(AppOptions {
        env: vec![
            ("RATE_LIMIT_PER_USER_PER_SECOND", "1".into()),
            ("RATE_LIMIT_PER_USER_BURST", "3".into()),
        ],
        ..Default::default()
    })
    .await;
    let alice = app.token("user-a");
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..4 {
        let response = app.list_items("user-a", &alice).await;
        retry_after = response.headers().get("retry-after").cloned();
        statuses.push(response.status());
    }
    assert_eq!(
        statuses,
        [
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
    let retry_after: u64 = retry_after
        .expect("Retry-After")
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1);
    // Another user, from the same address, is not held back.
    let bob = app.token("user-b");
    assert_eq!(
        app.list_items("user-b", &bob).await.status(),
        StatusCode::OK
    );
    // Nor is a request without a token counted: it is refused before the limit.
    assert_eq!(
        app.get(&collection_path("user-a")).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn metrics_are_served_on_their_own_listener() {
    let metrics_port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .unwrap()
        .port();
    let app = spawn_app_with(AppOptions {
        env: vec![("METRICS_ADDR", format!("127.0.0.1:{metrics_port}"))],
        // Metrics of its own: the recorder is one per process.
        process: true,
        ..Default::default()
    })
    .await;
    let token = app.token("user-a");
    for _ in 0..2 {
        assert_eq!(
            app.list_items("user-a", &token).await.status(),
            StatusCode::OK
        );
    }
    let tampered = format!("{token}x");
    assert_eq!(
        app.list_items("user-a", &tampered).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/nothing/here").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/metrics").await.status(),
        StatusCode::NOT_FOUND,
        "not on the API's listener"
    );

    let response = app
        .client
        .get(format!("http://127.0.0.1:{metrics_port}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    let value = |name: &str, labels: &[&str]| -> f64 {
        text.lines()
            .filter(|line| {
                line.split(['{', ' ']).next() == Some(name)
                    && labels.iter().all(|label| line.contains(label))
            })
            .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    };
    let route = r#"route="/api/{user_id}/orders""#;
    assert_eq!(
        value("http_requests_total", &[route, r#"status="200""#]),
        2.0,
        "{text}"
    );
    assert_eq!(
        value("http_requests_total", &[route, r#"status="401""#]),
        1.0
    );
    assert_eq!(
        value(
            "http_requests_total",
            &[r#"route="unmatched""#, r#"status="404""#]
        ),
        2.0,
        "/nothing/here and /metrics: {text}"
    );
    assert!(value("http_request_duration_seconds_count", &[route]) >= 3.0);
    assert!(
        text.contains("http_request_duration_seconds_bucket{"),
        "{text}"
    );
    assert_eq!(
        value("auth_token_refusals_total", &["reason="]),
        1.0,
        "{text}"
    );
    assert_eq!(value("auth_token_cache_misses_total", &[]), 2.0, "{text}");
    assert_eq!(value("auth_token_cache_hits_total", &[]), 1.0, "{text}");
    assert!(value("db_pool_connections", &[]) >= 1.0, "{text}");
    assert!(value("http_open_connections", &[]) >= 1.0, "{text}");
    assert!(
        !text.contains("user-a") && !text.contains(&token[..20]),
        "a user id or a token in a label: {text}"
    );
}
