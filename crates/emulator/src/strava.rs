//! Strava emulator: not implemented yet (see issue 4). Mounted under `/strava` with its control API
//! under `/_emulator/strava`.

use actix_web::web;

/// Settings of the Strava emulator.
#[derive(Debug, Clone, Default)]
pub struct StravaConfig {}

/// Shared state of the Strava emulator.
pub struct Strava {}

impl Strava {
    pub fn new(_config: StravaConfig, _seed: u64, _http: reqwest::Client) -> Self {
        Self {}
    }
}

/// Registers the Strava routes (expects `web::Data<Strava>` in app data).
pub fn configure(_cfg: &mut web::ServiceConfig) {}
