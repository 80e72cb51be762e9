//! Test harness: the app on 127.0.0.1:0 with its own SQLite file, a real JWKS server on
//! loopback, and signing keys generated per test.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair,
};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use my_api::Application;
use my_api::config::Config;
use reqwest::Method;
use serde_json::{Value, json};

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

/// A key pair the tests sign with; its public half can be published in the JWKS.
pub struct SigningKey {
    pub kid: String,
    pub alg: Algorithm,
    encoding: EncodingKey,
    /// The public key as a JWK, as a JWKS would list it.
    pub jwk: Value,
    /// The public key as DER SubjectPublicKeyInfo (Ed25519 only, for key confusion cases).
    pub public_der: Vec<u8>,
}

impl SigningKey {
    /// An Ed25519 key, published like Better Auth does: `alg`, `kid`, no `use`.
    pub fn ed25519(kid: &str) -> Self {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        let public = pair.public_key().as_ref().to_vec();
        let mut public_der = vec![
            0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
        ];
        public_der.extend_from_slice(&public);
        Self {
            kid: kid.to_owned(),
            alg: Algorithm::EdDSA,
            encoding: EncodingKey::from_ed_der(pkcs8.as_ref()),
            jwk: json!({ "kty": "OKP", "crv": "Ed25519", "x": b64(&public), "alg": "EdDSA", "kid": kid }),
            public_der,
        }
    }

    /// A P-256 key for ES256.
    pub fn es256(kid: &str) -> Self {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref()).unwrap();
        let point = pair.public_key().as_ref();
        Self {
            kid: kid.to_owned(),
            alg: Algorithm::ES256,
            encoding: EncodingKey::from_ec_der(pkcs8.as_ref()),
            jwk: json!({
                "kty": "EC", "crv": "P-256", "x": b64(&point[1..33]), "y": b64(&point[33..65]),
                "alg": "ES256", "kid": kid,
            }),
            public_der: Vec::new(),
        }
    }

    /// The header Better Auth sends: `{alg, kid}`, no `typ`.
    pub fn header(&self) -> Header {
        let mut header = Header::new(self.alg);
        header.typ = None;
        header.kid = Some(self.kid.clone());
        header
    }

    pub fn sign(&self, claims: &Value) -> String {
        self.sign_with(&self.header(), claims)
    }

    pub fn sign_with(&self, header: &Header, claims: &Value) -> String {
        jsonwebtoken::encode(header, claims, &self.encoding).unwrap()
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum JwksMode {
    Serve,
    Fail,
    Hang,
}

struct JwksState {
    keys: Mutex<Vec<Value>>,
    mode: Mutex<JwksMode>,
    hits: AtomicUsize,
}

/// A JWKS endpoint on loopback at `/api/auth/jwks`, like a Better Auth server's. Any other
/// path is counted too, so it doubles as a recorder for URLs that must never be fetched.
pub struct JwksServer {
    pub origin: String,
    state: Arc<JwksState>,
}

impl JwksServer {
    pub async fn start(keys: Vec<Value>) -> Self {
        let state = Arc::new(JwksState {
            keys: Mutex::new(keys),
            mode: Mutex::new(JwksMode::Serve),
            hits: AtomicUsize::new(0),
        });
        let app = Router::new().fallback(serve_jwks).with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
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

async fn serve_jwks(State(state): State<Arc<JwksState>>) -> Response {
    state.hits.fetch_add(1, Ordering::SeqCst);
    let mode = *state.mode.lock().unwrap();
    match mode {
        JwksMode::Serve => {
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
    pub fetch_timeout: Duration,
    /// How the JWKS server answers from the start.
    pub jwks_mode: JwksMode,
}

impl Default for AppOptions {
    fn default() -> Self {
        Self {
            env: Vec::new(),
            wait_ready: true,
            fetch_timeout: Duration::from_secs(2),
            jwks_mode: JwksMode::Serve,
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub jwks: JwksServer,
    pub key: SigningKey,
    pub issuer: String,
    _data_dir: tempfile::TempDir,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(AppOptions::default()).await
}

pub async fn spawn_app_with(options: AppOptions) -> TestApp {
    let key = SigningKey::ed25519("better-auth-key-1");
    let jwks = JwksServer::start(vec![key.jwk.clone()]).await;
    jwks.set_mode(options.jwks_mode);
    let data_dir = tempfile::tempdir().unwrap();
    let mut env: HashMap<&str, String> = HashMap::from([
        ("BETTER_AUTH_URL", jwks.origin.clone()),
        (
            "DATABASE_URL",
            format!("sqlite://{}/app.db", data_dir.path().display()),
        ),
        ("PORT", "0".to_owned()),
        // Most cases send many requests from one address; the rate limit has its own test.
        ("RATE_LIMIT_PER_SECOND", "0".to_owned()),
    ]);
    env.extend(options.env);
    let mut config =
        Config::from_lookup(|name| env.get(name).cloned()).expect("test configuration is valid");
    config.auth.jwks.fetch_timeout = options.fetch_timeout;

    let app = Application::build(config).await.expect("the app starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());

    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let test_app = TestApp {
        address,
        client,
        issuer: jwks.origin.clone(),
        jwks,
        key,
        _data_dir: data_dir,
    };
    if options.wait_ready {
        test_app.wait_ready().await;
    }
    test_app
}

impl TestApp {
    pub async fn wait_ready(&self) {
        for _ in 0..200 {
            if self.get("/ready").await.status() == StatusCode::OK {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("the app did not become ready within 5 s");
    }

    /// The claims of a valid Better Auth token for `user`: the whole user record, as the
    /// `jwt` plugin sends it.
    pub fn claims(&self, user: &str) -> Value {
        let now = now();
        json!({
            "sub": user, "id": user, "name": "Test User", "email": format!("{user}@example.com"),
            "emailVerified": false, "iss": self.issuer, "aud": self.issuer,
            "iat": now, "exp": now + 900,
        })
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

    pub async fn list_tasks(&self, user: &str, token: &str) -> reqwest::Response {
        self.request(
            Method::GET,
            &format!("/api/{user}/tasks"),
            Some(token),
            None,
        )
        .await
    }

    pub async fn create_task(&self, user: &str, token: &str, body: &Value) -> reqwest::Response {
        self.request(
            Method::POST,
            &format!("/api/{user}/tasks"),
            Some(token),
            Some(body),
        )
        .await
    }

    /// Creates a task for `user` and returns its JSON.
    pub async fn seed_task(&self, user: &str, title: &str) -> Value {
        let response = self
            .create_task(user, &self.token(user), &json!({ "title": title }))
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.unwrap()
    }

    /// Status of `GET /api/{user}/tasks` with `token`: the probe used by the token cases.
    pub async fn status_with_token(&self, user: &str, token: &str) -> StatusCode {
        self.list_tasks(user, token).await.status()
    }
}
