//! Fitbit emulator tests: real HTTP against an emulator started on port 0. Test names start with
//! `fitbit` so that `cargo test -- fitbit` selects them.

// Test helpers outside `#[test]` functions panic on unexpected results, as the tests do.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api;
mod deliveries;
mod limits;
mod oauth;
mod support;
