//! The consumer loop: the only place that acks, nacks and dead-letters.

use crate::{
    AmqpSettings, Delivery, Handler, MessagingError, Outcome, Publisher, Stream, Topology, connect,
    dead_letter, delivery::decide, topology::short,
};
use futures_util::StreamExt;
use lapin::{
    Channel, Connection, Consumer,
    options::{
        BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions,
    },
    types::FieldTable,
};
use std::{sync::Arc, time::Duration};
use tokio::{
    sync::{OwnedSemaphorePermit, Semaphore},
    task::JoinSet,
};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// Longest a `Retry` holds a message before returning it to the queue.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(30);
/// Reconnect backoff: doubles from the first value up to the second.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// Pause before requeueing a message whose dead-lettering failed, so a broken DLX is no hot loop.
const DEAD_LETTER_FAILURE_PAUSE: Duration = Duration::from_secs(1);

/// Which queue to consume and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsumerOptions {
    /// The stream whose queue is consumed.
    pub stream: Stream,
    /// Consumer tag (shown in the management UI; also the connection name). Empty lets the
    /// broker pick a tag.
    pub consumer_tag: String,
    /// Handlers running at once (at least 1; `prefetch` should be at least this).
    pub concurrency: usize,
}

/// State every handler task shares.
struct Shared<H> {
    handler: Arc<H>,
    stream: Stream,
    delivery_limit: u32,
    dead_letters: Publisher,
    shutdown: CancellationToken,
}

/// Consumes `options.stream`'s queue until `shutdown` is cancelled, then drains and returns `Ok`.
///
/// Connects (connection name = consumer tag), declares the topology, sets `basic_qos(prefetch)`
/// and runs up to `concurrency` handlers at once. Outcomes: `Ack` acks; `DeadLetter` publishes a
/// confirmed copy to the DLX (reason in `x-wearhouse-dead-letter-reason`) and then acks, or nacks
/// with requeue if that publish failed; `Retry` waits `after` (max 30 s, cut short by shutdown)
/// and nacks with requeue, unless this was the last allowed delivery, in which case it
/// dead-letters with `retries exhausted: ..`; a panic dead-letters with `handler panicked: ..`.
///
/// Connection failures (including the first connect) are logged and retried with exponential
/// backoff up to 30 s. On shutdown the consumer is cancelled, in-flight handlers finish and settle,
/// and the channel and connection are closed. Prefetched messages no handler started are
/// returned to the queue by the broker.
///
/// Errors only for unusable options (`concurrency == 0`, a tag over 255 bytes).
pub async fn run_consumer<H: Handler>(
    settings: &AmqpSettings,
    options: ConsumerOptions,
    handler: Arc<H>,
    shutdown: CancellationToken,
) -> Result<(), MessagingError> {
    if options.concurrency == 0 {
        return Err(MessagingError::InvalidOptions(
            "concurrency must be at least 1".into(),
        ));
    }
    short(options.consumer_tag.as_str(), "consumer tag")?;
    if usize::from(settings.prefetch) < options.concurrency && settings.prefetch != 0 {
        tracing::warn!(
            prefetch = settings.prefetch,
            concurrency = options.concurrency,
            "prefetch is lower than concurrency; some handler slots will stay idle"
        );
    }
    let name = connection_name(&options);
    let shared = Arc::new(Shared {
        handler,
        stream: options.stream,
        delivery_limit: settings.delivery_limit,
        dead_letters: Publisher::lazy(settings, &format!("{name} (dead letters)")),
        shutdown: shutdown.clone(),
    });
    let semaphore = Arc::new(Semaphore::new(options.concurrency));
    let mut tasks = JoinSet::new();
    let mut backoff = FIRST_BACKOFF;
    loop {
        let session = tokio::select! {
            biased;
            () = shutdown.cancelled() => None,
            session = open_session(settings, &options, &name) => Some(session),
        };
        match session {
            None => break,
            Some(Err(error)) => {
                tracing::warn!(%error, retry_in = ?backoff, queue = %queue_name(settings, &options), "cannot start consuming");
            }
            Some(Ok(session)) => {
                backoff = FIRST_BACKOFF;
                match session.run(&shared, &semaphore, &mut tasks).await {
                    SessionEnd::Shutdown => break,
                    SessionEnd::Lost(why) => {
                        tracing::warn!(why, retry_in = ?backoff, "lost the RabbitMQ consumer; reconnecting");
                    }
                }
            }
        }
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
    // Handlers of a lost session may still be running; let them finish too.
    drain(&mut tasks).await;
    shared.dead_letters.close().await;
    Ok(())
}

fn connection_name(options: &ConsumerOptions) -> String {
    if options.consumer_tag.is_empty() {
        format!("consumer {:?}", options.stream)
    } else {
        options.consumer_tag.clone()
    }
}

fn queue_name(settings: &AmqpSettings, options: &ConsumerOptions) -> String {
    Topology::new(&settings.prefix, settings.delivery_limit).queue(options.stream)
}

enum SessionEnd {
    Shutdown,
    Lost(String),
}

/// One connection's worth of consuming.
struct Session {
    connection: Connection,
    channel: Channel,
    consumer: Consumer,
}

async fn open_session(
    settings: &AmqpSettings,
    options: &ConsumerOptions,
    name: &str,
) -> Result<Session, MessagingError> {
    let topology = Topology::new(&settings.prefix, settings.delivery_limit);
    let connection = connect(settings, name).await?;
    let channel = connection.create_channel().await?;
    topology.declare(&channel).await?;
    channel
        .basic_qos(settings.prefetch, BasicQosOptions::default())
        .await?;
    let consumer = channel
        .basic_consume(
            short(topology.queue(options.stream), "queue name")?,
            short(options.consumer_tag.as_str(), "consumer tag")?,
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    tracing::info!(queue = %topology.queue(options.stream), tag = %consumer.tag(), "consuming");
    Ok(Session {
        connection,
        channel,
        consumer,
    })
}

impl Session {
    async fn run<H: Handler>(
        mut self,
        shared: &Arc<Shared<H>>,
        semaphore: &Arc<Semaphore>,
        tasks: &mut JoinSet<()>,
    ) -> SessionEnd {
        let shutdown = &shared.shutdown;
        let end = loop {
            while let Some(result) = tasks.try_join_next() {
                log_join_error(result);
            }
            // Take a handler slot before taking a delivery, so no delivery waits unstarted here.
            let permit = tokio::select! {
                biased;
                () = shutdown.cancelled() => break SessionEnd::Shutdown,
                permit = Arc::clone(semaphore).acquire_owned() => match permit {
                    Ok(permit) => permit,
                    Err(_) => break SessionEnd::Shutdown,
                },
            };
            let next = tokio::select! {
                biased;
                () = shutdown.cancelled() => break SessionEnd::Shutdown,
                next = self.consumer.next() => next,
            };
            match next {
                Some(Ok(delivery)) => {
                    tasks.spawn(process(Arc::clone(shared), delivery, permit));
                }
                Some(Err(error)) => break SessionEnd::Lost(error.to_string()),
                None => break SessionEnd::Lost("the broker cancelled the consumer".into()),
            }
        };
        if let SessionEnd::Shutdown = end {
            let tag = self.consumer.tag();
            if let Err(error) = self
                .channel
                .basic_cancel(tag, BasicCancelOptions::default())
                .await
            {
                tracing::warn!(%error, "cannot cancel the consumer");
            }
            drain(tasks).await;
            let _ = self.channel.close(200, "OK".into()).await;
            let _ = self.connection.close(200, "OK".into()).await;
            tracing::info!("consumer stopped");
        }
        end
    }
}

async fn drain(tasks: &mut JoinSet<()>) {
    while let Some(result) = tasks.join_next().await {
        log_join_error(result);
    }
}

fn log_join_error(result: Result<(), tokio::task::JoinError>) {
    if let Err(error) = result {
        tracing::error!(%error, "message task failed outside the handler");
    }
}

/// Runs the handler for one delivery and settles it. Holds a concurrency slot until settled.
async fn process<H: Handler>(
    shared: Arc<Shared<H>>,
    mut amqp: lapin::message::Delivery,
    _permit: OwnedSemaphorePermit,
) {
    let delivery = Delivery::from_amqp(&mut amqp);
    let span = tracing::info_span!(
        "amqp.process",
        stream = ?shared.stream,
        message_id = delivery.message_id.as_deref().unwrap_or(""),
        routing_key = %delivery.routing_key,
        delivery_count = delivery.delivery_count,
    );
    async {
        let outcome = decide(shared.handler.as_ref(), &delivery, shared.delivery_limit).await;
        settle(&shared, &amqp, &delivery, outcome).await;
    }
    .instrument(span)
    .await;
}

async fn settle<H>(
    shared: &Shared<H>,
    amqp: &lapin::message::Delivery,
    delivery: &Delivery,
    outcome: Outcome,
) {
    match outcome {
        Outcome::Ack => ack(amqp).await,
        Outcome::Retry { after, reason } => {
            tracing::info!(reason, ?after, "handler asked for a retry");
            tokio::select! {
                () = shared.shutdown.cancelled() => {}
                () = tokio::time::sleep(after.min(MAX_RETRY_DELAY)) => {}
            }
            requeue(amqp).await;
        }
        Outcome::DeadLetter { reason } => {
            let published = dead_letter::publish(
                &shared.dead_letters,
                shared.stream,
                &amqp.properties,
                delivery,
                &reason,
            )
            .await;
            match published {
                Ok(()) => {
                    tracing::warn!(reason, "message dead-lettered");
                    ack(amqp).await;
                }
                Err(error) => {
                    tracing::error!(%error, reason, "cannot dead-letter the message; requeueing it");
                    tokio::select! {
                        () = shared.shutdown.cancelled() => {}
                        () = tokio::time::sleep(DEAD_LETTER_FAILURE_PAUSE) => {}
                    }
                    requeue(amqp).await;
                }
            }
        }
    }
}

async fn ack(amqp: &lapin::message::Delivery) {
    if let Err(error) = amqp.ack(BasicAckOptions::default()).await {
        tracing::warn!(%error, "cannot ack; the broker will redeliver the message");
    }
}

async fn requeue(amqp: &lapin::message::Delivery) {
    let options = BasicNackOptions {
        requeue: true,
        ..BasicNackOptions::default()
    };
    if let Err(error) = amqp.nack(options).await {
        tracing::warn!(%error, "cannot nack; the broker will redeliver the message");
    }
}
