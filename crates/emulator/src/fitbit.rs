//! Fitbit emulator: not implemented yet (see issue 4). Mounted under `/fitbit` with its control API
//! under `/_emulator/fitbit`.

use actix_web::web;

/// Settings of the Fitbit emulator.
#[derive(Debug, Clone, Default)]
pub struct FitbitConfig {}

/// Shared state of the Fitbit emulator.
pub struct Fitbit {}

impl Fitbit {
    pub fn new(_config: FitbitConfig, _seed: u64, _http: reqwest::Client) -> Self {
        Self {}
    }
}

/// Registers the Fitbit routes (expects `web::Data<Fitbit>` in app data).
pub fn configure(_cfg: &mut web::ServiceConfig) {}
