//! What the database refuses, and the database going away, reach clients as the right status:
//! a constraint violation is the client's to fix (409, 422), an unavailable database is worth a
//! retry (503), and neither is ever a 500 or a panic.

use axum::http::StatusCode;
use axum::response::IntoResponse;
use rusqlite::Connection;

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
fn status_of(error: rusqlite::Error) -> StatusCode {
    ApiError::from(StoreError::from(error))
        .into_response()
        .status()
}

#[tokio::test]
async fn constraint_violations_are_409_and_422() {
    let app = spawn_app().await;
    app.seed_item("user-a", "original").await;
    let db = Connection::open(&app.database.path).unwrap();
    db.pragma_update(None, "foreign_keys", true).unwrap();

    let duplicate_id = db
        .execute(
            concat!(
                "INSERT INTO ",
                table!(),
                r#" (id, owner_id, "title", "completed", created_at, updated_at) "#,
                r#"SELECT id, 'user-b', "title", "completed", created_at, updated_at FROM "#,
                table!()
            ),
            [],
        )
        .expect_err("the id is unique");
    assert_eq!(status_of(duplicate_id), StatusCode::CONFLICT);

    let too_long = db
        .execute(
            concat!("UPDATE ", table!(), r#" SET "title" = ?"#),
            ["x".repeat(201)],
        )
        .expect_err("title is at most 200 characters");
    assert_eq!(status_of(too_long), StatusCode::UNPROCESSABLE_ENTITY);

    let missing = db
        .execute(concat!("UPDATE ", table!(), r#" SET "title" = NULL"#), [])
        .expect_err("title is required");
    assert_eq!(status_of(missing), StatusCode::UNPROCESSABLE_ENTITY);

    db.execute_batch(concat!(
        "CREATE TABLE attachments (item_id BLOB NOT NULL REFERENCES ",
        table!(),
        " (id))"
    ))
    .unwrap();
    let dangling = db
        .execute(
            "INSERT INTO attachments (item_id) VALUES (?)",
            [uuid::Uuid::new_v4()],
        )
        .expect_err("the foreign key holds");
    assert_eq!(status_of(dangling), StatusCode::UNPROCESSABLE_ENTITY);

    let page = app.list_items("user-a", &app.token("user-a")).await;
    assert_eq!(page.status(), StatusCode::OK, "the API still answers");
}
