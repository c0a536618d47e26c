//! Withings emulator: not implemented yet (see issue 4). Mounted under `/withings` with its control API
//! under `/_emulator/withings`.

use actix_web::web;

/// Settings of the Withings emulator.
#[derive(Debug, Clone, Default)]
pub struct WithingsConfig {}

/// Shared state of the Withings emulator.
pub struct Withings {}

impl Withings {
    pub fn new(_config: WithingsConfig, _seed: u64, _http: reqwest::Client) -> Self {
        Self {}
    }
}

/// Registers the Withings routes (expects `web::Data<Withings>` in app data).
pub fn configure(_cfg: &mut web::ServiceConfig) {}
