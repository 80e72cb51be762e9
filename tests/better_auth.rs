//! The facts about real Better Auth 1.7 tokens that authgate's generated verifier relies on,
//! checked against a real server (jwt plugin with default settings, bearer plugin, memory adapter).
//! Needs Node 20+ and npm; the Node dependencies are installed from the lockfile on first run.

mod support;

use serde_json::Value;
use support::better_auth::{BetterAuthServer, SignedUp};
use support::jwt::{DecodedJwt, base64url_decode, base64url_encode, decode_unverified};

const PASSWORD: &str = "correct-horse-battery-staple";

struct Issued {
    server: BetterAuthServer,
    alice: SignedUp,
    bob: SignedUp,
    alice_jwt: DecodedJwt,
    bob_jwt: DecodedJwt,
    jwks: Value,
}

/// One server, two users, their JWTs and the JWKS. Each test starts its own server (~0.5 s).
fn issue() -> Issued {
    let server = BetterAuthServer::start();
    let alice = server.sign_up("alice@example.com", PASSWORD, "Alice Example");
    let bob = server.sign_up("bob@example.com", PASSWORD, "Bob Example");
    let alice_jwt = decode_unverified(&server.jwt(&alice.session_token));
    let bob_jwt = decode_unverified(&server.jwt(&bob.session_token));
    let jwks = server.jwks();
    Issued {
        server,
        alice,
        bob,
        alice_jwt,
        bob_jwt,
        jwks,
    }
}

fn keys(jwks: &Value) -> &Vec<Value> {
    jwks["keys"]
        .as_array()
        .unwrap_or_else(|| panic!("JWKS has no keys array: {jwks}"))
}

fn object_keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

#[test]
fn base64url_helper_round_trips() {
    for input in [
        &b""[..],
        b"f",
        b"fo",
        b"foo",
        b"foob",
        b"fooba",
        b"foobar",
        &[0xfb, 0xff, 0xfe],
    ] {
        assert_eq!(base64url_decode(&base64url_encode(input)), input);
    }
    assert_eq!(base64url_encode(b"foobar"), "Zm9vYmFy");
    assert_eq!(base64url_encode(&[0xfb, 0xff]), "-_8");
}

#[test]
fn jwt_header_is_exactly_eddsa_alg_and_kid_without_typ() {
    let issued = issue();
    for jwt in [&issued.alice_jwt, &issued.bob_jwt] {
        assert_eq!(
            object_keys(&jwt.header),
            ["alg", "kid"],
            "header: {}",
            jwt.header
        );
        assert_eq!(jwt.header["alg"], "EdDSA");
        let kid = jwt.header["kid"].as_str().expect("kid is a string");
        assert!(!kid.is_empty());
        assert_eq!(jwt.signature.len(), 64, "an Ed25519 signature is 64 bytes");
    }
    assert_eq!(
        issued.alice_jwt.header, issued.bob_jwt.header,
        "one signing key for both users"
    );
}

#[test]
fn jwt_kid_is_listed_in_the_jwks() {
    let issued = issue();
    let kid = &issued.alice_jwt.header["kid"];
    let matching: Vec<&Value> = keys(&issued.jwks)
        .iter()
        .filter(|k| &k["kid"] == kid)
        .collect();
    assert_eq!(matching.len(), 1, "kid {kid} in JWKS {}", issued.jwks);
}

#[test]
fn jwks_keys_are_ed25519_okp_with_alg_and_kid_and_no_use() {
    let issued = issue();
    let keys = keys(&issued.jwks);
    assert_eq!(
        keys.len(),
        1,
        "a fresh server has exactly one key: {}",
        issued.jwks
    );
    for key in keys {
        assert_eq!(
            object_keys(key),
            ["alg", "crv", "kid", "kty", "x"],
            "key: {key}"
        );
        assert_eq!(key["kty"], "OKP");
        assert_eq!(key["crv"], "Ed25519");
        assert_eq!(key["alg"], "EdDSA");
        assert!(
            key.get("use").is_none(),
            "Better Auth keys carry no `use`: {key}"
        );
        assert!(
            key.get("d").is_none(),
            "private key material in the JWKS: {key}"
        );
        let x = base64url_decode(key["x"].as_str().expect("x"));
        assert_eq!(x.len(), 32, "an Ed25519 public key is 32 bytes");
        assert!(!key["kid"].as_str().expect("kid").is_empty());
    }
    assert_eq!(
        issued.server.jwks(),
        issued.jwks,
        "the JWKS is stable between fetches"
    );
}

#[test]
fn jwt_sub_is_the_user_id_from_sign_up_and_differs_between_users() {
    let issued = issue();
    assert_eq!(
        issued.alice_jwt.payload["sub"],
        issued.alice.user_id.as_str()
    );
    assert_eq!(issued.bob_jwt.payload["sub"], issued.bob.user_id.as_str());
    assert_ne!(issued.alice.user_id, issued.bob.user_id);
    assert_ne!(
        issued.alice_jwt.payload["sub"],
        issued.bob_jwt.payload["sub"]
    );
}

#[test]
fn jwt_iss_and_aud_are_the_base_url_origin_without_trailing_slash() {
    let issued = issue();
    let origin = issued.server.base_url();
    assert!(
        origin.starts_with("http://127.0.0.1:") && !origin.ends_with('/'),
        "{origin}"
    );
    for jwt in [&issued.alice_jwt, &issued.bob_jwt] {
        assert_eq!(jwt.payload["iss"], origin, "payload: {}", jwt.payload);
        assert_eq!(
            jwt.payload["aud"], origin,
            "aud is a plain string: {}",
            jwt.payload
        );
    }
}

#[test]
fn jwt_lives_fifteen_minutes_from_now() {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let issued = issue();
    for jwt in [&issued.alice_jwt, &issued.bob_jwt] {
        let iat = jwt.payload["iat"].as_i64().expect("iat is an integer");
        let exp = jwt.payload["exp"].as_i64().expect("exp is an integer");
        assert_eq!(exp - iat, 900, "payload: {}", jwt.payload);
        assert!(
            (iat - now).abs() <= 60,
            "iat {iat} is not about now ({now})"
        );
        assert!(
            jwt.payload.get("nbf").is_none(),
            "no nbf by default: {}",
            jwt.payload
        );
    }
}

#[test]
fn jwt_payload_carries_the_user_record() {
    let issued = issue();
    for (user, jwt, email, name) in [
        (
            &issued.alice,
            &issued.alice_jwt,
            "alice@example.com",
            "Alice Example",
        ),
        (
            &issued.bob,
            &issued.bob_jwt,
            "bob@example.com",
            "Bob Example",
        ),
    ] {
        let payload = &jwt.payload;
        assert_eq!(payload["id"], user.user_id.as_str(), "payload: {payload}");
        assert_eq!(payload["email"], email);
        assert_eq!(payload["name"], name);
        assert_eq!(payload["emailVerified"], false);
        assert!(
            payload["createdAt"].is_string() && payload["updatedAt"].is_string(),
            "{payload}"
        );
        // Everything in the sign-up response's user record is in the token, unchanged.
        for (field, value) in user.user.as_object().expect("user object") {
            assert_eq!(
                &payload[field], value,
                "user field {field} in payload {payload}"
            );
        }
        // ... plus the registered claims, and nothing else.
        let mut expected: Vec<&str> = object_keys(&user.user);
        expected.extend(["aud", "exp", "iat", "iss", "sub"]);
        expected.sort_unstable();
        assert_eq!(object_keys(payload), expected, "payload: {payload}");
    }
}

#[test]
fn token_endpoint_refuses_requests_without_a_valid_session() {
    let issued = issue();
    let url = format!("{}/api/auth/token", issued.server.base_url());
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .build()
        .into();
    let status = |bearer: Option<&str>| {
        let mut request = agent.get(&url);
        if let Some(token) = bearer {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        request.call().expect("request").status().as_u16()
    };
    assert_eq!(status(None), 401);
    assert_eq!(status(Some("not-a-session")), 401);
    let mut forged = issued.alice.session_token.clone();
    forged.insert(0, 'x');
    assert_eq!(status(Some(&forged)), 401);
    // A JWT is not a session token: it cannot mint more JWTs.
    let jwt = issued.alice_jwt.segments.join(".");
    assert_eq!(status(Some(&jwt)), 401);
    assert_eq!(status(Some(&issued.alice.session_token)), 200);
}
