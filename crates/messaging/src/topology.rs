use crate::MessagingError;
use lapin::{
    Channel, ExchangeKind,
    options::{
        ExchangeDeclareOptions, ExchangeDeleteOptions, QueueBindOptions, QueueDeclareOptions,
        QueueDeleteOptions,
    },
    types::{AMQPValue, FieldTable, LongString, ShortString},
};

/// One message flow: an exchange, the queue bound to it and that queue's dead-letter queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// `SyncJob`s, consumed by the poller.
    SyncJobs,
    /// Notify-only webhooks (`RawPayload` with kind "notification").
    Notifications,
    /// Provider bytes (`RawPayload`), consumed by the normalizer.
    RawPayloads,
}

impl Stream {
    /// Every stream, in declaration order.
    pub const ALL: [Stream; 3] = [Stream::SyncJobs, Stream::Notifications, Stream::RawPayloads];

    fn exchange_suffix(self) -> &'static str {
        match self {
            Stream::SyncJobs => "sync",
            Stream::Notifications => "notify",
            Stream::RawPayloads => "raw",
        }
    }

    fn queue_suffix(self) -> &'static str {
        match self {
            Stream::SyncJobs => "sync_jobs",
            Stream::Notifications => "notifications",
            Stream::RawPayloads => "raw_payloads",
        }
    }
}

/// Names and declaration of every exchange and queue under one prefix.
///
/// Each stream has a durable topic exchange `{prefix}.{sync|notify|raw}` and a durable quorum
/// queue bound to it with `#`. A queue dead-letters (broker-side, after `delivery_limit`
/// deliveries, or consumer-side via [`crate::Outcome::DeadLetter`]) through the direct exchange
/// `{prefix}.dlx` with routing key `{queue}.dlq` into the quorum queue `{queue}.dlq`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Topology {
    prefix: String,
    delivery_limit: u32,
}

impl Topology {
    /// The topology of `prefix`; queues are declared with `x-delivery-limit = delivery_limit`.
    pub fn new(prefix: &str, delivery_limit: u32) -> Self {
        Self {
            prefix: prefix.to_owned(),
            delivery_limit,
        }
    }

    /// The prefix of every name.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Deliveries of one message before it is dead-lettered.
    pub fn delivery_limit(&self) -> u32 {
        self.delivery_limit
    }

    /// `{prefix}.sync`, `{prefix}.notify` or `{prefix}.raw` (durable topic exchanges).
    pub fn exchange(&self, stream: Stream) -> String {
        format!("{}.{}", self.prefix, stream.exchange_suffix())
    }

    /// `{prefix}.sync_jobs`, `{prefix}.notifications` or `{prefix}.raw_payloads`.
    pub fn queue(&self, stream: Stream) -> String {
        format!("{}.{}", self.prefix, stream.queue_suffix())
    }

    /// `{prefix}.dlx` (durable direct exchange).
    pub fn dead_letter_exchange(&self) -> String {
        format!("{}.dlx", self.prefix)
    }

    /// `{queue}.dlq`; also the routing key of dead letters on the DLX.
    pub fn dead_letter_queue(&self, stream: Stream) -> String {
        format!("{}.dlq", self.queue(stream))
    }

    /// Declares exchanges, queues, DLX, DLQs and bindings. Idempotent: every service calls it at
    /// start (with the same `delivery_limit`, or the broker refuses with 406).
    pub async fn declare(&self, channel: &Channel) -> Result<(), MessagingError> {
        let durable = ExchangeDeclareOptions {
            durable: true,
            ..ExchangeDeclareOptions::default()
        };
        let dlx = short(self.dead_letter_exchange(), "exchange name")?;
        channel
            .exchange_declare(
                dlx.clone(),
                ExchangeKind::Direct,
                durable,
                FieldTable::default(),
            )
            .await?;
        for stream in Stream::ALL {
            let exchange = short(self.exchange(stream), "exchange name")?;
            let queue = short(self.queue(stream), "queue name")?;
            let dlq = short(self.dead_letter_queue(stream), "queue name")?;
            channel
                .exchange_declare(
                    exchange.clone(),
                    ExchangeKind::Topic,
                    durable,
                    FieldTable::default(),
                )
                .await?;

            channel
                .queue_declare(dlq.clone(), QueueDeclareOptions::durable(), quorum())
                .await?;
            channel
                .queue_bind(
                    dlq.clone(),
                    dlx.clone(),
                    dlq.clone(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await?;

            let mut arguments = quorum();
            arguments.insert("x-dead-letter-exchange".into(), long_string(dlx.as_str()));
            arguments.insert(
                "x-dead-letter-routing-key".into(),
                long_string(dlq.as_str()),
            );
            let limit = i32::try_from(self.delivery_limit).unwrap_or(i32::MAX);
            arguments.insert("x-delivery-limit".into(), AMQPValue::LongInt(limit));
            channel
                .queue_declare(queue.clone(), QueueDeclareOptions::durable(), arguments)
                .await?;
            channel
                .queue_bind(
                    queue,
                    exchange,
                    "#".into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await?;
        }
        Ok(())
    }

    /// Deletes every queue (messages included) and exchange of this prefix. For tests.
    pub async fn delete_all(&self, channel: &Channel) -> Result<(), MessagingError> {
        for stream in Stream::ALL {
            for queue in [self.queue(stream), self.dead_letter_queue(stream)] {
                channel
                    .queue_delete(short(queue, "queue name")?, QueueDeleteOptions::default())
                    .await?;
            }
            channel
                .exchange_delete(
                    short(self.exchange(stream), "exchange name")?,
                    ExchangeDeleteOptions::default(),
                )
                .await?;
        }
        channel
            .exchange_delete(
                short(self.dead_letter_exchange(), "exchange name")?,
                ExchangeDeleteOptions::default(),
            )
            .await?;
        Ok(())
    }
}

/// A short string (AMQP names, routing keys, most properties), or an error past 255 bytes.
pub(crate) fn short(
    value: impl Into<String>,
    what: &'static str,
) -> Result<ShortString, MessagingError> {
    ShortString::try_new(value).map_err(|_| MessagingError::TooLong { what })
}

pub(crate) fn long_string(value: &str) -> AMQPValue {
    AMQPValue::LongString(LongString::from(value))
}

fn quorum() -> FieldTable {
    let mut arguments = FieldTable::default();
    arguments.insert("x-queue-type".into(), long_string("quorum"));
    arguments
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_prefix() {
        let topology = Topology::new("wearhouse", 5);
        assert_eq!(topology.exchange(Stream::SyncJobs), "wearhouse.sync");
        assert_eq!(topology.exchange(Stream::Notifications), "wearhouse.notify");
        assert_eq!(topology.exchange(Stream::RawPayloads), "wearhouse.raw");
        assert_eq!(topology.queue(Stream::SyncJobs), "wearhouse.sync_jobs");
        assert_eq!(
            topology.queue(Stream::Notifications),
            "wearhouse.notifications"
        );
        assert_eq!(
            topology.queue(Stream::RawPayloads),
            "wearhouse.raw_payloads"
        );
        assert_eq!(topology.dead_letter_exchange(), "wearhouse.dlx");
        assert_eq!(
            topology.dead_letter_queue(Stream::RawPayloads),
            "wearhouse.raw_payloads.dlq"
        );
    }

    #[test]
    fn names_longer_than_255_bytes_are_an_error() {
        assert!(matches!(
            short("x".repeat(256), "queue name"),
            Err(MessagingError::TooLong { .. })
        ));
        assert!(short("x".repeat(255), "queue name").is_ok());
    }
}
