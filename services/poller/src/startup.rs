//! Builds the running poller: two consumers (sync jobs, notifications) and a health server.

use std::sync::Arc;

use actix_web::web;
use messaging::{CancellationToken, ConsumerOptions, Publisher, Stream};
use providers::{HttpSender, HttpSenderConfig};
use service_kit::consumer;
use service_kit::health::Readiness;
use service_kit::metrics::Metrics;
use service_kit::server::Running;
use storage::{Database, TokenCipher};

use crate::handlers::{NotificationHandler, SyncJobHandler};
use crate::settings::Settings;

/// What handlers share.
pub struct State {
    pub settings: Settings,
    pub db: Database,
    pub cipher: TokenCipher,
    pub publisher: Publisher,
    pub sender: HttpSender,
    /// Webhooks for provider accounts no user has connected (acknowledged, stored nowhere).
    pub unknown_accounts: prometheus::IntCounterVec,
}

/// Starts the service (tests bind port 0 and read `Running::port`).
pub async fn build(settings: Settings) -> anyhow::Result<Running> {
    service_kit::install_crypto_provider();
    let db = Database::connect(
        &settings.common.database.url,
        settings.common.database.max_connections,
    )?;
    let cipher = settings.common.security.cipher()?;
    let publisher = Publisher::connect(&settings.common.amqp, "poller").await?;
    let sender = HttpSender::new(HttpSenderConfig::default())?;
    let shutdown = CancellationToken::new();
    let amqp = settings.common.amqp.clone();
    let concurrency = settings.poller.concurrency.max(1);
    let listener = settings.common.http.bind()?;
    let port = listener.local_addr()?.port();
    let http = settings.common.http.clone();
    let metrics = Metrics::new("poller")?;
    let unknown_accounts = metrics.counter(
        "webhooks_unknown_account_total",
        "Webhook events for provider accounts no user has connected",
        &["provider"],
    )?;
    let state = Arc::new(State {
        settings,
        db: db.clone(),
        cipher,
        publisher: publisher.clone(),
        sender,
        unknown_accounts,
    });
    let (jobs, jobs_up) = consumer::spawn(
        &amqp,
        ConsumerOptions {
            stream: Stream::SyncJobs,
            consumer_tag: "poller-sync-jobs".into(),
            concurrency,
        },
        Arc::new(SyncJobHandler(state.clone())),
        shutdown.clone(),
    );
    let (notes, notes_up) = consumer::spawn(
        &amqp,
        ConsumerOptions {
            stream: Stream::Notifications,
            consumer_tag: "poller-notifications".into(),
            concurrency,
        },
        Arc::new(NotificationHandler(state.clone())),
        shutdown.clone(),
    );
    let consumers = vec![jobs, notes];
    let readiness = web::Data::new(
        Readiness::new()
            .with_database(db)
            .with_publisher(publisher.clone())
            .with_flag("sync job consumer", jobs_up)
            .with_flag("notification consumer", notes_up),
    );
    let metrics = web::Data::new(metrics);
    let server = service_kit::server::start(listener, &http, move |cfg| {
        cfg.app_data(readiness.clone()).app_data(metrics.clone());
    })?;
    Ok(Running::new(port, server, shutdown)
        .with_tasks(consumers)
        .with_publisher(publisher))
}
