//! Many users at once: creating, listing, changing and deleting notes
//! concurrently loses no write and never shows anyone another user's.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::helpers::{TestApp, item_path, new_item, spawn_app};

const USERS: usize = 8;
const PER_USER: usize = 12;
/// Requests in flight at once. The server closes a client address's connections beyond
/// `MAX_CONNECTIONS_PER_IP` (256) at once, and every request here comes from 127.0.0.1: with one
/// change per field, an unbounded round would open more than that on a slow machine.
const IN_FLIGHT: usize = 64;

fn user_name(n: usize) -> String {
    format!("user-{n}")
}

/// Lists `user`'s notes (one page holds them all).
async fn list_own(app: &TestApp, user: &str) -> Vec<Value> {
    let response = app.list_items(user, &app.token(user)).await;
    assert_eq!(response.status(), StatusCode::OK, "list of {user}");
    let page: Value = response.json().await.unwrap();
    page["items"].as_array().unwrap().clone()
}

/// The ids of `items`.
fn ids_of(items: &[Value]) -> BTreeSet<String> {
    items
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Every id a user was shown while listing is one of their own.
fn assert_only_own(seen: &[(usize, BTreeSet<String>)], ids: &BTreeMap<(usize, usize), String>) {
    for (n, listed) in seen {
        let own: BTreeSet<String> = ids
            .iter()
            .filter(|((owner, _), _)| owner == n)
            .map(|(_, id)| id.clone())
            .collect();
        let foreign: Vec<&String> = listed.difference(&own).collect();
        assert!(
            foreign.is_empty(),
            "{} was shown another user's notes: {foreign:?}",
            user_name(*n)
        );
    }
}

/// What a task of the first round did.
enum Done {
    /// User `n` created their `i`th note, `id`.
    Created(usize, usize, String),
    /// User `n` was shown these ids.
    Listed(usize, BTreeSet<String>),
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
    let gate = Arc::new(Semaphore::new(IN_FLIGHT));

    // Every user creates all of theirs at once (`IN_FLIGHT` requests at a time), while every
    // user keeps listing.
    let mut tasks = JoinSet::new();
    for n in 0..USERS {
        for i in 0..PER_USER {
            let (app, gate) = (app.clone(), gate.clone());
            tasks.spawn(async move {
                let _turn = gate.acquire().await.unwrap();
                let user = user_name(n);
                let response = app.create_item(&user, &app.token(&user), &new_item()).await;
                assert_eq!(response.status(), StatusCode::CREATED, "{user} item {i}");
                let created: Value = response.json().await.unwrap();
                Done::Created(n, i, created["id"].as_str().unwrap().to_owned())
            });
        }
        let (app, gate) = (app.clone(), gate.clone());
        tasks.spawn(async move {
            let mut seen = BTreeSet::new();
            for _ in 0..3 {
                let _turn = gate.acquire().await.unwrap();
                seen.extend(ids_of(&list_own(&app, &user_name(n)).await));
            }
            Done::Listed(n, seen)
        });
    }
    let mut ids: BTreeMap<(usize, usize), String> = BTreeMap::new();
    let mut seen: Vec<(usize, BTreeSet<String>)> = Vec::new();
    for done in join_all(tasks).await {
        match done {
            Done::Created(n, i, id) => {
                ids.insert((n, i), id);
            }
            Done::Listed(n, listed) => seen.push((n, listed)),
        }
    }
    assert_only_own(&seen, &ids);
    assert_eq!(ids.len(), USERS * PER_USER);
    for n in 0..USERS {
        assert_eq!(
            list_own(&app, &user_name(n)).await.len(),
            PER_USER,
            "every create of {} was kept",
            user_name(n)
        );
    }

    // Then at once: every third one is deleted; each of the others gets one change per field,
    // sent concurrently; everybody keeps listing.
    let changed =
        json!({ "title": "two title", "description": "two description", "completed": false });
    let mut tasks = JoinSet::new();
    for (&(n, i), id) in &ids {
        let user = user_name(n);
        let path = item_path(&user, id);
        if i % 3 == 0 {
            let (app, gate) = (app.clone(), gate.clone());
            tasks.spawn(async move {
                let _turn = gate.acquire().await.unwrap();
                let token = app.token(&user);
                let response = app.request(Method::DELETE, &path, Some(&token), None).await;
                assert_eq!(response.status(), StatusCode::NO_CONTENT, "delete {path}");
                None
            });
            continue;
        }
        for (field, value) in changed.as_object().unwrap() {
            let change = json!({ field: value });
            let (app, gate, user, path) = (app.clone(), gate.clone(), user.clone(), path.clone());
            tasks.spawn(async move {
                let _turn = gate.acquire().await.unwrap();
                let token = app.token(&user);
                let response = app
                    .request(Method::PATCH, &path, Some(&token), Some(&change))
                    .await;
                assert_eq!(
                    response.status(),
                    StatusCode::OK,
                    "patch {path} with {change}"
                );
                None
            });
        }
    }
    for n in 0..USERS {
        let (app, gate) = (app.clone(), gate.clone());
        tasks.spawn(async move {
            let mut seen = BTreeSet::new();
            for _ in 0..3 {
                let _turn = gate.acquire().await.unwrap();
                seen.extend(ids_of(&list_own(&app, &user_name(n)).await));
            }
            Some((n, seen))
        });
    }
    let seen: Vec<(usize, BTreeSet<String>)> =
        join_all(tasks).await.into_iter().flatten().collect();
    assert_only_own(&seen, &ids);

    // Nobody can read, change or delete anybody else's.
    for n in 0..USERS {
        let user = user_name(n);
        let other = (n + 1) % USERS;
        let path = item_path(&user, &ids[&(other, 1)]);
        let attempts = [
            (Method::GET, None),
            (Method::PATCH, Some(changed.clone())),
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

    // No write was lost: the deleted ones are gone, and the others carry every change.
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
            for (field, value) in changed.as_object().unwrap() {
                assert_eq!(&item[field], value, "{field} of {item}");
            }
        }
        assert_eq!(listed.len(), PER_USER - PER_USER.div_ceil(3));
    }
}
