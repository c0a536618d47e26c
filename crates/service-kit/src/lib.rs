//! What every Wearhouse service shares: layered settings, telemetry (JSON logs, OTLP traces,
//! Prometheus metrics), the JSON error envelope, health routes, auth extractors and shutdown.

pub mod apps;
pub mod auth;
pub mod cli;
pub mod consumer;
pub mod error;
pub mod health;
pub mod metrics;
pub mod server;
pub mod settings;
pub mod shutdown;
pub mod telemetry;

pub use error::ApiError;
pub use settings::{CommonSettings, DatabaseSettings, HttpSettings, TelemetrySettings};

/// Installs the process-wide rustls crypto provider (ring). Call before building any HTTP
/// client; calling it twice is harmless.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// `<service> migrate`: applies pending migrations and exits.
pub async fn migrate(settings: &DatabaseSettings) -> anyhow::Result<()> {
    let db = storage::Database::connect(&settings.url, 1)?;
    let applied = db.run_migrations().await?;
    tracing::info!(applied = applied.len(), versions = ?applied, "migrations applied");
    Ok(())
}
