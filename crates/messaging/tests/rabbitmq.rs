//! Against the real broker at amqp://guest:guest@127.0.0.1:5672/%2f (override with `AMQP_URL`).
//! Every test uses its own `test-<uuid>` prefix and deletes its topology at the end.

mod support;

use messaging::{
    CancellationToken, ConsumerOptions, DEAD_LETTER_REASON_HEADER, Delivery, FAILED_AT_HEADER,
    MessagingError, Outcome, Publisher, Stream, proto, run_consumer,
};
use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};
use support::{Broker, Recorder, header, sync_job};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn published_message_is_consumed_and_acked() {
    let broker = Broker::new(5).await;
    let recorder = Recorder::answering(|_| Outcome::Ack);
    let consumer = broker.start_consumer(Stream::SyncJobs, Arc::clone(&recorder));

    let job = sync_job("job-1");
    broker
        .publisher
        .publish(Stream::SyncJobs, "oura.backfill", "job-1", &job, None)
        .await
        .unwrap();

    let seen = recorder.wait_for_calls(1).await;
    consumer.stop().await;
    assert_eq!(seen[0].decode::<proto::SyncJob>().unwrap(), job);
    assert_eq!(seen[0].message_id.as_deref(), Some("job-1"));
    assert_eq!(seen[0].routing_key, "oura.backfill");
    assert_eq!(seen[0].delivery_count, 0);
    assert_eq!(
        broker
            .message_count(&broker.topology.queue(Stream::SyncJobs))
            .await,
        0
    );
    broker.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poison_message_lands_in_dead_letter_queue_with_reason() {
    let broker = Broker::new(5).await;
    let recorder = Recorder::answering(|_| Outcome::DeadLetter {
        reason: "not a RawPayload".into(),
    });
    let consumer = broker.start_consumer(Stream::RawPayloads, Arc::clone(&recorder));

    let job = sync_job("poison-1");
    broker
        .publisher
        .publish(Stream::RawPayloads, "oura.sleep", "poison-1", &job, None)
        .await
        .unwrap();

    let dead = broker.wait_for_dead_letter(Stream::RawPayloads).await;
    consumer.stop().await;
    assert_eq!(
        header(&dead, DEAD_LETTER_REASON_HEADER).as_deref(),
        Some("not a RawPayload")
    );
    assert!(header(&dead, FAILED_AT_HEADER).is_some());
    assert_eq!(
        dead.delivery.data,
        messaging::encode(&job),
        "body untouched"
    );
    assert_eq!(
        dead.delivery
            .properties
            .message_id()
            .as_ref()
            .map(|s| s.as_str()),
        Some("poison-1")
    );
    assert_eq!(
        dead.delivery.properties.kind().as_ref().map(|s| s.as_str()),
        Some("wearhouse.v1.SyncJob")
    );
    assert_eq!(recorder.calls(), 1);
    assert_eq!(
        broker
            .message_count(&broker.topology.queue(Stream::RawPayloads))
            .await,
        0
    );
    broker.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retried_message_is_dead_lettered_once_the_delivery_limit_is_reached() {
    let broker = Broker::new(3).await;
    let recorder = Recorder::answering(|_| Outcome::Retry {
        after: Duration::from_millis(10),
        reason: "provider 503".into(),
    });
    let consumer = broker.start_consumer(Stream::SyncJobs, Arc::clone(&recorder));

    broker
        .publisher
        .publish(
            Stream::SyncJobs,
            "garmin.schedule",
            "retry-1",
            &sync_job("retry-1"),
            None,
        )
        .await
        .unwrap();

    let dead = broker.wait_for_dead_letter(Stream::SyncJobs).await;
    consumer.stop().await;
    assert_eq!(
        header(&dead, DEAD_LETTER_REASON_HEADER).as_deref(),
        Some("retries exhausted: provider 503")
    );
    let counts: Vec<u32> = recorder.seen().iter().map(|d| d.delivery_count).collect();
    assert_eq!(counts, [0, 1, 2], "exactly delivery_limit attempts");
    assert!(recorder.seen().iter().skip(1).all(|d| d.redelivered));
    assert_eq!(
        broker
            .message_count(&broker.topology.queue(Stream::SyncJobs))
            .await,
        0
    );
    broker.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panicking_handler_message_lands_in_dead_letter_queue() {
    let broker = Broker::new(5).await;
    let recorder = Recorder::answering(|_| panic!("index out of bounds"));
    let consumer = broker.start_consumer(Stream::Notifications, Arc::clone(&recorder));

    broker
        .publisher
        .publish(
            Stream::Notifications,
            "oura",
            "panic-1",
            &sync_job("panic-1"),
            None,
        )
        .await
        .unwrap();

    let dead = broker.wait_for_dead_letter(Stream::Notifications).await;
    consumer.stop().await;
    assert_eq!(
        header(&dead, DEAD_LETTER_REASON_HEADER).as_deref(),
        Some("handler panicked: index out of bounds")
    );
    assert_eq!(
        broker
            .message_count(&broker.topology.queue(Stream::Notifications))
            .await,
        0
    );
    broker.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_waits_for_the_in_flight_handler_and_acks_its_message() {
    let broker = Broker::new(5).await;
    let finished = Arc::new(AtomicBool::new(false));
    let recorder = {
        let finished = Arc::clone(&finished);
        Recorder::slow(Duration::from_millis(1500), move || {
            finished.store(true, Ordering::SeqCst);
            Outcome::Ack
        })
    };
    let consumer = broker.start_consumer(Stream::SyncJobs, Arc::clone(&recorder));

    broker
        .publisher
        .publish(
            Stream::SyncJobs,
            "oura",
            "slow-1",
            &sync_job("slow-1"),
            None,
        )
        .await
        .unwrap();
    recorder.wait_for_calls(1).await; // the handler has started
    consumer.stop().await;

    assert!(
        finished.load(Ordering::SeqCst),
        "run_consumer returned before the handler finished"
    );
    assert_eq!(
        broker
            .message_count(&broker.topology.queue(Stream::SyncJobs))
            .await,
        0,
        "acked, not requeued"
    );
    broker.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traceparent_header_round_trips() {
    let broker = Broker::new(5).await;
    let recorder = Recorder::answering(|_| Outcome::Ack);
    let consumer = broker.start_consumer(Stream::RawPayloads, Arc::clone(&recorder));

    let trace = proto::TraceContext {
        traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".into(),
        tracestate: "wearhouse=1".into(),
    };
    let job = sync_job("traced-1");
    broker
        .publisher
        .publish(
            Stream::RawPayloads,
            "oura.sleep",
            "traced-1",
            &job,
            Some(&trace),
        )
        .await
        .unwrap();

    let seen = recorder.wait_for_calls(1).await;
    consumer.stop().await;
    assert_eq!(
        seen[0].traceparent.as_deref(),
        Some(trace.traceparent.as_str())
    );
    assert_eq!(seen[0].tracestate.as_deref(), Some("wearhouse=1"));
    broker.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishing_to_a_missing_exchange_is_an_error_and_the_publisher_recovers() {
    let broker = Broker::new(5).await;
    broker
        .delete_exchange(&broker.topology.exchange(Stream::SyncJobs))
        .await;

    let result = broker
        .publisher
        .publish(
            Stream::SyncJobs,
            "oura",
            "lost-1",
            &sync_job("lost-1"),
            None,
        )
        .await;
    assert!(matches!(result, Err(MessagingError::Amqp(_))), "{result:?}");

    // The channel died with the 404; the next publish reopens it and redeclares the topology.
    broker
        .publisher
        .publish(
            Stream::SyncJobs,
            "oura",
            "found-1",
            &sync_job("found-1"),
            None,
        )
        .await
        .unwrap();
    assert!(broker.publisher.is_connected());
    assert_eq!(
        broker
            .message_count(&broker.topology.queue(Stream::SyncJobs))
            .await,
        1
    );
    broker.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishing_an_unroutable_message_is_an_error() {
    let broker = Broker::new(5).await;
    broker
        .delete_queue(&broker.topology.queue(Stream::RawPayloads))
        .await;

    let result = broker
        .publisher
        .publish(
            Stream::RawPayloads,
            "oura.sleep",
            "nowhere-1",
            &sync_job("nowhere-1"),
            None,
        )
        .await;
    assert!(
        matches!(
            result,
            Err(MessagingError::Unroutable {
                reply_code: 312,
                ..
            })
        ),
        "{result:?}"
    );
    assert!(
        broker.publisher.is_connected(),
        "a returned message does not close the channel"
    );
    broker.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumer_resumes_after_the_broker_cancels_it() {
    let broker = Broker::new(5).await;
    let recorder = Recorder::answering(|_| Outcome::Ack);
    let consumer = broker.start_consumer(Stream::SyncJobs, Arc::clone(&recorder));
    broker
        .publisher
        .publish(
            Stream::SyncJobs,
            "oura",
            "before-1",
            &sync_job("before-1"),
            None,
        )
        .await
        .unwrap();
    recorder.wait_for_calls(1).await;

    // Deleting the queue cancels the consumer; it reconnects and redeclares the queue.
    broker
        .delete_queue(&broker.topology.queue(Stream::SyncJobs))
        .await;
    let publisher = broker.publisher.clone();
    support::eventually(|| async {
        publisher
            .publish(
                Stream::SyncJobs,
                "oura",
                "after-1",
                &sync_job("after-1"),
                None,
            )
            .await
            .is_ok()
    })
    .await;

    let seen = recorder.wait_for_calls(2).await;
    consumer.stop().await;
    assert_eq!(seen[1].message_id.as_deref(), Some("after-1"));
    broker.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declaring_the_topology_twice_is_idempotent() {
    let broker = Broker::new(5).await;
    broker.topology.declare(&broker.channel).await.unwrap();
    broker.topology.declare(&broker.channel).await.unwrap();
    for stream in Stream::ALL {
        assert_eq!(
            broker
                .message_count(&broker.topology.dead_letter_queue(stream))
                .await,
            0
        );
    }
    broker.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zero_concurrency_is_rejected() {
    let settings = messaging::AmqpSettings::default();
    let options = ConsumerOptions {
        stream: Stream::SyncJobs,
        consumer_tag: "zero".into(),
        concurrency: 0,
    };
    let handler = Recorder::answering(|_: &Delivery| Outcome::Ack);
    let result = run_consumer(&settings, options, handler, CancellationToken::new()).await;
    assert!(matches!(result, Err(MessagingError::InvalidOptions(_))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publisher_connect_declares_the_topology() {
    let broker = Broker::new(5).await;
    let other = Publisher::connect(&broker.settings, "second publisher")
        .await
        .unwrap();
    assert!(other.is_connected());
    assert_eq!(other.topology(), &broker.topology);
    other.close().await;
    assert!(!other.is_connected());
    broker.cleanup().await;
}
