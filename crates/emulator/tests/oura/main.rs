//! Oura emulator tests: real HTTP against an emulator started on port 0.

// Test helpers outside `#[test]` functions panic on unexpected results, as the tests do.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api;
mod control;
mod deliveries;
mod heartrate;
mod oauth;
mod subscriptions;
mod support;
