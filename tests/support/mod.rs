//! Shared helpers for authgate's integration tests. Include with `mod support;`.
//!
//! Not every test binary uses every helper.
#![allow(dead_code)]

pub mod better_auth;
pub mod cargo;
pub mod files;
pub mod jwt;
pub mod node;
pub mod oidc;
pub mod postgres;
pub mod process;
pub mod venv;
pub mod wiring;
