//! The facts about a real OpenID Provider's tokens that authgate's generated `--provider oidc`
//! verifier relies on, checked against a real `oidc-provider` 9 server (JWT access tokens through
//! resource indicators, client credentials, a scripted authorization code login with PKCE),
//! for each of RS256, ES256 and EdDSA.
//! Needs Node 20+ and npm; the Node dependencies are installed from the lockfile on first run.

mod support;

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;
use support::jwt::{DecodedJwt, base64url_encode, decode_unverified};
use support::oidc::{
    self, ALGS, CLIENT_ID, OidcProvider, SCOPE, audience, pkce_s256, resource, sha256,
};

fn object_keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

fn keys(jwks: &Value) -> &Vec<Value> {
    jwks["keys"]
        .as_array()
        .unwrap_or_else(|| panic!("JWKS has no keys array: {jwks}"))
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Asserts everything the generated verifier relies on about one access token, and returns it
/// decoded.
fn check_access_token(
    provider: &OidcProvider,
    jwks: &Value,
    token: &str,
    alg: &str,
    sub: &str,
) -> DecodedJwt {
    let jwt = decode_unverified(token);
    let (header, payload) = (&jwt.header, &jwt.payload);

    // Header: exactly alg, typ (RFC 9068 §2.1), kid.
    assert_eq!(
        object_keys(header),
        ["alg", "kid", "typ"],
        "header {header}"
    );
    assert_eq!(header["alg"], alg, "header {header}");
    assert_eq!(header["typ"], "at+jwt", "header {header}");
    let kid = header["kid"].as_str().expect("kid is a string");
    let matching: Vec<&Value> = keys(jwks).iter().filter(|k| k["kid"] == kid).collect();
    assert_eq!(matching.len(), 1, "kid {kid} once in JWKS {jwks}");
    assert_eq!(matching[0]["alg"], alg, "the key's alg: {}", matching[0]);
    let signature_len = match alg {
        "RS256" => 256, // RSA 2048
        "ES256" => 64,  // r || s, 32 bytes each (JWS form, not DER)
        "EdDSA" => 64,
        _ => unreachable!(),
    };
    assert_eq!(jwt.signature.len(), signature_len, "{alg} signature length");

    // Payload: RFC 9068 §2.2 claims and nothing else.
    assert_eq!(
        object_keys(payload),
        [
            "aud",
            "client_id",
            "exp",
            "iat",
            "iss",
            "jti",
            "scope",
            "sub"
        ],
        "payload {payload}"
    );
    assert_eq!(payload["iss"], provider.issuer(), "payload {payload}");
    let expected_aud = audience(alg);
    match &payload["aud"] {
        Value::String(aud) => assert_eq!(aud, &expected_aud, "payload {payload}"),
        Value::Array(auds) => assert!(
            auds.iter().any(|a| a == expected_aud.as_str()),
            "aud {auds:?} lacks {expected_aud}"
        ),
        other => panic!("aud is neither a string nor an array: {other}"),
    }
    assert!(
        payload["aud"].is_string(),
        "oidc-provider sends a single audience as a plain string: {payload}"
    );
    assert_eq!(payload["sub"], sub, "payload {payload}");
    assert_eq!(payload["client_id"], CLIENT_ID, "payload {payload}");
    assert_eq!(payload["scope"], SCOPE, "payload {payload}");
    let jti = payload["jti"].as_str().expect("jti is a string");
    assert!(jti.len() >= 16, "jti {jti:?}");
    let iat = payload["iat"].as_i64().expect("iat is an integer");
    let exp = payload["exp"].as_i64().expect("exp is an integer");
    assert!((iat - now()).abs() <= 60, "iat {iat} is not about now");
    assert_eq!(exp - iat, 600, "the server's access token TTL: {payload}");
    jwt
}

#[test]
fn sha256_and_pkce_s256_match_the_standard_vectors() {
    let hex = |bytes: [u8; 32]| -> String { bytes.iter().map(|b| format!("{b:02x}")).collect() };
    assert_eq!(
        hex(sha256(b"")),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(
        hex(sha256(b"abc")),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        hex(sha256(
            b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
        )),
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    );
    assert_eq!(
        hex(sha256(&[b'a'; 1000])),
        "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"
    );
    // RFC 7636 Appendix B.
    assert_eq!(
        pkce_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
    let (a, b) = (oidc::random_token(), oidc::random_token());
    assert_ne!(a, b);
    assert_eq!(a.len(), 43, "a PKCE verifier of 43 characters: {a}");
    assert_eq!(base64url_encode(&[0; 3]), "AAAA");
}

#[test]
fn resources_and_audiences_are_one_urn_per_alg() {
    assert_eq!(resource("RS256"), "urn:authgate:test:rs256");
    assert_eq!(resource("ES256"), "urn:authgate:test:es256");
    assert_eq!(resource("EdDSA"), "urn:authgate:test:eddsa");
    for alg in ALGS {
        assert_eq!(audience(alg), resource(alg));
    }
}

#[test]
fn discovery_issuer_is_exactly_the_loopback_issuer_and_names_the_jwks_uri() {
    let provider = OidcProvider::start();
    let issuer = provider.issuer();
    assert_eq!(issuer, format!("http://127.0.0.1:{}", provider.port()));
    let answer = provider.get("/.well-known/openid-configuration");
    assert_eq!(answer.status, 200, "{answer:?}");
    assert!(
        answer.content_type.starts_with("application/json"),
        "{answer:?}"
    );
    let discovery = answer.json();
    assert_eq!(
        discovery["issuer"], issuer,
        "no trailing slash, same string"
    );
    assert_eq!(discovery["jwks_uri"], format!("{issuer}/jwks"));
    assert_eq!(discovery["token_endpoint"], format!("{issuer}/token"));
    assert_eq!(
        discovery["authorization_endpoint"],
        format!("{issuer}/auth")
    );
}

#[test]
fn jwks_holds_one_public_signing_key_per_alg_with_kid_alg_and_use() {
    let provider = OidcProvider::start();
    let answer = provider.get(&provider.jwks_uri());
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(
        answer.content_type, "application/jwk-set+json; charset=utf-8",
        "not application/json: a JWKS client must accept this media type"
    );
    let jwks = answer.json();
    assert_eq!(object_keys(&jwks), ["keys"]);
    let keys = keys(&jwks);
    assert_eq!(keys.len(), 3, "{jwks}");
    for (key, alg) in keys.iter().zip(ALGS) {
        assert_eq!(key["alg"], alg, "keys in RS256, ES256, EdDSA order: {jwks}");
        assert_eq!(key["use"], "sig", "{key}");
        assert!(key["kid"].as_str().is_some_and(|k| !k.is_empty()), "{key}");
        let expected: &[&str] = match alg {
            "RS256" => &["alg", "e", "kid", "kty", "n", "use"],
            _ if alg == "ES256" => &["alg", "crv", "kid", "kty", "use", "x", "y"],
            _ => &["alg", "crv", "kid", "kty", "use", "x"],
        };
        assert_eq!(object_keys(key), expected, "public members only: {key}");
        match alg {
            "RS256" => assert_eq!(key["kty"], "RSA"),
            "ES256" => {
                assert_eq!(key["kty"], "EC");
                assert_eq!(key["crv"], "P-256");
            }
            _ => {
                assert_eq!(key["kty"], "OKP");
                assert_eq!(key["crv"], "Ed25519");
            }
        }
    }
    assert_eq!(provider.jwks(), jwks, "the JWKS is stable between fetches");
}

#[test]
fn client_credentials_tokens_are_rfc9068_jwts_with_the_client_as_sub_for_every_alg() {
    let provider = OidcProvider::start();
    let jwks = provider.jwks();
    let mut kids = Vec::new();
    for alg in ALGS {
        let token = provider.client_credentials_token(alg);
        let jwt = check_access_token(&provider, &jwks, &token, alg, CLIENT_ID);
        let again = decode_unverified(&provider.client_credentials_token(alg));
        assert_eq!(again.header, jwt.header, "same key for the same alg");
        assert_ne!(
            again.payload["jti"], jwt.payload["jti"],
            "a fresh jti per token"
        );
        kids.push(jwt.header["kid"].as_str().expect("kid").to_owned());
    }
    kids.sort_unstable();
    kids.dedup();
    assert_eq!(kids.len(), 3, "one key per alg: {kids:?}");
}

#[test]
fn user_tokens_from_a_scripted_login_carry_the_account_id_as_sub_for_every_alg() {
    let provider = OidcProvider::start();
    let jwks = provider.jwks();
    for alg in ALGS {
        let alice = check_access_token(
            &provider,
            &jwks,
            &provider.user_token("alice", alg),
            alg,
            "alice",
        );
        let bob = check_access_token(
            &provider,
            &jwks,
            &provider.user_token("bob-0f6e2c", alg),
            alg,
            "bob-0f6e2c",
        );
        assert_ne!(alice.payload["sub"], bob.payload["sub"]);
        assert_eq!(alice.header, bob.header, "one key per alg");
    }
}

#[test]
fn the_resource_decides_the_token_format_and_unknown_resources_are_refused() {
    let provider = OidcProvider::start();

    // An unknown resource indicator: invalid_target (RFC 8707 §2).
    let answer = provider.token_request(&[
        ("grant_type", "client_credentials"),
        ("resource", "urn:authgate:test:hs256"),
        ("scope", SCOPE),
    ]);
    assert_eq!(answer.status, 400, "{answer:?}");
    assert_eq!(answer.json()["error"], "invalid_target", "{answer:?}");

    // Without a resource the access token is opaque, not a JWT: a client must name one.
    let answer = provider.token_request(&[("grant_type", "client_credentials")]);
    assert_eq!(answer.status, 200, "{answer:?}");
    let token = answer.json()["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned();
    assert!(!token.contains('.'), "an opaque token: {token}");

    // A wrong client secret is refused.
    let url = format!("{}/token", provider.issuer());
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .build()
        .into();
    let status = agent
        .post(&url)
        .header(
            "Authorization",
            "Basic YXV0aGdhdGUtdGVzdC1jbGllbnQ6d3Jvbmc=",
        ) // client:wrong
        .send_form([
            ("grant_type", "client_credentials"),
            ("resource", resource("ES256").as_str()),
        ])
        .expect("token request")
        .status()
        .as_u16();
    assert_eq!(status, 401);
}

#[test]
fn the_authorization_code_is_bound_to_its_pkce_verifier_and_used_once() {
    let provider = OidcProvider::start();
    let authorized = provider.authorize("carol", "ES256");
    let wrong = provider.redeem(&authorized, &oidc::random_token());
    assert_eq!(wrong.status, 400, "{wrong:?}");
    assert_eq!(wrong.json()["error"], "invalid_grant", "{wrong:?}");
    // A failed PKCE check does not consume the code: the right verifier still redeems it,
    // once.
    let right = provider.redeem(&authorized, &authorized.verifier);
    assert_eq!(right.status, 200, "{right:?}");
    let replay = provider.redeem(&authorized, &authorized.verifier);
    assert_eq!(replay.status, 400, "a code is used once: {replay:?}");
}
