//! A database of its own for every test: a SQLite file in a temporary directory.

/// A fresh SQLite database, removed (with its directory) when dropped.
pub struct TestDatabase {
    pub url: String,
    _dir: tempfile::TempDir,
}

impl TestDatabase {
    pub async fn create() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        Self {
            url: format!("sqlite://{}/app.db", dir.path().display()),
            _dir: dir,
        }
    }
}
