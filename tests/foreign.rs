//! `authgate auth` in packages authgate did not write: the axum examples under
//! `tests/fixtures/foreign/` (edition 2021, their own dependencies, their own JWT code), each
//! copied to `target/generated-projects/foreign-<name>/` and built in the shared
//! `target/generated/` (see `tests/support/cargo.rs`). Each fixture has a package name of its
//! own there, so each is used by one test only.
//!
//! What holds today: the module is added without touching a file of the package's own but
//! `Cargo.toml`, that manifest keeps every entry it had; wired in as `authgate auth` prints
//! (into a `main` that returns `()`), the package builds, passes `cargo clippy --all-targets --
//! -D warnings` and its tests (the module's unit tests among them); run, its own routes answer
//! as before, and the new route answers 401 without a token and the user's id with a real
//! issuer's token.

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use std::process::Command as StdCommand;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use assert_cmd::Command;
use serde_json::{Value, json};
use support::better_auth::BetterAuthServer;
use support::cargo::{cargo, repo_dir, target_dir};
use support::files::contents;
use support::jwt::hs256_token;
use support::oidc::{self, OidcProvider};
use support::postgres;
use support::process::{ChildProcess, free_port};
use support::wiring;
use toml_edit::DocumentMut;

/// How long a package's server may take to answer its first request.
const START_TIMEOUT: Duration = Duration::from_secs(30);
const PASSWORD: &str = "correct-horse-battery-staple";

/// Copies `tests/fixtures/foreign/<fixture>` to a fresh directory under
/// `target/generated-projects/`, whose path stays the same between runs (cargo's fingerprints).
fn copy_fixture(fixture: &str) -> PathBuf {
    copy_fixture_as(fixture, fixture)
}

/// [`copy_fixture`] under another name, `case`, for a variant of it.
fn copy_fixture_as(fixture: &str, case: &str) -> PathBuf {
    let source = repo_dir().join("tests/fixtures/foreign").join(fixture);
    let dir = repo_dir()
        .join("target/generated-projects")
        .join(format!("foreign-{case}"));
    if dir.exists() {
        fs::remove_dir_all(&dir).unwrap();
    }
    for (path, bytes) in contents(&source) {
        let to = dir.join(path);
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        fs::write(to, bytes).unwrap();
    }
    dir
}

/// The todos fixture, copied as `case` with the package name `example-{case}` (one name per
/// package in the shared target directory).
fn todos_as(case: &str) -> PathBuf {
    let copy = copy_fixture_as("todos", case);
    let manifest = fs::read_to_string(copy.join("Cargo.toml")).unwrap();
    let named = format!("name = \"example-{case}\"");
    let manifest = manifest.replace("name = \"example-todos\"", &named);
    assert!(manifest.contains(&named), "{manifest}");
    fs::write(copy.join("Cargo.toml"), manifest).unwrap();
    copy
}

/// `authgate auth DIR --yes ARGS...`, which must succeed; returns its stdout.
fn auth(dir: &Path, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_authgate"))
        .arg("auth")
        .arg(dir)
        .arg("--yes")
        .args(args)
        .write_stdin("")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        output.status.success(),
        "`authgate auth {} --yes {}` failed ({}):\n{stdout}{stderr}",
        dir.display(),
        args.join(" "),
        output.status
    );
    stdout
}

/// Every dependency entry of a manifest, as `table.name` → its features.
fn dependencies(manifest: &str) -> BTreeMap<String, Vec<String>> {
    let doc: DocumentMut = manifest.parse().unwrap();
    let mut entries = BTreeMap::new();
    for table in ["dependencies", "dev-dependencies", "workspace.dependencies"] {
        let item = table
            .split('.')
            .try_fold(doc.as_item(), |item, key| item.get(key));
        if let Some(deps) = item.and_then(|item| item.as_table_like()) {
            for (name, item) in deps.iter() {
                let features = item
                    .get("features")
                    .and_then(|features| features.as_array())
                    .map(|features| {
                        features
                            .iter()
                            .filter_map(|f| f.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                entries.insert(format!("{table}.{name}"), features);
            }
        }
    }
    entries
}

/// Adds the module to `fixture` with `args`, checks what it changed, wires it in as printed,
/// then builds the package and runs its tests. Returns the package's binary.
fn takes_the_module_and_builds(fixture: &str, args: &[&str]) -> PathBuf {
    takes_the_module_and_builds_in(&copy_fixture(fixture), args)
}

/// [`takes_the_module_and_builds`], in a copy of a fixture at `dir`.
fn takes_the_module_and_builds_in(dir: &Path, args: &[&str]) -> PathBuf {
    takes_the_module_and_builds_at(dir, ".", args)
}

/// [`takes_the_module_and_builds`] for the package at `package` (`.`, or a workspace member
/// such as `crates/todos`) of the copy at `copy`; cargo runs at the copy's root. Only Cargo.toml
/// files may change outside the module: the package's, and its workspace's.
fn takes_the_module_and_builds_at(copy: &Path, package: &str, args: &[&str]) -> PathBuf {
    let dir = copy.join(package);
    let before = contents(copy);
    let manifests: Vec<PathBuf> = before
        .keys()
        .filter(|path| path.file_name().is_some_and(|name| name == "Cargo.toml"))
        .cloned()
        .collect();
    let manifest_before = fs::read_to_string(dir.join("Cargo.toml")).unwrap();

    let stdout = auth(&dir, args);
    assert!(stdout.starts_with("added the auth module to `"), "{stdout}");

    // The package's own files are as they were, but for the manifests.
    let after = contents(copy);
    for (path, bytes) in &before {
        if !manifests.contains(path) {
            assert_eq!(
                after.get(path),
                Some(bytes),
                "`{}` was changed",
                path.display()
            );
        }
    }
    for path in after.keys().filter(|path| !before.contains_key(*path)) {
        let in_copy = copy.join(path);
        let shown = in_copy
            .strip_prefix(&dir)
            .unwrap_or_else(|_| panic!("a new file outside the package: `{}`", path.display()))
            .to_string_lossy();
        let module = args
            .iter()
            .position(|arg| *arg == "--module")
            .map_or("auth", |at| args[at + 1]);
        assert!(
            shown.starts_with(&format!("src/{module}/"))
                || shown.starts_with(".authgate/")
                || shown == "authgate.toml",
            "unexpected new file `{shown}`"
        );
    }
    // Every dependency each manifest had is still there, with every feature it had.
    for manifest in &manifests {
        let text_before = String::from_utf8(before[manifest].clone()).unwrap();
        let text_after = String::from_utf8(after[manifest].clone()).unwrap();
        let now = dependencies(&text_after);
        for (name, features) in dependencies(&text_before) {
            let kept = now.get(&name).unwrap_or_else(|| {
                panic!(
                    "`{name}` was removed from {}:\n{text_after}",
                    manifest.display()
                )
            });
            for feature in features {
                assert!(
                    kept.contains(&feature),
                    "`{name}` lost its feature `{feature}`: {kept:?}"
                );
            }
        }
    }

    // Wired in as printed; then it builds under the package's own edition without a warning,
    // and its tests (the module's unit tests among them) pass.
    let server = wiring::apply(&dir, &stdout);
    let label = copy.file_name().unwrap().to_string_lossy().into_owned();
    cargo(copy, &label, &["build", "--all-targets"]);
    cargo(
        copy,
        &label,
        &["clippy", "--all-targets", "--", "-D", "warnings"],
    );
    let output = cargo(copy, &label, &["test"]);
    assert!(output.contains("test result: ok."), "{output}");

    // The binary is named after the package for `src/main.rs`, else after its file.
    if server == Path::new("src/main.rs") {
        let doc: DocumentMut = manifest_before.parse().unwrap();
        target_dir()
            .join("debug")
            .join(doc["package"]["name"].as_str().unwrap())
    } else {
        target_dir().join("debug").join(server.file_stem().unwrap())
    }
}

/// A package's server, started with `env` and `LISTEN_ADDR` on a free loopback port; killed on
/// drop.
struct Running {
    process: ChildProcess,
    base_url: String,
    agent: ureq::Agent,
}

impl Running {
    /// Starts `binary` and waits until `ready_path` answers at all.
    fn start(binary: &Path, env: &[(&str, &str)], ready_path: &str) -> Running {
        let port = free_port();
        let mut command = StdCommand::new(binary);
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
            .envs(env.iter().copied());
        let mut running = Running {
            process: ChildProcess::spawn("the package's server", &mut command),
            base_url: format!("http://127.0.0.1:{port}"),
            agent: support::node::http_agent(),
        };
        let started = Instant::now();
        loop {
            if let Some(status) = running.process.exited() {
                panic!(
                    "the server exited ({status}):\n{}",
                    running.process.report()
                );
            }
            let url = format!("{}{ready_path}", running.base_url);
            if running.agent.get(&url).call().is_ok() {
                return running;
            }
            assert!(
                started.elapsed() < START_TIMEOUT,
                "GET {url} had no answer within {START_TIMEOUT:?}:\n{}",
                running.process.report()
            );
            thread::sleep(Duration::from_millis(100));
        }
    }

    /// `method path` with an optional bearer token and JSON body: the status and the body.
    fn call(
        &mut self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, String) {
        let mut request = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base_url));
        if let Some(token) = token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        let result = match body {
            Some(body) => self.agent.run(
                request
                    .header("Content-Type", "application/json")
                    .body(body.to_string())
                    .unwrap(),
            ),
            None => self.agent.run(request.body(()).unwrap()),
        };
        let mut response =
            result.unwrap_or_else(|e| panic!("{method} {path}: {e}\n{}", self.process.report()));
        let status = response.status().as_u16();
        (status, response.body_mut().read_to_string().unwrap())
    }
}

#[test]
fn todos_edition_2021_takes_the_better_auth_module_and_keeps_its_routes() {
    let binary = takes_the_module_and_builds("todos", &["--provider", "better-auth"]);
    todos_routes_and_the_better_auth_route(&binary);
}

/// The todos example's own routes, as before, and `/me` with a real Better Auth token.
fn todos_routes_and_the_better_auth_route(binary: &Path) {
    let issuer = BetterAuthServer::start();
    let alice = issuer.sign_up("alice@example.com", PASSWORD, "Alice Example");
    let token = issuer.jwt(&alice.session_token);
    let mut api = Running::start(binary, &[("BETTER_AUTH_URL", issuer.base_url())], "/todos");

    // Its own routes, as before.
    let (status, body) = api.call("POST", "/todos", None, Some(json!({ "text": "milk" })));
    assert_eq!(status, 201, "{body}");
    let (status, body) = api.call("GET", "/todos", None, None);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"milk\""), "{body}");
    // The new route.
    assert_eq!(api.call("GET", "/me", None, None).0, 401);
    assert_eq!(api.call("GET", "/me", Some("not-a-token"), None).0, 401);
    let (status, body) = api.call("GET", "/me", Some(&token), None);
    assert_eq!((status, body.as_str()), (200, alice.user_id.as_str()));
}

#[test]
fn jwt_with_its_own_jsonwebtoken_code_takes_the_oidc_module_and_keeps_its_flow() {
    let binary = takes_the_module_and_builds("jwt", &["--provider", "oidc", "--alg", "RS256"]);
    its_own_flow_and_the_oidc_route(&binary);
}

/// The jwt example's own `/authorize` + `/protected` flow, and `/me` with a real
/// `oidc-provider` RS256 token (and with the example's own token, refused).
fn its_own_flow_and_the_oidc_route(binary: &Path) {
    let issuer = OidcProvider::start();
    let audience = oidc::audience("RS256");
    let mut api = Running::start(
        binary,
        &[
            ("JWT_SECRET", "the-example's-own-secret"),
            ("OIDC_ISSUER", issuer.issuer()),
            ("OIDC_AUDIENCE", &audience),
        ],
        "/protected",
    );

    // Its own flow, as before: a token of its own from /authorize opens /protected.
    let (status, body) = api.call(
        "POST",
        "/authorize",
        None,
        Some(json!({ "client_id": "foo", "client_secret": "bar" })),
    );
    assert_eq!(status, 200, "{body}");
    let own: Value = serde_json::from_str(&body).unwrap();
    let own = own["access_token"].as_str().expect("an access token");
    let (status, body) = api.call("GET", "/protected", Some(own), None);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Welcome to the protected area"), "{body}");
    // The new route: its token is not an issuer's, and the issuer's token is not its own.
    assert_eq!(api.call("GET", "/me", None, None).0, 401);
    assert_eq!(api.call("GET", "/me", Some(own), None).0, 401);
    let machine = issuer.client_credentials_token("RS256");
    let (status, body) = api.call("GET", "/me", Some(&machine), None);
    assert_eq!((status, body.as_str()), (200, oidc::CLIENT_ID));
    assert_ne!(api.call("GET", "/protected", Some(&machine), None).0, 200);
}

/// The same package on jsonwebtoken's other backend, RustCrypto: the module must use it too,
/// for jsonwebtoken panics at the first token when both backends are enabled.
#[test]
fn jwt_on_rust_crypto_keeps_its_backend_and_its_flow() {
    let dir = copy_fixture_as("jwt", "jwt-rust-crypto");
    let manifest = fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    let manifest = manifest
        .replace(
            "name = \"example-jwt\"",
            "name = \"example-jwt-rust-crypto\"",
        )
        .replace("features = [\"aws_lc_rs\"]", "features = [\"rust_crypto\"]");
    assert!(manifest.contains("rust_crypto"), "{manifest}");
    fs::write(dir.join("Cargo.toml"), &manifest).unwrap();

    let binary = takes_the_module_and_builds_in(&dir, &["--provider", "oidc", "--alg", "RS256"]);
    let manifest = fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    let features = &dependencies(&manifest)["dependencies.jsonwebtoken"];
    assert!(
        !features.iter().any(|f| f == "aws_lc_rs"),
        "a second backend: {features:?}"
    );
    assert!(!manifest.contains("aws-lc-rs"), "{manifest}");
    its_own_flow_and_the_oidc_route(&binary);
}

/// A package with a module of its own named `auth` takes authgate's as `--module identity`.
#[test]
fn a_package_with_its_own_auth_module_takes_the_module_under_another_name() {
    let copy = copy_fixture_as("todos", "todos-own-auth");
    let manifest = fs::read_to_string(copy.join("Cargo.toml")).unwrap();
    let manifest = manifest.replace(
        "name = \"example-todos\"",
        "name = \"example-todos-own-auth\"",
    );
    fs::write(copy.join("Cargo.toml"), manifest).unwrap();
    fs::write(
        copy.join("src/auth.rs"),
        "//! The package's own access rules.\n\n/// Whether `text` may be stored.\npub fn allowed(text: &str) -> bool {\n    !text.is_empty()\n}\n",
    )
    .unwrap();
    let main = fs::read_to_string(copy.join("src/main.rs")).unwrap();
    let main = main
        .replacen("use axum::{", "mod auth;\n\nuse axum::{", 1)
        .replacen(
            "async fn main() {\n",
            "async fn main() {\n    assert!(auth::allowed(\"milk\"));\n",
            1,
        );
    fs::write(copy.join("src/main.rs"), main).unwrap();

    let binary = takes_the_module_and_builds_in(
        &copy,
        &["--provider", "better-auth", "--module", "identity"],
    );
    assert!(copy.join("src/identity/verifier.rs").is_file());
    todos_routes_and_the_better_auth_route(&binary);
}

/// The todos example with its server in `src/bin/` and no `src/main.rs`: the module stays in
/// `src/auth/`, declared in that file through the `#[path]` printed with it.
#[test]
fn a_server_in_src_bin_takes_the_module_declared_with_a_path() {
    let copy = todos_as("todos-bin");
    fs::create_dir_all(copy.join("src/bin")).unwrap();
    fs::rename(
        copy.join("src/main.rs"),
        copy.join("src/bin/todos-server.rs"),
    )
    .unwrap();

    let binary = takes_the_module_and_builds_in(&copy, &["--provider", "better-auth"]);
    let server = fs::read_to_string(copy.join("src/bin/todos-server.rs")).unwrap();
    assert!(
        server.contains("#[path = \"../auth/mod.rs\"]\nmod auth;\n"),
        "{server}"
    );
    assert!(copy.join("src/auth/mod.rs").is_file());
    assert!(!copy.join("src/main.rs").exists());
    todos_routes_and_the_better_auth_route(&binary);
}

/// The todos example as many packages are laid out: a library that builds the router (so that
/// tests/ can reach it) and a `src/main.rs` that serves it. The library declares the module
/// `pub`, the server takes it with `use`, and the library's own routes can take its extractor.
/// The library denies what strict libraries deny (undocumented, unreachable `pub` and
/// `Debug`-less public items), and the module passes.
#[test]
fn a_library_with_its_router_declares_the_module_and_its_server_uses_it() {
    let copy = todos_as("todos-lib");
    // The router of upstream's `main`, as the library's `app()`; the rest of `main` in
    // src/main.rs.
    let upstream = fs::read_to_string(copy.join("src/main.rs")).unwrap();
    let subscriber = "use tracing_subscriber::{layer::SubscriberExt, util::SubscriberInitExt};\n";
    let (head, main) = upstream.split_once("#[tokio::main]\n").unwrap();
    let (_, router) = main.split_once("    let app = ").unwrap();
    let (router, rest) = router.split_once(".with_state(db);\n").unwrap();
    let (_, handlers) = rest.split_once("\n}\n").unwrap();
    assert!(head.contains(subscriber), "{head}");
    let lints = "#![deny(missing_docs, missing_debug_implementations, unreachable_pub)]\n\n";
    let (docs, uses) = head.split_once("\nuse ").unwrap();
    let library = format!(
        "{docs}\n{lints}use {}/// The todos routes, with their layers and their state.\n\
         pub fn app() -> Router {{\n    let db = Db::default();\n\n    {router}.with_state(db)\n}}\n\
         {handlers}",
        uses.replace(subscriber, "")
    );
    // Upstream's one `pub` item, its query parameters, kept to the crate as such a library would.
    let public =
        "pub struct Pagination {\n    pub offset: Option<usize>,\n    pub limit: Option<usize>,\n}";
    assert!(library.contains(public), "{library}");
    let library = library.replace(
        public,
        "struct Pagination {\n    offset: Option<usize>,\n    limit: Option<usize>,\n}",
    );
    fs::write(copy.join("src/lib.rs"), library).unwrap();
    fs::write(
        copy.join("src/main.rs"),
        format!(
            "//! Serves the todos routes of the library.\n\n{subscriber}\n#[tokio::main]\n\
             async fn main() {{\n    tracing_subscriber::registry()\n        \
             .with(tracing_subscriber::fmt::layer())\n        .init();\n\n    \
             let app = example_todos_lib::app();\n\n    \
             let listener = tokio::net::TcpListener::bind(\n        \
             std::env::var(\"LISTEN_ADDR\").unwrap_or_else(|_| \"127.0.0.1:3000\".to_owned()),\n    \
             )\n    .await\n    .unwrap();\n    axum::serve(listener, app).await.unwrap();\n}}\n"
        ),
    )
    .unwrap();
    // The split package builds as it is, before the module.
    cargo(&copy, "todos-lib", &["build"]);

    let binary = takes_the_module_and_builds_in(&copy, &["--provider", "better-auth"]);
    let library = fs::read_to_string(copy.join("src/lib.rs")).unwrap();
    assert!(
        library.contains(&format!("\n{lints}pub mod auth;\n")),
        "{library}"
    );
    let main = fs::read_to_string(copy.join("src/main.rs")).unwrap();
    assert!(main.contains("\nuse example_todos_lib::auth;\n"), "{main}");
    assert!(!main.contains("mod auth;"), "{main}");
    todos_routes_and_the_better_auth_route(&binary);

    // A route of the library takes the extractor.
    fs::write(
        copy.join("src/lib.rs"),
        format!("{library}\n/// The user of the request's token.\npub async fn whoami(user: auth::AuthUser) -> String {{\n    user.user_id\n}}\n"),
    )
    .unwrap();
    cargo(
        &copy,
        "todos-lib",
        &["clippy", "--all-targets", "--", "-D", "warnings"],
    );
}

/// A member of a workspace whose dependencies are the workspace's (`workspace = true`): the
/// features the module needs go to `[workspace.dependencies]`, the other member is untouched
/// and still builds.
#[test]
fn a_workspace_member_takes_the_better_auth_module_and_keeps_its_routes() {
    let copy = copy_fixture("workspace");
    let binary =
        takes_the_module_and_builds_at(&copy, "crates/todos", &["--provider", "better-auth"]);
    let root = fs::read_to_string(copy.join("Cargo.toml")).unwrap();
    assert!(
        root.contains("axum = { version = \"0.8\", features = [\"macros\"] }"),
        "{root}"
    );
    let member = fs::read_to_string(copy.join("crates/todos/Cargo.toml")).unwrap();
    assert!(member.contains("axum = { workspace = true }"), "{member}");
    assert!(copy.join("crates/hello/Cargo.toml").is_file());
    assert!(!copy.join("crates/hello/src/auth").exists());

    todos_routes_and_the_better_auth_route(&binary);
}

/// With a pool of a real PostgreSQL server in the router's state (the cluster of
/// `tests/support/postgres.rs`), and Auth0's module for an API whose tokens are signed with its
/// HS256 secret: its own routes answer from the database, the new route with a token's user.
#[test]
fn sqlx_postgres_takes_the_auth0_module_and_keeps_its_routes() {
    const SECRET: &str = "an-auth0-api-signing-secret-of-40-bytes!";
    let binary =
        takes_the_module_and_builds("sqlx-postgres", &["--provider", "auth0", "--alg", "HS256"]);
    let mut api = Running::start(
        &binary,
        &[
            ("DATABASE_URL", postgres::url()),
            ("AUTH0_DOMAIN", "tenant.example.com"),
            ("AUTH0_AUDIENCE", "https://api.example.com"),
            ("AUTH0_SIGNING_SECRET", SECRET),
        ],
        "/",
    );
    for method in ["GET", "POST"] {
        let (status, body) = api.call(method, "/", None, None);
        assert_eq!(
            (status, body.as_str()),
            (200, "hello world from pg"),
            "{method} /"
        );
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = json!({
        "iss": "https://tenant.example.com/",
        "sub": "auth0|alice",
        "aud": "https://api.example.com",
        "iat": now,
        "exp": now + 600,
    });
    let header = json!({ "alg": "HS256", "typ": "JWT" });
    let token = hs256_token(&header, &claims, SECRET.as_bytes());
    let forged = hs256_token(
        &header,
        &claims,
        b"another-secret-of-at-least-32-bytes!!!!!",
    );
    assert_eq!(api.call("GET", "/me", None, None).0, 401);
    assert_eq!(api.call("GET", "/me", Some(&forged), None).0, 401);
    let (status, body) = api.call("GET", "/me", Some(&token), None);
    assert_eq!((status, body.as_str()), (200, "auth0|alice"));
}

/// A package that denies every lint of `clippy::pedantic` (and forbids `unsafe`, wants docs,
/// `Debug`, no `pub` that reaches nowhere, the 2018 idioms):
/// each provider's module, wired in as printed, passes its clippy and its tests; ES512 brings
/// its own verifier, and three HMAC algorithms their shared-secret one. Some of those lints
/// apply to a private module only, others to a library's public one: the OIDC package has a
/// library, the others a binary alone. A package whose CI holds it to pedantic keeps passing
/// once the module is in.
#[test]
fn a_package_that_denies_clippy_pedantic_takes_each_module_without_a_lint() {
    for (case, args) in [
        (
            "better-auth",
            &["--provider", "better-auth", "--alg", "EdDSA,ES512"][..],
        ),
        ("auth0", &["--provider", "auth0"][..]),
        ("clerk", &["--provider", "clerk"][..]),
        (
            "oidc",
            &["--provider", "oidc", "--alg", "RS256,PS256,ES256"][..],
        ),
        (
            "shared-secret",
            &["--provider", "shared-secret", "--alg", "HS256,HS384,HS512"][..],
        ),
        // A package whose jsonwebtoken is on RustCrypto: the module checks the signature
        // through jsonwebtoken there, where the others use aws-lc-rs's HMAC keys.
        (
            "shared-secret-rust-crypto",
            &["--provider", "shared-secret", "--alg", "HS256,HS512"][..],
        ),
    ] {
        let own_jwt = if case.ends_with("rust-crypto") {
            "jsonwebtoken = { version = \"11\", default-features = false, features = [\"rust_crypto\"] }\n"
        } else {
            ""
        };
        let dir = repo_dir()
            .join("target/generated-projects")
            .join(format!("foreign-pedantic-{case}"));
        if dir.exists() {
            fs::remove_dir_all(&dir).unwrap();
        }
        fs::create_dir_all(dir.join("src")).unwrap();
        fs::write(
            dir.join("Cargo.toml"),
            format!(
                "[package]\nname = \"pedantic-{case}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\
                 publish = false\n\n[dependencies]\naxum = \"0.8\"\n{own_jwt}\
                 tokio = {{ version = \"1.0\", features = [\"full\"] }}\n\n\
                 [lints.rust]\nunsafe_code = \"forbid\"\nmissing_docs = \"deny\"\n\
                 missing_debug_implementations = \"deny\"\nunreachable_pub = \"deny\"\n\
                 rust_2018_idioms = {{ level = \"deny\", priority = -1 }}\n\n\
                 [lints.clippy]\npedantic = {{ level = \"deny\", priority = -1 }}\n"
            ),
        )
        .unwrap();
        fs::write(
            dir.join("src/main.rs"),
            "//! A health route, held to every lint of `clippy::pedantic`.\n\n\
             #[tokio::main]\nasync fn main() {\n    \
             let app = axum::Router::new().route(\"/health\", axum::routing::get(health));\n    \
             let listener = tokio::net::TcpListener::bind(\n        \
             std::env::var(\"LISTEN_ADDR\").unwrap_or_else(|_| \"127.0.0.1:3000\".to_owned()),\n    \
             )\n    .await\n    .unwrap();\n    axum::serve(listener, app).await.unwrap();\n}\n\n\
             async fn health() -> &'static str {\n    \"ok\"\n}\n",
        )
        .unwrap();
        if case == "oidc" {
            // With a library, which then declares the module `pub`: its API is the library's.
            fs::write(dir.join("src/lib.rs"), "//! The package's library.\n").unwrap();
        }
        // The package passes its own lints before the module.
        let label = format!("foreign-pedantic-{case}");
        cargo(
            &dir,
            &label,
            &["clippy", "--all-targets", "--", "-D", "warnings"],
        );
        // Then takes the module, wired in as printed, and passes them again (with its tests).
        takes_the_module_and_builds_in(&dir, args);
        if !own_jwt.is_empty() {
            let manifest = fs::read_to_string(dir.join("Cargo.toml")).unwrap();
            assert!(!manifest.contains("aws"), "a second backend:\n{manifest}");
        }
    }
}
