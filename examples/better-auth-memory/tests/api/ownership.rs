//! What every route shares, tried on bookmarks: user ids in paths, bodies that are
//! too large or not JSON, pagination, oversized tokens and SQL in the data. Each resource's
//! own file tries its fields and every way to reach another user's items.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{collection_path, item_path, new_item, spawn_app};

const ALICE: &str = "user-alice";

// A user id need not be URL-safe (`tenant|…`, an e-mail address, any string): in a path it is
// percent-encoded, and the Location of a new bookmark leads back to it.
#[tokio::test]
async fn a_user_id_with_reserved_characters_gets_a_working_location() {
    let app = spawn_app().await;
    let user = "tenant|josé 1/2?#%\n";
    let token = app.token(user);
    let collection = "/api/tenant%7Cjos%C3%A9%201%2F2%3F%23%25%0A/bookmarks";
    let response = app
        .request(Method::POST, collection, Some(&token), Some(&new_item()))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = response.json().await.unwrap();
    let id = created["id"].as_str().unwrap();
    assert_eq!(location, format!("{collection}/{id}"));
    let read = app
        .request(Method::GET, &location, Some(&token), None)
        .await;
    assert_eq!(read.status(), StatusCode::OK);
    assert_eq!(read.json::<Value>().await.unwrap(), created);
}

// 33
#[tokio::test]
async fn an_oversized_body_is_413() {
    let app = spawn_app().await;
    let mut body = new_item();
    body["padding"] = json!("x".repeat(64 * 1024));
    let response = app.create_item(ALICE, &app.token(ALICE), &body).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

// 33
#[tokio::test]
async fn a_body_not_json_is_400_one_not_sent_as_json_415_and_a_nul_422() {
    let app = spawn_app().await;
    let token = app.token(ALICE);
    let url = format!("{}{}", app.address, collection_path(ALICE));
    let json = Some("application/json");
    let valid = new_item().to_string();
    let mut nul = new_item();
    nul["title"] = json!("a\u{0}b");
    let nul = nul.to_string();
    // (Content-Type, body, status)
    let cases = [
        (json, &valid[..valid.len() - 1], 400),
        (None, &valid[..], 415),
        (Some("text/plain"), &valid[..], 415),
        (json, &nul[..], 422),
    ];
    for (content_type, body, status) in cases {
        let mut request = app
            .client
            .post(&url)
            .bearer_auth(&token)
            .body(body.to_owned());
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let response = request.send().await.expect("request sent");
        assert_eq!(
            response.status().as_u16(),
            status,
            "{content_type:?} {body}"
        );
        let error: Value = response.json().await.expect("a JSON error body");
        assert!(
            error["error"].is_string() && error["message"].is_string(),
            "{content_type:?} {body}: {error}"
        );
    }
}

// 33
#[tokio::test]
async fn the_page_size_is_clamped_and_pages_chain() {
    let app = spawn_app().await;
    let token = app.token(ALICE);
    let mut created = Vec::new();
    for _ in 0..105 {
        let response = app.create_item(ALICE, &token, &new_item()).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let item: Value = response.json().await.unwrap();
        created.push(item["id"].as_str().unwrap().to_owned());
    }
    let list = async |query: &str| {
        let path = format!("{}?{query}", collection_path(ALICE));
        app.request(Method::GET, &path, Some(&token), None).await
    };
    let first: Value = list("limit=100000").await.json().await.unwrap();
    assert_eq!(
        first["items"].as_array().unwrap().len(),
        100,
        "limit clamped to 100"
    );
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let second: Value = list(&format!("limit=100&cursor={cursor}"))
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = second["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, created[100..], "the rest, oldest first");
    assert_eq!(second["next_cursor"], Value::Null);
    let default: Value = list("").await.json().await.unwrap();
    assert_eq!(
        default["items"].as_array().unwrap().len(),
        20,
        "default page size"
    );
    for cursor in ["abc", "%2B5", "-5", "1234567890123456789"] {
        let status = list(&format!("cursor={cursor}")).await.status();
        assert_eq!(status, StatusCode::BAD_REQUEST, "cursor={cursor}");
    }
}

// 33
#[tokio::test]
async fn a_token_over_8_kib_is_401() {
    let app = spawn_app().await;
    let token = app.token_with(ALICE, |c| {
        c.insert("padding".into(), json!("p".repeat(9 * 1024)));
    });
    let response = app.list_items(ALICE, &token).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

// 37
#[tokio::test]
async fn sql_metacharacters_are_data() {
    let app = spawn_app().await;
    let token = app.token(ALICE);
    for text in [
        "'; DROP TABLE bookmarks; -- \" OR 1=1 /*",
        "Robert'); DELETE FROM bookmarks WHERE ('1'='1 %_\\",
    ] {
        let mut body = new_item();
        body["title"] = json!(text.chars().take(200).collect::<String>());
        let response = app.create_item(ALICE, &token, &body).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let created: Value = response.json().await.unwrap();
        assert_eq!(created["title"], body["title"], "stored verbatim");
    }
    for id in [
        "1' OR '1'='1",
        "1 OR 1=1",
        "%",
        "00000000-0000-0000-0000-000000000000",
    ] {
        let encoded: String = id.bytes().map(|b| format!("%{b:02X}")).collect();
        let response = app
            .request(Method::GET, &item_path(ALICE, &encoded), Some(&token), None)
            .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "id {id}");
    }
    let page: Value = app.list_items(ALICE, &token).await.json().await.unwrap();
    assert_eq!(
        page["items"].as_array().unwrap().len(),
        2,
        "the table survived"
    );
}
