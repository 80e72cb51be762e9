//! A plain axum 0.8 server whose only route, `GET /health`, answers `ok`: what the machine
//! serves with no middleware, the ceiling the generated server's `/health` is compared with.
//! Listens on `HOST` (default 127.0.0.1) and `PORT` (default 8080).

use axum::Router;
use axum::routing::get;

#[tokio::main]
async fn main() {
    let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".to_owned());
    let port = std::env::var("PORT").unwrap_or_else(|_| "8080".to_owned());
    let listener = tokio::net::TcpListener::bind(format!("{host}:{port}"))
        .await
        .expect("the address is free");
    let app = Router::new().route("/health", get(|| async { "ok" }));
    axum::serve(listener, app).await.expect("the server runs");
}
