//! The normalizer's handler against a real PostgreSQL, without a broker: outcomes for good,
//! repeated, poison and orphaned payloads.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use messaging::proto::{PayloadOrigin, RawPayload};
use messaging::{Delivery, Outcome, process_for_test};
use normalizer::handler::RawPayloadHandler;
use storage::queries::{accounts, users};
use storage::test_support::TestDatabase;

const SLEEP_PAGE: &str = r#"{"data":[{"id":"s-1","day":"2024-01-15","type":"long_sleep",
 "bedtime_start":"2024-01-14T22:45:00+01:00","bedtime_end":"2024-01-15T06:45:00+01:00",
 "total_sleep_duration":25200,"deep_sleep_duration":5400,"light_sleep_duration":14400,
 "rem_sleep_duration":5400,"awake_time":3600,"efficiency":88,
 "sleep_phase_5_min":"4411122233332222111122223333444"}],"next_token":null}"#;

async fn handler(tdb: &TestDatabase) -> RawPayloadHandler {
    let counter = prometheus::IntCounterVec::new(
        prometheus::Opts::new("t", "t"),
        &["provider", "kind", "result"],
    )
    .unwrap();
    RawPayloadHandler {
        db: tdb.db.clone(),
        processed: counter,
    }
}

async fn user(tdb: &TestDatabase) -> uuid::Uuid {
    let mut c = tdb.db.conn().await.unwrap();
    let tenant = accounts::create_tenant(&mut c, "t").await.unwrap();
    users::create(&mut c, tenant, users::NewUser::default())
        .await
        .unwrap()
        .id
}

fn delivery(payload: &RawPayload) -> Delivery {
    Delivery {
        body: messaging::encode(payload),
        ..Delivery::default()
    }
}

fn payload(user_id: uuid::Uuid, kind: &str, body: &str) -> RawPayload {
    RawPayload {
        id: uuid::Uuid::new_v4().to_string(),
        provider: "oura".into(),
        kind: kind.into(),
        user_id: user_id.to_string(),
        received_at_unix_ms: 1_705_305_600_000,
        content_type: "application/json".into(),
        body: body.as_bytes().to_vec(),
        origin: PayloadOrigin::Poll.into(),
        ..RawPayload::default()
    }
}

async fn count_sleeps(tdb: &TestDatabase) -> i64 {
    let mut c = tdb.db.conn().await.unwrap();
    storage::schema::sleep_sessions::table
        .count()
        .get_result(&mut c)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_payload_is_stored_once_however_often_it_is_delivered() {
    let tdb = TestDatabase::create().await.unwrap();
    let h = handler(&tdb).await;
    let p = payload(user(&tdb).await, "sleep", SLEEP_PAGE);
    for _ in 0..3 {
        assert_eq!(process_for_test(&h, &delivery(&p), 5).await, Outcome::Ack);
    }
    assert_eq!(count_sleeps(&tdb).await, 1);
}

#[tokio::test]
async fn poison_payloads_are_dead_lettered_with_a_reason() {
    let tdb = TestDatabase::create().await.unwrap();
    let h = handler(&tdb).await;
    let uid = user(&tdb).await;
    let cases = [
        Delivery {
            body: vec![0xff, 0xff, 0xff],
            ..Delivery::default()
        },
        delivery(&payload(uid, "sleep", "{not json")),
        delivery(&payload(uid, "teleportation", "{}")),
        delivery(&RawPayload {
            provider: "myspace".into(),
            ..payload(uid, "sleep", SLEEP_PAGE)
        }),
        delivery(&RawPayload {
            user_id: String::new(),
            ..payload(uid, "sleep", SLEEP_PAGE)
        }),
    ];
    for d in &cases {
        match process_for_test(&h, d, 5).await {
            Outcome::DeadLetter { reason } => assert!(!reason.is_empty()),
            other => panic!("expected a dead letter, got {other:?}"),
        }
    }
    assert_eq!(count_sleeps(&tdb).await, 0);
}

#[tokio::test]
async fn data_for_a_deleted_user_is_dropped_not_retried_forever() {
    let tdb = TestDatabase::create().await.unwrap();
    let h = handler(&tdb).await;
    let p = payload(uuid::Uuid::new_v4(), "sleep", SLEEP_PAGE);
    assert_eq!(process_for_test(&h, &delivery(&p), 5).await, Outcome::Ack);
    assert_eq!(count_sleeps(&tdb).await, 0);
}

#[tokio::test]
async fn an_unreachable_database_means_retry_not_loss() {
    let tdb = TestDatabase::create().await.unwrap();
    let uid = user(&tdb).await;
    let unreachable = storage::Database::connect(
        &"postgres://postgres@127.0.0.1:1/nowhere".to_owned().into(),
        1,
    )
    .unwrap();
    let counter = prometheus::IntCounterVec::new(
        prometheus::Opts::new("t", "t"),
        &["provider", "kind", "result"],
    )
    .unwrap();
    let h = RawPayloadHandler {
        db: unreachable,
        processed: counter,
    };
    let outcome = process_for_test(&h, &delivery(&payload(uid, "sleep", SLEEP_PAGE)), 5).await;
    assert!(matches!(outcome, Outcome::Retry { .. }), "{outcome:?}");
}

#[tokio::test]
async fn payloads_in_flight_when_a_connection_is_revoked_are_dropped_not_written() {
    use secrecy::SecretString;
    let tdb = TestDatabase::create().await.unwrap();
    let h = handler(&tdb).await;
    let uid = user(&tdb).await;
    let mut c = tdb.db.conn().await.unwrap();
    let tenant: uuid::Uuid = storage::schema::users::table
        .find(uid)
        .select(storage::schema::users::tenant_id)
        .first(&mut c)
        .await
        .unwrap();
    let cipher = {
        use base64::Engine;
        let key = base64::engine::general_purpose::STANDARD.encode([5u8; 32]);
        storage::TokenCipher::new(1, &[(1, SecretString::from(key))]).unwrap()
    };
    let conn = storage::queries::connections::upsert_authorized(
        &mut c,
        &cipher,
        storage::queries::connections::NewConnection {
            integration_id: None,
            tenant_id: tenant,
            user_id: uid,
            provider: "oura",
            provider_user_id: Some("o-1"),
            provider_username: None,
            scope: None,
            access_token: &SecretString::from("t"),
            refresh_token: None,
            token_expires_at: None,
        },
    )
    .await
    .unwrap();
    let mut p = payload(uid, "sleep", SLEEP_PAGE);
    p.connection_id = conn.id.to_string();
    storage::queries::connections::set_status(&mut c, conn.id, "revoked", "test")
        .await
        .unwrap();
    assert_eq!(process_for_test(&h, &delivery(&p), 5).await, Outcome::Ack);
    assert_eq!(count_sleeps(&tdb).await, 0);
    // The same payload for an active connection is written.
    storage::queries::connections::upsert_authorized(
        &mut c,
        &cipher,
        storage::queries::connections::NewConnection {
            integration_id: None,
            tenant_id: tenant,
            user_id: uid,
            provider: "oura",
            provider_user_id: Some("o-1"),
            provider_username: None,
            scope: None,
            access_token: &SecretString::from("t"),
            refresh_token: None,
            token_expires_at: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(process_for_test(&h, &delivery(&p), 5).await, Outcome::Ack);
    assert_eq!(count_sleeps(&tdb).await, 1);
}
