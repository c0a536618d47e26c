//! `webhook-receiver register-webhooks`: subscribes this deployment's callback URL to every
//! enabled provider that has a subscription API. Idempotent; run after the receiver is up
//! (providers verify the callback while subscribing).

use domain::Provider;
use providers::{HttpSender, HttpSenderConfig};

use crate::Settings;

/// Returns what was registered for each enabled provider.
pub async fn register_all(
    settings: &Settings,
) -> anyhow::Result<Vec<(Provider, providers::RegisteredWebhooks)>> {
    service_kit::install_crypto_provider();
    let sender = HttpSender::new(HttpSenderConfig::default())?;
    let base = settings.webhooks.public_base_url.trim_end_matches('/');
    let mut done = Vec::new();
    for provider in providers::supported() {
        let Some(cfg) = settings.common.provider(provider) else {
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
        let registered = providers::register_webhooks(
            provider,
            ctx,
            &callback,
            cfg.webhook_verification_token.as_ref(),
        )
        .await?;
        tracing::info!(%provider, subscriptions = registered.subscriptions, %callback, "webhooks registered");
        done.push((provider, registered));
    }
    Ok(done)
}
