//! Test harness: the app on 127.0.0.1:0 with a database of its own, a real JWKS server on
//! loopback, and signing keys generated per test.

use std::collections::HashMap;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair,
    KeyPair, RSA_PKCS1_SHA256, RSA_PKCS1_SHA384, RSA_PKCS1_SHA512, RSA_PSS_SHA256, RSA_PSS_SHA384,
    RSA_PSS_SHA512, RsaKeyPair,
};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, Header};
use reqwest::Method;
use serde_json::{Value, json};

use orders_api::Application;
use orders_api::auth::{ALGORITHMS, USER_ID_CLAIM};
use orders_api::config::Config;

use crate::database::TestDatabase;

pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A token assembled by hand, for headers and signatures no honest library would produce.
pub fn raw_token(header: &Value, claims: &Value, signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        b64(header.to_string()),
        b64(claims.to_string()),
        b64(signature)
    )
}

/// HS256 over `header.claims` with `secret`, whatever the secret is (even empty).
pub fn hs256_token(header: &Value, claims: &Value, secret: &[u8]) -> String {
    let signing_input = format!("{}.{}", b64(header.to_string()), b64(claims.to_string()));
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret);
    let tag = aws_lc_rs::hmac::sign(&key, signing_input.as_bytes());
    format!("{signing_input}.{}", b64(tag.as_ref()))
}

/// How a test key signs.
enum Signer {
    Ed25519(Ed25519KeyPair),
    Ecdsa(EcdsaKeyPair),
    Rsa(RsaKeyPair, &'static dyn aws_lc_rs::signature::RsaEncoding),
}

/// A key the tests sign with; its public half can be published in the JWKS.
pub struct SigningKey {
    pub kid: String,
    pub alg: Algorithm,
    signer: Arc<Signer>,
    /// The public key as a JWK, as a JWKS would list it.
    pub jwk: Value,
    /// The public key's bytes as DER (SubjectPublicKeyInfo for Ed25519, RSAPublicKey for RSA,
    /// the point for EC): what a key confusion attack feeds to HMAC.
    pub public_der: Vec<u8>,
}

impl Clone for SigningKey {
    fn clone(&self) -> Self {
        Self {
            kid: self.kid.clone(),
            alg: self.alg,
            signer: self.signer.clone(),
            jwk: self.jwk.clone(),
            public_der: self.public_der.clone(),
        }
    }
}

impl SigningKey {
    /// A fresh key pair for `alg`, as a JWK with `alg` and `kid` and no `use`.
    pub fn generate(alg: Algorithm, kid: &str) -> Self {
        let rng = SystemRandom::new();
        let (signer, jwk, public_der) = match alg {
            Algorithm::EdDSA => {
                let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
                let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
                let public = pair.public_key().as_ref().to_vec();
                let mut der = vec![
                    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
                ];
                der.extend_from_slice(&public);
                let jwk = json!({ "kty": "OKP", "crv": "Ed25519", "x": b64(&public) });
                (Signer::Ed25519(pair), jwk, der)
            }
            Algorithm::ES256 | Algorithm::ES384 => {
                let (signing, crv, half) = if alg == Algorithm::ES256 {
                    (&ECDSA_P256_SHA256_FIXED_SIGNING, "P-256", 32)
                } else {
                    (&ECDSA_P384_SHA384_FIXED_SIGNING, "P-384", 48)
                };
                let pkcs8 = EcdsaKeyPair::generate_pkcs8(signing, &rng).unwrap();
                let pair = EcdsaKeyPair::from_pkcs8(signing, pkcs8.as_ref()).unwrap();
                let point = pair.public_key().as_ref().to_vec();
                let jwk = json!({
                    "kty": "EC", "crv": crv, "x": b64(&point[1..1 + half]), "y": b64(&point[1 + half..]),
                });
                (Signer::Ecdsa(pair), jwk, point)
            }
            Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512 => {
                let pair = RsaKeyPair::generate(KeySize::Rsa2048).unwrap();
                let public = pair.public_key();
                let jwk = json!({
                    "kty": "RSA",
                    "n": b64(public.modulus().big_endian_without_leading_zero()),
                    "e": b64(public.exponent().big_endian_without_leading_zero()),
                });
                let der = public.as_ref().to_vec();
                let encoding: &'static dyn aws_lc_rs::signature::RsaEncoding = match alg {
                    Algorithm::RS256 => &RSA_PKCS1_SHA256,
                    Algorithm::RS384 => &RSA_PKCS1_SHA384,
                    Algorithm::RS512 => &RSA_PKCS1_SHA512,
                    Algorithm::PS256 => &RSA_PSS_SHA256,
                    Algorithm::PS384 => &RSA_PSS_SHA384,
                    _ => &RSA_PSS_SHA512,
                };
                (Signer::Rsa(pair, encoding), jwk, der)
            }
            other => panic!("no asymmetric test key for {other:?}"),
        };
        let mut jwk = jwk;
        jwk["alg"] = json!(format!("{alg:?}"));
        jwk["kid"] = json!(kid);
        Self {
            kid: kid.to_owned(),
            alg,
            signer: Arc::new(signer),
            jwk,
            public_der,
        }
    }

    /// The header the provider sends.
    pub fn header(&self) -> Header {
        let mut header = Header::new(self.alg);
        header.typ = Some("JWT".to_owned());
        if !self.kid.is_empty() {
            header.kid = Some(self.kid.clone());
        }
        header
    }

    pub fn sign(&self, claims: &Value) -> String {
        self.sign_with(&self.header(), claims)
    }

    /// Signs `header.claims` as they are: the header may say anything, the signature is this
    /// key's.
    pub fn sign_with(&self, header: &Header, claims: &Value) -> String {
        self.sign_json(&serde_json::to_value(header).unwrap(), claims)
    }

    /// [`Self::sign_with`] for a header given as JSON, with members `Header` cannot express.
    pub fn sign_json(&self, header: &Value, claims: &Value) -> String {
        self.sign_bytes(header, claims.to_string().as_bytes())
    }

    /// [`Self::sign_json`] for claims given as bytes, which need not be JSON, nor UTF-8.
    pub fn sign_bytes(&self, header: &Value, claims: &[u8]) -> String {
        let signing_input = format!("{}.{}", b64(header.to_string()), b64(claims));
        let message = signing_input.as_bytes();
        let signature = match &*self.signer {
            Signer::Ed25519(pair) => pair.sign(message).as_ref().to_vec(),
            Signer::Ecdsa(pair) => pair
                .sign(&SystemRandom::new(), message)
                .unwrap()
                .as_ref()
                .to_vec(),
            Signer::Rsa(pair, encoding) => {
                let mut signature = vec![0; pair.public_modulus_len()];
                pair.sign(*encoding, &SystemRandom::new(), message, &mut signature)
                    .unwrap();
                signature
            }
        };
        format!("{signing_input}.{}", b64(signature))
    }
}

/// A server on loopback that answers every request with `body` and counts them: it stands for
/// the URLs a token names, which the API must never fetch.
pub struct Recorder {
    pub origin: String,
    hits: Arc<AtomicUsize>,
}

impl Recorder {
    pub async fn start(body: Value) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = hits.clone();
        let app = Router::new().fallback(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            std::future::ready(axum::Json(body.clone()))
        });
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { origin, hits }
    }

    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

/// How long the key server takes to answer in [`JwksMode::Slow`].
pub const SLOW_ANSWER: Duration = Duration::from_millis(500);

/// How the key server answers.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum JwksMode {
    Serve,
    Fail,
    Hang,
    /// As `Serve`, [`SLOW_ANSWER`] later.
    Slow,
}

struct JwksState {
    keys: Mutex<Vec<Value>>,
    mode: Mutex<JwksMode>,
    hits: AtomicUsize,
}

/// A key server on loopback, like a provider's: its JWKS at any path. Every request is counted.
pub struct JwksServer {
    pub origin: String,
    state: Arc<JwksState>,
}

impl JwksServer {
    pub async fn start(keys: Vec<Value>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(JwksState {
            keys: Mutex::new(keys),
            mode: Mutex::new(JwksMode::Serve),
            hits: AtomicUsize::new(0),
        });
        let app = Router::new().fallback(serve_keys).with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { origin, state }
    }

    pub fn hits(&self) -> usize {
        self.state.hits.load(Ordering::SeqCst)
    }

    pub fn set_keys(&self, keys: Vec<Value>) {
        *self.state.keys.lock().unwrap() = keys;
    }

    pub fn set_mode(&self, mode: JwksMode) {
        *self.state.mode.lock().unwrap() = mode;
    }
}

async fn serve_keys(State(state): State<Arc<JwksState>>) -> Response {
    state.hits.fetch_add(1, Ordering::SeqCst);
    let mode = *state.mode.lock().unwrap();
    if mode == JwksMode::Slow {
        tokio::time::sleep(SLOW_ANSWER).await;
    }
    match mode {
        JwksMode::Serve | JwksMode::Slow => {
            let keys = state.keys.lock().unwrap().clone();
            axum::Json(json!({ "keys": keys })).into_response()
        }
        JwksMode::Fail => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        JwksMode::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            StatusCode::GATEWAY_TIMEOUT.into_response()
        }
    }
}

/// How to start the app; the defaults suit most cases.
pub struct AppOptions {
    pub env: Vec<(&'static str, String)>,
    /// Whether `spawn_app` waits for `/ready`.
    pub wait_ready: bool,
    /// Whether the server runs as a process of its own (the binary, with the same settings)
    /// rather than in the test's runtime: to be sent signals, or to have metrics of its own.
    pub process: bool,
    pub fetch_timeout: Duration,
    /// How the JWKS server answers from the start.
    pub jwks_mode: JwksMode,
}

impl Default for AppOptions {
    fn default() -> Self {
        Self {
            env: Vec::new(),
            wait_ready: true,
            process: false,
            fetch_timeout: Duration::from_secs(2),
            jwks_mode: JwksMode::Serve,
        }
    }
}

/// The audience tests expect: this API's identifier.
pub const AUDIENCE: &str = "https://api.example.com";

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub jwks: JwksServer,
    /// A key for every allowed algorithm (all published in the JWKS); `key` is the first.
    pub keys: Vec<SigningKey>,
    pub key: SigningKey,
    pub issuer: String,
    pub audience: String,
    /// The app's own database, dropped after the test.
    pub database: TestDatabase,
    /// The server's process, when it runs in one ([`AppOptions::process`]).
    // Used by `production.rs`, which projects generated before it do not have (this file is
    // regenerated in them, `production.rs` never is).
    #[allow(dead_code)]
    pub process: Option<ServerProcess>,
}

/// The server binary, running with a test's settings; killed when dropped.
pub struct ServerProcess {
    child: Child,
}

impl ServerProcess {
    fn spawn(env: &HashMap<&str, String>) -> Self {
        let child = Command::new(env!("CARGO_BIN_EXE_orders-api"))
            .env_clear()
            .envs(env)
            .env("RUST_LOG", "warn")
            // An empty working directory: no .env to pick up.
            .current_dir(std::env::temp_dir())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .expect("the server binary starts");
        Self { child }
    }

    /// Sends SIGTERM, as an orchestrator stopping it would.
    #[cfg(unix)]
    // Used by `production.rs`, which projects generated before it do not have (this file is
    // regenerated in them, `production.rs` never is).
    #[allow(dead_code)]
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -TERM: {status}");
    }

    /// Its exit status, once it exits within `within`.
    // Used by `production.rs`, which projects generated before it do not have (this file is
    // regenerated in them, `production.rs` never is).
    #[allow(dead_code)]
    pub async fn exit_status(&mut self, within: Duration) -> Option<ExitStatus> {
        let deadline = tokio::time::Instant::now() + within;
        while tokio::time::Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("the server's status") {
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        None
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free port for a server process, from 20000 to 32767: below the ranges that systems hand out
/// for port 0 and for outgoing connections (from 32768 on Linux, 49152 elsewhere), where the
/// in-process servers and every connection of the tests take theirs. A port from those ranges,
/// found free and let go, can be taken by another test before the process binds it: the process
/// then fails to start, and the test talks to that other test's server.
fn unclaimed_port() -> u16 {
    use std::hash::{BuildHasher, Hasher};
    for _ in 0..1000 {
        // A new random key each time: the hash of nothing is a random number.
        let random = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish();
        let port = 20_000 + u16::try_from(random % 12_768).unwrap();
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port from 20000 to 32767");
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(AppOptions::default()).await
}

pub async fn spawn_app_with(options: AppOptions) -> TestApp {
    let keys: Vec<SigningKey> = ALGORITHMS
        .iter()
        .enumerate()
        .map(|(i, &alg)| SigningKey::generate(alg, &format!("key-{i}")))
        .collect();
    let jwks = JwksServer::start(keys.iter().map(|key| key.jwk.clone()).collect()).await;
    jwks.set_mode(options.jwks_mode);
    // Auth0's issuer is always https://{domain}/; the keys come from the loopback server.
    let domain = jwks.origin.trim_start_matches("http://").to_owned();
    let issuer = format!("https://{domain}/");
    let audience = AUDIENCE.to_owned();
    let provider_env = [
        ("AUTH0_DOMAIN", domain),
        ("AUTH0_AUDIENCE", audience.clone()),
        ("JWKS_URL", format!("{}/.well-known/jwks.json", jwks.origin)),
    ];
    let database = TestDatabase::create().await;
    let mut env: HashMap<&str, String> = HashMap::from([
        ("DATABASE_URL", database.url.clone()),
        // Tests run in parallel, each with its own pool, on one server.
        ("DATABASE_MAX_CONNECTIONS", "4".to_owned()),
        ("PORT", "0".to_owned()),
        // Most cases send many requests from one address, as one user; the rate limits have
        // their own tests. The per-user limit stays on, far above what any case sends, so that
        // every case meets the authentication it puts first, as a server with the defaults does.
        ("RATE_LIMIT_PER_SECOND", "0".to_owned()),
        ("RATE_LIMIT_PER_USER_PER_SECOND", "1000000000".to_owned()),
        ("RATE_LIMIT_PER_USER_BURST", "1000000000".to_owned()),
    ]);
    env.extend(provider_env);
    env.extend(options.env);
    let (address, process) = if options.process {
        let port = unclaimed_port();
        env.insert("PORT", port.to_string());
        let process = ServerProcess::spawn(&env);
        (format!("http://127.0.0.1:{port}"), Some(process))
    } else {
        let mut config = Config::from_lookup(|name| env.get(name).cloned())
            .expect("test configuration is valid");
        config.auth.jwks.fetch_timeout = options.fetch_timeout;
        let app = Application::build(config).await.expect("the app starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        (address, None)
    };

    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let test_app = TestApp {
        address,
        client,
        jwks,
        key: keys[0].clone(),
        keys,
        issuer,
        audience,
        database,
        process,
    };
    if options.wait_ready {
        test_app.wait_ready().await;
    }
    test_app
}

impl TestApp {
    pub async fn wait_ready(&self) {
        for _ in 0..400 {
            // A server process may not be listening yet.
            if let Ok(response) = self
                .client
                .get(format!("{}/ready", self.address))
                .send()
                .await
                && response.status() == StatusCode::OK
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("the app did not become ready within 10 s");
    }

    /// The server's address and port, for raw connections.
    // Used by `production.rs`, which projects generated before it do not have (this file is
    // regenerated in them, `production.rs` never is).
    #[allow(dead_code)]
    pub fn socket_addr(&self) -> std::net::SocketAddr {
        self.address
            .trim_start_matches("http://")
            .parse()
            .expect("an address and port")
    }

    /// The claims of a valid token for `user`, as the provider issues them.
    pub fn claims(&self, user: &str) -> Value {
        let now = now();
        // A token that may also call Auth0's userinfo endpoint: that endpoint is one more `aud`.
        let mut claims = json!({
            "sub": user, "iss": self.issuer, "aud": [self.audience, format!("{}userinfo", self.issuer)],
            "iat": now, "exp": now + 86400, "azp": "test-client-id", "scope": "openid profile email",
        });
        if USER_ID_CLAIM != "sub" {
            // The user id lives in its own claim; `sub` names something else.
            claims["sub"] = json!("service-account");
            claims[USER_ID_CLAIM] = json!(user);
        }
        claims
    }

    pub fn token(&self, user: &str) -> String {
        self.key.sign(&self.claims(user))
    }

    /// A valid token for `user` with claims changed by `edit`.
    pub fn token_with(
        &self,
        user: &str,
        edit: impl FnOnce(&mut serde_json::Map<String, Value>),
    ) -> String {
        let mut claims = self.claims(user);
        edit(claims.as_object_mut().unwrap());
        self.key.sign(&claims)
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> reqwest::Response {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.address));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.expect("request sent")
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.request(Method::GET, path, None, None).await
    }

    /// Lists `user`'s orders (the first page).
    pub async fn list_items(&self, user: &str, token: &str) -> reqwest::Response {
        self.request(Method::GET, &collection_path(user), Some(token), None)
            .await
    }

    /// Creates a order in `user`'s collection from `body`.
    pub async fn create_item(&self, user: &str, token: &str, body: &Value) -> reqwest::Response {
        self.request(
            Method::POST,
            &collection_path(user),
            Some(token),
            Some(body),
        )
        .await
    }

    /// Creates a order for `user` whose `title` is `label`, and returns its JSON.
    pub async fn seed_item(&self, user: &str, label: &str) -> Value {
        let mut body = new_item();
        body["title"] = json!(label);
        let response = self.create_item(user, &self.token(user), &body).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.unwrap()
    }

    /// Status of listing `user`'s orders with `token`: the probe used by
    /// the token cases.
    pub async fn status_with_token(&self, user: &str, token: &str) -> StatusCode {
        self.list_items(user, token).await.status()
    }
}

/// A valid new order.
pub fn new_item() -> Value {
    json!({ "title": "one title", "description": "one description", "completed": true })
}

/// Where `user`'s orders are listed and created.
pub fn collection_path(user: &str) -> String {
    format!("/api/{user}/orders")
}

/// Where one of `user`'s orders is read, changed and deleted.
pub fn item_path(user: &str, id: &str) -> String {
    format!("/api/{user}/orders/{id}")
}
