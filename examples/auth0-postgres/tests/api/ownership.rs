//! Ownership: a user reaches their own orders and nobody else's.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, collection_path, item_path, spawn_app};

const ALICE: &str = "user-alice";
const BOB: &str = "user-bob";

async fn fetch_as_owner(app: &TestApp, user: &str, id: &str) -> Value {
    let response = app
        .request(
            Method::GET,
            &item_path(user, id),
            Some(&app.token(user)),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

// A user id need not be URL-safe (`tenant|…`, an e-mail address, any string): in a path it is
// percent-encoded, and the Location of a new order leads back to it.
#[tokio::test]
async fn a_user_id_with_reserved_characters_gets_a_working_location() {
    let app = spawn_app().await;
    let user = "tenant|josé 1/2?#%\n";
    let token = app.token(user);
    let collection = "/api/tenant%7Cjos%C3%A9%201%2F2%3F%23%25%0A/orders";
    let response = app
        .request(
            Method::POST,
            collection,
            Some(&token),
            Some(&json!({ "title": "escape me" })),
        )
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

#[tokio::test]
async fn the_owner_can_create_read_update_and_delete() {
    let app = spawn_app().await;
    let token = app.token(ALICE);
    let response = app
        .create_item(
            ALICE,
            &token,
            &json!({ "title": "buy milk", "description": "2 litres" }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = response.json().await.unwrap();
    let path = item_path(ALICE, created["id"].as_str().unwrap());
    assert_eq!(location, path);
    assert_eq!(
        (created["title"].as_str(), created["completed"].as_bool()),
        (Some("buy milk"), Some(false))
    );

    let read = app.request(Method::GET, &path, Some(&token), None).await;
    assert_eq!(read.status(), StatusCode::OK);
    assert_eq!(read.json::<Value>().await.unwrap(), created);

    let put = app
        .request(
            Method::PUT,
            &path,
            Some(&token),
            Some(&json!({ "title": "buy oat milk", "completed": true })),
        )
        .await;
    assert_eq!(put.status(), StatusCode::OK);
    let put: Value = put.json().await.unwrap();
    assert_eq!(
        (
            put["title"].as_str(),
            put["completed"].as_bool(),
            &put["description"]
        ),
        (Some("buy oat milk"), Some(true), &Value::Null)
    );

    let patch = app
        .request(
            Method::PATCH,
            &path,
            Some(&token),
            Some(&json!({ "description": "the barista kind" })),
        )
        .await;
    assert_eq!(patch.status(), StatusCode::OK);
    let patch: Value = patch.json().await.unwrap();
    assert_eq!(
        (patch["title"].as_str(), patch["description"].as_str()),
        (Some("buy oat milk"), Some("the barista kind"))
    );
    let cleared = app
        .request(
            Method::PATCH,
            &path,
            Some(&token),
            Some(&json!({ "description": null })),
        )
        .await;
    assert_eq!(
        cleared.json::<Value>().await.unwrap()["description"],
        Value::Null
    );

    let deleted = app.request(Method::DELETE, &path, Some(&token), None).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let gone = app.request(Method::GET, &path, Some(&token), None).await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn invalid_order_fields_are_422() {
    let app = spawn_app().await;
    let token = app.token(ALICE);
    let cases = [
        ("empty title", json!({ "title": "" })),
        ("blank title", json!({ "title": "   " })),
        ("title too long", json!({ "title": "x".repeat(201) })),
        (
            "description too long",
            json!({ "title": "ok", "description": "x".repeat(2001) }),
        ),
        ("title of the wrong type", json!({ "title": 5 })),
        ("no title", json!({ "description": "no title" })),
    ];
    for (case, body) in cases {
        let response = app.create_item(ALICE, &token, &body).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{case}"
        );
    }
    let response = app
        .create_item(ALICE, &token, &json!({ "title": "x".repeat(200) }))
        .await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "200 characters is the limit, inclusive"
    );
}

// 28
#[tokio::test]
async fn another_users_order_is_404_and_left_unchanged() {
    let app = spawn_app().await;
    let bobs = app.seed_item(BOB, "bob's secret").await;
    let id = bobs["id"].as_str().unwrap();
    let alice = app.token(ALICE);
    let attempts = [
        (Method::GET, None),
        (
            Method::PUT,
            Some(json!({ "title": "hacked", "completed": true })),
        ),
        (Method::PATCH, Some(json!({ "title": "hacked" }))),
        (Method::DELETE, None),
    ];
    for (method, body) in attempts {
        let response = app
            .request(
                method.clone(),
                &item_path(ALICE, id),
                Some(&alice),
                body.as_ref(),
            )
            .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{method}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "not_found", "{method}");
    }
    assert_eq!(
        fetch_as_owner(&app, BOB, id).await,
        bobs,
        "bob's order is unchanged"
    );
}

// 29
#[tokio::test]
async fn another_users_path_is_403() {
    let app = spawn_app().await;
    let bobs = app.seed_item(BOB, "bob's order").await;
    let id = bobs["id"].as_str().unwrap();
    let alice = app.token(ALICE);
    let attempts = [
        (Method::GET, collection_path(BOB), None),
        (
            Method::POST,
            collection_path(BOB),
            Some(json!({ "title": "planted" })),
        ),
        (Method::GET, item_path(BOB, id), None),
        (
            Method::PUT,
            item_path(BOB, id),
            Some(json!({ "title": "hacked", "completed": true })),
        ),
        (
            Method::PATCH,
            item_path(BOB, id),
            Some(json!({ "completed": true })),
        ),
        (Method::DELETE, item_path(BOB, id), None),
        // The ownership check comes before the body is read.
        (
            Method::POST,
            collection_path(BOB),
            Some(json!({ "owner_id": ALICE })),
        ),
    ];
    for (method, path, body) in attempts {
        let response = app
            .request(method.clone(), &path, Some(&alice), body.as_ref())
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{method} {path}");
    }
    assert_eq!(
        fetch_as_owner(&app, BOB, id).await,
        bobs,
        "bob's order is unchanged"
    );
    let page: Value = app
        .list_items(BOB, &app.token(BOB))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        page["items"].as_array().unwrap().len(),
        1,
        "nothing was planted in bob's list"
    );
}

// 30
#[tokio::test]
async fn owner_filters_in_the_query_are_ignored() {
    let app = spawn_app().await;
    let alices = app.seed_item(ALICE, "alice's").await;
    app.seed_item(BOB, "bob's").await;
    for query in [
        format!("owner_id={BOB}"),
        format!("user_id={BOB}"),
        format!("owner_id={BOB}&user_id={BOB}"),
    ] {
        let response = app
            .request(
                Method::GET,
                &format!("{}?{query}", collection_path(ALICE)),
                Some(&app.token(ALICE)),
                None,
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{query}");
        let page: Value = response.json().await.unwrap();
        assert_eq!(page["items"], json!([alices]), "{query}");
    }
}

// 31
#[tokio::test]
async fn mass_assignment_is_422_and_the_owner_never_changes() {
    let app = spawn_app().await;
    let token = app.token(ALICE);
    let mine = app.seed_item(ALICE, "mine").await;
    let path = item_path(ALICE, mine["id"].as_str().unwrap());
    for field in ["owner_id", "user_id", "id", "created_at", "updated_at"] {
        let value = if field.ends_with("_at") {
            json!("2000-01-01T00:00:00Z")
        } else {
            json!(BOB)
        };
        let mut body = json!({ "title": "sneaky", "completed": false });
        body[field] = value;
        let created = app.create_item(ALICE, &token, &body).await;
        assert_eq!(
            created.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "create with {field}"
        );
        let replaced = app
            .request(Method::PUT, &path, Some(&token), Some(&body))
            .await;
        assert_eq!(
            replaced.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "put with {field}"
        );
        let patched = app
            .request(
                Method::PATCH,
                &path,
                Some(&token),
                Some(&json!({ field: body[field].clone() })),
            )
            .await;
        assert_eq!(
            patched.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "patch with {field}"
        );
    }
    assert_eq!(
        fetch_as_owner(&app, ALICE, mine["id"].as_str().unwrap()).await,
        mine
    );
    let bobs: Value = app
        .list_items(BOB, &app.token(BOB))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(bobs["items"], json!([]), "nothing landed in bob's list");
}

// 32
#[tokio::test]
async fn responses_expose_no_owner_and_no_internals() {
    let app = spawn_app().await;
    let mine = app.seed_item(ALICE, "mine").await;
    let mut keys: Vec<&str> = mine
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "completed",
            "created_at",
            "description",
            "id",
            "title",
            "updated_at"
        ]
    );

    let page = app
        .list_items(ALICE, &app.token(ALICE))
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains(ALICE), "the owner id is not echoed: {page}");
    let paths = [
        item_path(ALICE, "not-a-uuid"),
        collection_path(BOB),
        "/no/such/route".to_owned(),
    ];
    for path in paths {
        let response = app
            .request(Method::GET, &path, Some(&app.token(ALICE)), None)
            .await;
        let body: Value = response.json().await.unwrap();
        let mut keys: Vec<&str> = body
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(keys, ["error", "message"], "{path}");
        let text = body.to_string().to_lowercase();
        for leak in [
            "sqlite",
            "postgres",
            "panicked",
            "src/",
            "backtrace",
            "select ",
        ] {
            assert!(!text.contains(leak), "{path} leaks {leak}: {text}");
        }
    }
}

// 33
#[tokio::test]
async fn an_oversized_body_is_413() {
    let app = spawn_app().await;
    let body = json!({ "title": "big", "description": "x".repeat(100 * 1024) });
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
    // (Content-Type, body, status)
    let cases = [
        (json, r#"{"title": "#, 400),
        (None, r#"{"title": "a"}"#, 415),
        (Some("text/plain"), r#"{"title": "a"}"#, 415),
        (json, r#"{"title": "a\u0000b"}"#, 422),
    ];
    for (content_type, body, status) in cases {
        let mut request = app.client.post(&url).bearer_auth(&token).body(body);
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
    for i in 0..105 {
        let body = json!({ "title": format!("item {i}") });
        let response = app.create_item(ALICE, &token, &body).await;
        assert_eq!(response.status(), StatusCode::CREATED);
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
    let titles: Vec<&str> = second["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        ["item 100", "item 101", "item 102", "item 103", "item 104"]
    );
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
    let title = "'; DROP TABLE orders; -- \" OR 1=1 /*";
    let description = "Robert'); DELETE FROM orders WHERE ('1'='1 %_\\";
    let response = app
        .create_item(
            ALICE,
            &token,
            &json!({ "title": title, "description": description }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.unwrap();
    assert_eq!(
        (created["title"].as_str(), created["description"].as_str()),
        (Some(title), Some(description))
    );
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
        page["items"],
        json!([created]),
        "the table survived, with the text verbatim"
    );
}
