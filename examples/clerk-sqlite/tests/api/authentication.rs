//! Token verification: who may call at all.

use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, Header};
use reqwest::StatusCode;
use reqwest::header::WWW_AUTHENTICATE;
use serde_json::{Value, json};

use notes_api::auth::USER_ID_CLAIM;

use crate::helpers::{
    AppOptions, JwksMode, Recorder, SigningKey, b64, hs256_token, now, raw_token, spawn_app,
    spawn_app_with,
};

const USER: &str = "user-a";

fn assert_invalid_token(response: &reqwest::Response, case: &str) {
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{case}");
    let challenge = response
        .headers()
        .get(WWW_AUTHENTICATE)
        .map(|v| v.to_str().unwrap());
    assert_eq!(challenge, Some(r#"Bearer error="invalid_token""#), "{case}");
}

async fn assert_refused(app: &crate::helpers::TestApp, token: &str, case: &str) {
    let response = app.list_items(USER, token).await;
    assert_invalid_token(&response, case);
}

// 1
#[tokio::test]
async fn a_valid_token_reaches_its_own_notes() {
    let app = spawn_app().await;
    let created = app.seed_item(USER, "write the tests").await;
    let response = app.list_items(USER, &app.token(USER)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let page: Value = response.json().await.unwrap();
    assert_eq!(page["items"], json!([created]));
}

// 2
#[tokio::test]
async fn no_token_is_401_with_a_bearer_challenge() {
    let app = spawn_app().await;
    let response = app.get(&crate::helpers::collection_path(USER)).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()[WWW_AUTHENTICATE], "Bearer");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "unauthorized");
}

// 3
#[tokio::test]
async fn malformed_authorization_headers_are_refused() {
    let app = spawn_app().await;
    let token = app.token(USER);
    let url = format!("{}{}", app.address, crate::helpers::collection_path(USER));
    let cases: [(&str, Vec<String>, StatusCode); 6] = [
        (
            "basic scheme",
            vec!["Basic dXNlcjpwYXNz".into()],
            StatusCode::UNAUTHORIZED,
        ),
        (
            "token without scheme",
            vec![token.clone()],
            StatusCode::UNAUTHORIZED,
        ),
        (
            "bearer with nothing",
            vec!["Bearer".into()],
            StatusCode::BAD_REQUEST,
        ),
        (
            "bearer with spaces only",
            vec!["Bearer    ".into()],
            StatusCode::BAD_REQUEST,
        ),
        (
            "two words",
            vec!["Bearer a b".into()],
            StatusCode::BAD_REQUEST,
        ),
        (
            "two headers",
            vec![format!("Bearer {token}"), format!("Bearer {token}")],
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (case, values, expected) in cases {
        let mut request = app.client.get(&url);
        for value in values {
            request = request.header("authorization", value);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), expected, "{case}");
        assert!(
            response.headers()[WWW_AUTHENTICATE]
                .to_str()
                .unwrap()
                .starts_with("Bearer"),
            "{case}"
        );
    }
    // A token in the query string is never read.
    let response = app
        .client
        .get(format!("{url}?access_token={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::UNAUTHORIZED,
        "token in the query string"
    );
}

// 4
#[tokio::test]
async fn garbage_tokens_are_401() {
    let app = spawn_app().await;
    let valid = app.token(USER);
    let parts: Vec<&str> = valid.split('.').collect();
    let cases = [
        ("two segments", format!("{}.{}", parts[0], parts[1])),
        ("four segments", format!("{valid}.{}", parts[2])),
        (
            "bad base64",
            format!("{}.{}.!!!not-base64!!!", parts[0], parts[1]),
        ),
        (
            "header not json",
            format!("{}.{}.{}", b64("not json"), parts[1], parts[2]),
        ),
        (
            "payload not json",
            format!("{}.{}.{}", parts[0], b64("not json"), parts[2]),
        ),
        ("empty segments", "..".to_owned()),
        ("random text", "hello".to_owned()),
    ];
    for (case, token) in cases {
        assert_refused(&app, &token, case).await;
    }
}

// 5
#[tokio::test]
async fn a_tampered_payload_is_401() {
    let app = spawn_app().await;
    let valid = app.token(USER);
    let parts: Vec<&str> = valid.split('.').collect();
    let forged = b64(app.claims("user-b").to_string());
    assert_refused(
        &app,
        &format!("{}.{forged}.{}", parts[0], parts[2]),
        "another sub, same signature",
    )
    .await;
}

// 6
#[tokio::test]
async fn a_tampered_signature_is_401() {
    let app = spawn_app().await;
    let valid = app.token(USER);
    // Accepted first, so that a cache of verified tokens knows its header and claims.
    assert_eq!(app.status_with_token(USER, &valid).await, StatusCode::OK);
    let (signing_input, signature) = valid.rsplit_once('.').unwrap();
    let mut bytes =
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, signature)
            .unwrap();
    bytes[10] ^= 0x01;
    assert_refused(
        &app,
        &format!("{signing_input}.{}", b64(&bytes)),
        "one bit flipped",
    )
    .await;
    assert_refused(
        &app,
        &format!("{signing_input}.{}", b64(&bytes[..32])),
        "truncated",
    )
    .await;
}

// 7
#[tokio::test]
async fn alg_none_in_any_spelling_is_401() {
    let app = spawn_app().await;
    let claims = app.claims(USER);
    for alg in ["none", "None", "NONE", "nOnE"] {
        let header = json!({ "alg": alg, "typ": "JWT", "kid": app.key.kid });
        assert_refused(&app, &raw_token(&header, &claims, b""), alg).await;
        let with_real_signature = format!(
            "{}.{}",
            raw_token(&header, &claims, b"").trim_end_matches('.'),
            app.token(USER).rsplit('.').next().unwrap()
        );
        assert_refused(&app, &with_real_signature, alg).await;
    }
}

// 8
#[tokio::test]
async fn a_null_signature_is_401() {
    let app = spawn_app().await;
    let valid = app.token(USER);
    let (signing_input, _) = valid.rsplit_once('.').unwrap();
    assert_refused(&app, &format!("{signing_input}."), "empty signature").await;
}

// 9
#[tokio::test]
async fn hs256_signed_with_the_public_key_is_401() {
    let app = spawn_app().await;
    let header = json!({ "alg": "HS256", "typ": "JWT", "kid": app.key.kid });
    let claims = app.claims(USER);
    let pem = format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            &app.key.public_der
        )
    );
    let secrets: [(&str, Vec<u8>); 3] = [
        ("pem", pem.into_bytes()),
        ("der", app.key.public_der.clone()),
        ("jwk json", app.key.jwk.to_string().into_bytes()),
    ];
    for (case, secret) in secrets {
        let token = hs256_token(&header, &claims, &secret);
        assert_refused(&app, &token, case).await;
    }
}

// 10
#[tokio::test]
async fn hs256_with_a_blank_secret_is_401() {
    let app = spawn_app().await;
    let claims = app.claims(USER);
    let headers = [
        json!({ "alg": "HS256", "typ": "JWT" }),
        json!({ "alg": "HS256", "kid": app.key.kid }),
    ];
    for header in headers {
        let token = hs256_token(&header, &claims, b"");
        assert_refused(&app, &token, "blank secret").await;
    }
}

// 11
#[tokio::test]
async fn an_algorithm_outside_the_allowlist_is_401() {
    let app = spawn_app().await;
    // The JWKS also lists a key of another type: a key set may mix types, and that
    // algorithm is not allowed here.
    let other = SigningKey::generate(Algorithm::EdDSA, "other-type");
    let mut keys: Vec<Value> = app.keys.iter().map(|key| key.jwk.clone()).collect();
    keys.push(other.jwk.clone());
    app.jwks.set_keys(keys);
    let token = other.sign(&app.claims(USER));
    assert_refused(&app, &token, "EdDSA with a key from the JWKS").await;
    // The same algorithm announced with the kid of an allowed key.
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(app.key.kid.clone());
    let token = other.sign_with(&header, &app.claims(USER));
    assert_refused(&app, &token, "EdDSA with an allowed key's kid").await;
    // The allowed key still works.
    let status = app.status_with_token(USER, &app.token(USER)).await;
    assert_eq!(status, StatusCode::OK);
}

// 12
#[tokio::test]
async fn an_embedded_jwk_header_is_not_trusted() {
    let app = spawn_app().await;
    let attacker = SigningKey::generate(Algorithm::RS256, &app.key.kid);
    let mut header = attacker.header();
    header.jwk = Some(serde_json::from_value(attacker.jwk.clone()).unwrap());
    let token = attacker.sign_with(&header, &app.claims(USER));
    assert_refused(&app, &token, "jwk header").await;
}

// 13
#[tokio::test]
async fn jku_and_x5u_urls_are_never_fetched() {
    let app = spawn_app().await;
    let attacker = SigningKey::generate(Algorithm::RS256, "attacker-kid");
    let recorder = Recorder::start(json!({ "keys": [attacker.jwk] })).await;
    let url = format!("{}/keys.json", recorder.origin);
    let mut jku = attacker.header();
    jku.jku = Some(url.clone());
    let mut x5u = attacker.header();
    x5u.x5u = Some(url);
    for (case, header) in [("jku", jku), ("x5u", x5u)] {
        let token = attacker.sign_with(&header, &app.claims(USER));
        assert_refused(&app, &token, case).await;
    }
    assert_eq!(recorder.hits(), 0, "the API fetched a URL named by a token");
}

// 14
#[tokio::test]
async fn kid_injection_is_401_and_fast() {
    let app = spawn_app().await;
    let claims = app.claims(USER);
    let long = "k".repeat(10 * 1024);
    let kids = [
        "../../dev/null",
        "' OR '1'='1",
        "/etc/passwd",
        &long,
        "",
        "\0",
    ];
    for kid in kids {
        let mut header = app.key.header();
        header.kid = Some(kid.to_owned());
        let started = Instant::now();
        let response = app
            .list_items(USER, &app.key.sign_with(&header, &claims))
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "kid {kid:.20}");
        let elapsed = started.elapsed();
        assert!(
            elapsed < Duration::from_secs(2),
            "kid {kid:.20} took {elapsed:?}"
        );
    }
}

// Clerk's own library looks its keys up by `kid` only: a token without one is
// refused, even when the key set has a single key.
#[tokio::test]
async fn a_token_without_kid_is_401() {
    let app = spawn_app().await;
    let mut header = app.key.header();
    header.kid = None;
    let token = app.key.sign_with(&header, &app.claims(USER));
    assert_refused(&app, &token, "no kid, one key for RS256").await;
}

// 15
#[tokio::test]
async fn a_storm_of_unknown_kids_fetches_the_jwks_at_most_twice() {
    let app = std::sync::Arc::new(spawn_app().await);
    let attacker = SigningKey::generate(Algorithm::RS256, "attacker");
    let before = app.jwks.hits();
    let mut requests = tokio::task::JoinSet::new();
    for i in 0..200 {
        let app = app.clone();
        let mut header = attacker.header();
        header.kid = Some(format!("random-kid-{i}"));
        let token = attacker.sign_with(&header, &app.claims(USER));
        requests.spawn(async move { app.status_with_token(USER, &token).await });
    }
    while let Some(status) = requests.join_next().await {
        assert_eq!(status.unwrap(), StatusCode::UNAUTHORIZED);
    }
    assert!(before >= 1, "the keys were loaded at start");
    assert!(
        app.jwks.hits() <= 2,
        "JWKS fetched {} times",
        app.jwks.hits()
    );
}

// 16
#[tokio::test]
async fn a_rotated_key_is_accepted_without_a_restart() {
    let app = spawn_app().await;
    let next = SigningKey::generate(Algorithm::RS256, "rotated-key");
    let mut keys: Vec<Value> = app.keys.iter().map(|key| key.jwk.clone()).collect();
    keys.push(next.jwk.clone());
    app.jwks.set_keys(keys);
    let token = next.sign(&app.claims(USER));
    assert_eq!(app.status_with_token(USER, &token).await, StatusCode::OK);
    let old = app.token(USER);
    assert_eq!(
        app.status_with_token(USER, &old).await,
        StatusCode::OK,
        "old key"
    );
}

// A client that goes away while the key set is fetched for its token's unknown `kid` does not
// cancel the fetch: the rotated key is there for the next request, fetched once, instead of
// refused until `min_refresh_interval` lets another fetch through.
#[tokio::test]
async fn a_client_leaving_mid_fetch_does_not_hold_back_a_rotated_key() {
    let app = spawn_app().await;
    let next = SigningKey::generate(Algorithm::RS256, "rotated-while-leaving");
    let mut keys: Vec<Value> = app.keys.iter().map(|key| key.jwk.clone()).collect();
    keys.push(next.jwk.clone());
    app.jwks.set_keys(keys);
    app.jwks.set_mode(JwksMode::Slow);
    let before = app.jwks.hits();
    let token = next.sign(&app.claims(USER));
    let hasty = app
        .client
        .get(format!(
            "{}{}",
            app.address,
            crate::helpers::collection_path(USER)
        ))
        .bearer_auth(&token)
        .timeout(crate::helpers::SLOW_ANSWER / 5)
        .send()
        .await;
    assert!(
        hasty.as_ref().is_err_and(reqwest::Error::is_timeout),
        "the client left before the keys came: {hasty:?}"
    );
    assert_eq!(app.status_with_token(USER, &token).await, StatusCode::OK);
    assert_eq!(app.jwks.hits(), before + 1, "one fetch for both requests");
}

// A token verified before is answered from a cache, but never after its key leaves the JWKS.
#[tokio::test]
async fn a_remembered_token_is_401_once_its_key_leaves_the_jwks() {
    let app = spawn_app().await;
    let old = app.token(USER);
    assert_eq!(app.status_with_token(USER, &old).await, StatusCode::OK);
    assert_eq!(
        app.status_with_token(USER, &old).await,
        StatusCode::OK,
        "verified again, or remembered"
    );
    let next = SigningKey::generate(Algorithm::RS256, "replacement-key");
    app.jwks.set_keys(vec![next.jwk.clone()]);
    // A token with an unknown kid makes the API fetch the key set, where the old key is gone.
    let fresh = next.sign(&app.claims(USER));
    assert_eq!(app.status_with_token(USER, &fresh).await, StatusCode::OK);
    assert_refused(&app, &old, "its key left the JWKS").await;
}

// 17
#[tokio::test]
async fn an_expired_token_is_401() {
    let app = spawn_app().await;
    let token = app.token_with(USER, |c| {
        c.insert("iat".into(), json!(now() - 1000));
        c.insert("exp".into(), json!(now() - 120));
    });
    assert_refused(&app, &token, "expired two minutes ago").await;
}

// 18
#[tokio::test]
async fn the_leeway_is_5_seconds() {
    let app = spawn_app().await;
    let inside = app.token_with(USER, |c| {
        c.insert("exp".into(), json!(now() - 2));
    });
    let status = app.status_with_token(USER, &inside).await;
    assert_eq!(status, StatusCode::OK, "2 s past exp");
    let outside = app.token_with(USER, |c| {
        c.insert("exp".into(), json!(now() - 15));
    });
    assert_refused(&app, &outside, "15 s past exp").await;
}

// A token verified before is answered from a cache, but never after its `exp` plus the leeway.
#[tokio::test]
async fn a_remembered_token_is_401_once_it_expires() {
    let app = spawn_app().await;
    // Inside the leeway for 4 more seconds.
    let token = app.token_with(USER, |c| {
        c.insert("exp".into(), json!(now() - 1));
    });
    assert_eq!(app.status_with_token(USER, &token).await, StatusCode::OK);
    assert_eq!(
        app.status_with_token(USER, &token).await,
        StatusCode::OK,
        "verified again, or remembered"
    );
    tokio::time::sleep(std::time::Duration::from_secs(6)).await;
    assert_refused(&app, &token, "expired while remembered").await;
}

// 19
#[tokio::test]
async fn a_token_without_exp_is_401() {
    let app = spawn_app().await;
    let token = app.token_with(USER, |c| {
        c.remove("exp");
    });
    assert_refused(&app, &token, "no exp").await;
}

// 20
#[tokio::test]
async fn claims_of_the_wrong_type_are_401() {
    let app = spawn_app().await;
    let later = now() + 900;
    let cases: [(&str, &str, Value); 8] = [
        ("exp as a string", "exp", json!(later.to_string())),
        ("nbf as a string", "nbf", json!((now() - 10).to_string())),
        ("iat as a string", "iat", json!(now().to_string())),
        ("iss as a number", "iss", json!(123)),
        ("aud as an object", "aud", json!({})),
        ("user id as a number", USER_ID_CLAIM, json!(42)),
        ("user id empty", USER_ID_CLAIM, json!("")),
        ("user id null", USER_ID_CLAIM, Value::Null),
    ];
    for (case, claim, value) in cases {
        let token = app.token_with(USER, |c| {
            c.insert(claim.into(), value);
        });
        assert_refused(&app, &token, case).await;
    }
}

// A registered claim sent as `null` is a refusal, not an absence.
#[tokio::test]
async fn registered_claims_sent_as_null_are_401() {
    let app = spawn_app().await;
    for claim in ["exp", "nbf", "iat", "iss", "aud", "sub", USER_ID_CLAIM] {
        let token = app.token_with(USER, |c| {
            c.insert(claim.into(), Value::Null);
        });
        assert_refused(&app, &token, &format!("{claim}: null")).await;
    }
}

// RFC 7515 §4.1.11: `crit` names header extensions the verifier must understand. This one
// understands none, so a token whose header has `crit`, in any form, is refused.
#[tokio::test]
async fn a_critical_header_extension_is_401() {
    let app = spawn_app().await;
    let claims = app.claims(USER);
    let cases: [(&str, Value); 5] = [
        (
            "crit: [b64], b64: false",
            json!({ "crit": ["b64"], "b64": false }),
        ),
        ("crit: [] (empty)", json!({ "crit": [] })),
        (
            "crit naming an unknown extension",
            json!({ "crit": ["urn:example:ext"], "urn:example:ext": 1 }),
        ),
        ("crit not a list", json!({ "crit": "exp" })),
        ("crit: null", json!({ "crit": null })),
    ];
    for (case, members) in cases {
        let mut header = serde_json::to_value(app.key.header()).unwrap();
        for (name, value) in members.as_object().unwrap() {
            header[name] = value.clone();
        }
        let token = app.key.sign_json(&header, &claims);
        assert_refused(&app, &token, case).await;
    }
}

// The header's `kid` and `typ`, when present, are strings: `null` is not their absence (as
// jsonwebtoken would read it), and neither is a number or a list.
#[tokio::test]
async fn a_kid_or_typ_that_is_not_a_string_is_401() {
    let app = spawn_app().await;
    let claims = app.claims(USER);
    let cases: [(&str, Value); 4] = [
        ("kid", Value::Null),
        ("typ", Value::Null),
        ("kid", json!(7)),
        ("typ", json!(["JWT"])),
    ];
    for (member, value) in cases {
        let mut header = serde_json::to_value(app.key.header()).unwrap();
        header[member] = value.clone();
        let token = app.key.sign_json(&header, &claims);
        assert_refused(&app, &token, &format!("{member}: {value}")).await;
    }
}

// RFC 8259 §8.1: JSON text is UTF-8. A byte that is not, even inside a claim this API does not
// read, makes the claims unreadable.
#[tokio::test]
async fn claims_that_are_not_utf8_are_401() {
    let app = spawn_app().await;
    let mut claims = app.claims(USER).to_string().into_bytes();
    assert_eq!(claims.pop(), Some(b'}'));
    claims.extend_from_slice(b",\"note\":\"\xff\"}");
    let header = serde_json::to_value(app.key.header()).unwrap();
    let token = app.key.sign_bytes(&header, &claims);
    assert_refused(&app, &token, "byte 0xff in an unread claim").await;
}

// RFC 9449 §7, RFC 8705 §3: a token bound to a key (`cnf`) is usable only with a proof of that
// key. Presented as a plain bearer token, as a stolen DPoP-bound token would be, it is refused.
#[tokio::test]
async fn a_sender_constrained_token_is_401() {
    let app = spawn_app().await;
    let cases: [(&str, Value); 4] = [
        (
            "DPoP key thumbprint",
            json!({ "jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I" }),
        ),
        (
            "mutual-TLS certificate thumbprint",
            json!({ "x5t#S256": "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2" }),
        ),
        ("cnf: {} (empty)", json!({})),
        ("cnf: null", Value::Null),
    ];
    for (case, cnf) in cases {
        let token = app.token_with(USER, |c| {
            c.insert("cnf".into(), cnf);
        });
        assert_refused(&app, &token, case).await;
    }
}

// Only tokens of the kinds this API accepts: `typ` absent or JWT. Another kind of token signed by the same key is refused.
#[tokio::test]
async fn only_tokens_of_the_accepted_types_pass() {
    let app = spawn_app().await;
    let token_of_type = |typ: Option<&str>| {
        let mut header = app.key.header();
        header.typ = typ.map(str::to_owned);
        app.key.sign_with(&header, &app.claims(USER))
    };
    for typ in [None, Some("JWT")] {
        let status = app.status_with_token(USER, &token_of_type(typ)).await;
        assert_eq!(status, StatusCode::OK, "typ {typ:?}");
    }
    for typ in ["dpop+jwt", "logout+jwt", "secevent+jwt", ""] {
        let token = token_of_type(Some(typ));
        assert_refused(&app, &token, &format!("typ {typ:?}")).await;
    }
    // Compared exactly, as Clerk's own library does.
    let token = token_of_type(Some("jwt"));
    assert_refused(&app, &token, "typ jwt").await;
    // An OAuth access token (RFC 9068) signed by the same key.
    let token = token_of_type(Some("at+jwt"));
    assert_refused(&app, &token, "typ at+jwt").await;
}

// 21
#[tokio::test]
async fn a_token_not_yet_valid_is_401() {
    let app = spawn_app().await;
    let hour_ahead = now() + 3600;
    for claim in ["nbf", "iat"] {
        let token = app.token_with(USER, |c| {
            c.insert(claim.into(), json!(hour_ahead));
            c.insert("exp".into(), json!(hour_ahead + 900));
        });
        assert_refused(&app, &token, claim).await;
    }
}

// 22
#[tokio::test]
async fn the_issuer_must_match_exactly() {
    let app = spawn_app().await;
    // A slash more or less at the end is another issuer: a common misconfiguration.
    let slash_toggled = match app.issuer.strip_suffix('/') {
        Some(without) => without.to_owned(),
        None => format!("{}/", app.issuer),
    };
    let cases = [
        ("another issuer", Some(json!("https://evil.example.com"))),
        ("the trailing slash toggled", Some(json!(slash_toggled))),
        ("no issuer", None),
        ("an array holding the issuer", Some(json!([app.issuer]))),
    ];
    for (case, iss) in cases {
        let token = app.token_with(USER, |c| match iss {
            Some(iss) => {
                c.insert("iss".into(), iss);
            }
            None => {
                c.remove("iss");
            }
        });
        assert_refused(&app, &token, case).await;
    }
}

// 24
#[tokio::test]
async fn azp_must_be_an_authorized_party() {
    let app = spawn_app().await;
    let foreign = app.token_with(USER, |c| {
        c.insert("azp".into(), json!("https://evil.example.com"));
    });
    assert_refused(&app, &foreign, "azp of another origin").await;
    let absent = app.token_with(USER, |c| {
        c.remove("azp");
    });
    assert_refused(&app, &absent, "no azp while parties are configured").await;
}

// 25
#[tokio::test]
async fn a_token_without_a_session_is_401() {
    let app = spawn_app().await;
    let template_token = app.token_with(USER, |c| {
        c.remove("sid");
    });
    assert_refused(&app, &template_token, "no sid (a JWT template token)").await;
    let empty = app.token_with(USER, |c| {
        c.insert("sid".into(), json!(""));
    });
    assert_refused(&app, &empty, "empty sid").await;
}

// Networkless verification: with CLERK_JWT_KEY the JWKS is never fetched.
#[tokio::test]
async fn a_pinned_pem_key_verifies_without_the_network() {
    let key = SigningKey::generate(Algorithm::RS256, "pinned");
    let pem = format!(
        "-----BEGIN RSA PUBLIC KEY-----\n{}\n-----END RSA PUBLIC KEY-----",
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &key.public_der)
    );
    let app = spawn_app_with(AppOptions {
        env: vec![("CLERK_JWT_KEY", pem)],
        jwks_mode: JwksMode::Fail,
        ..Default::default()
    })
    .await;
    let status = app
        .status_with_token(USER, &key.sign(&app.claims(USER)))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_refused(
        &app,
        &app.token(USER),
        "a key from the JWKS, not the pinned one",
    )
    .await;
    assert_eq!(app.jwks.hits(), 0, "the JWKS was fetched");
}

// One Clerk instance key signs session tokens, OAuth access tokens (`typ: at+jwt`, refused in
// only_tokens_of_the_accepted_types_pass) and machine tokens, told apart by the `cat` header:
// only session tokens pass, as @clerk/backend decides.
#[tokio::test]
async fn only_session_tokens_pass() {
    let app = spawn_app().await;
    let claims = app.claims(USER);
    let with_category = |cat: Value| {
        let mut header = serde_json::to_value(app.key.header()).unwrap();
        header["cat"] = cat;
        app.key.sign_json(&header, &claims)
    };
    for cat in ["cl_B7d4PD111AAA", "cl_I7d4PD111III"] {
        let token = with_category(json!(cat));
        let status = app.status_with_token(USER, &token).await;
        assert_eq!(status, StatusCode::OK, "cat {cat}");
    }
    let refused = [
        ("a machine (M2M) token", json!("cl_B7d4PD333AAA")),
        ("an unknown category", json!("cl_unknown")),
        ("cat: null", Value::Null),
        ("cat not a string", json!(1)),
    ];
    for (case, cat) in refused {
        assert_refused(&app, &with_category(cat), case).await;
    }
}

// 26
#[tokio::test]
async fn a_foreign_key_reusing_a_known_kid_is_401() {
    let app = spawn_app().await;
    let impostor = SigningKey::generate(Algorithm::RS256, &app.key.kid);
    let token = impostor.sign(&app.claims(USER));
    assert_refused(&app, &token, "same kid, other key").await;
}

// 27: the "psychic signature" (r = s = 0 for ECDSA) and its kin: an all-zero signature of
// the right length, for every allowed algorithm.
#[tokio::test]
async fn an_all_zero_signature_is_401() {
    let app = spawn_app().await;
    for key in &app.keys {
        let token = key.sign(&app.claims(USER));
        let (signing_input, signature) = token.rsplit_once('.').unwrap();
        let length =
            base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, signature)
                .unwrap()
                .len();
        let zeros = format!("{signing_input}.{}", b64(vec![0u8; length]));
        assert_refused(&app, &zeros, &format!("{:?}", key.alg)).await;
    }
}

// 35
#[tokio::test]
async fn every_refused_token_gets_the_same_answer() {
    let app = spawn_app().await;
    let expired = app.token_with(USER, |c| {
        c.insert("exp".into(), json!(now() - 3600));
    });
    let mut bad_signature = app.token(USER);
    bad_signature.replace_range(bad_signature.len() - 4.., "AAAA");
    let wrong_issuer = app.token_with(USER, |c| {
        c.insert("iss".into(), json!("https://evil.example.com"));
    });
    let stranger = SigningKey::generate(Algorithm::RS256, "unknown");
    let unknown_kid = stranger.sign(&app.claims(USER));
    let tokens = [expired, bad_signature, wrong_issuer, unknown_kid];
    let mut answers = Vec::new();
    for token in tokens {
        let response = app.list_items(USER, &token).await;
        let status = response.status();
        let challenge = response.headers()[WWW_AUTHENTICATE].clone();
        let body = response.text().await.unwrap();
        answers.push((status, challenge, body));
    }
    assert_eq!(answers[0].0, StatusCode::UNAUTHORIZED);
    assert!(
        answers.windows(2).all(|pair| pair[0] == pair[1]),
        "{answers:#?}"
    );
    assert_eq!(
        serde_json::from_str::<Value>(&answers[0].2).unwrap(),
        json!({ "error": "invalid_token", "message": "the bearer token is invalid or expired" })
    );
}

// 36
#[tokio::test]
async fn a_jwks_outage_keeps_the_known_keys() {
    let app = spawn_app_with(AppOptions {
        fetch_timeout: Duration::from_millis(500),
        ..Default::default()
    })
    .await;
    let stranger = SigningKey::generate(Algorithm::RS256, "unknown-during-outage");
    for mode in [JwksMode::Fail, JwksMode::Hang] {
        app.jwks.set_mode(mode);
        let known = app.status_with_token(USER, &app.token(USER)).await;
        assert_eq!(known, StatusCode::OK, "known key during outage");
        let started = Instant::now();
        let unknown = stranger.sign(&app.claims(USER));
        let status = app.status_with_token(USER, &unknown).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let elapsed = started.elapsed();
        assert!(
            elapsed < Duration::from_secs(3),
            "unknown kid took {elapsed:?}"
        );
        let ready = app.get("/ready").await.status();
        assert_eq!(ready, StatusCode::OK, "still ready: the keys are loaded");
    }
}

// Readiness depends on the keys: a server that cannot load them is not ready, and recovers
// by itself once the JWKS answers.
#[tokio::test]
async fn not_ready_until_the_keys_are_loaded() {
    let app = spawn_app_with(AppOptions {
        wait_ready: false,
        jwks_mode: JwksMode::Fail,
        ..Default::default()
    })
    .await;
    let response = app.get("/ready").await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["checks"]["signing_keys"], false);
    let health = app.get("/health").await.status();
    assert_eq!(health, StatusCode::OK, "alive while not ready");

    app.jwks.set_mode(JwksMode::Serve);
    app.wait_ready().await;
    let status = app.status_with_token(USER, &app.token(USER)).await;
    assert_eq!(status, StatusCode::OK);
}

// A JWKS may hold keys that are not for verifying signatures, and entries this API cannot
// parse: those are skipped, one by one, and the rest of the set keeps working.
#[tokio::test]
async fn keys_not_meant_for_signatures_are_ignored() {
    let app = spawn_app().await;
    let encryption = SigningKey::generate(Algorithm::RS256, "encryption-key");
    let mut encryption_jwk = encryption.jwk.clone();
    encryption_jwk["use"] = json!("enc");
    let wrap_only = SigningKey::generate(Algorithm::RS256, "wrap-key");
    let mut wrap_jwk = wrap_only.jwk.clone();
    wrap_jwk["key_ops"] = json!(["wrapKey"]);
    let next = SigningKey::generate(Algorithm::RS256, "next-key");
    let secret = b"a shared secret in a public key set";
    let mut keys = vec![
        json!({ "kty": "unknown-type", "kid": "junk" }),
        json!({ "kty": "oct", "k": b64(secret), "kid": "oct-key", "alg": "HS256" }),
        encryption_jwk,
        wrap_jwk,
        next.jwk.clone(),
    ];
    keys.extend(app.keys.iter().map(|key| key.jwk.clone()));
    app.jwks.set_keys(keys);
    let status = app
        .status_with_token(USER, &next.sign(&app.claims(USER)))
        .await;
    assert_eq!(status, StatusCode::OK);
    let token = encryption.sign(&app.claims(USER));
    assert_refused(&app, &token, "use: enc").await;
    let token = wrap_only.sign(&app.claims(USER));
    assert_refused(&app, &token, "key_ops without verify").await;
    let header = json!({ "alg": "HS256", "kid": "oct-key" });
    let token = hs256_token(&header, &app.claims(USER), secret);
    assert_refused(&app, &token, "symmetric key from the JWKS").await;
}
