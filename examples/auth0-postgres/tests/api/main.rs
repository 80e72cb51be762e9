//! The security suite: every case runs against the real app on 127.0.0.1, with keys generated at
//! test time and a PostgreSQL database of its own.
//! Row numbers refer to authgate's reference table of attacks.

mod authentication;
mod concurrency;
mod configuration;
mod database;
mod hardening;
mod helpers;
mod orders;
mod ownership;
mod production;
mod storage;
