//! Layered configuration: embedded defaults → optional file → `WEARHOUSE__…` environment.
//!
//! `WEARHOUSE__DATABASE__URL=postgres://…` sets `database.url`. The file comes from the
//! `WEARHOUSE_CONFIG` environment variable when set.

use std::collections::BTreeMap;
use std::net::TcpListener;

use config::{Config, Environment, File, FileFormat};
use messaging::AmqpSettings;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use storage::TokenCipher;

/// The settings shared by all five services (each embeds them in its own settings type).
#[derive(Debug, Clone, Deserialize)]
pub struct CommonSettings {
    pub http: HttpSettings,
    pub database: DatabaseSettings,
    pub amqp: AmqpSettings,
    pub telemetry: TelemetrySettings,
    pub security: SecuritySettings,
    /// Provider apps by slug (`oura`, …). A provider is enabled when its client_id is set.
    #[serde(default)]
    pub providers: BTreeMap<String, ProviderSettings>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SecuritySettings {
    /// Token-encryption key: base64 of 32 random bytes. Required by services that touch tokens.
    pub encryption_key: Option<SecretString>,
    pub encryption_key_id: u8,
    /// "id:base64" keys that still decrypt during a rotation.
    #[serde(default)]
    pub previous_keys: Vec<SecretString>,
}

impl SecuritySettings {
    pub fn cipher(&self) -> anyhow::Result<TokenCipher> {
        let current = self.encryption_key.clone().ok_or_else(|| {
            anyhow::anyhow!(
                "security.encryption_key is not set (WEARHOUSE__SECURITY__ENCRYPTION_KEY)"
            )
        })?;
        let mut keys = vec![(self.encryption_key_id, current)];
        for entry in &self.previous_keys {
            let (id, key) = entry.expose_secret().split_once(':').ok_or_else(|| {
                anyhow::anyhow!("security.previous_keys entries are \"id:base64\"")
            })?;
            keys.push((id.parse()?, SecretString::from(key.to_owned())));
        }
        Ok(TokenCipher::new(self.encryption_key_id, &keys)?)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ProviderSettings {
    pub client_id: String,
    pub client_secret: SecretString,
    /// Secrets that still verify webhooks while a client secret is being rotated.
    #[serde(default)]
    pub previous_client_secrets: Vec<SecretString>,
    pub authorize_url: String,
    pub token_url: String,
    pub api_base_url: String,
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
    /// Token we hand the provider when subscribing; it echoes it in the verification challenge.
    #[serde(default)]
    pub webhook_verification_token: Option<SecretString>,
}

impl ProviderSettings {
    pub fn is_enabled(&self) -> bool {
        !self.client_id.is_empty()
    }

    pub fn endpoints(&self) -> anyhow::Result<providers::ProviderEndpoints> {
        Ok(providers::ProviderEndpoints {
            authorize_url: self.authorize_url.parse()?,
            token_url: self.token_url.parse()?,
            api_base_url: self.api_base_url.parse()?,
            revoke_url: None,
        })
    }

    pub fn credentials(
        &self,
        provider: domain::Provider,
        redirect_url: url::Url,
    ) -> providers::ProviderCredentials {
        providers::ProviderCredentials {
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            redirect_url,
            scopes: self.scopes.clone().unwrap_or_else(|| {
                providers::default_scopes(provider)
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect()
            }),
        }
    }

    /// Every secret a webhook signature may be made with, current first.
    pub fn webhook_secrets(
        &self,
        tolerance: std::time::Duration,
    ) -> providers::webhook::WebhookSecrets {
        let mut secrets = vec![self.client_secret.clone()];
        secrets.extend(self.previous_client_secrets.iter().cloned());
        providers::webhook::WebhookSecrets { secrets, tolerance }
    }
}

impl CommonSettings {
    /// The settings of an enabled provider.
    pub fn provider(&self, provider: domain::Provider) -> Option<&ProviderSettings> {
        self.providers
            .get(provider.as_str())
            .filter(|p| p.is_enabled())
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct HttpSettings {
    pub host: String,
    pub port: u16,
    /// Seconds in-flight requests get to finish on shutdown.
    pub shutdown_timeout_secs: u64,
    /// Worker threads.
    pub workers: usize,
}

impl HttpSettings {
    pub fn bind(&self) -> std::io::Result<TcpListener> {
        TcpListener::bind((self.host.as_str(), self.port))
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    pub url: SecretString,
    pub max_connections: usize,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TelemetrySettings {
    /// `tracing` filter directive, e.g. `info,actix_web=warn`.
    pub log_filter: String,
    /// JSON lines (true) or human-readable logs.
    pub json_logs: bool,
    /// OTLP/HTTP endpoint (e.g. `http://otel-collector:4318`); traces are exported only when set.
    pub otlp_endpoint: Option<String>,
}

/// The defaults every service starts from; a service's own defaults are layered on top.
pub const COMMON_DEFAULTS: &str = include_str!("common.default.toml");

/// Loads `T` from the common defaults, the service's defaults, the optional config file and the
/// environment, in that order.
pub fn load<T: DeserializeOwned>(service_defaults: &str) -> Result<T, config::ConfigError> {
    load_with(service_defaults, &[])
}

/// As [`load`], then `overrides` (`("database.url", "postgres://…")`) on top of everything:
/// how tests configure services without touching the process environment.
pub fn load_with<T: DeserializeOwned>(
    service_defaults: &str,
    overrides: &[(&str, String)],
) -> Result<T, config::ConfigError> {
    let mut builder = Config::builder()
        .add_source(File::from_str(COMMON_DEFAULTS, FileFormat::Toml))
        .add_source(File::from_str(service_defaults, FileFormat::Toml));
    if let Ok(path) = std::env::var("WEARHOUSE_CONFIG") {
        builder = builder.add_source(File::with_name(&path).required(true));
    }
    builder = builder.add_source(
        Environment::with_prefix("WEARHOUSE")
            .prefix_separator("__")
            .separator("__")
            .try_parsing(true)
            .list_separator(",")
            .with_list_parse_key("oauth.redirect_allowlist"),
    );
    for (key, value) in overrides {
        // Typed like the environment source with `try_parsing`.
        builder = if let Ok(b) = value.parse::<bool>() {
            builder.set_override(*key, b)?
        } else if let Ok(n) = value.parse::<i64>() {
            builder.set_override(*key, n)?
        } else {
            builder.set_override(*key, value.as_str())?
        };
    }
    builder.build()?.try_deserialize()
}
