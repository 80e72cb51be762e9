//! What the database refuses, and the database going away, reach clients as the right status:
//! a constraint violation is the client's to fix (409, 422), an unavailable database is worth a
//! retry (503), and neither is ever a 500 or a panic.

use axum::http::StatusCode;
use axum::response::IntoResponse;
use sqlx::{Connection, SqliteConnection};

use notes_api::error::ApiError;
use notes_api::store::StoreError;

use crate::helpers::spawn_app;

/// The table of notes, quoted; spliced into statements with `concat!`.
macro_rules! table {
    () => {
        r#""notes""#
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
    let mut db = SqliteConnection::connect(&app.database.url).await.unwrap();

    let duplicate_id = sqlx::query(concat!(
        "INSERT INTO ",
        table!(),
        r#" (id, owner_id, "title", "completed", created_at, updated_at) "#,
        r#"SELECT id, 'user-b', "title", "completed", created_at, updated_at FROM "#,
        table!()
    ))
    .execute(&mut db)
    .await
    .expect_err("the id is unique");
    assert_eq!(status_of(duplicate_id), StatusCode::CONFLICT);

    let too_long = sqlx::query(concat!("UPDATE ", table!(), r#" SET "title" = $1"#))
        .bind("x".repeat(201))
        .execute(&mut db)
        .await
        .expect_err("title is at most 200 characters");
    assert_eq!(status_of(too_long), StatusCode::UNPROCESSABLE_ENTITY);

    let missing = sqlx::query(concat!("UPDATE ", table!(), r#" SET "title" = NULL"#))
        .execute(&mut db)
        .await
        .expect_err("title is required");
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

    let page = app.list_items("user-a", &app.token("user-a")).await;
    assert_eq!(page.status(), StatusCode::OK, "the API still answers");
}
