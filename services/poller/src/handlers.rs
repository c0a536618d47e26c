//! Queue handlers: decode, run, and turn the result into an explicit outcome.

use std::sync::Arc;
use std::time::Duration;

use messaging::proto::{RawPayload, SyncJob};
use messaging::{Delivery, Handler, Outcome};
use providers::ProviderError;
use tracing::Instrument;

use crate::fetch::{self, SyncError};
use crate::startup::State;

fn outcome(result: Result<usize, SyncError>, delivery: &Delivery, what: &str) -> Outcome {
    match result {
        Ok(n) => {
            tracing::info!(pages = n, "{what} done");
            Outcome::Ack
        }
        Err(SyncError::ConnectionGone) => {
            tracing::info!("{what}: connection gone; dropping");
            Outcome::Ack
        }
        Err(SyncError::NeedsReauth) => {
            tracing::warn!("{what}: connection needs re-authorisation; dropping");
            Outcome::Ack
        }
        Err(SyncError::Invalid(reason)) => Outcome::DeadLetter { reason },
        Err(SyncError::Provider(e)) if !e.is_retryable() => Outcome::DeadLetter {
            reason: format!("provider error: {e}"),
        },
        Err(e) => {
            let wait = match &e {
                SyncError::Provider(ProviderError::RateLimited {
                    retry_after: Some(after),
                }) => *after,
                _ => Duration::from_millis(500 * 2u64.pow(delivery.delivery_count.min(6))),
            };
            tracing::warn!(error = %e, "{what} failed; will retry");
            Outcome::Retry {
                after: wait,
                reason: e.to_string(),
            }
        }
    }
}

pub struct SyncJobHandler(pub Arc<State>);

impl Handler for SyncJobHandler {
    async fn handle(&self, delivery: &Delivery) -> Outcome {
        let job: SyncJob = match delivery.decode() {
            Ok(j) => j,
            Err(e) => {
                return Outcome::DeadLetter {
                    reason: format!("undecodable sync job: {e}"),
                };
            }
        };
        let span = tracing::info_span!("sync_job", job_id = %job.id, provider = %job.provider, connection_id = %job.connection_id);
        service_kit::telemetry::continue_trace(
            &span,
            delivery.traceparent.as_deref(),
            delivery.tracestate.as_deref(),
        );
        let result = fetch::run_job(&self.0, &job).instrument(span.clone()).await;
        span.in_scope(|| outcome(result, delivery, "sync job"))
    }
}

pub struct NotificationHandler(pub Arc<State>);

impl Handler for NotificationHandler {
    async fn handle(&self, delivery: &Delivery) -> Outcome {
        let raw: RawPayload = match delivery.decode() {
            Ok(r) => r,
            Err(e) => {
                return Outcome::DeadLetter {
                    reason: format!("undecodable payload: {e}"),
                };
            }
        };
        let span =
            tracing::info_span!("notification", payload_id = %raw.id, provider = %raw.provider);
        service_kit::telemetry::continue_trace(
            &span,
            delivery.traceparent.as_deref(),
            delivery.tracestate.as_deref(),
        );
        let result = fetch::run_webhook(&self.0, &raw)
            .instrument(span.clone())
            .await;
        span.in_scope(|| outcome(result, delivery, "notification"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_delivery() -> Delivery {
        Delivery::default()
    }

    #[test]
    fn gone_or_unauthorised_connections_are_acked_not_retried() {
        for e in [SyncError::ConnectionGone, SyncError::NeedsReauth] {
            assert_eq!(outcome(Err(e), &first_delivery(), "job"), Outcome::Ack);
        }
    }

    #[test]
    fn invalid_jobs_and_permanent_provider_errors_are_dead_lettered() {
        let invalid = outcome(
            Err(SyncError::Invalid("bad window".into())),
            &first_delivery(),
            "job",
        );
        assert_eq!(
            invalid,
            Outcome::DeadLetter {
                reason: "bad window".into()
            }
        );
        let forbidden = SyncError::Provider(ProviderError::Status {
            status: 403,
            body: "Missing Scopes".into(),
        });
        assert!(matches!(
            outcome(Err(forbidden), &first_delivery(), "job"),
            Outcome::DeadLetter { .. }
        ));
    }

    #[test]
    fn rate_limits_are_retried_after_the_providers_retry_after() {
        let limited = SyncError::Provider(ProviderError::RateLimited {
            retry_after: Some(Duration::from_secs(7)),
        });
        match outcome(Err(limited), &first_delivery(), "job") {
            Outcome::Retry { after, .. } => assert_eq!(after, Duration::from_secs(7)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn transient_failures_back_off_with_the_delivery_count() {
        let transient = || SyncError::Provider(ProviderError::Transport("reset".into()));
        let wait = |count| match outcome(
            Err(transient()),
            &Delivery {
                delivery_count: count,
                ..Delivery::default()
            },
            "job",
        ) {
            Outcome::Retry { after, .. } => after,
            other => panic!("{other:?}"),
        };
        assert!(wait(0) < wait(1) && wait(1) < wait(3));
    }
}
