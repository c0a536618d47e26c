use crate::MessagingError;
use futures_util::FutureExt;
use lapin::types::{AMQPValue, FieldTable};
use std::{any::Any, panic::AssertUnwindSafe, time::Duration};

/// What the consumer loop does with a message once its handler is done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Processed (or a duplicate of something processed): acknowledge it.
    Ack,
    /// A transient failure: deliver it again after `after` (capped at 30 s), until the delivery
    /// limit is reached; then it is dead-lettered with reason `retries exhausted: {reason}`.
    Retry {
        /// How long to hold the message before returning it to the queue.
        after: Duration,
        /// Why, for logs and the eventual dead-letter reason.
        reason: String,
    },
    /// A permanent failure (poison message): move it to the dead-letter queue untouched.
    DeadLetter {
        /// Why; stored in the `x-wearhouse-dead-letter-reason` header.
        reason: String,
    },
}

/// A message as a handler sees it: the body and the metadata worth deciding on, no AMQP handles.
/// Fields are public so tests can build one without a broker.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Delivery {
    /// Protobuf bytes ([`crate::decode`] or [`Delivery::decode`]).
    pub body: Vec<u8>,
    /// The `message_id` property set by the publisher.
    pub message_id: Option<String>,
    /// The routing key the message was published with.
    pub routing_key: String,
    /// W3C `traceparent` header.
    pub traceparent: Option<String>,
    /// W3C `tracestate` header.
    pub tracestate: Option<String>,
    /// How often the message was delivered before (quorum queue `x-delivery-count`); 0 at first.
    pub delivery_count: u32,
    /// The broker's redelivered flag.
    pub redelivered: bool,
}

impl Delivery {
    /// Decodes the body as `M`.
    pub fn decode<M: prost::Message + Default>(&self) -> Result<M, MessagingError> {
        crate::decode(&self.body)
    }

    /// Takes the body out of a lapin delivery (the properties stay for dead-lettering).
    pub(crate) fn from_amqp(delivery: &mut lapin::message::Delivery) -> Self {
        let properties = &delivery.properties;
        let headers = properties.headers().as_ref();
        Self {
            body: std::mem::take(&mut delivery.data),
            message_id: properties
                .message_id()
                .as_ref()
                .map(|id| id.as_str().to_owned()),
            routing_key: delivery.routing_key.as_str().to_owned(),
            traceparent: headers.and_then(|h| header_string(h, "traceparent")),
            tracestate: headers.and_then(|h| header_string(h, "tracestate")),
            delivery_count: headers
                .and_then(|h| header_u32(h, "x-delivery-count"))
                .unwrap_or(0),
            redelivered: delivery.redelivered,
        }
    }
}

/// Handles messages of one stream. Implement it on a plain struct so tests can call
/// `handler.handle(&Delivery { .. })` without a broker. Handlers must be idempotent: a message can
/// arrive more than once (at-least-once delivery).
pub trait Handler: Send + Sync + 'static {
    /// Processes one message and says what to do with it. A panic counts as
    /// `DeadLetter { reason: "handler panicked: ..." }`.
    fn handle(&self, delivery: &Delivery) -> impl Future<Output = Outcome> + Send;
}

/// Runs `handler` exactly as the consumer loop does, without a broker, and returns the outcome the
/// loop would act on: a panic becomes `DeadLetter { "handler panicked: .." }` and a `Retry` on
/// the last allowed delivery (`delivery_count + 1 >= delivery_limit`) becomes
/// `DeadLetter { "retries exhausted: .." }`.
pub async fn process_for_test<H: Handler>(
    handler: &H,
    delivery: &Delivery,
    delivery_limit: u32,
) -> Outcome {
    decide(handler, delivery, delivery_limit).await
}

pub(crate) async fn decide<H: Handler>(
    handler: &H,
    delivery: &Delivery,
    delivery_limit: u32,
) -> Outcome {
    let outcome = AssertUnwindSafe(handler.handle(delivery))
        .catch_unwind()
        .await
        .unwrap_or_else(|panic| Outcome::DeadLetter {
            reason: format!("handler panicked: {}", panic_message(panic.as_ref())),
        });
    match outcome {
        Outcome::Retry { reason, .. }
            if delivery.delivery_count.saturating_add(1) >= delivery_limit =>
        {
            Outcome::DeadLetter {
                reason: format!("retries exhausted: {reason}"),
            }
        }
        other => other,
    }
}

fn panic_message(panic: &(dyn Any + Send)) -> &str {
    if let Some(message) = panic.downcast_ref::<&str>() {
        message
    } else if let Some(message) = panic.downcast_ref::<String>() {
        message
    } else {
        "non-string panic payload"
    }
}

pub(crate) fn header_string(headers: &FieldTable, key: &str) -> Option<String> {
    match headers.inner().get(key)? {
        AMQPValue::LongString(value) => {
            Some(String::from_utf8_lossy(value.as_bytes()).into_owned())
        }
        AMQPValue::ShortString(value) => Some(value.as_str().to_owned()),
        _ => None,
    }
}

fn header_u32(headers: &FieldTable, key: &str) -> Option<u32> {
    let value: i128 = match headers.inner().get(key)? {
        AMQPValue::ShortShortInt(v) => (*v).into(),
        AMQPValue::ShortShortUInt(v) => (*v).into(),
        AMQPValue::ShortInt(v) => (*v).into(),
        AMQPValue::ShortUInt(v) => (*v).into(),
        AMQPValue::LongInt(v) => (*v).into(),
        AMQPValue::LongUInt(v) => (*v).into(),
        AMQPValue::LongLongInt(v) => (*v).into(),
        AMQPValue::Timestamp(v) => (*v).into(),
        _ => return None,
    };
    Some(u32::try_from(value.max(0)).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lapin::types::LongString;

    struct Fixed(Outcome);
    impl Handler for Fixed {
        async fn handle(&self, _: &Delivery) -> Outcome {
            self.0.clone()
        }
    }

    struct Panics;
    impl Handler for Panics {
        async fn handle(&self, _: &Delivery) -> Outcome {
            panic!("boom")
        }
    }

    fn retry() -> Outcome {
        Outcome::Retry {
            after: Duration::from_millis(1),
            reason: "provider 503".into(),
        }
    }

    #[tokio::test]
    async fn retry_before_the_limit_stays_a_retry() {
        let delivery = Delivery {
            delivery_count: 1,
            ..Delivery::default()
        };
        assert_eq!(
            process_for_test(&Fixed(retry()), &delivery, 3).await,
            retry()
        );
    }

    #[tokio::test]
    async fn retry_on_the_last_delivery_becomes_a_dead_letter() {
        let delivery = Delivery {
            delivery_count: 2,
            ..Delivery::default()
        };
        let outcome = process_for_test(&Fixed(retry()), &delivery, 3).await;
        assert_eq!(
            outcome,
            Outcome::DeadLetter {
                reason: "retries exhausted: provider 503".into()
            }
        );
    }

    #[tokio::test]
    async fn a_panic_becomes_a_dead_letter_with_the_panic_message() {
        let outcome = process_for_test(&Panics, &Delivery::default(), 3).await;
        assert_eq!(
            outcome,
            Outcome::DeadLetter {
                reason: "handler panicked: boom".into()
            }
        );
    }

    #[test]
    fn delivery_count_and_trace_headers_are_read_from_any_integer_or_string_type() {
        let mut headers = FieldTable::default();
        headers.insert("x-delivery-count".into(), AMQPValue::LongLongInt(4));
        headers.insert(
            "traceparent".into(),
            AMQPValue::LongString(LongString::from("00-a-b-01")),
        );
        headers.insert("tracestate".into(), AMQPValue::ShortString("k=v".into()));
        assert_eq!(header_u32(&headers, "x-delivery-count"), Some(4));
        assert_eq!(
            header_string(&headers, "traceparent").as_deref(),
            Some("00-a-b-01")
        );
        assert_eq!(
            header_string(&headers, "tracestate").as_deref(),
            Some("k=v")
        );
        assert_eq!(header_u32(&headers, "missing"), None);
    }
}
