//! Polar emulator: not implemented yet (see issue 4). Mounted under `/polar` with its control API
//! under `/_emulator/polar`.

use actix_web::web;

/// Settings of the Polar emulator.
#[derive(Debug, Clone, Default)]
pub struct PolarConfig {}

/// Shared state of the Polar emulator.
pub struct Polar {}

impl Polar {
    pub fn new(_config: PolarConfig, _seed: u64, _http: reqwest::Client) -> Self {
        Self {}
    }
}

/// Registers the Polar routes (expects `web::Data<Polar>` in app data).
pub fn configure(_cfg: &mut web::ServiceConfig) {}
