//! Garmin emulator tests: real HTTP against an emulator started on port 0.

// Test helpers outside `#[test]` functions panic on unexpected results, as the tests do.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "api.rs"]
mod garmin_api;
#[path = "backfill.rs"]
mod garmin_backfill;
#[path = "deliveries.rs"]
mod garmin_deliveries;
#[path = "oauth.rs"]
mod garmin_oauth;
mod support;
