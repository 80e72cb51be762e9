// The program behind ed25519-verify.txt's section of 2026-12-07: what precomputing for the key
// buys an Ed25519 verification. Not built by anything here; to run it, a crate with
//   [dependencies]
//   curve25519-dalek = { version = "4", features = ["precomputed-tables"] }
//   ed25519-dalek = "2"
//   sha2 = "0.10"
//   aws-lc-rs = "=1.19.0"
//
//   [profile.release]
//   codegen-units = 1
//   lto = "thin"
// then `cargo build --release && taskset -c 0 target/release/edpre 20000`.

use std::hint::black_box;
use std::time::Instant;

use aws_lc_rs::signature::{UnparsedPublicKey, ED25519};
use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, ED25519_BASEPOINT_TABLE};
use curve25519_dalek::edwards::{
    CompressedEdwardsY, EdwardsBasepointTable, EdwardsPoint, VartimeEdwardsPrecomputation,
};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{BasepointTable, VartimePrecomputedMultiscalarMul};
use ed25519_dalek::{Signer, SigningKey};
use sha2::{Digest, Sha512};

fn k_of(r: &[u8], a: &[u8; 32], msg: &[u8]) -> Scalar {
    Scalar::from_hash(
        Sha512::new()
            .chain_update(r)
            .chain_update(a)
            .chain_update(msg),
    )
}

fn main() {
    let n: u32 = std::env::args()
        .nth(1)
        .map_or(20_000, |s| s.parse().unwrap());
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let other = SigningKey::from_bytes(&[9u8; 32]);
    let a_bytes = key.verifying_key().to_bytes();
    let msg = vec![b'x'; 180];
    let good = key.sign(&msg).to_bytes();
    let bad = other.sign(&msg).to_bytes();
    // Per-key precomputation, once.
    let a = CompressedEdwardsY(a_bytes).decompress().unwrap();
    let minus_a = -a;
    let table_a = EdwardsBasepointTable::create(&minus_a);
    let pre = VartimeEdwardsPrecomputation::new([ED25519_BASEPOINT_POINT, minus_a]);
    let aws = UnparsedPublicKey::new(&ED25519, a_bytes);

    let plain = |sig: &[u8; 64]| -> bool {
        let s = Option::<Scalar>::from(Scalar::from_canonical_bytes(sig[32..].try_into().unwrap()));
        let Some(s) = s else { return false };
        let k = k_of(&sig[..32], &a_bytes, &msg);
        EdwardsPoint::vartime_double_scalar_mul_basepoint(&k, &minus_a, &s)
            .compress()
            .0
            == sig[..32]
    };
    let tables = |sig: &[u8; 64]| -> bool {
        let s = Option::<Scalar>::from(Scalar::from_canonical_bytes(sig[32..].try_into().unwrap()));
        let Some(s) = s else { return false };
        let k = k_of(&sig[..32], &a_bytes, &msg);
        (ED25519_BASEPOINT_TABLE * &s + &table_a * &k).compress().0 == sig[..32]
    };
    let precomp = |sig: &[u8; 64]| -> bool {
        let s = Option::<Scalar>::from(Scalar::from_canonical_bytes(sig[32..].try_into().unwrap()));
        let Some(s) = s else { return false };
        let k = k_of(&sig[..32], &a_bytes, &msg);
        pre.vartime_multiscalar_mul([s, k]).compress().0 == sig[..32]
    };
    let awslc = |sig: &[u8; 64]| -> bool { aws.verify(&msg, sig).is_ok() };
    let hash_only =
        |sig: &[u8; 64]| -> bool { k_of(&sig[..32], &a_bytes, &msg).as_bytes()[0] == 0 };
    let cases: [(&str, &dyn Fn(&[u8; 64]) -> bool); 5] = [
        ("aws-lc-rs verify", &awslc),
        ("dalek double-scalar (as verify)", &plain),
        ("dalek two fixed-base tables", &tables),
        ("dalek vartime precomputed [B, -A]", &precomp),
        ("SHA-512 + from_hash only", &hash_only),
    ];
    for (name, f) in &cases {
        assert!(
            f(&good) || name.starts_with("SHA"),
            "{name} refuses a good signature"
        );
        assert!(!f(&bad), "{name} accepts a bad signature");
    }
    for round in 0..3 {
        for (name, f) in &cases {
            let start = Instant::now();
            let mut accepted = 0u32;
            for _ in 0..n {
                accepted += u32::from(f(black_box(&bad)));
            }
            let us = start.elapsed().as_secs_f64() * 1e6 / f64::from(n);
            println!("round {round}: {name:36} {us:6.1} us (accepted {accepted})");
        }
    }
}
