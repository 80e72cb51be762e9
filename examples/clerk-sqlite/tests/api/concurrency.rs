//! Many users at once: creating, listing, changing and deleting notes
//! concurrently loses no write and never shows anyone another user's.

use std::collections::BTreeMap;
use std::sync::Arc;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::task::JoinSet;

use crate::helpers::{TestApp, item_path, spawn_app};

const USERS: usize = 8;
const PER_USER: usize = 12;

fn user_name(n: usize) -> String {
    format!("user-{n}")
}

/// Lists `user`'s notes (one page holds them all) and checks that each
/// is theirs: every title starts with the owner's name.
async fn list_own(app: &TestApp, user: &str) -> Vec<Value> {
    let response = app.list_items(user, &app.token(user)).await;
    assert_eq!(response.status(), StatusCode::OK, "list of {user}");
    let page: Value = response.json().await.unwrap();
    let items = page["items"].as_array().unwrap().clone();
    for item in &items {
        let title = item["title"].as_str().unwrap();
        assert!(
            title.starts_with(&format!("{user} ")),
            "{user} was shown another user's note: {item}"
        );
    }
    items
}

/// Waits for every task; a panic in one (a failed assertion) fails the test with its message.
async fn join_all<T: 'static>(mut tasks: JoinSet<T>) -> Vec<T> {
    let mut results = Vec::new();
    while let Some(result) = tasks.join_next().await {
        match result {
            Ok(value) => results.push(value),
            Err(error) => std::panic::resume_unwind(error.into_panic()),
        }
    }
    results
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_users_lose_no_write_and_see_only_their_own() {
    let app = Arc::new(spawn_app().await);

    // Every user creates all of theirs at once, while every user keeps listing.
    let mut tasks = JoinSet::new();
    for n in 0..USERS {
        for i in 0..PER_USER {
            let app = app.clone();
            tasks.spawn(async move {
                let user = user_name(n);
                let body = json!({ "title": format!("{user} item {i}") });
                let response = app.create_item(&user, &app.token(&user), &body).await;
                assert_eq!(response.status(), StatusCode::CREATED, "{user} item {i}");
                let created: Value = response.json().await.unwrap();
                Some((n, i, created["id"].as_str().unwrap().to_owned()))
            });
        }
        let app = app.clone();
        tasks.spawn(async move {
            for _ in 0..3 {
                list_own(&app, &user_name(n)).await;
            }
            None
        });
    }
    let ids: BTreeMap<(usize, usize), String> = join_all(tasks)
        .await
        .into_iter()
        .flatten()
        .map(|(n, i, id)| ((n, i), id))
        .collect();
    assert_eq!(ids.len(), USERS * PER_USER);
    for n in 0..USERS {
        assert_eq!(
            list_own(&app, &user_name(n)).await.len(),
            PER_USER,
            "every create of {} was kept",
            user_name(n)
        );
    }

    // Then at once: every third one is deleted; each of the others gets three changes to
    // three different fields, sent concurrently; everybody keeps listing.
    let mut tasks = JoinSet::new();
    for (&(n, i), id) in &ids {
        let user = user_name(n);
        let path = item_path(&user, id);
        if i % 3 == 0 {
            let app = app.clone();
            tasks.spawn(async move {
                let token = app.token(&user);
                let response = app.request(Method::DELETE, &path, Some(&token), None).await;
                assert_eq!(response.status(), StatusCode::NO_CONTENT, "delete {path}");
            });
            continue;
        }
        let changes = [
            json!({ "title": format!("{user} item {i} renamed") }),
            json!({ "completed": true }),
            json!({ "description": format!("note {i}") }),
        ];
        for change in changes {
            let (app, user, path) = (app.clone(), user.clone(), path.clone());
            tasks.spawn(async move {
                let token = app.token(&user);
                let response = app
                    .request(Method::PATCH, &path, Some(&token), Some(&change))
                    .await;
                assert_eq!(
                    response.status(),
                    StatusCode::OK,
                    "patch {path} with {change}"
                );
            });
        }
    }
    for n in 0..USERS {
        let app = app.clone();
        tasks.spawn(async move {
            for _ in 0..3 {
                list_own(&app, &user_name(n)).await;
            }
        });
    }
    join_all(tasks).await;

    // Nobody can read, change or delete anybody else's.
    for n in 0..USERS {
        let user = user_name(n);
        let other = (n + 1) % USERS;
        let path = item_path(&user, &ids[&(other, 1)]);
        let attempts = [
            (Method::GET, None),
            (
                Method::PATCH,
                Some(json!({ "title": format!("{user} was here") })),
            ),
            (Method::DELETE, None),
        ];
        for (method, body) in attempts {
            let response = app
                .request(
                    method.clone(),
                    &path,
                    Some(&app.token(&user)),
                    body.as_ref(),
                )
                .await;
            assert_eq!(
                response.status(),
                StatusCode::NOT_FOUND,
                "{user}: {method} on an item of {}",
                user_name(other)
            );
        }
    }

    // No write was lost: the deleted ones are gone, and the others carry all three changes.
    for n in 0..USERS {
        let user = user_name(n);
        let listed: BTreeMap<String, Value> = list_own(&app, &user)
            .await
            .into_iter()
            .map(|item| (item["id"].as_str().unwrap().to_owned(), item))
            .collect();
        for i in 0..PER_USER {
            let id = &ids[&(n, i)];
            if i % 3 == 0 {
                assert!(!listed.contains_key(id), "{user} item {i} was deleted");
                continue;
            }
            let item = listed
                .get(id)
                .unwrap_or_else(|| panic!("{user} item {i} is missing"));
            assert_eq!(item["title"], format!("{user} item {i} renamed"), "{item}");
            assert_eq!(item["completed"], true, "{item}");
            assert_eq!(item["description"], format!("note {i}"), "{item}");
        }
        assert_eq!(listed.len(), PER_USER - PER_USER.div_ceil(3));
    }
}
