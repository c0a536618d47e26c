//! Whoop emulator: not implemented yet (see issue 4). Mounted under `/whoop` with its control API
//! under `/_emulator/whoop`.

use actix_web::web;

/// Settings of the Whoop emulator.
#[derive(Debug, Clone, Default)]
pub struct WhoopConfig {}

/// Shared state of the Whoop emulator.
pub struct Whoop {}

impl Whoop {
    pub fn new(_config: WhoopConfig, _seed: u64, _http: reqwest::Client) -> Self {
        Self {}
    }
}

/// Registers the Whoop routes (expects `web::Data<Whoop>` in app data).
pub fn configure(_cfg: &mut web::ServiceConfig) {}
