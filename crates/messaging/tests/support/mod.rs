//! Broker fixtures: a per-test topology prefix, an admin channel, a recording handler.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test helpers")]

use lapin::{
    Channel, Connection,
    message::BasicGetMessage,
    options::{BasicGetOptions, ExchangeDeleteOptions, QueueDeclareOptions, QueueDeleteOptions},
    types::FieldTable,
};
use messaging::{
    AmqpSettings, CancellationToken, ConsumerOptions, Delivery, Handler, MessagingError, Outcome,
    Publisher, Stream, Topology, proto, run_consumer,
};
use std::{
    sync::{Arc, Mutex},
    time::Duration,
};
use tokio::task::JoinHandle;

const PATIENCE: Duration = Duration::from_secs(20);

pub fn sync_job(id: &str) -> proto::SyncJob {
    proto::SyncJob {
        id: id.into(),
        provider: "oura".into(),
        reason: proto::SyncReason::Backfill.into(),
        attempt: 1,
        ..Default::default()
    }
}

/// A string header of a message fetched with `basic_get`.
pub fn header(message: &BasicGetMessage, key: &str) -> Option<String> {
    let headers = message.delivery.properties.headers().as_ref()?;
    headers
        .inner()
        .get(key)?
        .as_long_string()
        .map(ToString::to_string)
}

/// Polls `check` until it returns true, or panics after 20 s.
pub async fn eventually<F, Fut>(mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition not met within {PATIENCE:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A fresh `test-<uuid>` topology, a publisher on it and an admin channel.
pub struct Broker {
    pub settings: AmqpSettings,
    pub topology: Topology,
    pub publisher: Publisher,
    pub connection: Connection,
    pub channel: Channel,
}

impl Broker {
    pub async fn new(delivery_limit: u32) -> Broker {
        let settings = AmqpSettings {
            url: std::env::var("AMQP_URL").unwrap_or_else(|_| AmqpSettings::default().url),
            prefix: format!("test-{}", uuid::Uuid::new_v4()),
            prefetch: 8,
            delivery_limit,
        };
        let publisher = Publisher::connect(&settings, "messaging test publisher")
            .await
            .unwrap();
        let connection = messaging::connect(&settings, "messaging test admin")
            .await
            .unwrap();
        let channel = connection.create_channel().await.unwrap();
        Broker {
            topology: Topology::new(&settings.prefix, delivery_limit),
            settings,
            publisher,
            connection,
            channel,
        }
    }

    pub fn start_consumer(&self, stream: Stream, handler: Arc<Recorder>) -> ConsumerHandle {
        let shutdown = CancellationToken::new();
        let settings = self.settings.clone();
        let options = ConsumerOptions {
            stream,
            consumer_tag: format!("{}-consumer", self.settings.prefix),
            concurrency: 4,
        };
        let token = shutdown.clone();
        let task =
            tokio::spawn(async move { run_consumer(&settings, options, handler, token).await });
        ConsumerHandle { shutdown, task }
    }

    /// Ready messages in `queue` (passive declare).
    pub async fn message_count(&self, queue: &str) -> u32 {
        let passive = QueueDeclareOptions {
            passive: true,
            ..QueueDeclareOptions::default()
        };
        let queue = self
            .channel
            .queue_declare(queue.into(), passive, FieldTable::default())
            .await
            .unwrap();
        queue.message_count()
    }

    /// The first message of the stream's DLQ (removed from it), waiting up to 20 s.
    pub async fn wait_for_dead_letter(&self, stream: Stream) -> BasicGetMessage {
        let dlq = self.topology.dead_letter_queue(stream);
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let options = BasicGetOptions { no_ack: true };
            if let Some(message) = self
                .channel
                .basic_get(dlq.as_str().into(), options)
                .await
                .unwrap()
            {
                return message;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "nothing in {dlq} within {PATIENCE:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn delete_queue(&self, queue: &str) {
        self.channel
            .queue_delete(queue.into(), QueueDeleteOptions::default())
            .await
            .unwrap();
    }

    pub async fn delete_exchange(&self, exchange: &str) {
        self.channel
            .exchange_delete(exchange.into(), ExchangeDeleteOptions::default())
            .await
            .unwrap();
    }

    pub async fn cleanup(self) {
        self.topology.delete_all(&self.channel).await.unwrap();
        self.publisher.close().await;
        self.connection.close(200, "OK".into()).await.unwrap();
    }
}

pub struct ConsumerHandle {
    shutdown: CancellationToken,
    task: JoinHandle<Result<(), MessagingError>>,
}

impl ConsumerHandle {
    /// Cancels the consumer and waits (up to 20 s) for `run_consumer` to return `Ok`.
    pub async fn stop(self) {
        self.shutdown.cancel();
        tokio::time::timeout(PATIENCE, self.task)
            .await
            .expect("run_consumer did not return after shutdown")
            .unwrap()
            .unwrap();
    }
}

type Respond = Box<dyn Fn(&Delivery) -> Outcome + Send + Sync>;

/// Records every delivery (when its handling starts), optionally sleeps, then answers.
pub struct Recorder {
    respond: Respond,
    delay: Duration,
    seen: Mutex<Vec<Delivery>>,
}

impl Recorder {
    pub fn answering(
        respond: impl Fn(&Delivery) -> Outcome + Send + Sync + 'static,
    ) -> Arc<Recorder> {
        Arc::new(Recorder {
            respond: Box::new(respond),
            delay: Duration::ZERO,
            seen: Mutex::default(),
        })
    }

    pub fn slow(
        delay: Duration,
        respond: impl Fn() -> Outcome + Send + Sync + 'static,
    ) -> Arc<Recorder> {
        Arc::new(Recorder {
            respond: Box::new(move |_| respond()),
            delay,
            seen: Mutex::default(),
        })
    }

    pub fn seen(&self) -> Vec<Delivery> {
        self.seen.lock().unwrap().clone()
    }

    pub fn calls(&self) -> usize {
        self.seen.lock().unwrap().len()
    }

    /// Waits until at least `n` deliveries started; returns them.
    pub async fn wait_for_calls(&self, n: usize) -> Vec<Delivery> {
        eventually(|| async { self.calls() >= n }).await;
        self.seen()
    }
}

impl Handler for Recorder {
    async fn handle(&self, delivery: &Delivery) -> Outcome {
        self.seen.lock().unwrap().push(delivery.clone());
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        (self.respond)(delivery)
    }
}
