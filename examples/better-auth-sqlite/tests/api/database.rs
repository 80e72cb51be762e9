//! A database of its own for every test: a SQLite file in a temporary directory.

/// A fresh SQLite database, removed (with its directory) when dropped.
pub struct TestDatabase {
    pub url: String,
    /// The file the server opens at `url`.
    pub path: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl TestDatabase {
    pub async fn create() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("app.db");
        Self {
            url: format!("sqlite://{}", path.display()),
            path,
            _dir: dir,
        }
    }
}
