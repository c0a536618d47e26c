//! Builds the running service: database pool, broker publisher, provider HTTP sender, routes.

use std::net::TcpListener;

use actix_web::web;
use messaging::{CancellationToken, Publisher};
use providers::{HttpSender, HttpSenderConfig};
use service_kit::auth::JwtKeys;
use service_kit::health::Readiness;
use service_kit::metrics::Metrics;
use service_kit::server::Running;
use storage::{Database, TokenCipher};

use crate::routes;
use crate::settings::Settings;

/// Everything a handler needs, shared by all workers.
pub struct AppState {
    pub settings: Settings,
    pub db: Database,
    pub cipher: TokenCipher,
    pub publisher: Publisher,
    pub sender: HttpSender,
    pub jwt: JwtKeys,
}

/// Starts the service (tests bind port 0 and read `Running::port`).
pub async fn build(settings: Settings) -> anyhow::Result<Running> {
    service_kit::install_crypto_provider();
    let db = Database::connect(
        &settings.common.database.url,
        settings.common.database.max_connections,
    )?;
    let cipher = settings.common.security.cipher()?;
    let jwt = settings.common.security.jwt_keys()?;
    crate::accounts::bootstrap_admin(&settings, &db).await?;
    let publisher = Publisher::connect(&settings.common.amqp, "auth-service").await?;
    let sender = HttpSender::new(HttpSenderConfig::default())?;
    let metrics = Metrics::new("auth-service")?;
    let readiness = Readiness::new()
        .with_database(db.clone())
        .with_publisher(publisher.clone());
    let listener = settings.common.http.bind()?;
    let port = listener.local_addr()?.port();
    let http = settings.common.http.clone();
    let state = web::Data::new(AppState {
        settings,
        db: db.clone(),
        cipher,
        publisher: publisher.clone(),
        sender,
        jwt: jwt.clone(),
    });
    let shutdown = CancellationToken::new();
    let purger = crate::accounts::spawn_purger(
        db.clone(),
        std::time::Duration::from_secs(state.settings.accounts.purge_interval_secs),
        shutdown.clone(),
    );
    let server = start_server(listener, &http, state, db, jwt, metrics, readiness)?;
    Ok(Running::new(port, server, shutdown)
        .with_tasks(vec![purger])
        .with_publisher(publisher))
}

fn start_server(
    listener: TcpListener,
    http: &service_kit::HttpSettings,
    state: web::Data<AppState>,
    db: Database,
    jwt: JwtKeys,
    metrics: Metrics,
    readiness: Readiness,
) -> std::io::Result<actix_web::dev::Server> {
    let db = web::Data::new(db);
    let jwt = web::Data::new(jwt);
    let metrics = web::Data::new(metrics);
    let readiness = web::Data::new(readiness);
    service_kit::server::start(listener, http, move |cfg| {
        cfg.app_data(state.clone())
            .app_data(db.clone())
            .app_data(jwt.clone())
            .app_data(metrics.clone())
            .app_data(readiness.clone())
            .configure(routes::configure);
    })
}
