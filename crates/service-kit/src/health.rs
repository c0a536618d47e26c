//! `/health/live` (no I/O) and `/health/ready` (database migrated, broker connected, and any
//! service-specific checks such as "consumer running").

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use actix_web::{HttpResponse, web};
use messaging::Publisher;
use serde_json::json;
use storage::Database;

/// What `/health/ready` checks. Register it as `web::Data<Readiness>`.
#[derive(Clone, Default)]
pub struct Readiness {
    database: Option<Database>,
    /// Set once every migration was seen applied; later probes only ping the pool.
    migrated: Arc<AtomicBool>,
    publisher: Option<Publisher>,
    flags: Vec<(&'static str, Arc<AtomicBool>)>,
}

impl Readiness {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_database(mut self, db: Database) -> Self {
        self.database = Some(db);
        self
    }

    pub fn with_publisher(mut self, publisher: Publisher) -> Self {
        self.publisher = Some(publisher);
        self
    }

    /// A named flag the service raises when some part of it is up (e.g. a consumer).
    pub fn with_flag(mut self, name: &'static str, flag: Arc<AtomicBool>) -> Self {
        self.flags.push((name, flag));
        self
    }

    async fn failures(&self) -> Vec<String> {
        let mut failures = Vec::new();
        if let Some(db) = &self.database {
            let check = if self.migrated.load(Ordering::Relaxed) {
                db.ping().await.map(|()| true)
            } else {
                db.is_ready().await
            };
            match check {
                Ok(true) => self.migrated.store(true, Ordering::Relaxed),
                Ok(false) => failures.push("database: migrations pending".to_owned()),
                Err(e) => {
                    tracing::warn!(error = %e, "readiness: database check failed");
                    failures.push("database: unreachable".to_owned());
                }
            }
        }
        if let Some(p) = &self.publisher
            && !p.is_connected()
        {
            failures.push("amqp: not connected".to_owned());
        }
        for (name, flag) in &self.flags {
            if !flag.load(Ordering::Relaxed) {
                failures.push(format!("{name}: not running"));
            }
        }
        failures
    }
}

pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

pub async fn ready(readiness: web::Data<Readiness>) -> HttpResponse {
    let failures = readiness.failures().await;
    if failures.is_empty() {
        HttpResponse::Ok().json(json!({"status": "ready"}))
    } else {
        HttpResponse::ServiceUnavailable().json(json!({
            "status": "not_ready",
            "detail": failures.join("; "),
            "code": "not_ready",
        }))
    }
}
