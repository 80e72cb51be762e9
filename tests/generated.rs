//! Generated projects, built and run for real: each scenario (a name and the answers) is rendered
//! into `target/generated-projects/<scenario>/`, then its own `cargo clippy` and `cargo test` must
//! pass, and its server must serve tokens issued by a real Better Auth server.
//!
//! Every scenario builds into ONE target directory, `target/generated/`, so dependencies are
//! compiled once and later runs are incremental. Nothing here is ever skipped: a missing tool
//! (cargo, clippy, Node) or a failing generated project fails the test.
//!
//! The nested builds take minutes when cold; run with `--nocapture` to watch them.

mod add_resource;
mod container;
mod differential;
mod schemathesis;
#[cfg(unix)]
mod serving;
mod support;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use authgate::options::{Answers, NameSource, Options, Storage};
use authgate::provider::Provider;
use authgate::resource::ResourceSpec;
use serde_json::{Value, json};
use support::better_auth::BetterAuthServer;
use support::cargo::{repo_dir, tail, target_dir};
use support::jwt::{base64url_encode, decode_unverified};
use support::oidc::{self, OidcProvider};
use support::process::{ChildProcess, free_port};

/// The fewest tests the generated project's integration-test binary may report as passed.
const MIN_GENERATED_TESTS: u64 = 35;
/// How long the generated server may take to answer `/ready` with 200.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
const PASSWORD: &str = "correct-horse-battery-staple";

// ---------------------------------------------------------------------------------------------
// Scenarios and their generated projects

/// One set of answers to generate and check, named for its directory.
struct Scenario {
    name: &'static str,
    options: Options,
}

impl Scenario {
    fn new(name: &'static str, options: Options) -> Scenario {
        assert!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "scenario names are directory names: {name:?}"
        );
        Scenario { name, options }
    }

    /// What `authgate new my-api --yes` generates.
    fn default_project() -> Scenario {
        Scenario::new(
            "default",
            Options::defaults("my-api").expect("the default options are valid"),
        )
    }

    /// The default answers changed by `change`, for a project named after the scenario: every
    /// scenario builds into one target directory, so each needs a binary of its own name
    /// (`target/generated/debug/<name>`) that another scenario's build cannot replace while its
    /// tests run it.
    fn with(name: &'static str, change: impl FnOnce(&mut Answers)) -> Scenario {
        let mut answers = Answers {
            name: Some(format!("api-{name}")),
            ..Answers::default()
        };
        change(&mut answers);
        let options = Options::from_answers(answers.or_defaults(), NameSource::Flag)
            .unwrap_or_else(|e| panic!("the answers of scenario `{name}` are refused: {e}"));
        Scenario::new(name, options)
    }

    /// PostgreSQL, with the default provider.
    fn postgres() -> Scenario {
        Scenario::with("postgres", |answers| {
            answers.storage = Some(Storage::Postgres);
        })
    }

    /// PostgreSQL, Auth0 and the three resources of [`model`].
    fn postgres_resources() -> Scenario {
        Scenario::with("postgres-resources-auth0", |answers| {
            answers.provider = Some(Provider::Auth0);
            answers.storage = Some(Storage::Postgres);
            answers.resources = Some(model());
        })
    }

    /// SQLite and the three resources of [`model`].
    fn sqlite_resources() -> Scenario {
        Scenario::with("sqlite-resources", |answers| {
            answers.resources = Some(model());
        })
    }

    fn better_auth_es256() -> Scenario {
        Scenario::provider("better-auth-es256", Provider::BetterAuth, &["ES256"])
    }

    fn better_auth_es512() -> Scenario {
        Scenario::provider("better-auth-es512", Provider::BetterAuth, &["ES512"])
    }

    fn better_auth_rsa() -> Scenario {
        Scenario::provider(
            "better-auth-rs256-ps256",
            Provider::BetterAuth,
            &["RS256", "PS256"],
        )
    }

    fn oidc_multi() -> Scenario {
        Scenario::provider(
            "oidc-rs256-es256-eddsa",
            Provider::Oidc,
            &["RS256", "ES256", "EdDSA"],
        )
    }

    fn oidc_rs256_es512() -> Scenario {
        Scenario::provider("oidc-rs256-es512", Provider::Oidc, &["RS256", "ES512"])
    }

    /// A provider with the given algorithms (`--provider P --alg A,B`).
    fn provider(name: &'static str, provider: Provider, algorithms: &[&str]) -> Scenario {
        Scenario::with(name, |answers| {
            answers.provider = Some(provider);
            answers.algorithms = Some(algorithms.iter().map(|alg| alg.to_string()).collect());
        })
    }

    /// In memory, the three resources of [`model`], with routes scoped by the token alone.
    fn memory_token_scoped() -> Scenario {
        Scenario::with("memory-resources-token-scoped", |answers| {
            answers.storage = Some(Storage::Memory);
            answers.user_in_path = Some(false);
            answers.resources = Some(model());
        })
    }

    /// SQLite, a resource of two words, and routes scoped by the token alone.
    fn sqlite_blog_posts_token_scoped() -> Scenario {
        Scenario::with("sqlite-blog-posts-token-scoped", |answers| {
            answers.resource = Some("blog-posts".to_owned());
            answers.user_in_path = Some(false);
        })
    }
}

/// Three resources that use every field type between them, one nested under a resource of two
/// words, with a Rust keyword (`type`) and an SQL one (`order`) among the field names.
fn model() -> Vec<ResourceSpec> {
    let resource = |name: &str, parent: Option<&str>, fields: &[&str]| ResourceSpec {
        name: name.to_owned(),
        parent: parent.map(str::to_owned),
        fields: fields.iter().map(|f| (*f).to_owned()).collect(),
        migration: None,
    };
    vec![
        resource(
            "blog-posts",
            None,
            &[
                "title:string(120)",
                "published:bool=false",
                "rating:float?",
                "publish_on:date?",
            ],
        ),
        resource(
            "comments",
            Some("blog-posts"),
            &[
                "body:string",
                "done:bool=false",
                "due:date?",
                "priority:enum(low|normal|high)=normal",
                "votes:int?",
                "notes:text?",
                "remind_at:datetime?",
                "author:uuid?",
                "type:string(40)?",
                "order:int=0",
            ],
        ),
        // `Order` once clashed with the store's own list ordering: kept as a resource name.
        resource(
            "orders",
            None,
            &[
                "body:text",
                "pinned:bool?",
                "tag:enum(work|home|in-progress)?",
            ],
        ),
    ]
}

/// A scenario rendered on disk, ready for cargo.
struct GeneratedProject {
    scenario: &'static str,
    dir: PathBuf,
    /// The package (and binary) name.
    package: String,
    /// `cargo build` of this project, done at most once per test run.
    built: OnceLock<Result<PathBuf, String>>,
}

/// Renders `scenario` into `target/generated-projects/<name>/`, wiping what an earlier run left
/// there, once per test binary: every test of a scenario shares one rendering (re-rendering under
/// a running build would break it). The path is stable so that cargo's fingerprints match
/// between runs.
fn generate(scenario: &Scenario) -> &'static GeneratedProject {
    static PROJECTS: Mutex<BTreeMap<&'static str, (Options, &'static GeneratedProject)>> =
        Mutex::new(BTreeMap::new());
    // A panic while rendering poisons the lock; the next test renders again and reports the
    // same error itself.
    let mut projects = PROJECTS.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((options, project)) = projects.get(scenario.name) {
        assert_eq!(
            options, &scenario.options,
            "two scenarios are named `{}`",
            scenario.name
        );
        return project;
    }

    let dir = repo_dir()
        .join("target/generated-projects")
        .join(scenario.name);
    if dir.exists() {
        fs::remove_dir_all(&dir)
            .unwrap_or_else(|e| panic!("cannot remove the old {}: {e}", dir.display()));
    }
    let parent = dir.parent().expect("a parent directory");
    fs::create_dir_all(parent)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", parent.display()));
    let files = authgate::generate_project(&scenario.options, &dir).unwrap_or_else(|e| {
        panic!(
            "rendering the scenario `{}` into {} failed: {e:#}",
            scenario.name,
            dir.display()
        )
    });
    eprintln!(
        "generated: scenario `{}`: {} files in {}",
        scenario.name,
        files.len(),
        dir.display()
    );
    let project: &'static GeneratedProject = Box::leak(Box::new(GeneratedProject {
        scenario: scenario.name,
        dir,
        package: scenario.options.project_name(),
        built: OnceLock::new(),
    }));
    projects.insert(scenario.name, (scenario.options.clone(), project));
    project
}

impl GeneratedProject {
    /// Runs `cargo <args>` in the project with the shared target directory; returns its output
    /// (stdout and stderr, interleaved). Panics with the command, its exit status and the end
    /// of its output when it fails.
    fn cargo(&self, args: &[&str]) -> String {
        support::cargo::cargo(&self.dir, self.scenario, args)
    }

    /// Builds the project's binary (once per test run) and returns its path.
    fn binary(&self) -> PathBuf {
        let built = self.built.get_or_init(|| {
            std::panic::catch_unwind(|| {
                self.cargo(&["build", "--locked"]);
                target_dir().join("debug").join(format!(
                    "{}{}",
                    self.package,
                    std::env::consts::EXE_SUFFIX
                ))
            })
            .map_err(|panic| panic_message(&*panic))
        });
        match built {
            Ok(path) => {
                assert!(path.is_file(), "`cargo build` made no {}", path.display());
                path.clone()
            }
            Err(message) => panic!("{message}"),
        }
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

/// `(test binary, passed)` for every integration-test binary (`Running tests/...`) in the output
/// of `cargo test`.
fn integration_test_results(output: &str) -> Vec<(String, u64)> {
    let mut results = Vec::new();
    let mut current: Option<String> = None;
    for line in output.lines() {
        let line = line.trim();
        if let Some(running) = line.strip_prefix("Running ") {
            let source = running.split(" (").next().unwrap_or(running);
            current = (source.starts_with("tests/") || source.starts_with("tests\\"))
                .then(|| source.to_owned());
        } else if line.starts_with("Doc-tests ") {
            current = None;
        } else if let Some(result) = line.strip_prefix("test result: ok. ")
            && let Some(source) = current.take()
        {
            let passed = result
                .split(" passed")
                .next()
                .and_then(|n| n.trim().parse().ok())
                .unwrap_or_else(|| panic!("unexpected test result line: {line:?}"));
            results.push((source, passed));
        }
    }
    results
}

// ---------------------------------------------------------------------------------------------
// The generated project checks itself

/// `cargo fmt --check`, `cargo clippy -D warnings` and `cargo test` pass in the generated
/// project, with its Cargo.lock as it is, and its integration tests are at least
/// [`MIN_GENERATED_TESTS`].
fn check_formatted_clippy_clean_and_tested(scenario: &Scenario) {
    let project = generate(scenario);
    project.cargo(&["fmt", "--check"]);
    // `--locked`: the project builds with the Cargo.lock authgate wrote, unchanged.
    project.cargo(&[
        "clippy",
        "--locked",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]);
    let output = project.cargo(&["test", "--locked"]);

    let results = integration_test_results(&output);
    let passed: u64 = results.iter().map(|(_, passed)| passed).sum();
    assert!(
        passed >= MIN_GENERATED_TESTS,
        "the generated project's integration tests passed {passed} tests ({results:?}); at \
         least {MIN_GENERATED_TESTS} are expected. The last lines of `cargo test`:\n{}",
        tail(&output, 60)
    );
}

#[test]
fn default_project_is_formatted_and_passes_clippy_and_its_own_tests() {
    check_formatted_clippy_clean_and_tested(&Scenario::default_project());
}

/// Its tests run against a real PostgreSQL server: `TEST_DATABASE_URL` when set, else a
/// throwaway cluster that they start from the machine's PostgreSQL binaries.
#[test]
fn postgres_project_is_formatted_and_passes_clippy_and_its_own_tests() {
    check_formatted_clippy_clean_and_tested(&Scenario::postgres());
}

#[test]
fn postgres_resources_project_is_formatted_and_passes_clippy_and_its_own_tests() {
    check_formatted_clippy_clean_and_tested(&Scenario::postgres_resources());
}

#[test]
fn memory_resources_token_scoped_project_is_formatted_and_passes_clippy_and_its_own_tests() {
    check_formatted_clippy_clean_and_tested(&Scenario::memory_token_scoped());
}

#[test]
fn sqlite_blog_posts_token_scoped_project_is_formatted_and_passes_clippy_and_its_own_tests() {
    check_formatted_clippy_clean_and_tested(&Scenario::sqlite_blog_posts_token_scoped());
}

/// Three resources, one nested, every field type, on SQLite.
#[test]
fn sqlite_resources_project_is_formatted_and_passes_clippy_and_its_own_tests() {
    check_formatted_clippy_clean_and_tested(&Scenario::sqlite_resources());
}

#[test]
fn better_auth_es256_project_is_formatted_and_passes_clippy_and_its_own_tests() {
    check_formatted_clippy_clean_and_tested(&Scenario::better_auth_es256());
}

#[test]
fn better_auth_es512_project_is_formatted_and_passes_clippy_and_its_own_tests() {
    check_formatted_clippy_clean_and_tested(&Scenario::better_auth_es512());
}

#[test]
fn better_auth_rs256_ps256_project_is_formatted_and_passes_clippy_and_its_own_tests() {
    check_formatted_clippy_clean_and_tested(&Scenario::better_auth_rsa());
}

#[test]
fn auth0_project_is_formatted_and_passes_clippy_and_its_own_tests() {
    check_formatted_clippy_clean_and_tested(&Scenario::provider(
        "auth0",
        Provider::Auth0,
        &["RS256"],
    ));
}

#[test]
fn auth0_hs256_project_is_formatted_and_passes_clippy_and_its_own_tests() {
    check_formatted_clippy_clean_and_tested(&Scenario::provider(
        "auth0-hs256",
        Provider::Auth0,
        &["HS256"],
    ));
}

#[test]
fn clerk_project_is_formatted_and_passes_clippy_and_its_own_tests() {
    check_formatted_clippy_clean_and_tested(&Scenario::provider(
        "clerk",
        Provider::Clerk,
        &["RS256"],
    ));
}

#[test]
fn oidc_project_is_formatted_and_passes_clippy_and_its_own_tests() {
    check_formatted_clippy_clean_and_tested(&Scenario::oidc_multi());
}

/// ES512, which jsonwebtoken cannot verify, beside an algorithm it verifies.
#[test]
fn oidc_rs256_es512_project_is_formatted_and_passes_clippy_and_its_own_tests() {
    check_formatted_clippy_clean_and_tested(&Scenario::oidc_rs256_es512());
}

/// HS512 and the user id in a claim of its own (`--user-claim user_id`).
#[test]
fn shared_secret_hs512_user_id_project_is_formatted_and_passes_clippy_and_its_own_tests() {
    check_formatted_clippy_clean_and_tested(&Scenario::with(
        "shared-secret-hs512-user-id",
        |answers| {
            answers.provider = Some(Provider::SharedSecret);
            answers.algorithms = Some(vec!["HS512".to_owned()]);
            answers.user_claim = Some("user_id".to_owned());
        },
    ));
}

#[test]
fn integration_test_results_are_parsed() {
    let output = "\
   Compiling my-api v0.1.0 (/x)
     Running unittests src/lib.rs (target/debug/deps/my_api-1)

test result: ok. 12 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s

     Running unittests src/main.rs (target/debug/deps/my_api-2)

test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s

     Running tests/api/main.rs (target/debug/deps/api-3)

running 41 tests
test result: ok. 41 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 2.50s

   Doc-tests my_api

test result: ok. 3 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.10s
";
    assert_eq!(
        integration_test_results(output),
        [("tests/api/main.rs".to_owned(), 41)]
    );
}

// ---------------------------------------------------------------------------------------------
// The generated server against a real Better Auth server

/// The generated server, running as a child process; killed on drop.
struct RunningApi {
    process: ChildProcess,
    base_url: String,
    agent: ureq::Agent,
    _data: tempfile::TempDir,
}

/// One HTTP exchange, kept whole for assertions and messages.
struct Reply {
    request: String,
    status: u16,
    www_authenticate: Option<String>,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("{}: body is not JSON ({e}): {}", self.request, self.body))
    }
}

impl RunningApi {
    /// Starts `binary` with the identity provider's settings, a clean environment, a fresh
    /// database in a temporary directory (also its working directory, so no `.env` is read),
    /// and both rate limits (per IP, per user) off; waits until `/ready` answers 200.
    fn start(binary: &Path, provider_env: &[(&str, &str)]) -> RunningApi {
        let data = tempfile::tempdir().expect("a temporary directory");
        let port = free_port();
        let mut command = Command::new(binary);
        command.env_clear().current_dir(data.path());
        for inherited in ["PATH", "HOME"] {
            if let Some(value) = std::env::var_os(inherited) {
                command.env(inherited, value);
            }
        }
        command
            .envs(provider_env.iter().copied())
            .env(
                "DATABASE_URL",
                format!("sqlite://{}/app.db", data.path().display()),
            )
            .env("HOST", "127.0.0.1")
            .env("PORT", port.to_string())
            .env("RATE_LIMIT_PER_SECOND", "0")
            .env("RATE_LIMIT_PER_USER_PER_SECOND", "0");
        let started = Instant::now();
        let mut process = ChildProcess::spawn("the generated server", &mut command);
        // A connection per request: a refusal sent before the request's body is read ends its
        // connection, and a pooled one could be reused just as the server closes it.
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .proxy(None)
            .max_redirects(0)
            .max_idle_connections(0)
            .timeout_global(Some(Duration::from_secs(15)))
            .build()
            .into();
        let base_url = format!("http://127.0.0.1:{port}");

        let ready_url = format!("{base_url}/ready");
        let mut last = String::from("no answer yet");
        loop {
            if let Some(status) = process.exited() {
                panic!(
                    "the generated server exited ({status}) before it was ready; last /ready: \
                     {last}\n{}",
                    process.report()
                );
            }
            match agent.get(&ready_url).call() {
                Ok(mut response) => {
                    let status = response.status().as_u16();
                    if status == 200 {
                        break;
                    }
                    let body = response.body_mut().read_to_string().unwrap_or_default();
                    last = format!("{status} {body}");
                }
                Err(e) => last = e.to_string(),
            }
            if started.elapsed() > READY_TIMEOUT {
                panic!(
                    "GET {ready_url} did not answer 200 within {READY_TIMEOUT:?}; last: \
                     {last}\n{}",
                    process.report()
                );
            }
            thread::sleep(Duration::from_millis(100));
        }
        eprintln!(
            "generated: server at {base_url} ready in {:.1?}",
            started.elapsed()
        );
        RunningApi {
            process,
            base_url,
            agent,
            _data: data,
        }
    }

    fn call(
        &mut self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let url = format!("{}{path}", self.base_url);
        let request_line = format!(
            "{method} {path} ({})",
            match (token, &body) {
                (None, _) => "no token".to_owned(),
                (Some(_), None) => "bearer".to_owned(),
                (Some(_), Some(body)) => format!("bearer, {body}"),
            }
        );
        let mut builder = ureq::http::Request::builder().method(method).uri(&url);
        if let Some(token) = token {
            builder = builder.header("Authorization", format!("Bearer {token}"));
        }
        let result = match body {
            Some(body) => self.agent.run(
                builder
                    .header("Content-Type", "application/json")
                    .body(body.to_string())
                    .expect("a valid request"),
            ),
            None => self.agent.run(builder.body(()).expect("a valid request")),
        };
        let mut response =
            result.unwrap_or_else(|e| panic!("{request_line}: {e}\n{}", self.process.report()));
        Reply {
            request: request_line,
            status: response.status().as_u16(),
            www_authenticate: response
                .headers()
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            body: response.body_mut().read_to_string().unwrap_or_default(),
        }
    }

    /// Sends a request and checks its status; the server's output is in the message otherwise.
    fn expect(
        &mut self,
        status: u16,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let reply = self.call(method, path, token, body);
        if reply.status != status {
            panic!(
                "{}: expected {status}, got {} {}\n{}",
                reply.request,
                reply.status,
                reply.body,
                self.process.report()
            );
        }
        reply
    }
}

fn task_id(task: &Value) -> &str {
    task["id"]
        .as_str()
        .unwrap_or_else(|| panic!("a task without a string id: {task}"))
}

/// Checks the shape of a task returned by the API.
fn check_task(task: &Value, title: &str, description: Option<&str>, completed: bool) {
    let mut fields: Vec<&str> = task
        .as_object()
        .unwrap_or_else(|| panic!("a task is a JSON object: {task}"))
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "completed",
            "created_at",
            "description",
            "id",
            "title",
            "updated_at"
        ],
        "task: {task}"
    );
    assert!(!task_id(task).is_empty(), "task: {task}");
    assert_eq!(task["title"], title, "task: {task}");
    assert_eq!(task["description"], json!(description), "task: {task}");
    assert_eq!(task["completed"], completed, "task: {task}");
    assert!(
        task["created_at"].is_string() && task["updated_at"].is_string(),
        "task: {task}"
    );
}

/// The ids of a list page's items, sorted, after checking the page's shape.
fn listed_ids(page: &Value) -> Vec<String> {
    let items = page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("a list page has an items array: {page}"));
    assert!(
        page.get("next_cursor").is_some(),
        "a list page has next_cursor: {page}"
    );
    let mut ids: Vec<String> = items.iter().map(|t| task_id(t).to_owned()).collect();
    ids.sort_unstable();
    ids
}

fn sorted(ids: &[&str]) -> Vec<String> {
    let mut ids: Vec<String> = ids.iter().map(|&id| id.to_owned()).collect();
    ids.sort_unstable();
    ids
}

#[test]
fn default_project_serves_real_better_auth_tokens() {
    serves_real_better_auth_tokens(&Scenario::default_project(), "EdDSA");
}

#[test]
fn es256_project_serves_real_better_auth_tokens() {
    serves_real_better_auth_tokens(&Scenario::better_auth_es256(), "ES256");
}

#[test]
fn es512_project_serves_real_better_auth_tokens() {
    serves_real_better_auth_tokens(&Scenario::better_auth_es512(), "ES512");
}

/// One project accepting RS256 and PS256, against a Better Auth server signing with each.
#[test]
fn rsa_project_serves_real_better_auth_tokens_of_both_paddings() {
    for alg in ["RS256", "PS256"] {
        serves_real_better_auth_tokens(&Scenario::better_auth_rsa(), alg);
    }
}

/// A real Better Auth 1.7 server signing with `alg`, two users signed up there, and the
/// generated server of `scenario` answering their JWTs.
fn serves_real_better_auth_tokens(scenario: &Scenario, alg: &str) {
    let binary = generate(scenario).binary();
    let auth = BetterAuthServer::start_with_jwt_alg(alg);
    let alice = auth.sign_up("alice@example.com", PASSWORD, "Alice Example");
    let bob = auth.sign_up("bob@example.com", PASSWORD, "Bob Example");
    let alice_jwt = auth.jwt(&alice.session_token);
    let bob_jwt = auth.jwt(&bob.session_token);
    assert_eq!(decode_unverified(&alice_jwt).header["alg"], alg);

    let mut api = RunningApi::start(&binary, &[("BETTER_AUTH_URL", auth.base_url())]);
    two_users_own_their_tasks(
        &mut api,
        (&alice.user_id, &alice_jwt),
        (&bob.user_id, &bob_jwt),
    );
}

/// A real OpenID provider (`oidc-provider`) issuing RFC 9068 access tokens through resource
/// indicators, for a user logged in through the authorization code flow, with each algorithm
/// it signs with; one generated server per audience.
#[test]
fn oidc_project_serves_real_oidc_provider_tokens() {
    let binary = generate(&Scenario::oidc_multi()).binary();
    let provider = OidcProvider::start();
    for alg in oidc::ALGS {
        let alice = provider.user_token("alice", alg);
        let bob = provider.user_token("bob", alg);
        assert_eq!(decode_unverified(&alice).header["alg"], alg);
        let audience = oidc::audience(alg);
        let mut api = RunningApi::start(
            &binary,
            &[
                ("OIDC_ISSUER", provider.issuer()),
                ("OIDC_AUDIENCE", &audience),
            ],
        );
        two_users_own_their_tasks(&mut api, ("alice", &alice), ("bob", &bob));
        // A machine token is its own user: its subject is the client id.
        let machine = provider.client_credentials_token(alg);
        let own = format!("/api/{}/tasks", oidc::CLIENT_ID);
        api.expect(200, "GET", &own, Some(&machine), None);
        api.expect(403, "GET", "/api/alice/tasks", Some(&machine), None);
    }
}

/// Alice and Bob, each with a real token (`(user id, token)`), work on their own tasks, never
/// on each other's; a tampered token and no token are refused.
fn two_users_own_their_tasks(api: &mut RunningApi, alice: (&str, &str), bob: (&str, &str)) {
    let (a, b) = (alice.0, bob.0);
    let (ta, tb) = (Some(alice.1), Some(bob.1));
    let alice_tasks = format!("/api/{a}/tasks");
    let bob_tasks = format!("/api/{b}/tasks");

    // Alice works on her own tasks.
    let created = api.expect(
        201,
        "POST",
        &alice_tasks,
        ta,
        Some(json!({"title": "Buy milk", "description": "two litres"})),
    );
    let milk = created.json();
    check_task(&milk, "Buy milk", Some("two litres"), false);
    let milk_id = task_id(&milk).to_owned();
    let milk_path = format!("{alice_tasks}/{milk_id}");
    let eggs = api
        .expect(
            201,
            "POST",
            &alice_tasks,
            ta,
            Some(json!({"title": "Buy eggs"})),
        )
        .json();
    check_task(&eggs, "Buy eggs", None, false);
    let eggs_path = format!("{alice_tasks}/{}", task_id(&eggs));

    let page = api.expect(200, "GET", &alice_tasks, ta, None).json();
    assert_eq!(
        listed_ids(&page),
        sorted(&[&milk_id, task_id(&eggs)]),
        "page: {page}"
    );
    assert_eq!(api.expect(200, "GET", &milk_path, ta, None).json(), milk);

    let replaced = api
        .expect(
            200,
            "PUT",
            &milk_path,
            ta,
            Some(json!({"title": "Buy oat milk", "description": null, "completed": true})),
        )
        .json();
    check_task(&replaced, "Buy oat milk", None, true);
    assert_eq!(replaced["id"], milk["id"]);
    let milk_now = api
        .expect(
            200,
            "PATCH",
            &milk_path,
            ta,
            Some(json!({"completed": false})),
        )
        .json();
    check_task(&milk_now, "Buy oat milk", None, false);
    assert_eq!(
        api.expect(200, "GET", &milk_path, ta, None).json(),
        milk_now
    );

    api.expect(204, "DELETE", &eggs_path, ta, None);
    api.expect(404, "GET", &eggs_path, ta, None);
    let page = api.expect(200, "GET", &alice_tasks, ta, None).json();
    assert_eq!(listed_ids(&page), sorted(&[&milk_id]), "page: {page}");

    // Bob works on his own tasks and sees only them.
    let page = api.expect(200, "GET", &bob_tasks, tb, None).json();
    assert_eq!(
        listed_ids(&page),
        Vec::<String>::new(),
        "Bob sees none of Alice's tasks: {page}"
    );
    let draft = api
        .expect(
            201,
            "POST",
            &bob_tasks,
            tb,
            Some(json!({"title": "Draft", "completed": true})),
        )
        .json();
    check_task(&draft, "Draft", None, true);
    let draft_path = format!("{bob_tasks}/{}", task_id(&draft));
    let secret = api
        .expect(
            201,
            "POST",
            &bob_tasks,
            tb,
            Some(json!({"title": "Bob's secret", "description": "only Bob"})),
        )
        .json();
    check_task(&secret, "Bob's secret", Some("only Bob"), false);
    let secret_id = task_id(&secret).to_owned();
    let secret_path = format!("{bob_tasks}/{secret_id}");
    let final_draft = api
        .expect(
            200,
            "PATCH",
            &draft_path,
            tb,
            Some(json!({"title": "Final"})),
        )
        .json();
    check_task(&final_draft, "Final", None, true);
    api.expect(204, "DELETE", &draft_path, tb, None);
    let page = api.expect(200, "GET", &bob_tasks, tb, None).json();
    assert_eq!(listed_ids(&page), sorted(&[&secret_id]), "page: {page}");
    let page = api.expect(200, "GET", &alice_tasks, ta, None).json();
    assert_eq!(
        listed_ids(&page),
        sorted(&[&milk_id]),
        "Alice still sees only hers: {page}"
    );

    // Alice on Bob's path: 403, whatever the method.
    api.expect(403, "GET", &bob_tasks, ta, None);
    api.expect(
        403,
        "POST",
        &bob_tasks,
        ta,
        Some(json!({"title": "planted"})),
    );
    api.expect(403, "GET", &secret_path, ta, None);
    api.expect(403, "DELETE", &secret_path, ta, None);

    // Alice naming Bob's task under her own path: 404, and the task is unchanged.
    let foreign = format!("{alice_tasks}/{secret_id}");
    api.expect(404, "GET", &foreign, ta, None);
    api.expect(
        404,
        "PUT",
        &foreign,
        ta,
        Some(json!({"title": "hijacked", "description": null, "completed": true})),
    );
    api.expect(
        404,
        "PATCH",
        &foreign,
        ta,
        Some(json!({"title": "hijacked"})),
    );
    api.expect(404, "DELETE", &foreign, ta, None);
    assert_eq!(
        api.expect(200, "GET", &secret_path, tb, None).json(),
        secret,
        "Bob's task is unchanged"
    );
    let page = api.expect(200, "GET", &bob_tasks, tb, None).json();
    assert_eq!(listed_ids(&page), sorted(&[&secret_id]), "page: {page}");

    // Alice's token with Bob's id as `sub`, her signature kept: refused as an invalid token.
    let mut forged = decode_unverified(alice.1);
    assert_eq!(forged.payload["sub"], a, "payload: {}", forged.payload);
    forged.payload["sub"] = json!(b);
    let payload = base64url_encode(&serde_json::to_vec(&forged.payload).unwrap());
    let tampered = format!("{}.{payload}.{}", forged.segments[0], forged.segments[2]);
    for path in [&bob_tasks, &secret_path, &alice_tasks] {
        let reply = api.expect(401, "GET", path, Some(&tampered), None);
        let challenge = reply.www_authenticate.clone().unwrap_or_default();
        assert!(
            challenge.contains("invalid_token"),
            "{}: WWW-Authenticate {:?}",
            reply.request,
            reply.www_authenticate
        );
    }
    api.expect(401, "DELETE", &secret_path, Some(&tampered), None);

    // No token at all.
    let reply = api.expect(401, "GET", &alice_tasks, None, None);
    assert!(
        reply.www_authenticate.is_some(),
        "a 401 carries a WWW-Authenticate challenge"
    );
    api.expect(
        401,
        "POST",
        &alice_tasks,
        None,
        Some(json!({"title": "anonymous"})),
    );

    // Nothing above changed Bob's task; the real tokens still work.
    assert_eq!(
        api.expect(200, "GET", &secret_path, tb, None).json(),
        secret
    );
    assert_eq!(
        api.expect(200, "GET", &milk_path, ta, None).json(),
        milk_now
    );
}
