//! RabbitMQ for Wearhouse: the topology (topic exchanges, quorum queues, a dead-letter exchange and
//! a DLQ per queue), publishing with publisher confirms, the consumer loop and the protobuf
//! queue messages.
//!
//! Handlers never talk AMQP: they return an [`Outcome`] and [`run_consumer`] acks, retries or
//! dead-letters. A message is never acked before its handler finished and never loops forever
//! (quorum-queue `x-delivery-limit` is the backstop behind the consumer's own retry budget).

mod consumer;
mod dead_letter;
mod delivery;
mod error;
mod publisher;
mod settings;
mod topology;

/// The prost-generated queue messages (`wearhouse.v1`).
#[allow(
    clippy::all,
    clippy::pedantic,
    missing_docs,
    unreachable_pub,
    reason = "generated code"
)]
pub mod proto {
    include!(concat!(env!("OUT_DIR"), "/wearhouse.v1.rs"));
}

pub use consumer::{ConsumerOptions, run_consumer};
pub use dead_letter::{DEAD_LETTER_REASON_HEADER, FAILED_AT_HEADER, ORIGINAL_ROUTING_KEY_HEADER};
pub use delivery::{Delivery, Handler, Outcome, process_for_test};
pub use error::MessagingError;
pub use publisher::Publisher;
pub use settings::{AmqpSettings, connect};
/// The shutdown signal [`run_consumer`] listens to.
pub use tokio_util::sync::CancellationToken;
pub use topology::{Stream, Topology};

/// Protobuf-encodes a message.
pub fn encode<M: prost::Message>(message: &M) -> Vec<u8> {
    message.encode_to_vec()
}

/// Decodes a protobuf message; unknown fields are skipped, missing fields take their defaults.
pub fn decode<M: prost::Message + Default>(bytes: &[u8]) -> Result<M, MessagingError> {
    M::decode(bytes).map_err(MessagingError::Decode)
}

/// `traceparent`/`tracestate` as an OpenTelemetry carrier, so a propagator can inject the current
/// context into the message (and extract it again on the other side).
impl opentelemetry::propagation::Injector for proto::TraceContext {
    fn set(&mut self, key: &str, value: String) {
        match key {
            "traceparent" => self.traceparent = value,
            "tracestate" => self.tracestate = value,
            _ => {}
        }
    }
}

impl opentelemetry::propagation::Extractor for proto::TraceContext {
    fn get(&self, key: &str) -> Option<&str> {
        let value = match key {
            "traceparent" => &self.traceparent,
            "tracestate" => &self.tracestate,
            _ => return None,
        };
        (!value.is_empty()).then_some(value.as_str())
    }

    fn keys(&self) -> Vec<&str> {
        vec!["traceparent", "tracestate"]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Name;

    #[test]
    fn sync_job_round_trips_through_protobuf() {
        let job = proto::SyncJob {
            id: "job-1".into(),
            provider: "oura".into(),
            reason: proto::SyncReason::Backfill.into(),
            data_types: vec!["sleep".into()],
            ..Default::default()
        };
        let back: proto::SyncJob = decode(&encode(&job)).unwrap();
        assert_eq!(back, job);
    }

    #[test]
    fn garbage_bytes_are_a_decode_error() {
        let result = decode::<proto::RawPayload>(&[0xff, 0xff, 0xff]);
        assert!(matches!(result, Err(MessagingError::Decode(_))));
    }

    #[test]
    fn message_type_names_are_full_proto_names() {
        assert_eq!(proto::SyncJob::full_name(), "wearhouse.v1.SyncJob");
        assert_eq!(proto::RawPayload::full_name(), "wearhouse.v1.RawPayload");
    }

    #[test]
    fn trace_context_is_an_opentelemetry_carrier() {
        use opentelemetry::propagation::{Extractor, Injector};
        let mut trace = proto::TraceContext::default();
        trace.set("traceparent", "00-abc-def-01".into());
        assert_eq!(trace.get("traceparent"), Some("00-abc-def-01"));
        assert_eq!(trace.get("tracestate"), None);
    }
}
