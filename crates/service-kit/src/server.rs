//! The pieces every service's actix `App` shares.

use actix_web::web;

use crate::error::{configure_extractors, not_found};
use crate::health;
use crate::metrics::metrics_endpoint;

/// Health, readiness and metrics routes plus the JSON error handling of extractors.
/// Requires `web::Data<Readiness>` and `web::Data<Metrics>` in app data.
pub fn common_routes(cfg: &mut web::ServiceConfig) {
    configure_extractors(cfg);
    cfg.route("/health/live", web::get().to(health::live))
        .route("/health/ready", web::get().to(health::ready))
        .route("/metrics", web::get().to(metrics_endpoint));
}

/// Use as `App::default_service(server::default_service())`: unknown routes → JSON 404.
pub fn default_service() -> actix_web::Route {
    web::to(not_found)
}

/// Starts the service's HTTP server on `listener`: metrics and request tracing middleware,
/// health routes, JSON errors, then whatever `configure` adds (routes and app data).
/// Signals are not handled here: the service's cancellation token stops the server.
pub fn start<F>(
    listener: std::net::TcpListener,
    settings: &crate::settings::HttpSettings,
    configure: F,
) -> std::io::Result<actix_web::dev::Server>
where
    F: Fn(&mut web::ServiceConfig) + Send + Clone + 'static,
{
    Ok(actix_web::HttpServer::new(move || {
        actix_web::App::new()
            .wrap(actix_web::middleware::from_fn(crate::metrics::track_http))
            .configure(common_routes)
            .configure(configure.clone())
            .default_service(default_service())
    })
    .listen(listener)?
    .workers(settings.workers.max(1))
    .disable_signals()
    .shutdown_timeout(settings.shutdown_timeout_secs)
    .run())
}

/// A started service: its HTTP server plus background tasks (queue consumers), stopped together.
pub struct Running {
    port: u16,
    server: actix_web::dev::Server,
    shutdown: messaging::CancellationToken,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    publisher: Option<messaging::Publisher>,
}

impl Running {
    pub fn new(
        port: u16,
        server: actix_web::dev::Server,
        shutdown: messaging::CancellationToken,
    ) -> Self {
        Self {
            port,
            server,
            shutdown,
            tasks: Vec::new(),
            publisher: None,
        }
    }

    /// Tasks that watch the shutdown token and finish their in-flight work before ending.
    pub fn with_tasks(mut self, tasks: Vec<tokio::task::JoinHandle<()>>) -> Self {
        self.tasks = tasks;
        self
    }

    /// Closed last, after the server and tasks stopped publishing.
    pub fn with_publisher(mut self, publisher: messaging::Publisher) -> Self {
        self.publisher = Some(publisher);
        self
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Cancel this token to stop the service gracefully.
    pub fn shutdown_token(&self) -> messaging::CancellationToken {
        self.shutdown.clone()
    }

    /// Serves until the token is cancelled; then in-flight requests finish (up to
    /// `http.shutdown_timeout_secs`), consumers settle their deliveries, the publisher closes.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let handle = self.server.handle();
        let shutdown = self.shutdown.clone();
        tokio::spawn(async move {
            shutdown.cancelled().await;
            handle.stop(true).await;
        });
        self.server.await?;
        self.shutdown.cancel();
        for task in self.tasks {
            let _ = task.await;
        }
        if let Some(publisher) = self.publisher {
            publisher.close().await;
        }
        Ok(())
    }
}
