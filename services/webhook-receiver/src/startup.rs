//! Builds the running service.

use actix_web::web;
use messaging::{CancellationToken, Publisher};
use service_kit::health::Readiness;
use service_kit::metrics::Metrics;
use service_kit::server::Running;

use crate::routes;
use crate::settings::Settings;

pub struct AppState {
    pub settings: Settings,
    pub publisher: Publisher,
    pub metrics: WebhookMetrics,
}

/// Webhooks by provider and result (accepted, rejected, unavailable).
#[derive(Clone)]
pub struct WebhookMetrics {
    pub received: prometheus::IntCounterVec,
}

/// Starts the service (tests bind port 0 and read `Running::port`).
pub async fn build(settings: Settings) -> anyhow::Result<Running> {
    service_kit::install_crypto_provider();
    let publisher = Publisher::connect(&settings.common.amqp, "webhook-receiver").await?;
    let metrics = Metrics::new("webhook-receiver")?;
    let received = metrics.counter(
        "webhooks_total",
        "Provider webhooks by outcome",
        &["provider", "outcome"],
    )?;
    let readiness = web::Data::new(Readiness::new().with_publisher(publisher.clone()));
    let listener = settings.common.http.bind()?;
    let port = listener.local_addr()?.port();
    let http = settings.common.http.clone();
    let payload_limit = settings.webhooks.max_body_bytes;
    let maintain_every_hours = settings.webhooks.maintain_subscriptions_every_hours;
    let maintenance_settings = settings.clone();
    let state = web::Data::new(AppState {
        settings,
        publisher: publisher.clone(),
        metrics: WebhookMetrics { received },
    });
    let metrics = web::Data::new(metrics);
    let server = service_kit::server::start(listener, &http, move |cfg| {
        cfg.app_data(state.clone())
            .app_data(metrics.clone())
            .app_data(readiness.clone())
            .app_data(web::PayloadConfig::new(payload_limit))
            .configure(routes::configure);
    })?;
    let shutdown = CancellationToken::new();
    let mut tasks = Vec::new();
    if maintain_every_hours > 0 {
        tasks.push(crate::subscriptions::spawn_maintenance(
            maintenance_settings,
            std::time::Duration::from_secs(maintain_every_hours * 3600),
            shutdown.clone(),
        ));
    }
    Ok(Running::new(port, server, shutdown)
        .with_tasks(tasks)
        .with_publisher(publisher))
}
