//! Orders: the owner's CRUD, every field's bounds, and every way to reach another
//! user's orders.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

const ALICE: &str = "user-alice";
const BOB: &str = "user-bob";

/// Where `user`'s orders are listed and created.
fn collection(user: &str) -> String {
    format!("/api/{user}/orders")
}

/// Where one of them is read, changed and deleted.
fn item(user: &str, id: &str) -> String {
    format!("{}/{id}", collection(user))
}

/// A valid new order, and one with every field different.
fn sample() -> Value {
    json!({ "title": "one title", "description": "one description", "completed": true })
}

fn other() -> Value {
    json!({ "title": "two title", "description": "two description", "completed": false })
}

/// Where `user`'s orders live in a test: their collection.
struct Place<'a> {
    app: &'a TestApp,
    user: &'a str,
    token: String,
}

impl<'a> Place<'a> {
    async fn of(app: &'a TestApp, user: &'a str) -> Place<'a> {
        let token = app.token(user);
        Place { app, user, token }
    }

    fn collection(&self) -> String {
        collection(self.user)
    }

    fn item(&self, id: &str) -> String {
        item(self.user, id)
    }

    async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> reqwest::Response {
        self.app
            .request(method, path, Some(&self.token), body)
            .await
    }

    /// Creates a order from `body` and returns it.
    async fn create(&self, body: &Value) -> Value {
        let response = self
            .call(Method::POST, &self.collection(), Some(body))
            .await;
        assert_eq!(response.status(), StatusCode::CREATED, "create {body}");
        response.json().await.unwrap()
    }

    async fn read(&self, id: &str) -> Value {
        let response = self.call(Method::GET, &self.item(id), None).await;
        assert_eq!(response.status(), StatusCode::OK, "read {id}");
        response.json().await.unwrap()
    }

    /// The ids of the first page listed with `query`.
    async fn list(&self, query: &str) -> Value {
        let response = self
            .call(Method::GET, &format!("{}?{query}", self.collection()), None)
            .await;
        assert_eq!(response.status(), StatusCode::OK, "list ?{query}");
        response.json().await.unwrap()
    }
}

/// Each field of `body` as `item` has it.
fn assert_fields(item: &Value, body: &Value) {
    for (field, value) in body.as_object().unwrap() {
        assert_eq!(&item[field], value, "{field} of {item}");
    }
}

fn ids(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn the_owner_can_create_read_replace_patch_and_delete_orders() {
    let app = spawn_app().await;
    let alice = Place::of(&app, ALICE).await;
    let response = alice
        .call(Method::POST, &alice.collection(), Some(&sample()))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = response.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(location, alice.item(&id));
    assert_fields(&created, &sample());
    assert_eq!(alice.read(&id).await, created);

    let replaced = alice
        .call(Method::PUT, &alice.item(&id), Some(&other()))
        .await;
    assert_eq!(replaced.status(), StatusCode::OK);
    assert_fields(&replaced.json().await.unwrap(), &other());

    for (field, value) in sample().as_object().unwrap() {
        let patch = json!({ field: value });
        let patched = alice
            .call(Method::PATCH, &alice.item(&id), Some(&patch))
            .await;
        assert_eq!(patched.status(), StatusCode::OK, "patch {patch}");
        assert_eq!(
            &patched.json::<Value>().await.unwrap()[field],
            value,
            "patch {patch}"
        );
    }
    assert_fields(&alice.read(&id).await, &sample());

    let cleared = alice
        .call(
            Method::PATCH,
            &alice.item(&id),
            Some(&json!({ "description": null })),
        )
        .await;
    assert_eq!(cleared.status(), StatusCode::OK);
    assert_eq!(
        cleared.json::<Value>().await.unwrap()["description"],
        Value::Null,
        "`null` clears description"
    );

    let deleted = alice.call(Method::DELETE, &alice.item(&id), None).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let gone = alice.call(Method::GET, &alice.item(&id), None).await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    let again = alice.call(Method::DELETE, &alice.item(&id), None).await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_new_order_gets_the_defaults_and_nulls() {
    let app = spawn_app().await;
    let alice = Place::of(&app, ALICE).await;
    let created = alice.create(&json!({ "title": "one title" })).await;
    assert_eq!(
        created["description"],
        Value::Null,
        "description is optional"
    );
    assert_eq!(
        created["completed"],
        json!(false),
        "the default of completed"
    );
    let mut missing = json!({ "title": "one title" });
    missing.as_object_mut().unwrap().remove("title");
    let response = alice
        .call(Method::POST, &alice.collection(), Some(&missing))
        .await;
    assert_eq!(
        response.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "without title"
    );
    let error: Value = response.json().await.unwrap();
    assert!(
        error["message"].as_str().unwrap().contains("title"),
        "{error}"
    );
}

/// `(field, what, value)`: values each field refuses.
fn invalid_values() -> Vec<(&'static str, &'static str, Value)> {
    vec![
        ("title", "empty", json!("")),
        ("title", "blank", json!("   ")),
        ("title", "too long", json!("x".repeat(201))),
        ("title", "with NUL", json!("a\u{0}b")),
        ("title", "a number", json!(5)),
        ("title", "null", json!(null)),
        ("description", "empty", json!("")),
        ("description", "blank", json!("   ")),
        ("description", "too long", json!("x".repeat(2001))),
        ("description", "with NUL", json!("a\u{0}b")),
        ("description", "a number", json!(5)),
        ("completed", "a string", json!("yes")),
        ("completed", "a number", json!(1)),
        ("completed", "null", json!(null)),
    ]
}

#[tokio::test]
async fn invalid_order_fields_are_422_naming_the_field() {
    let app = spawn_app().await;
    let alice = Place::of(&app, ALICE).await;
    let created = alice.create(&sample()).await;
    let path = alice.item(created["id"].as_str().unwrap());
    for (field, what, value) in invalid_values() {
        let mut body = sample();
        body[field] = value.clone();
        let patch = json!({ field: value });
        for (method, path, body) in [
            (Method::POST, alice.collection(), &body),
            (Method::PUT, path.clone(), &body),
            (Method::PATCH, path.clone(), &patch),
        ] {
            let response = alice.call(method.clone(), &path, Some(body)).await;
            assert_eq!(
                response.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{method} {field} {what}"
            );
            let error: Value = response.json().await.unwrap();
            let message = error["message"].as_str().unwrap();
            assert!(
                message.contains(field),
                "{method} {field} {what}: {message}"
            );
        }
    }
    assert_eq!(
        alice.read(created["id"].as_str().unwrap()).await,
        created,
        "nothing was changed"
    );
}

#[tokio::test]
async fn text_at_its_limits_is_accepted() {
    let app = spawn_app().await;
    let alice = Place::of(&app, ALICE).await;
    let mut body = sample();
    body["title"] = json!("é".repeat(200));
    body["description"] = json!("é".repeat(2000));
    let created = alice.create(&body).await;
    assert_fields(&created, &body);
}

// 28
#[tokio::test]
async fn another_users_order_is_404_and_left_unchanged() {
    let app = spawn_app().await;
    let bob = Place::of(&app, BOB).await;
    let bobs = bob.create(&sample()).await;
    let id = bobs["id"].as_str().unwrap();
    let alice = Place::of(&app, ALICE).await;
    for (method, body) in [
        (Method::GET, None),
        (Method::PUT, Some(other())),
        (Method::PATCH, Some(other())),
        (Method::DELETE, None),
    ] {
        let response = alice
            .call(method.clone(), &alice.item(id), body.as_ref())
            .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{method}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"], "not_found", "{method}");
    }
    assert_eq!(bob.read(id).await, bobs, "bob's order is unchanged");
    assert_eq!(
        ids(&alice.list("").await),
        Vec::<&str>::new(),
        "alice sees none of bob's"
    );
}

// 29
#[tokio::test]
async fn another_users_path_is_403_for_orders() {
    let app = spawn_app().await;
    let bob = Place::of(&app, BOB).await;
    let bobs = bob.create(&sample()).await;
    let id = bobs["id"].as_str().unwrap();
    let alice = app.token(ALICE);
    for (method, path, body) in [
        (Method::GET, bob.collection(), None),
        (Method::POST, bob.collection(), Some(sample())),
        (Method::GET, bob.item(id), None),
        (Method::PUT, bob.item(id), Some(other())),
        (Method::PATCH, bob.item(id), Some(other())),
        (Method::DELETE, bob.item(id), None),
        // The ownership check comes before the body is read.
        (
            Method::POST,
            bob.collection(),
            Some(json!({ "owner_id": ALICE })),
        ),
    ] {
        let response = app
            .request(method.clone(), &path, Some(&alice), body.as_ref())
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{method} {path}");
    }
    assert_eq!(bob.read(id).await, bobs, "bob's order is unchanged");
    assert_eq!(
        ids(&bob.list("").await),
        [id],
        "nothing was planted in bob's list"
    );
}

// 30
#[tokio::test]
async fn owner_filters_in_the_query_of_orders_are_ignored() {
    let app = spawn_app().await;
    let alice = Place::of(&app, ALICE).await;
    let bob = Place::of(&app, BOB).await;
    let alices = alice.create(&sample()).await;
    bob.create(&sample()).await;
    for query in [
        format!("owner_id={BOB}"),
        format!("user_id={BOB}"),
        format!("owner_id={BOB}&user_id={BOB}"),
    ] {
        assert_eq!(
            alice.list(&query).await["items"],
            json!([alices]),
            "{query}"
        );
    }
}

// 31
#[tokio::test]
async fn mass_assignment_of_a_order_is_422_and_the_owner_never_changes() {
    let app = spawn_app().await;
    let alice = Place::of(&app, ALICE).await;
    let mine = alice.create(&sample()).await;
    let path = alice.item(mine["id"].as_str().unwrap());
    for (field, value) in [
        ("owner_id", json!(BOB)),
        ("user_id", json!(BOB)),
        ("id", json!("00000000-0000-0000-0000-000000000001")),
        ("created_at", json!("2000-01-01T00:00:00Z")),
        ("updated_at", json!("2000-01-01T00:00:00Z")),
    ] {
        let mut body = sample();
        body[field] = value.clone();
        for (method, path, body) in [
            (Method::POST, alice.collection(), body.clone()),
            (Method::PUT, path.clone(), body.clone()),
            (Method::PATCH, path.clone(), json!({ field: value })),
        ] {
            let response = alice.call(method.clone(), &path, Some(&body)).await;
            assert_eq!(
                response.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{method} with {field}"
            );
        }
    }
    assert_eq!(alice.read(mine["id"].as_str().unwrap()).await, mine);
    let bob = Place::of(&app, BOB).await;
    assert_eq!(
        ids(&bob.list("").await),
        Vec::<&str>::new(),
        "nothing landed in bob's list"
    );
}

// 32
#[tokio::test]
async fn a_order_exposes_no_owner_and_no_internals() {
    let app = spawn_app().await;
    let alice = Place::of(&app, ALICE).await;
    let mine = alice.create(&sample()).await;
    let mut keys: Vec<&str> = mine
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    let mut expected = vec![
        "created_at",
        "id",
        "updated_at",
        "title",
        "description",
        "completed",
    ];
    expected.sort_unstable();
    assert_eq!(keys, expected);
    let page = app
        .request(Method::GET, &alice.collection(), Some(&alice.token), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains(ALICE), "the owner id is not echoed: {page}");
}

#[tokio::test]
async fn sort_and_filter_values_outside_their_lists_are_422() {
    let app = spawn_app().await;
    let alice = Place::of(&app, ALICE).await;
    let mut queries = vec![
        "sort=owner_id".to_owned(),
        "sort=seq".to_owned(),
        "sort=id".to_owned(),
        "sort=created_at;DROP".to_owned(),
        "sort=--created_at".to_owned(),
        "limit=many".to_owned(),
    ];
    queries.push("sort=title".to_owned());
    queries.push("sort=description".to_owned());
    queries.push("sort=completed".to_owned());
    queries.push("completed=no-such-value".to_owned());
    for query in queries {
        let response = alice
            .call(
                Method::GET,
                &format!("{}?{query}", alice.collection()),
                None,
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "?{query}"
        );
    }
}

#[tokio::test]
async fn lists_of_orders_filter_by_equality() {
    let app = spawn_app().await;
    let alice = Place::of(&app, ALICE).await;
    let first = alice.create(&sample()).await;
    let second = alice.create(&other()).await;
    let (first, second) = (
        first["id"].as_str().unwrap(),
        second["id"].as_str().unwrap(),
    );
    // A value as a query parameter: strings bare, the rest as JSON has them.
    let value = |v: Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
    let query = format!("completed={}", value(json!(true)));
    assert_eq!(ids(&alice.list(&query).await), [first], "?{query}");
    let query = format!("completed={}", value(json!(false)));
    let expected: Vec<&str> = if json!(true) == json!(false) {
        vec![first, second]
    } else {
        vec![second]
    };
    assert_eq!(ids(&alice.list(&query).await), expected, "?{query}");
}

/// Every item of the list `query` starts, following `next_cursor` one item at a time.
async fn walk(place: &Place<'_>, query: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut page_query = format!("{query}&limit=1");
        if let Some(cursor) = &cursor {
            page_query.push_str(&format!("&cursor={cursor}"));
        }
        let page = place.list(&page_query).await;
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return items,
        }
        assert!(items.len() <= 10, "the pages of ?{query} do not end");
    }
}

#[tokio::test]
async fn lists_of_orders_sort_both_ways_with_nulls_last_and_pages_chain() {
    let app = spawn_app().await;
    let alice = Place::of(&app, ALICE).await;
    let first = alice.create(&other()).await;
    let second = alice.create(&sample()).await;
    let in_order: Vec<Value> = vec![first.clone(), second.clone()];
    assert_eq!(walk(&alice, "").await, in_order, "oldest first");
    assert_eq!(walk(&alice, "sort=created_at").await, in_order);
    assert_eq!(
        walk(&alice, "sort=-created_at").await,
        vec![second.clone(), first.clone()]
    );
    // A cursor is `seq[.key]`, numbers only: anything else is 400.
    for cursor in ["x", "1.x", "1.2.3", "-1", "1.--2", "1.1e3"] {
        let response = alice
            .call(
                Method::GET,
                &format!("{}?sort=created_at&cursor={cursor}", alice.collection()),
                None,
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::BAD_REQUEST,
            "cursor={cursor}"
        );
    }
    // A key before every time, newest first: nothing is left.
    let page = alice
        .list("sort=-created_at&cursor=0.-999999999999999999")
        .await;
    assert_eq!(ids(&page), Vec::<&str>::new());
}
