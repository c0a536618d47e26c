//! `webhook-receiver register-webhooks`: subscribes this deployment's callback URL to every
//! enabled provider that has a subscription API. Idempotent; run after the receiver is up
//! (providers verify the callback while subscribing).

use domain::Provider;
use providers::{HttpSender, HttpSenderConfig};

use crate::Settings;

/// Returns `(provider, subscriptions in place)` for each provider registered.
pub async fn register_all(settings: &Settings) -> anyhow::Result<Vec<(Provider, usize)>> {
    service_kit::install_crypto_provider();
    let sender = HttpSender::new(HttpSenderConfig::default())?;
    let base = settings.webhooks.public_base_url.trim_end_matches('/');
    let mut done = Vec::new();
    for provider in providers::supported() {
        let Some(cfg) = settings.common.provider(provider) else {
            continue;
        };
        let Some(token) = &cfg.webhook_verification_token else {
            tracing::warn!(%provider, "no webhook_verification_token configured; skipping");
            continue;
        };
        let callback = format!("{base}/api/v1/providers/{provider}/webhooks");
        let endpoints = cfg.endpoints(provider)?;
        let credentials = cfg.credentials(provider, callback.parse()?);
        let ctx = providers::OAuthContext {
            endpoints: &endpoints,
            credentials: &credentials,
            sender: &sender,
        };
        let n = providers::register_webhooks(provider, ctx, &callback, token).await?;
        tracing::info!(%provider, subscriptions = n, %callback, "webhooks registered");
        done.push((provider, n));
    }
    Ok(done)
}
