//! A plain axum 0.8 server whose only route, `GET /health`, answers `ok`: what the machine
//! serves with no middleware, the ceiling the generated server's `/health` is compared with.
//! Listens on `HOST` (default 127.0.0.1) and `PORT` (default 8080).
//!
//! With `RESPONSE=generated` it answers `/health` with the bytes a generated server sends: its
//! JSON body and the headers its protections add (security headers and a request id), written
//! as constants by the handler (`from_static`: no value is copied). That measures what those
//! bytes cost on their own, without the work that decides them.

use axum::Router;
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::routing::get;

#[tokio::main]
async fn main() {
    let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".to_owned());
    let port = std::env::var("PORT").unwrap_or_else(|_| "8080".to_owned());
    let listener = tokio::net::TcpListener::bind(format!("{host}:{port}"))
        .await
        .expect("the address is free");
    let app = match std::env::var("RESPONSE").as_deref() {
        Ok("generated") => Router::new().route(
            "/health",
            get(|| async {
                (
                    [
                        (
                            header::CONTENT_TYPE,
                            HeaderValue::from_static("application/json"),
                        ),
                        (
                            header::X_CONTENT_TYPE_OPTIONS,
                            HeaderValue::from_static("nosniff"),
                        ),
                        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
                        (
                            header::REFERRER_POLICY,
                            HeaderValue::from_static("no-referrer"),
                        ),
                        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
                        (
                            HeaderName::from_static("x-request-id"),
                            HeaderValue::from_static("4314e4d96229eb710000000000000000"),
                        ),
                    ],
                    r#"{"status":"ok"}"#,
                )
            }),
        ),
        Ok(other) => panic!("RESPONSE={other}: only `generated` is known"),
        Err(_) => Router::new().route("/health", get(|| async { "ok" })),
    };
    axum::serve(listener, app).await.expect("the server runs");
}
