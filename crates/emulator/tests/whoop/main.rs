//! WHOOP emulator tests: real HTTP against an emulator started on port 0. Module names carry
//! `whoop` so that `cargo test -- whoop` selects them.

// Test helpers outside `#[test]` functions panic on unexpected results, as the tests do.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
#[path = "api.rs"]
mod whoop_api;
#[path = "control.rs"]
mod whoop_control;
#[path = "deliveries.rs"]
mod whoop_deliveries;
#[path = "oauth.rs"]
mod whoop_oauth;
