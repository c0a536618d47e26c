//! Builds the running query-api.

use actix_web::web;
use messaging::CancellationToken;
use service_kit::health::Readiness;
use service_kit::metrics::Metrics;
use storage::Database;

use crate::routes;
use crate::settings::Settings;

pub struct Application {
    port: u16,
    server: actix_web::dev::Server,
    shutdown: CancellationToken,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let db = Database::connect(
            &settings.common.database.url,
            settings.common.database.max_connections,
        )?;
        let readiness = web::Data::new(Readiness::new().with_database(db.clone()));
        let metrics = web::Data::new(Metrics::new("query-api")?);
        let db = web::Data::new(db);
        let listener = settings.common.http.bind()?;
        let port = listener.local_addr()?.port();
        let server = service_kit::server::start(listener, &settings.common.http, move |cfg| {
            cfg.app_data(db.clone())
                .app_data(readiness.clone())
                .app_data(metrics.clone())
                .configure(routes::configure);
        })?;
        Ok(Self {
            port,
            server,
            shutdown: CancellationToken::new(),
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
        Ok(())
    }
}
