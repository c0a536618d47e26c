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
    /// HS256 key of developer and SDK JWTs (at least 32 bytes). Services that accept JWTs
    /// refuse to start without it.
    #[serde(default)]
    pub jwt_secret: Option<SecretString>,
    /// Lifetime of developer and SDK access tokens, seconds.
    pub access_token_ttl_secs: i64,
    /// Lifetime of refresh tokens, days.
    pub refresh_token_ttl_days: i64,
}

impl SecuritySettings {
    pub fn jwt_keys(&self) -> anyhow::Result<crate::auth::JwtKeys> {
        let secret = self.jwt_secret.as_ref().ok_or_else(|| {
            anyhow::anyhow!("security.jwt_secret is not set (WEARHOUSE__SECURITY__JWT_SECRET)")
        })?;
        crate::auth::JwtKeys::new(secret, self.access_token_ttl_secs)
    }
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
    /// Endpoints default to the provider's production ones; set them to use an emulator.
    #[serde(default)]
    pub authorize_url: Option<String>,
    #[serde(default)]
    pub token_url: Option<String>,
    #[serde(default)]
    pub api_base_url: Option<String>,
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
    /// Webhook signing keys when they differ from the client secret (Polar's
    /// `signature_secret_key`, Suunto's notification secret); current first.
    #[serde(default)]
    pub webhook_secrets: Vec<SecretString>,
    /// Token we hand the provider when subscribing; it echoes it in the verification challenge.
    #[serde(default)]
    pub webhook_verification_token: Option<SecretString>,
}

impl ProviderSettings {
    pub fn is_enabled(&self) -> bool {
        !self.client_id.is_empty()
    }

    /// The configured endpoints over the provider's production defaults.
    pub fn endpoints(
        &self,
        provider: domain::Provider,
    ) -> anyhow::Result<providers::ProviderEndpoints> {
        let defaults = providers::default_endpoints(provider);
        let pick = |configured: &Option<String>, default: Option<&url::Url>, name: &str| match (
            configured, default,
        ) {
            (Some(url), _) => Ok(url.parse()?),
            (None, Some(url)) => Ok(url.clone()),
            (None, None) => Err(anyhow::anyhow!("providers.{provider}.{name} is not set")),
        };
        Ok(providers::ProviderEndpoints {
            authorize_url: pick(
                &self.authorize_url,
                defaults.as_ref().map(|d| &d.authorize_url),
                "authorize_url",
            )?,
            token_url: pick(
                &self.token_url,
                defaults.as_ref().map(|d| &d.token_url),
                "token_url",
            )?,
            api_base_url: pick(
                &self.api_base_url,
                defaults.as_ref().map(|d| &d.api_base_url),
                "api_base_url",
            )?,
            // Revocation only exists in production; an emulator without one is fine.
            revoke_url: if self.api_base_url.is_some() {
                None
            } else {
                defaults.and_then(|d| d.revoke_url)
            },
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
        // Signing keys that differ from the client secret replace it (Polar, Suunto).
        let mut secrets = if self.webhook_secrets.is_empty() {
            vec![self.client_secret.clone()]
        } else {
            self.webhook_secrets.clone()
        };
        secrets.extend(self.previous_client_secrets.iter().cloned());
        providers::webhook::WebhookSecrets { secrets, tolerance }
    }
}

impl CommonSettings {
    /// Where `provider` lives for this deployment: configured endpoints (an emulator) over the
    /// provider's production ones.
    pub fn provider_endpoints(
        &self,
        provider: domain::Provider,
    ) -> anyhow::Result<providers::ProviderEndpoints> {
        match self.providers.get(provider.as_str()) {
            Some(cfg) => cfg.endpoints(provider),
            None => providers::default_endpoints(provider)
                .ok_or_else(|| anyhow::anyhow!("provider {provider} has no endpoints")),
        }
    }

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
    let mut env = Environment::with_prefix("WEARHOUSE")
        .prefix_separator("__")
        .separator("__")
        .try_parsing(true)
        .list_separator(",")
        .with_list_parse_key("oauth.redirect_allowlist")
        .with_list_parse_key("security.previous_keys");
    // Comma-separated lists in the environment, e.g. WEARHOUSE__PROVIDERS__POLAR__WEBHOOK_SECRETS.
    for provider in domain::Provider::ALL {
        for key in ["webhook_secrets", "previous_client_secrets", "scopes"] {
            env = env.with_list_parse_key(&format!("providers.{provider}.{key}"));
        }
    }
    builder = builder.add_source(env);
    for (key, value) in overrides {
        // Typed like the environment source with `try_parsing`.
        builder = if let Ok(list) = serde_json::from_str::<Vec<String>>(value) {
            builder.set_override(*key, list)?
        } else if let Ok(b) = value.parse::<bool>() {
            builder.set_override(*key, b)?
        } else if let Ok(n) = value.parse::<i64>() {
            builder.set_override(*key, n)?
        } else {
            builder.set_override(*key, value.as_str())?
        };
    }
    builder.build()?.try_deserialize()
}
