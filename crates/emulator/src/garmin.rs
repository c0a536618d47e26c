//! Garmin emulator: not implemented yet (see issue 4). Mounted under `/garmin` with its control API
//! under `/_emulator/garmin`.

use actix_web::web;

/// Settings of the Garmin emulator.
#[derive(Debug, Clone, Default)]
pub struct GarminConfig {}

/// Shared state of the Garmin emulator.
pub struct Garmin {}

impl Garmin {
    pub fn new(_config: GarminConfig, _seed: u64, _http: reqwest::Client) -> Self {
        Self {}
    }
}

/// Registers the Garmin routes (expects `web::Data<Garmin>` in app data).
pub fn configure(_cfg: &mut web::ServiceConfig) {}
