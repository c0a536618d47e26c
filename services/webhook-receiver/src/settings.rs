use serde::Deserialize;
use service_kit::CommonSettings;

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    #[serde(flatten)]
    pub common: CommonSettings,
    pub webhooks: WebhookSettings,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WebhookSettings {
    pub max_body_bytes: usize,
    pub timestamp_tolerance_secs: u64,
    pub public_base_url: String,
    pub maintain_subscriptions_every_hours: u64,
}

/// This service's defaults, layered on service-kit's common ones.
pub const DEFAULTS: &str = include_str!("config.default.toml");

impl Settings {
    pub fn load() -> anyhow::Result<Self> {
        Ok(service_kit::settings::load(DEFAULTS)?)
    }

    /// Defaults, file and environment, then `overrides` (tests).
    pub fn load_with(overrides: &[(&str, String)]) -> anyhow::Result<Self> {
        Ok(service_kit::settings::load_with(DEFAULTS, overrides)?)
    }
}
