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
    register(settings, |_| true).await
}

/// Providers whose subscriptions expire or can go missing and need no operator step: renewed
/// and repaired in the background. (Polar is left out: creating its webhook issues a signing
/// secret that is shown once and must reach the operator, not a log.)
fn maintained(provider: Provider) -> bool {
    provider == Provider::Oura
}

/// Renews and repairs subscriptions every `every`, until shutdown, starting shortly after
/// start-up (providers verify the callback, so the receiver must be serving).
pub fn spawn_maintenance(
    settings: Settings,
    every: std::time::Duration,
    shutdown: messaging::CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut wait = std::time::Duration::from_secs(5);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(wait) => {}
            }
            wait = every;
            match register(&settings, maintained).await {
                Ok(done) => {
                    for (provider, r) in done {
                        tracing::info!(%provider, subscriptions = r.subscriptions, "webhook subscriptions maintained");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "maintaining webhook subscriptions failed"),
            }
        }
    })
}

async fn register(
    settings: &Settings,
    include: impl Fn(Provider) -> bool,
) -> anyhow::Result<Vec<(Provider, providers::RegisteredWebhooks)>> {
    service_kit::install_crypto_provider();
    let sender = HttpSender::new(HttpSenderConfig::default())?;
    let base = settings.webhooks.public_base_url.trim_end_matches('/');
    let mut done = Vec::new();
    for provider in providers::supported().into_iter().filter(|p| include(*p)) {
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
            cfg.webhook_secrets.first(),
        )
        .await?;
        tracing::info!(%provider, subscriptions = registered.subscriptions, %callback, "webhooks registered");
        done.push((provider, registered));
    }
    Ok(done)
}
