//! The security suite: every case runs against the real app on 127.0.0.1, with keys generated at
//! test time and an in-memory store of its own.
//! Row numbers refer to authgate's reference table of attacks.

mod authentication;
mod bookmarks;
mod concurrency;
mod configuration;
mod hardening;
mod helpers;
mod ownership;
mod production;
