//! Withings emulator tests: real HTTP against an emulator started on port 0. Module names carry
//! `withings` so that `cargo test -- withings` selects them.

// Test helpers outside `#[test]` functions panic on unexpected results, as the tests do.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
#[path = "api.rs"]
mod withings_api;
#[path = "notify.rs"]
mod withings_notify;
#[path = "oauth.rs"]
mod withings_oauth;
