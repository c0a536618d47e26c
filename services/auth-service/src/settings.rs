use serde::Deserialize;
use service_kit::CommonSettings;

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    #[serde(flatten)]
    pub common: CommonSettings,
    pub oauth: OAuthSettings,
    pub sync: SyncSettings,
    pub accounts: AccountSettings,
    #[serde(default)]
    pub bootstrap: BootstrapSettings,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AccountSettings {
    pub open_signup: bool,
    pub invitation_ttl_hours: i64,
    pub purge_interval_secs: u64,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct BootstrapSettings {
    pub admin_email: Option<String>,
    pub admin_password: Option<secrecy::SecretString>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OAuthSettings {
    pub public_base_url: String,
    pub state_ttl_secs: i64,
    pub redirect_allowlist: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SyncSettings {
    pub backfill_days: i64,
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
