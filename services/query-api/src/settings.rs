use serde::Deserialize;
use service_kit::CommonSettings;

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    #[serde(flatten)]
    pub common: CommonSettings,
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
