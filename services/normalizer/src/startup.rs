//! Builds the running normalizer: one consumer and a health server.

use std::sync::Arc;

use actix_web::web;
use messaging::{CancellationToken, ConsumerOptions, Stream};
use service_kit::health::Readiness;
use service_kit::metrics::Metrics;
use service_kit::server::Running;
use storage::Database;

use crate::handler::RawPayloadHandler;
use crate::settings::Settings;

/// Starts the service (tests bind port 0 and read `Running::port`).
pub async fn build(settings: Settings) -> anyhow::Result<Running> {
    let db = Database::connect(
        &settings.common.database.url,
        settings.common.database.max_connections,
    )?;
    let metrics = Metrics::new("normalizer")?;
    let processed = metrics.counter(
        "payloads_total",
        "Raw payloads by provider, kind and result",
        &["provider", "kind", "result"],
    )?;
    let handler = Arc::new(RawPayloadHandler {
        db: db.clone(),
        processed,
    });
    let shutdown = CancellationToken::new();
    let options = ConsumerOptions {
        stream: Stream::RawPayloads,
        consumer_tag: "normalizer".into(),
        concurrency: settings.normalizer.concurrency.max(1),
    };
    let (consumer, running) =
        service_kit::consumer::spawn(&settings.common.amqp, options, handler, shutdown.clone());
    let readiness = web::Data::new(
        Readiness::new()
            .with_database(db)
            .with_flag("consumer", running),
    );
    let metrics = web::Data::new(metrics);
    let listener = settings.common.http.bind()?;
    let port = listener.local_addr()?.port();
    let server = service_kit::server::start(listener, &settings.common.http, move |cfg| {
        cfg.app_data(readiness.clone()).app_data(metrics.clone());
    })?;
    Ok(Running::new(port, server, shutdown).with_tasks(vec![consumer]))
}
