//! Backfill: asynchronous re-delivery of history through the webhooks.

use std::time::Duration;

use providers::ProviderApi;
use providers::garmin::{BackfillOutcome, Garmin, request_backfill};
use serde_json::json;

use super::{connect, connect_with, control, control_get, last_days, setup};

#[tokio::test]
async fn a_backfill_is_requested_in_thirty_day_chunks_and_arrives_as_pushes() {
    let setup = setup().await;
    let authorized = connect(&setup).await;
    let account = authorized.account.id.clone();
    let hook = super::garmin_webhook::receiver(&setup.config.client_id).await;
    control(&setup, "webhook-target", json!({"url": hook.url})).await;
    let token = &authorized.tokens.access_token;
    let report = request_backfill(setup.api(), token, last_days(40), &["sleeps".into()])
        .await
        .unwrap();
    assert!(!report.historical_data_denied);
    assert_eq!(report.requests.len(), 2, "40 days = 30 + 10");
    assert!(
        report
            .requests
            .iter()
            .all(|r| r.outcome == BackfillOutcome::Accepted)
    );
    assert_eq!(
        (report.requests[0].end - report.requests[0].start).num_days(),
        30
    );

    let again = request_backfill(setup.api(), token, last_days(40), &["sleeps".into()])
        .await
        .unwrap();
    assert!(
        again
            .requests
            .iter()
            .all(|r| r.outcome == BackfillOutcome::AlreadyRequested)
    );

    let mut sleeps = 0;
    for _ in 0..300 {
        let deliveries = control_get(&setup, "deliveries").await;
        sleeps = deliveries
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["key"] == "sleeps" && d["state"] == "delivered")
            .map(|d| d["items"].as_u64().unwrap())
            .sum::<u64>();
        if sleeps > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        (28..=32).contains(&sleeps),
        "the history within reach: {sleeps}"
    );
    let body = &control_get(&setup, "deliveries").await[0]["body"];
    let events = Garmin
        .parse_webhook(body.as_str().unwrap().as_bytes())
        .unwrap();
    assert!(events.iter().all(|e| matches!(
        e,
        providers::InboundEvent::Data { provider_user_id, kind, .. }
            if provider_user_id == &account && kind == "sleeps"
    )));
    hook.handle.stop(true).await;
    setup.emulator.stop().await;
}

#[tokio::test]
async fn without_historical_permission_the_backfill_stops_at_the_first_403() {
    let setup = setup().await;
    let authorized = connect_with(&setup, &[("emulator_historical", "false")]).await;
    let report = request_backfill(
        setup.api(),
        &authorized.tokens.access_token,
        last_days(10),
        &[],
    )
    .await
    .unwrap();
    assert!(report.historical_data_denied);
    assert!(report.requests.is_empty());
    let backfills = control_get(&setup, "backfills").await;
    assert!(backfills.as_array().unwrap().is_empty());
    setup.emulator.stop().await;
}
