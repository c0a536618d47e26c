//! `provider-emulator`: runs the provider emulators until SIGINT or SIGTERM.
//!
//! Environment: `EMULATOR_ADDR` (127.0.0.1:9100), `EMULATOR_SEED` (42), `OURA_CLIENT_ID`,
//! `OURA_CLIENT_SECRET`.

use anyhow::Context as _;
use provider_emulator::{Emulator, EmulatorConfig};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();

    let env = |key: &str| std::env::var(key).ok().filter(|v| !v.is_empty());
    let addr = env("EMULATOR_ADDR").unwrap_or_else(|| "127.0.0.1:9100".to_owned());
    let mut config = EmulatorConfig::default();
    if let Some(seed) = env("EMULATOR_SEED") {
        config.seed = seed
            .parse()
            .context("EMULATOR_SEED must be an unsigned integer")?;
    }
    if let Some(id) = env("OURA_CLIENT_ID") {
        config.oura.client_id = id;
    }
    if let Some(secret) = env("OURA_CLIENT_SECRET") {
        config.oura.client_secret = secret;
    }

    let emulator = Emulator::start(config, &addr).await?;
    println!("provider-emulator listening on {}", emulator.base_url());
    shutdown_signal().await?;
    tracing::info!("shutting down");
    emulator.stop().await;
    Ok(())
}

async fn shutdown_signal() -> anyhow::Result<()> {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => result?,
        _ = terminate.recv() => {}
    }
    Ok(())
}
