//! Builds the running service.

use actix_web::web;
use messaging::{CancellationToken, Publisher};
use service_kit::health::Readiness;
use service_kit::metrics::Metrics;

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

pub struct Application {
    port: u16,
    server: actix_web::dev::Server,
    shutdown: CancellationToken,
    publisher: Publisher,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
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
        Ok(Self {
            port,
            server,
            shutdown: CancellationToken::new(),
            publisher,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let handle = self.server.handle();
        let shutdown = self.shutdown.clone();
        tokio::spawn(async move {
            shutdown.cancelled().await;
            handle.stop(true).await;
        });
        self.server.await?;
        self.publisher.close().await;
        Ok(())
    }
}
