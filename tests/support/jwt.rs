//! Tiny JWT helpers for tests: base64url (RFC 4648 §5, no padding), an *unverified* split of a
//! compact JWS into its decoded parts (never use it to trust a token), and HS256 signing.

use serde_json::Value;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Encodes bytes as unpadded base64url.
pub fn base64url_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 0x3f) as usize] as char);
        }
    }
    out
}

/// Decodes unpadded base64url. Panics (with the input) on anything else, padding included:
/// JWS segments must not be padded.
pub fn base64url_decode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let v = ALPHABET
            .iter()
            .position(|&a| a == c)
            .unwrap_or_else(|| panic!("not unpadded base64url: {text:?} (byte {c:#04x})"));
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    assert!(text.len() % 4 != 1, "impossible base64url length: {text:?}");
    assert_eq!(
        acc, 0,
        "non-canonical base64url (trailing bits set): {text:?}"
    );
    out
}

/// A compact JWS split into its parts, decoded but NOT verified.
#[derive(Debug, Clone)]
pub struct DecodedJwt {
    pub header: Value,
    pub payload: Value,
    pub signature: Vec<u8>,
    /// The three raw segments, as they appeared in the token.
    pub segments: [String; 3],
}

/// Splits `header.payload.signature` and decodes the header and payload as JSON objects.
/// Panics with a clear message when the token is not a compact JWS.
pub fn decode_unverified(token: &str) -> DecodedJwt {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(
        parts.len(),
        3,
        "a compact JWS has 3 segments, got {}: {token:?}",
        parts.len()
    );
    let json = |segment: &str, what: &str| -> Value {
        let value: Value = serde_json::from_slice(&base64url_decode(segment))
            .unwrap_or_else(|e| panic!("JWT {what} is not JSON ({e}): {segment:?}"));
        assert!(
            value.is_object(),
            "JWT {what} is not a JSON object: {value}"
        );
        value
    };
    DecodedJwt {
        header: json(parts[0], "header"),
        payload: json(parts[1], "payload"),
        signature: base64url_decode(parts[2]),
        segments: [
            parts[0].to_owned(),
            parts[1].to_owned(),
            parts[2].to_owned(),
        ],
    }
}

/// A compact JWS of `header` and `claims` signed with HMAC-SHA256 (RFC 7518 §3.2) and `secret`.
pub fn hs256_token(header: &Value, claims: &Value, secret: &[u8]) -> String {
    use hmac::Mac as _;
    let signing_input = format!(
        "{}.{}",
        base64url_encode(header.to_string().as_bytes()),
        base64url_encode(claims.to_string().as_bytes())
    );
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret).expect("any key length");
    mac.update(signing_input.as_bytes());
    let signature = mac.finalize().into_bytes();
    format!("{signing_input}.{}", base64url_encode(&signature))
}
