//! Storage against a real PostgreSQL: every table, idempotent writes, revisions, paging.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::{
    NormalizedBatch, Sample, SeriesType, SleepSession, SleepStage, StageInterval, Workout,
    ZoneOffset,
};
use secrecy::{ExposeSecret, SecretString};
use storage::queries::{accounts, connections, oauth_states, reads, records, users};
use storage::test_support::TestDatabase;
use storage::{Database, TokenCipher};

fn t(h: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap() + Duration::hours(h)
}

fn cipher() -> TokenCipher {
    use base64::Engine;
    let key = base64::engine::general_purpose::STANDARD.encode([9u8; 32]);
    TokenCipher::new(1, &[(1, SecretString::from(key))]).unwrap()
}

async fn tenant_and_user(db: &Database) -> (uuid::Uuid, uuid::Uuid) {
    let mut c = db.conn().await.unwrap();
    let tenant = accounts::create_tenant(&mut c, "acme").await.unwrap();
    let user = users::create(&mut c, tenant, users::NewUser::default())
        .await
        .unwrap();
    (tenant, user.id)
}

fn sleep(external_id: &str, start: DateTime<Utc>, hours: i64, deep_minutes: i64) -> SleepSession {
    let end = start + Duration::hours(hours);
    let mid = start + Duration::minutes(deep_minutes);
    SleepSession {
        external_id: external_id.into(),
        start,
        end,
        zone_offset: Some(ZoneOffset::from_seconds(3600).unwrap()),
        is_nap: false,
        sleep_duration_seconds: Some(hours * 3600),
        efficiency_percent: Some(90.0),
        awake_seconds: Some(0),
        light_seconds: Some(hours * 3600 - deep_minutes * 60),
        deep_seconds: Some(deep_minutes * 60),
        rem_seconds: Some(0),
        avg_heart_rate_bpm: Some(55.0),
        lowest_heart_rate_bpm: Some(48.0),
        avg_hrv_rmssd_ms: Some(40.0),
        avg_respiratory_rate: None,
        stages: vec![
            StageInterval {
                stage: SleepStage::Deep,
                start,
                end: mid,
            },
            StageInterval {
                stage: SleepStage::Light,
                start: mid,
                end,
            },
        ],
        device: None,
    }
}

#[tokio::test]
async fn migrations_apply_and_database_reports_ready() {
    let tdb = TestDatabase::create().await.unwrap();
    assert!(tdb.db.is_ready().await.unwrap());
    assert!(!Database::embedded_migrations().unwrap().is_empty());
}

#[tokio::test]
async fn api_keys_are_stored_hashed_and_authenticate() {
    let tdb = TestDatabase::create().await.unwrap();
    let mut c = tdb.db.conn().await.unwrap();
    let tenant = accounts::create_tenant(&mut c, "acme").await.unwrap();
    accounts::create_api_key(&mut c, tenant, "default", "sk-0123456789abcdef", None)
        .await
        .unwrap();
    let found = accounts::authenticate_api_key(&mut c, "sk-0123456789abcdef")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.tenant_id, tenant);
    assert!(
        accounts::authenticate_api_key(&mut c, "sk-wrong")
            .await
            .unwrap()
            .is_none()
    );
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    let stored: Vec<u8> = storage::schema::api_keys::table
        .select(storage::schema::api_keys::key_hash)
        .first(&mut c)
        .await
        .unwrap();
    assert_ne!(stored, b"sk-0123456789abcdef".to_vec());
}

#[tokio::test]
async fn oauth_state_works_once_and_not_after_expiry() {
    let tdb = TestDatabase::create().await.unwrap();
    let (tenant, user) = tenant_and_user(&tdb.db).await;
    let mut c = tdb.db.conn().await.unwrap();
    for (state, expires) in [
        ("s-live", Utc::now() + Duration::minutes(5)),
        ("s-old", Utc::now() - Duration::minutes(1)),
    ] {
        oauth_states::insert(
            &mut c,
            oauth_states::NewOAuthState {
                state,
                tenant_id: tenant,
                user_id: user,
                provider: "oura",
                redirect_uri: Some("https://app.example/cb"),
                pkce_verifier_enc: None,
                integration_id: None,
                expires_at: expires,
            },
        )
        .await
        .unwrap();
    }
    let taken = oauth_states::take(&mut c, "s-live", Utc::now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(taken.user_id, user);
    assert!(
        oauth_states::take(&mut c, "s-live", Utc::now())
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        oauth_states::take(&mut c, "s-old", Utc::now())
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn connection_tokens_are_encrypted_at_rest_and_refresh_keeps_old_refresh_token() {
    let tdb = TestDatabase::create().await.unwrap();
    let (tenant, user) = tenant_and_user(&tdb.db).await;
    let mut c = tdb.db.conn().await.unwrap();
    let cipher = cipher();
    let access = SecretString::from("access-plain-1");
    let refresh = SecretString::from("refresh-plain-1");
    let conn = connections::upsert_authorized(
        &mut c,
        &cipher,
        connections::NewConnection {
            integration_id: None,
            tenant_id: tenant,
            user_id: user,
            provider: "oura",
            provider_user_id: Some("oura-1"),
            provider_username: None,
            scope: Some("daily"),
            access_token: &access,
            refresh_token: Some(&refresh),
            token_expires_at: Some(t(1)),
        },
    )
    .await
    .unwrap();
    let raw = conn.access_token_enc.clone().unwrap();
    assert!(!raw.windows(12).any(|w| w == b"access-plain"));
    connections::update_tokens(
        &mut c,
        &cipher,
        conn.id,
        &SecretString::from("access-2"),
        None,
        Some(t(2)),
    )
    .await
    .unwrap();
    let reloaded = connections::find(&mut c, conn.id).await.unwrap().unwrap();
    let tokens = reloaded.tokens(&cipher).unwrap();
    assert_eq!(tokens.access_token.unwrap().expose_secret(), "access-2");
    assert_eq!(
        tokens.refresh_token.unwrap().expose_secret(),
        "refresh-plain-1"
    );
    let by_account = connections::find_active_by_provider_account(&mut c, "oura", "oura-1")
        .await
        .unwrap();
    assert_eq!(by_account.len(), 1);
}

#[tokio::test]
async fn storing_the_same_batch_twice_keeps_one_copy_and_a_revision_updates_it() {
    let tdb = TestDatabase::create().await.unwrap();
    let (_, user) = tenant_and_user(&tdb.db).await;
    let mut c = tdb.db.conn().await.unwrap();
    let batch = NormalizedBatch {
        sleeps: vec![sleep("night-1", t(-2), 8, 60)],
        workouts: vec![Workout {
            external_id: "w-1".into(),
            workout_type: "running".into(),
            name: None,
            start: t(8),
            end: t(9),
            zone_offset: None,
            calories_kcal: Some(400.0),
            distance_meters: Some(5000.0),
            avg_heart_rate_bpm: None,
            max_heart_rate_bpm: None,
            elevation_gain_meters: None,
            device: None,
        }],
        samples: (0..10)
            .map(|i| Sample {
                series: SeriesType::HeartRate,
                time: t(10) + Duration::minutes(i),
                zone_offset: None,
                value: 60.0 + i as f64,
            })
            .collect(),
        ..Default::default()
    };
    for _ in 0..2 {
        records::store_batch(&mut c, user, "oura", None, &batch)
            .await
            .unwrap();
    }
    let q = reads::RangeQuery {
        user_id: user,
        start: t(-24),
        end: t(24),
        limit: 50,
    };
    let (page, stages) = reads::sleep_page(&mut c, q, None).await.unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(stages.len(), 2);
    assert_eq!(
        reads::workouts_page(&mut c, q, None, None)
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    assert_eq!(
        reads::samples_page(&mut c, q, &[SeriesType::HeartRate.id()], None)
            .await
            .unwrap()
            .items
            .len(),
        10
    );

    let revised = NormalizedBatch {
        sleeps: vec![sleep("night-1", t(-2), 8, 90)],
        ..Default::default()
    };
    records::store_batch(&mut c, user, "oura", None, &revised)
        .await
        .unwrap();
    let (page, stages) = reads::sleep_page(&mut c, q, None).await.unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].deep_seconds, Some(90 * 60));
    assert_eq!(stages[0].end_time, t(-2) + Duration::minutes(90));

    let deleted = NormalizedBatch {
        deleted_external_ids: vec!["night-1".into()],
        ..Default::default()
    };
    records::store_batch(&mut c, user, "oura", None, &deleted)
        .await
        .unwrap();
    assert!(
        reads::sleep_page(&mut c, q, None)
            .await
            .unwrap()
            .0
            .items
            .is_empty()
    );
}

#[tokio::test]
async fn sample_pages_cover_every_row_exactly_once() {
    let tdb = TestDatabase::create().await.unwrap();
    let (_, user) = tenant_and_user(&tdb.db).await;
    let mut c = tdb.db.conn().await.unwrap();
    let mut samples = Vec::new();
    for i in 0..25 {
        for series in [SeriesType::HeartRate, SeriesType::Steps] {
            samples.push(Sample {
                series,
                time: t(0) + Duration::minutes(i),
                zone_offset: None,
                value: i as f64,
            });
        }
    }
    let batch = NormalizedBatch {
        samples,
        ..Default::default()
    };
    records::store_batch(&mut c, user, "oura", None, &batch)
        .await
        .unwrap();
    let q = reads::RangeQuery {
        user_id: user,
        start: t(0),
        end: t(1),
        limit: 7,
    };
    let mut after = None;
    let mut seen = Vec::new();
    loop {
        let page = reads::samples_page(&mut c, q, &[], after).await.unwrap();
        seen.extend(page.items.iter().map(|r| (r.ts, r.series)));
        let Some(last) = page.items.last() else { break };
        after = Some(reads::SampleKey {
            ts: last.ts,
            series: last.series,
            source_id: last.source_id,
        });
        if !page.has_more {
            break;
        }
    }
    assert_eq!(seen.len(), 50);
    let mut dedup = seen.clone();
    dedup.dedup();
    assert_eq!(dedup.len(), 50);
    assert!(seen.windows(2).all(|w| w[0] < w[1]));
}

#[tokio::test]
async fn raw_payloads_are_archived_once_per_message() {
    let tdb = TestDatabase::create().await.unwrap();
    let (tenant, user) = tenant_and_user(&tdb.db).await;
    let mut c = tdb.db.conn().await.unwrap();
    let id = uuid::Uuid::new_v4();
    for _ in 0..2 {
        let raw = records::RawArchive {
            id,
            provider: "oura",
            kind: "sleep",
            origin: "poll",
            tenant_id: Some(tenant),
            user_id: Some(user),
            connection_id: None,
            received_at: t(0),
            content_type: "application/json",
            body: br#"{"data":[]}"#,
        };
        records::store_batch(&mut c, user, "oura", Some(raw), &NormalizedBatch::default())
            .await
            .unwrap();
    }
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    let n: i64 = storage::schema::raw_payloads::table
        .count()
        .get_result(&mut c)
        .await
        .unwrap();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn reencrypting_moves_every_secret_to_the_new_key() {
    use base64::Engine;
    let tdb = TestDatabase::create().await.unwrap();
    let (tenant, user) = tenant_and_user(&tdb.db).await;
    let mut c = tdb.db.conn().await.unwrap();
    let b64 = |b: u8| SecretString::from(base64::engine::general_purpose::STANDARD.encode([b; 32]));
    let old = TokenCipher::new(1, &[(1, b64(1))]).unwrap();
    let conn = connections::upsert_authorized(
        &mut c,
        &old,
        connections::NewConnection {
            integration_id: None,
            tenant_id: tenant,
            user_id: user,
            provider: "oura",
            provider_user_id: None,
            provider_username: None,
            scope: None,
            access_token: &SecretString::from("a-1"),
            refresh_token: Some(&SecretString::from("r-1")),
            token_expires_at: None,
        },
    )
    .await
    .unwrap();
    storage::queries::integrations::create(
        &mut c,
        &old,
        tenant,
        "oura",
        storage::queries::integrations::IntegrationInput {
            client_id: "id",
            client_secret: Some(&SecretString::from("cs-1")),
            scopes: &[],
            redirect_allowlist: &[],
            enabled: true,
        },
    )
    .await
    .unwrap();
    let rotated = TokenCipher::new(2, &[(2, b64(2)), (1, b64(1))]).unwrap();
    let summary = storage::queries::rekey::reencrypt_all(&mut c, &rotated)
        .await
        .unwrap();
    assert_eq!(
        (summary.connection_tokens, summary.integration_secrets),
        (1, 1)
    );
    // Only the new key is needed from now on.
    let new_only = TokenCipher::new(2, &[(2, b64(2))]).unwrap();
    let tokens = connections::find(&mut c, conn.id)
        .await
        .unwrap()
        .unwrap()
        .tokens(&new_only)
        .unwrap();
    assert_eq!(tokens.refresh_token.unwrap().expose_secret(), "r-1");
    let again = storage::queries::rekey::reencrypt_all(&mut c, &rotated)
        .await
        .unwrap();
    assert_eq!(again, storage::queries::rekey::RekeySummary::default());
}
