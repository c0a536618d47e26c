//! `fetch_window` over the summary endpoints: 24-hour upload chunks, every record once.

use std::collections::{BTreeMap, BTreeSet};

use providers::ProviderApi;
use providers::garmin::Garmin;
use serde_json::Value;

use super::{connect, connect_with, control_get, last_days, setup};

#[tokio::test]
async fn fetch_window_over_thirty_days_returns_every_record_once_across_pages_and_normalizes() {
    let setup = setup().await;
    let authorized = connect(&setup).await;
    let user_id = authorized.account.id.clone();
    let window = last_days(30);
    let pages = Garmin
        .fetch_window(setup.api(), &authorized.tokens.access_token, window, &[])
        .await
        .unwrap();
    let kinds = Garmin.capabilities().data_types;
    let mut fetched: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut page_counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut totals = (0, 0, 0, 0);
    for page in &pages {
        assert!(kinds.contains(&page.kind.as_str()), "{}", page.kind);
        assert!(page.content_type.starts_with("application/json"));
        let items: Vec<Value> = serde_json::from_slice(&page.body).unwrap();
        assert!(!items.is_empty(), "empty chunks are not returned");
        *page_counts.entry(page.kind.clone()).or_default() += 1;
        let ids = fetched.entry(page.kind.clone()).or_default();
        ids.extend(
            items
                .iter()
                .map(|i| i["summaryId"].as_str().unwrap().to_owned()),
        );
        let batch = Garmin.normalize(&page.kind, &page.body).unwrap();
        totals.0 += batch.workouts.len();
        totals.1 += batch.sleeps.len();
        totals.2 += batch.daily_activity.len();
        totals.3 += batch.samples.len();
    }
    let item_count = |kind: &str| fetched.get(kind).map_or(0, Vec::len);
    let workout_items = item_count("activities") + item_count("activityDetails");
    let sleep_items = item_count("sleeps");
    let daily_items = item_count("dailies");
    for kind in kinds {
        let stored = control_get(&setup, &format!("users/{user_id}/{kind}")).await;
        let expected: BTreeSet<String> = stored
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| {
                let uploaded = r["uploaded"].as_i64().unwrap();
                uploaded >= window.start.timestamp() && uploaded < window.end.timestamp()
            })
            .map(|r| r["summaryId"].as_str().unwrap().to_owned())
            .collect();
        let got = fetched.remove(*kind).unwrap_or_default();
        let unique: BTreeSet<String> = got.iter().cloned().collect();
        assert_eq!(unique.len(), got.len(), "{kind}: a record came twice");
        assert_eq!(unique, expected, "{kind}");
    }
    assert!(page_counts["dailies"] >= 28, "one page per 24-hour chunk");
    assert!(page_counts.values().all(|&n| n <= 31));
    let (workouts, sleeps, days, samples) = totals;
    assert!(workout_items > 0);
    assert_eq!(
        workouts, workout_items,
        "summaries and details both become workouts"
    );
    assert_eq!(sleeps, sleep_items);
    assert_eq!(days, daily_items);
    assert!((28..=31).contains(&days), "{days}");
    assert!(samples > 10_000, "{samples}");
    setup.emulator.stop().await;
}

#[tokio::test]
async fn a_summary_type_the_user_did_not_grant_yields_no_pages_instead_of_failing() {
    let setup = setup().await;
    let authorized = connect_with(&setup, &[("emulator_permissions", "ACTIVITY_EXPORT")]).await;
    assert_eq!(
        authorized.tokens.scope.as_deref(),
        Some("ACTIVITY_EXPORT"),
        "the granted permissions become the scope"
    );
    let pages = Garmin
        .fetch_window(
            setup.api(),
            &authorized.tokens.access_token,
            last_days(30),
            &["dailies".into(), "activities".into(), "notAType".into()],
        )
        .await
        .unwrap();
    assert!(!pages.is_empty());
    assert!(pages.iter().all(|p| p.kind == "activities"));
    setup.emulator.stop().await;
}
