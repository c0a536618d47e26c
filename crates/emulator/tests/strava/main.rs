//! Strava emulator tests: real HTTP against an emulator started on port 0. Test names start with
//! `strava_` so that `cargo test -- strava` selects them.

// Test helpers outside `#[test]` functions panic on unexpected results, as the tests do.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api;
mod oauth;
mod support;
mod webhooks;
