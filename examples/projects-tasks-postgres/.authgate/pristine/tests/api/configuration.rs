//! 40: a bad configuration stops the process at start, naming every bad variable.

use std::process::Command;

/// A valid provider configuration, and one bad value with the variable it names.
const VALID: &[(&str, &str)] = &[("BETTER_AUTH_URL", "https://auth.example.com")];
const BAD: (&str, &str) = ("BETTER_AUTH_URL", "http://auth.example.com");

fn run_with(env: &[(&str, &str)]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_my-api"))
        .env_clear()
        .envs(env.iter().copied())
        // An empty working directory: no .env to pick up.
        .current_dir(dir.path())
        .output()
        .expect("the binary runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_missing_provider_setting_stops_the_process() {
    let (code, stderr) = run_with(&[]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains(BAD.0), "{stderr}");
}

#[test]
fn every_bad_variable_is_named_at_once() {
    let (code, stderr) = run_with(&[
        ("APP_ENV", "production"),
        BAD,
        ("CORS_ALLOWED_ORIGINS", "*"),
        ("PORT", "http"),
        ("RATE_LIMIT_PER_SECOND", "lots"),
        ("DATABASE_URL", "mysql://localhost/db"),
        ("DATABASE_MAX_CONNECTIONS", "many"),
    ]);
    assert_eq!(code, Some(1), "{stderr}");
    for variable in [
        BAD.0,
        "CORS_ALLOWED_ORIGINS",
        "PORT",
        "RATE_LIMIT_PER_SECOND",
        "DATABASE_URL",
        "DATABASE_MAX_CONNECTIONS",
    ] {
        assert!(
            stderr.contains(variable),
            "{variable} not named in: {stderr}"
        );
    }
}

#[test]
fn an_unknown_environment_name_is_refused() {
    let mut env = VALID.to_vec();
    env.push(("APP_ENV", "prod"));
    let (code, stderr) = run_with(&env);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("APP_ENV"), "{stderr}");
}
