//! Consumer-side dead-lettering: a confirmed copy of the message goes to the DLX, then the
//! original is acked.

use crate::{Delivery, MessagingError, Publisher, Stream, topology::long_string};
use lapin::{
    BasicProperties,
    types::{FieldTable, ShortString},
};
use std::collections::BTreeMap;

/// Why the message was dead-lettered.
pub const DEAD_LETTER_REASON_HEADER: &str = "x-wearhouse-dead-letter-reason";
/// When, RFC 3339 UTC.
pub const FAILED_AT_HEADER: &str = "x-wearhouse-failed-at";
/// The routing key the message originally had (the DLX routes by `{queue}.dlq`).
pub const ORIGINAL_ROUTING_KEY_HEADER: &str = "x-wearhouse-original-routing-key";
/// Set by quorum queues; dropped from the copy so a replayed message starts with a fresh count.
const DELIVERY_COUNT_HEADER: &str = "x-delivery-count";

/// Publishes a copy of `delivery` (body untouched, properties kept) to the dead-letter exchange
/// and waits for the broker's confirm.
pub(crate) async fn publish(
    publisher: &Publisher,
    stream: Stream,
    original: &BasicProperties,
    delivery: &Delivery,
    reason: &str,
) -> Result<(), MessagingError> {
    let topology = publisher.topology();
    let properties = dead_letter_properties(original, &delivery.routing_key, reason);
    publisher
        .publish_raw(
            &topology.dead_letter_exchange(),
            &topology.dead_letter_queue(stream),
            &delivery.body,
            properties,
        )
        .await
}

fn dead_letter_properties(
    original: &BasicProperties,
    routing_key: &str,
    reason: &str,
) -> BasicProperties {
    let mut headers: BTreeMap<ShortString, _> = original
        .headers()
        .as_ref()
        .map(|h| h.inner().clone())
        .unwrap_or_default();
    headers.remove(DELIVERY_COUNT_HEADER);
    headers.insert(DEAD_LETTER_REASON_HEADER.into(), long_string(reason));
    headers.insert(
        FAILED_AT_HEADER.into(),
        long_string(&chrono::Utc::now().to_rfc3339()),
    );
    headers.insert(ORIGINAL_ROUTING_KEY_HEADER.into(), long_string(routing_key));
    original.clone().with_headers(FieldTable::from(headers))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::header_string;
    use lapin::types::AMQPValue;

    #[test]
    fn dead_letter_copy_keeps_properties_and_adds_reason_headers() {
        let mut headers = FieldTable::default();
        headers.insert("traceparent".into(), long_string("00-a-b-01"));
        headers.insert(DELIVERY_COUNT_HEADER.into(), AMQPValue::LongLongInt(2));
        let original = BasicProperties::default()
            .with_message_id("m-1".into())
            .with_type("wearhouse.v1.SyncJob".into())
            .with_delivery_mode(2)
            .with_headers(headers);

        let copy = dead_letter_properties(&original, "oura.sleep", "bad protobuf");

        assert_eq!(copy.message_id().as_ref().map(|s| s.as_str()), Some("m-1"));
        assert_eq!(
            copy.kind().as_ref().map(|s| s.as_str()),
            Some("wearhouse.v1.SyncJob")
        );
        assert_eq!(copy.delivery_mode(), &Some(2));
        let headers = copy.headers().clone().unwrap_or_default();
        assert_eq!(
            header_string(&headers, DEAD_LETTER_REASON_HEADER).as_deref(),
            Some("bad protobuf")
        );
        assert_eq!(
            header_string(&headers, "traceparent").as_deref(),
            Some("00-a-b-01")
        );
        assert_eq!(
            header_string(&headers, ORIGINAL_ROUTING_KEY_HEADER).as_deref(),
            Some("oura.sleep")
        );
        assert!(header_string(&headers, FAILED_AT_HEADER).is_some());
        assert!(!headers.contains_key(DELIVERY_COUNT_HEADER));
    }
}
