//! One raw payload → normalized records, written in one transaction with the raw archive.

use chrono::{DateTime, Utc};
use domain::Provider;
use messaging::proto::{PayloadOrigin, RawPayload};
use messaging::{Delivery, Handler, Outcome};
use prometheus::IntCounterVec;
use storage::queries::records::{self, RawArchive};
use storage::queries::{connections, users};
use storage::{Database, StorageError};
use tracing::Instrument;
use uuid::Uuid;

pub struct RawPayloadHandler {
    pub db: Database,
    pub processed: IntCounterVec,
}

fn optional_uuid(raw: &str, field: &str) -> Result<Option<Uuid>, Outcome> {
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse().map(Some).map_err(|_| Outcome::DeadLetter {
        reason: format!("{field} `{raw}` is not a UUID"),
    })
}

fn origin(raw: &RawPayload) -> &'static str {
    match PayloadOrigin::try_from(raw.origin) {
        Ok(PayloadOrigin::Webhook) => "webhook",
        Ok(PayloadOrigin::Poll) => "poll",
        Ok(PayloadOrigin::Sdk) => "sdk",
        _ => "unknown",
    }
}

impl RawPayloadHandler {
    /// False when the user was deleted or the connection revoked after the payload was queued:
    /// in-flight data of a disconnected user is dropped, not written.
    async fn still_wanted(
        &self,
        user_id: Uuid,
        connection_id: Option<Uuid>,
    ) -> Result<bool, StorageError> {
        let mut conn = self.db.conn().await?;
        if !users::is_active(&mut conn, user_id).await? {
            return Ok(false);
        }
        match connection_id {
            Some(id) => Ok(connections::find(&mut conn, id)
                .await?
                .is_some_and(|c| c.status == "active")),
            None => Ok(true),
        }
    }

    async fn process(&self, raw: RawPayload) -> Outcome {
        let provider: Provider = match raw.provider.parse() {
            Ok(p) => p,
            Err(e) => {
                return Outcome::DeadLetter {
                    reason: e.to_string(),
                };
            }
        };
        let ids = (|| {
            Ok::<_, Outcome>((
                optional_uuid(&raw.id, "id")?,
                optional_uuid(&raw.tenant_id, "tenant_id")?,
                optional_uuid(&raw.user_id, "user_id")?,
                optional_uuid(&raw.connection_id, "connection_id")?,
            ))
        })();
        let (Some(id), tenant_id, Some(user_id), connection_id) = (match ids {
            Ok(ids) => ids,
            Err(outcome) => return outcome,
        }) else {
            return Outcome::DeadLetter {
                reason: "payload has no id or no user_id".into(),
            };
        };
        let batch = match providers::normalize(provider, &raw.kind, &raw.body) {
            Ok(b) => b,
            Err(e) => {
                self.processed
                    .with_label_values(&[provider.as_str(), &raw.kind, "rejected"])
                    .inc();
                return Outcome::DeadLetter {
                    reason: format!("cannot normalize: {e}"),
                };
            }
        };
        match self.still_wanted(user_id, connection_id).await {
            Ok(true) => {}
            Ok(false) => {
                self.processed
                    .with_label_values(&[provider.as_str(), &raw.kind, "dropped"])
                    .inc();
                tracing::info!(%user_id, "connection revoked or user deleted; payload dropped");
                return Outcome::Ack;
            }
            Err(e) => {
                return Outcome::Retry {
                    after: std::time::Duration::from_secs(1),
                    reason: format!("storage: {e}"),
                };
            }
        }
        let received_at = DateTime::<Utc>::from_timestamp_millis(raw.received_at_unix_ms)
            .unwrap_or_else(Utc::now);
        let archive = RawArchive {
            id,
            provider: provider.as_str(),
            kind: &raw.kind,
            origin: origin(&raw),
            tenant_id,
            user_id: Some(user_id),
            connection_id,
            received_at,
            content_type: &raw.content_type,
            body: &raw.body,
        };
        let result = match self.db.conn().await {
            Ok(mut conn) => {
                records::store_batch(&mut conn, user_id, provider.as_str(), Some(archive), &batch)
                    .await
            }
            Err(e) => Err(e),
        };
        match result {
            Ok(summary) => {
                self.processed
                    .with_label_values(&[provider.as_str(), &raw.kind, "stored"])
                    .inc();
                tracing::info!(?summary, "payload stored");
                Outcome::Ack
            }
            Err(StorageError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::ForeignKeyViolation,
                _,
            ))) => {
                tracing::warn!(%user_id, "user no longer exists; payload dropped");
                Outcome::Ack
            }
            Err(e) => Outcome::Retry {
                after: std::time::Duration::from_secs(1),
                reason: format!("storage: {e}"),
            },
        }
    }
}

impl Handler for RawPayloadHandler {
    async fn handle(&self, delivery: &Delivery) -> Outcome {
        let raw: RawPayload = match delivery.decode() {
            Ok(r) => r,
            Err(e) => {
                return Outcome::DeadLetter {
                    reason: format!("undecodable payload: {e}"),
                };
            }
        };
        let span = tracing::info_span!("normalize", payload_id = %raw.id, provider = %raw.provider, kind = %raw.kind);
        service_kit::telemetry::continue_trace(
            &span,
            delivery.traceparent.as_deref(),
            delivery.tracestate.as_deref(),
        );
        self.process(raw).instrument(span).await
    }
}
