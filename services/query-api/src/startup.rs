//! Builds the running query-api.

use actix_web::web;
use messaging::CancellationToken;
use service_kit::health::Readiness;
use service_kit::metrics::Metrics;
use service_kit::server::Running;
use storage::Database;

use crate::routes;
use crate::settings::Settings;

/// Starts the service (tests bind port 0 and read `Running::port`).
pub async fn build(settings: Settings) -> anyhow::Result<Running> {
    let db = Database::connect(
        &settings.common.database.url,
        settings.common.database.max_connections,
    )?;
    let readiness = web::Data::new(Readiness::new().with_database(db.clone()));
    let metrics = web::Data::new(Metrics::new("query-api")?);
    let db = web::Data::new(db);
    // Developer JWTs are accepted beside API keys when the deployment configures a JWT secret.
    let jwt = match &settings.common.security.jwt_secret {
        Some(_) => Some(web::Data::new(settings.common.security.jwt_keys()?)),
        None => None,
    };
    let listener = settings.common.http.bind()?;
    let port = listener.local_addr()?.port();
    let server = service_kit::server::start(listener, &settings.common.http, move |cfg| {
        if let Some(jwt) = &jwt {
            cfg.app_data(jwt.clone());
        }
        cfg.app_data(db.clone())
            .app_data(readiness.clone())
            .app_data(metrics.clone())
            .configure(routes::configure);
    })?;
    Ok(Running::new(port, server, CancellationToken::new()))
}
