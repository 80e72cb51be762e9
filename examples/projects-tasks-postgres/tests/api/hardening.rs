//! Hardening around the routes: rate limit, CORS, headers, docs.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::{AppOptions, collection_path, spawn_app, spawn_app_with};

// 34
#[tokio::test]
async fn a_burst_over_the_rate_limit_is_429_with_retry_after() {
    let app = spawn_app_with(AppOptions {
        env: vec![
            ("RATE_LIMIT_PER_SECOND", "1".into()),
            ("RATE_LIMIT_BURST", "5".into()),
        ],
        ..Default::default()
    })
    .await;
    let token = app.token("user-a");
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..10 {
        let response = app.list_items("user-a", &token).await;
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            retry_after = response.headers().get("retry-after").cloned();
        }
        statuses.push(response.status());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        5,
        "{statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
            .count(),
        5,
        "{statuses:?}"
    );
    let retry_after: u64 = retry_after
        .expect("Retry-After")
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1);
    assert_eq!(
        app.get("/health").await.status(),
        StatusCode::OK,
        "health checks are not limited"
    );
}

// 38
#[tokio::test]
async fn cors_allows_listed_origins_only() {
    let app = spawn_app_with(AppOptions {
        env: vec![("CORS_ALLOWED_ORIGINS", "https://app.example.com".into())],
        ..Default::default()
    })
    .await;
    let preflight = |origin: &'static str| {
        app.client
            .request(
                Method::OPTIONS,
                format!("{}{}", app.address, collection_path("user-a")),
            )
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
            .send()
    };
    let evil = preflight("https://evil.example.com").await.unwrap();
    assert!(
        evil.headers().get("access-control-allow-origin").is_none(),
        "{:?}",
        evil.headers()
    );
    let listed = preflight("https://app.example.com").await.unwrap();
    assert_eq!(
        listed.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
    assert!(
        listed
            .headers()
            .get("access-control-allow-credentials")
            .is_none()
    );
}

// 39
#[tokio::test]
async fn security_headers_are_on_every_response() {
    let app = spawn_app().await;
    let token = app.token("user-a");
    let responses = [
        app.get("/health").await,
        app.list_items("user-a", &token).await,
        app.get(&collection_path("user-a")).await,
        app.list_items("user-b", &token).await,
        app.get("/nothing/here").await,
    ];
    for response in responses {
        let headers = response.headers();
        let url = response.url().path().to_owned();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{url}");
        assert_eq!(headers["x-frame-options"], "DENY", "{url}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{url}");
        assert_eq!(headers["cache-control"], "no-store", "{url}");
        assert!(headers.get("x-request-id").is_some(), "{url}");
        assert!(
            headers.get("strict-transport-security").is_none(),
            "no HSTS outside production"
        );
    }
}

#[tokio::test]
async fn openapi_declares_bearer_auth_outside_production() {
    let app = spawn_app().await;
    let response = app.get("/openapi.json").await;
    assert_eq!(response.status(), StatusCode::OK);
    let doc: Value = response.json().await.unwrap();
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let operation = &doc["paths"]["/api/{user_id}/projects/{id}"]["get"];
    assert_eq!(operation["security"][0]["bearer"], serde_json::json!([]));
    let statuses = ["200", "400", "401", "403", "404", "408", "429", "500"];
    for status in statuses {
        assert!(
            operation["responses"][status].is_object(),
            "GET project documents {status}"
        );
    }
    assert!(
        operation["responses"]["503"].is_object(),
        "GET project documents 503"
    );
    let create = &doc["paths"]["/api/{user_id}/projects"]["post"];
    // A body route also answers malformed JSON, a wrong Content-Type, a body too large and
    // invalid fields, each with the one error body.
    for status in ["400", "413", "415", "422"] {
        assert_eq!(
            create["responses"][status]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/ErrorBody",
            "POST projects documents {status}"
        );
    }
    assert_eq!(app.get("/docs").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn production_serves_no_docs_and_sends_hsts() {
    let app = spawn_app_with(AppOptions {
        env: vec![("APP_ENV", "production".into())],
        ..Default::default()
    })
    .await;
    assert_eq!(
        app.get("/openapi.json").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get("/docs").await.status(), StatusCode::NOT_FOUND);
    let health = app.get("/health").await;
    assert!(
        health.headers()["strict-transport-security"]
            .to_str()
            .unwrap()
            .starts_with("max-age=")
    );
}
