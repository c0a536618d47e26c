//! Local emulators of provider cloud APIs (OAuth, REST, signed webhooks).
//!
//! Wearhouse's tests and the local demo talk HTTP to an [`Emulator`] exactly as production talks to
//! the providers. Each provider lives in its own module and is mounted under its own path prefix
//! (`/oura`), with an unauthenticated control API under `/_emulator/<provider>`.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpResponse, HttpServer, web};
use anyhow::Context as _;

pub mod fitbit;
pub mod garmin;
pub mod oura;
pub mod polar;
pub mod strava;
pub mod whoop;
pub mod withings;

pub use fitbit::FitbitConfig;
pub use garmin::GarminConfig;
pub use oura::OuraConfig;
pub use polar::PolarConfig;
pub use strava::StravaConfig;
pub use whoop::WhoopConfig;
pub use withings::WithingsConfig;

/// Configuration of the whole emulator.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Seed of every generated data set; same seed, same users and documents.
    pub seed: u64,
    pub oura: OuraConfig,
    pub garmin: GarminConfig,
    pub whoop: WhoopConfig,
    pub polar: PolarConfig,
    pub strava: StravaConfig,
    pub fitbit: FitbitConfig,
    pub withings: WithingsConfig,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            oura: OuraConfig::default(),
            garmin: GarminConfig::default(),
            whoop: WhoopConfig::default(),
            polar: PolarConfig::default(),
            strava: StravaConfig::default(),
            fitbit: FitbitConfig::default(),
            withings: WithingsConfig::default(),
        }
    }
}

/// A running emulator: an actix-web server with one worker, spawned on the current tokio runtime.
pub struct Emulator {
    port: u16,
    handle: ServerHandle,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Emulator {
    /// Binds `addr` (for example `"127.0.0.1:0"`), spawns the server and returns once listening.
    pub async fn start(config: EmulatorConfig, addr: &str) -> anyhow::Result<Emulator> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .context("building the webhook HTTP client")?;

        let listener = TcpListener::bind(addr).with_context(|| format!("binding {addr}"))?;
        let port = listener.local_addr()?.port();
        let oura = web::Data::new(oura::Oura::new(config.oura, config.seed, http.clone()));
        let garmin = web::Data::new(garmin::Garmin::new(
            config.garmin,
            config.seed,
            http.clone(),
        ));
        let whoop = web::Data::new(whoop::Whoop::new(config.whoop, config.seed, http.clone()));
        let polar = web::Data::new(polar::Polar::new(config.polar, config.seed, http.clone()));
        let strava = web::Data::new(strava::Strava::new(
            config.strava,
            config.seed,
            http.clone(),
        ));
        let fitbit = web::Data::new(fitbit::Fitbit::new(
            config.fitbit,
            config.seed,
            http.clone(),
        ));
        let withings = web::Data::new(withings::Withings::new(config.withings, config.seed, http));

        let server = HttpServer::new(move || {
            App::new()
                .app_data(oura.clone())
                .configure(oura::configure)
                .app_data(garmin.clone())
                .configure(garmin::configure)
                .app_data(whoop.clone())
                .configure(whoop::configure)
                .app_data(polar.clone())
                .configure(polar::configure)
                .app_data(strava.clone())
                .configure(strava::configure)
                .app_data(fitbit.clone())
                .configure(fitbit::configure)
                .app_data(withings.clone())
                .configure(withings::configure)
                .default_service(web::to(not_found))
        })
        .workers(1)
        .shutdown_timeout(5)
        .disable_signals()
        .listen(listener)
        .context("listening")?
        .run();
        let handle = server.handle();
        let task = tokio::spawn(server);
        tracing::info!(port, "provider emulator listening");
        Ok(Emulator { port, handle, task })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn oura_authorize_url(&self) -> String {
        format!("{}/oura/oauth/authorize", self.base_url())
    }

    pub fn oura_token_url(&self) -> String {
        format!("{}/oura/oauth/token", self.base_url())
    }

    /// Base of the Oura REST API: the sleep collection is `{oura_api_base}/v2/usercollection/sleep`.
    pub fn oura_api_base(&self) -> String {
        format!("{}/oura", self.base_url())
    }

    /// Base URL of a provider's emulated API: `{base}/{slug}` (e.g. `{base}/whoop`).
    /// OAuth lives under it too: `{base}/{slug}/oauth/authorize`, `{base}/{slug}/oauth/token`
    /// unless the provider's module documents otherwise.
    pub fn provider_base(&self, slug: &str) -> String {
        format!("{}/{slug}", self.base_url())
    }

    /// Graceful stop: waits for in-flight requests, then for the server task.
    pub async fn stop(self) {
        self.handle.stop(true).await;
        if let Err(error) = self.task.await {
            tracing::warn!(%error, "emulator server task failed");
        }
    }
}

async fn not_found() -> HttpResponse {
    HttpResponse::NotFound().json(serde_json::json!({
        "status": 404,
        "title": "Not Found",
        "detail": "no such route",
    }))
}
