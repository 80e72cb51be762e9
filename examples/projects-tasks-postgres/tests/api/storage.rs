//! What the database refuses, and the database going away, reach clients as the right status:
//! a constraint violation is the client's to fix (409, 422), an unavailable database is worth a
//! retry (503), and neither is ever a 500 or a panic.

use std::task::Poll;

use axum::http::StatusCode;
use axum::response::IntoResponse;
use chrono::NaiveDate;
use serde_json::Value;
use sqlx::AssertSqlSafe;
use sqlx::{Connection, PgConnection};

use my_api::error::ApiError;
use my_api::store::{DatabaseSettings, ProjectFields, ProjectFilter, Store, StoreError};

use crate::helpers::spawn_app;
use crate::helpers::{AppOptions, TestApp, spawn_app_with};

/// The table of projects, quoted; spliced into statements with `concat!`.
macro_rules! table {
    () => {
        r#""projects""#
    };
}

/// The status the API answers a failed query with.
fn status_of(error: sqlx::Error) -> StatusCode {
    ApiError::from(StoreError::from(error))
        .into_response()
        .status()
}

#[tokio::test]
async fn constraint_violations_are_409_and_422() {
    let app = spawn_app().await;
    app.seed_item("user-a", "original").await;
    let mut db = PgConnection::connect(&app.database.url).await.unwrap();

    let duplicate_id = sqlx::query(concat!(
        "INSERT INTO ",
        table!(),
        r#" (id, owner_id, "name", "archived", created_at, updated_at) "#,
        r#"SELECT id, 'user-b', "name", "archived", created_at, updated_at FROM "#,
        table!()
    ))
    .execute(&mut db)
    .await
    .expect_err("the id is unique");
    assert_eq!(status_of(duplicate_id), StatusCode::CONFLICT);

    let too_long = sqlx::query(concat!("UPDATE ", table!(), r#" SET "name" = $1"#))
        .bind("x".repeat(121))
        .execute(&mut db)
        .await
        .expect_err("name is at most 120 characters");
    assert_eq!(status_of(too_long), StatusCode::UNPROCESSABLE_ENTITY);

    let missing = sqlx::query(concat!("UPDATE ", table!(), r#" SET "name" = NULL"#))
        .execute(&mut db)
        .await
        .expect_err("name is required");
    assert_eq!(status_of(missing), StatusCode::UNPROCESSABLE_ENTITY);

    sqlx::raw_sql(concat!(
        "CREATE TABLE attachments (item_id UUID NOT NULL REFERENCES ",
        table!(),
        " (id))"
    ))
    .execute(&mut db)
    .await
    .unwrap();
    let dangling = sqlx::query("INSERT INTO attachments (item_id) VALUES ($1)")
        .bind(uuid::Uuid::new_v4())
        .execute(&mut db)
        .await
        .expect_err("the foreign key holds");
    assert_eq!(status_of(dangling), StatusCode::UNPROCESSABLE_ENTITY);

    let out_of_range = sqlx::query("SELECT '4714-01-01 BC'::date")
        .execute(&mut db)
        .await
        .expect_err("before PostgreSQL's first day");
    assert_eq!(status_of(out_of_range), StatusCode::UNPROCESSABLE_ENTITY);

    let page = app.list_items("user-a", &app.token("user-a")).await;
    assert_eq!(page.status(), StatusCode::OK, "the API still answers");
}

/// The store of `app`'s database, as a second server would open it.
async fn store_of(app: &TestApp) -> Store {
    let mut errors = Vec::new();
    let settings = DatabaseSettings::from_lookup(
        |name| (name == "DATABASE_URL").then(|| app.database.url.clone()),
        &mut errors,
    );
    assert!(errors.is_empty(), "{errors:?}");
    Store::connect(&settings).await.unwrap()
}

fn fields() -> ProjectFields {
    ProjectFields {
        name: "one name".to_owned(),
        archived: true,
        budget: Some(1.5),
        starts_on: Some(NaiveDate::from_ymd_opt(2025, 1, 31).expect("a valid date")),
    }
}

/// Creates made at once are written together, by one statement, yet each succeeds or fails on
/// its own: a create the database refuses fails alone, and every other gets its own row.
#[tokio::test]
async fn a_create_the_database_refuses_fails_alone() {
    let app = spawn_app().await;
    let store = store_of(&app).await;
    // PostgreSQL stores no NUL in text: the statement that holds this owner fails.
    const REFUSED: usize = 5;
    let owners: Vec<String> = (0..16)
        .map(|n| match n {
            REFUSED => "user-\0".to_owned(),
            n => format!("user-{n}"),
        })
        .collect();
    let creates: Vec<_> = owners
        .iter()
        .map(|owner| {
            let (store, owner) = (store.clone(), owner.clone());
            tokio::spawn(async move { store.create_project(&owner, fields()).await })
        })
        .collect();
    for (n, (owner, create)) in owners.iter().zip(creates).enumerate() {
        let created = create.await.unwrap();
        if n == REFUSED {
            assert!(
                matches!(created, Err(StoreError::Constraint(_))),
                "the create with a NUL: {created:?}"
            );
            continue;
        }
        let item = created
            .unwrap_or_else(|e| panic!("the create of {owner} failed with its neighbour: {e:?}"));
        let stored = store
            .get_project(owner, item.id)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{owner} was answered a row that is not theirs"));
        assert_eq!(
            serde_json::to_value(&stored).unwrap(),
            serde_json::to_value(&item).unwrap(),
            "{owner} was answered the row stored"
        );
    }
}

/// A create whose request is given up (timed out, or its client went away) before its group
/// is written is not written.
#[tokio::test]
async fn a_create_given_up_before_it_is_written_is_not_written() {
    let app = spawn_app().await;
    let store = store_of(&app).await;
    // Polled once, which queues it, then dropped before the task writing creates runs (the
    // test's runtime has one thread).
    let mut given_up = Box::pin(store.create_project("user-a", fields()));
    let polled = std::future::poll_fn(|cx| Poll::Ready(given_up.as_mut().poll(cx))).await;
    assert!(polled.is_pending(), "the create was answered at once");
    drop(given_up);
    // Queued after it, so written after the given-up one was dropped or written.
    let kept = store.create_project("user-a", fields()).await.unwrap();
    let page = store
        .list_projects("user-a", &ProjectFilter::default(), None, None, 10)
        .await
        .unwrap();
    let ids: Vec<_> = page.items.iter().map(|item| item.id).collect();
    assert_eq!(ids, [kept.id], "the given-up create was written");
}

#[tokio::test]
async fn an_unavailable_database_is_503_and_the_api_recovers() {
    let app = spawn_app_with(AppOptions {
        env: vec![
            ("DATABASE_ACQUIRE_TIMEOUT_SECS", "1".into()),
            ("DATABASE_STATEMENT_TIMEOUT_SECS", "1".into()),
        ],
        ..Default::default()
    })
    .await;
    app.seed_item("user-a", "original").await;
    let token = app.token("user-a");
    let expect_503 = async |why: &str| {
        let response = app.list_items("user-a", &token).await;
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE, "{why}");
        assert_eq!(response.headers()["retry-after"], "1", "{why}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "unavailable", "{why}");
        let text = body.to_string().to_lowercase();
        assert!(
            !text.contains("postgres") && !text.contains("database \""),
            "{why}: {text}"
        );
    };

    // A query that outlives the statement timeout (the table is locked by another session).
    let mut locker = PgConnection::connect(&app.database.url).await.unwrap();
    sqlx::raw_sql(concat!(
        "BEGIN; LOCK TABLE ",
        table!(),
        " IN ACCESS EXCLUSIVE MODE"
    ))
    .execute(&mut locker)
    .await
    .unwrap();
    expect_503("statement timeout").await;
    sqlx::raw_sql("ROLLBACK")
        .execute(&mut locker)
        .await
        .unwrap();
    locker.close().await.unwrap();
    assert_eq!(
        app.status_with_token("user-a", &token).await,
        StatusCode::OK
    );

    // The server drops every connection and accepts no new one.
    let mut admin = PgConnection::connect(&app.database.admin_url())
        .await
        .unwrap();
    let name = &app.database.name;
    let refuse = format!(r#"ALTER DATABASE "{name}" ALLOW_CONNECTIONS false"#);
    sqlx::raw_sql(AssertSqlSafe(refuse))
        .execute(&mut admin)
        .await
        .unwrap();
    end_sessions(&mut admin, name).await;
    expect_503("no connection").await;
    assert_eq!(
        app.get("/ready").await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );

    // Back again: the pool reconnects by itself.
    let accept = format!(r#"ALTER DATABASE "{name}" ALLOW_CONNECTIONS true"#);
    sqlx::raw_sql(AssertSqlSafe(accept))
        .execute(&mut admin)
        .await
        .unwrap();
    let page = app.list_items("user-a", &token).await;
    assert_eq!(page.status(), StatusCode::OK);
    let page: Value = page.json().await.unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_connection_the_server_closed_while_idle_is_replaced_before_use() {
    let (app, token, _) = app_whose_sessions_the_server_ended().await;
    // Idle long enough to be pinged before use (`PING_WHEN_IDLE_FOR` in src/store/postgres.rs).
    tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;

    for _ in 0..3 {
        assert_eq!(
            app.status_with_token("user-a", &token).await,
            StatusCode::OK,
            "a dead connection was used instead of a fresh one"
        );
    }
}

#[tokio::test]
async fn a_connection_the_server_closed_between_requests_fails_one_request_at_most() {
    // Right after a request, too soon for a ping before the next one: the request that finds
    // a dead connection may fail (503, the database is unavailable), but the connection must
    // then be closed, not handed to the next request.
    let (app, token, ended) = app_whose_sessions_the_server_ended().await;

    let mut statuses = Vec::new();
    for _ in 0..ended + 3 {
        statuses.push(app.status_with_token("user-a", &token).await);
    }
    let failed = statuses
        .iter()
        .filter(|status| **status != StatusCode::OK)
        .count();
    assert!(
        failed <= ended
            && statuses[ended..]
                .iter()
                .all(|status| *status == StatusCode::OK)
            && statuses
                .iter()
                .all(|status| [StatusCode::OK, StatusCode::SERVICE_UNAVAILABLE].contains(status)),
        "{ended} dead connection(s), then the answers {statuses:?}: a dead connection was used again"
    );
}

/// An app that has answered a list, whose pool's sessions the server then ended (as a restart
/// or its `idle_session_timeout` would) and saw gone; its user's token, and how many sessions
/// there were.
async fn app_whose_sessions_the_server_ended() -> (TestApp, String, usize) {
    let app = spawn_app().await;
    app.seed_item("user-a", "original").await;
    let token = app.token("user-a");
    assert_eq!(
        app.status_with_token("user-a", &token).await,
        StatusCode::OK
    );
    let mut admin = PgConnection::connect(&app.database.admin_url())
        .await
        .unwrap();
    let ended = end_sessions(&mut admin, &app.database.name).await;
    assert!(ended > 0, "the pool had a connection open");
    wait_until_gone(&mut admin, &app.database.name).await;
    (app, token, ended)
}

/// Waits (up to 10 s) until no session on database `name` is left.
async fn wait_until_gone(admin: &mut PgConnection, name: &str) {
    for _ in 0..1_000 {
        let left: i64 =
            sqlx::query_scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = $1")
                .bind(name)
                .fetch_one(&mut *admin)
                .await
                .unwrap();
        if left == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the sessions on {name} did not end within 10 s");
}

/// Ends every session on database `name`, as the server's restart would; how many there were.
async fn end_sessions(admin: &mut PgConnection, name: &str) -> usize {
    let ended: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
    )
    .bind(name)
    .fetch_all(admin)
    .await
    .unwrap();
    ended.len()
}
