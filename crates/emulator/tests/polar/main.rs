//! Polar emulator tests: real HTTP against an emulator started on port 0.

// Test helpers outside `#[test]` functions panic on unexpected results, as the tests do.
#![allow(clippy::unwrap_used, clippy::expect_used)]

// Module names carry `polar` so that `cargo test -- polar` selects every test here.
#[path = "api.rs"]
mod polar_api;
#[path = "control.rs"]
mod polar_control;
#[path = "daily.rs"]
mod polar_daily;
#[path = "oauth.rs"]
mod polar_oauth;
#[path = "webhooks.rs"]
mod polar_webhooks;
mod support;
