//! The Oura vertical slice end to end: OAuth connect → backfill → signed webhook → poller →
//! normalizer → query-api, against real PostgreSQL and RabbitMQ and the Oura emulator.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use chrono::{Days, Utc};
use e2e_tests::{REDIRECT_URI, Stack};
use serde_json::{Value, json};

fn window() -> (String, String) {
    let today = Utc::now().date_naive();
    (
        (today - Days::new(40)).to_string(),
        (today + Days::new(1)).to_string(),
    )
}

async fn sleeps(stack: &Stack, user_id: &str) -> Vec<Value> {
    let (start, end) = window();
    let mut all = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = stack
            .get_json(&format!(
                "{}/api/v1/users/{user_id}/events/sleep?start_date={start}&end_date={end}&limit=100&cursor={cursor}",
                stack.query_url
            ))
            .await;
        all.extend(page["data"].as_array().unwrap().iter().cloned());
        match page["pagination"]["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => return all,
        }
    }
}

async fn oura_user_id(stack: &Stack, user_id: &str) -> String {
    let conns = stack
        .get_json(&format!(
            "{}/api/v1/users/{user_id}/connections",
            stack.auth_url
        ))
        .await;
    let oura = &conns.as_array().unwrap()[0];
    assert_eq!(oura["provider"], "oura");
    assert_eq!(oura["status"], "active");
    oura["provider_user_id"].as_str().unwrap().to_owned()
}

async fn emulator_post(stack: &Stack, path: &str, body: Value) -> Value {
    let resp = stack
        .http
        .post(format!(
            "{}/_emulator/oura{path}",
            stack.emulator.base_url()
        ))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(
        resp.status().is_success(),
        "emulator {path}: {}",
        resp.status()
    );
    resp.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connecting_oura_backfills_and_signed_webhooks_add_and_revise_sleep_once() {
    let stack = Stack::start().await;
    let user_id = stack.create_user("e2e-user-1").await;

    // OAuth through the emulator's consent screen back to the developer's app.
    let landed = stack.connect_oura(&user_id).await;
    assert!(
        landed.as_str().starts_with(REDIRECT_URI),
        "landed on {landed}"
    );
    let query: Vec<(String, String)> = landed.query_pairs().into_owned().collect();
    assert!(
        query.contains(&("status".into(), "success".into())),
        "{query:?}"
    );
    let oura_user = oura_user_id(&stack, &user_id).await;

    // The 30-day backfill lands: a night of sleep per day, heart rate and workouts.
    let nights = stack
        .eventually("backfilled sleep", 120, || async {
            let s = sleeps(&stack, &user_id).await;
            (s.len() >= 28).then_some(s)
        })
        .await;
    let first = &nights[0];
    assert_eq!(first["source"]["provider"], "oura");
    assert_eq!(first["zone_offset"], "+01:00");
    let stages = &first["stages"];
    let staged: i64 = [
        "awake_seconds",
        "light_seconds",
        "deep_seconds",
        "rem_seconds",
    ]
    .iter()
    .map(|k| stages[k].as_i64().unwrap())
    .sum();
    assert_eq!(
        staged,
        first["duration_seconds"].as_i64().unwrap(),
        "stages cover the time in bed"
    );
    assert!(
        !first["sleep_stage_intervals"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    let (start, end) = window();
    let hr = stack
        .get_json(&format!(
            "{}/api/v1/users/{user_id}/timeseries?start_time={start}&end_time={end}&types=heart_rate&limit=100",
            stack.query_url
        ))
        .await;
    let samples = hr["data"].as_array().unwrap();
    assert_eq!(samples.len(), 100);
    assert!(hr["pagination"]["has_more"].as_bool().unwrap());
    assert!(
        samples
            .iter()
            .all(|s| s["type"] == "heart_rate" && s["unit"] == "bpm")
    );
    let bpm = samples[0]["value"].as_f64().unwrap();
    assert!((30.0..=220.0).contains(&bpm), "plausible bpm {bpm}");
    let workouts = stack
        .eventually("backfilled workouts", 60, || async {
            let w = stack
                .get_json(&format!(
                    "{}/api/v1/users/{user_id}/events/workouts?start_date={start}&end_date={end}",
                    stack.query_url
                ))
                .await;
            let data = w["data"].as_array().unwrap().clone();
            (data.len() >= 5).then_some(data)
        })
        .await;
    assert!(
        workouts
            .iter()
            .all(|w| w["duration_seconds"].as_i64().unwrap() > 0)
    );

    // Subscribe to Oura webhooks (the emulator verifies our challenge endpoint first).
    let registered = webhook_receiver::subscriptions::register_all(&stack.webhook_settings)
        .await
        .unwrap();
    let oura = registered
        .iter()
        .find(|(p, _)| *p == domain::Provider::Oura)
        .unwrap();
    assert_eq!(oura.1.subscriptions, 9);

    // A new sleep is announced by a signed webhook and becomes readable.
    let before = sleeps(&stack, &user_id).await.len();
    let doc = emulator_post(&stack, &format!("/users/{oura_user}/sleep"), json!({})).await;
    let doc_id = doc["id"].as_str().unwrap().to_owned();
    let after_new = stack
        .eventually("webhook sleep", 60, || async {
            let s = sleeps(&stack, &user_id).await;
            (s.len() == before + 1).then_some(s)
        })
        .await;
    let new_start = doc["bedtime_start"].as_str().unwrap();
    let new_start = chrono::DateTime::parse_from_rfc3339(new_start)
        .unwrap()
        .with_timezone(&Utc);
    let stored = after_new
        .iter()
        .find(|s| {
            s["start_time"]
                .as_str()
                .unwrap()
                .parse::<chrono::DateTime<Utc>>()
                .unwrap()
                == new_start
        })
        .expect("the announced sleep is stored");
    let original_duration = stored["duration_seconds"].as_i64().unwrap();

    // The same webhook delivered again is processed but stores no second copy.
    let archived = stack.archived_payloads().await;
    emulator_post(
        &stack,
        "/redeliver",
        json!({"event_type": "create", "data_type": "sleep", "object_id": doc_id}),
    )
    .await;
    stack
        .eventually("redelivered payload processed", 60, || async {
            (stack.archived_payloads().await > archived).then_some(())
        })
        .await;
    assert_eq!(sleeps(&stack, &user_id).await.len(), before + 1);

    // Oura revises the night: the same record is updated in place.
    emulator_post(
        &stack,
        &format!("/users/{oura_user}/sleep/{doc_id}/revise"),
        json!({}),
    )
    .await;
    let revised = stack
        .eventually("revised sleep", 60, || async {
            let s = sleeps(&stack, &user_id).await;
            s.into_iter().find(|s| {
                s["start_time"]
                    .as_str()
                    .unwrap()
                    .parse::<chrono::DateTime<Utc>>()
                    .unwrap()
                    == new_start
                    && s["duration_seconds"].as_i64().unwrap() != original_duration
            })
        })
        .await;
    assert_eq!(
        revised["duration_seconds"].as_i64().unwrap(),
        original_duration + 15 * 60
    );
    assert_eq!(sleeps(&stack, &user_id).await.len(), before + 1);

    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_with_bad_signature_returns_401_and_nothing_is_stored() {
    let stack = Stack::start().await;
    let user_id = stack.create_user("e2e-user-2").await;
    stack.connect_oura(&user_id).await;
    let oura_user = oura_user_id(&stack, &user_id).await;
    stack
        .eventually("backfill", 120, || async {
            (sleeps(&stack, &user_id).await.len() >= 28).then_some(())
        })
        .await;
    // Let the backfill finish draining before counting.
    let settled = stack
        .eventually("archive settles", 60, || async {
            let a = stack.archived_payloads().await;
            tokio::time::sleep(Duration::from_millis(700)).await;
            (stack.archived_payloads().await == a).then_some(a)
        })
        .await;

    let body = json!({"event_type": "create", "data_type": "sleep", "object_id": "forged", "event_time": Utc::now().to_rfc3339(), "user_id": oura_user}).to_string();
    let ts = Utc::now().timestamp().to_string();
    let forged = provider_emulator::oura::sign("not-the-client-secret", &ts, body.as_bytes());
    let url = format!("{}/api/v1/providers/oura/webhooks", stack.webhook_url);
    let cases = [
        (
            "x-oura-signature",
            forged.as_str(),
            "x-oura-timestamp",
            ts.as_str(),
        ),
        ("x-oura-signature", "zz", "x-oura-timestamp", ts.as_str()),
        ("x-unrelated", "1", "x-oura-timestamp", ts.as_str()),
    ];
    for (h1, v1, h2, v2) in cases {
        let resp = stack
            .http
            .post(&url)
            .header("content-type", "application/json")
            .header(h1, v1)
            .header(h2, v2)
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 401);
        let err: Value = resp.json().await.unwrap();
        assert!(
            err["detail"].is_string() && err["code"].is_string(),
            "{err}"
        );
    }
    // A correctly signed but stale webhook (replay) is refused too.
    let old = (Utc::now().timestamp() - 3600).to_string();
    let resp = stack
        .http
        .post(&url)
        .header(
            "x-oura-signature",
            provider_emulator::oura::sign("wearhouse-local-secret", &old, body.as_bytes()),
        )
        .header("x-oura-timestamp", old)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["code"],
        "stale_timestamp"
    );

    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        stack.archived_payloads().await,
        settled,
        "a rejected webhook stores nothing"
    );
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_json_4xx_never_5xx() {
    let stack = Stack::start().await;
    let user_id = stack.create_user("e2e-user-3").await;
    let q = &stack.query_url;
    let a = &stack.auth_url;
    let other_user = uuid::Uuid::new_v4();
    assert!(!stack.user_in_tenant(other_user).await);
    let cases: Vec<(String, u16, &str)> = vec![
        (
            format!("{q}/api/v1/users/{user_id}/events/sleep?end_date=2025-01-31"),
            400,
            "missing_parameter",
        ),
        (
            format!("{q}/api/v1/users/{user_id}/events/sleep?start_date=nope&end_date=2025-01-31"),
            400,
            "invalid_datetime",
        ),
        (
            format!(
                "{q}/api/v1/users/{user_id}/events/sleep?start_date=2025-02-01&end_date=2025-01-01"
            ),
            400,
            "invalid_range",
        ),
        (
            format!(
                "{q}/api/v1/users/{user_id}/events/workouts?start_date=2025-01-01&end_date=2025-01-31&limit=500"
            ),
            400,
            "invalid_limit",
        ),
        (
            format!(
                "{q}/api/v1/users/{user_id}/events/workouts?start_date=2025-01-01&end_date=2025-01-31&cursor=garbage"
            ),
            400,
            "invalid_cursor",
        ),
        (
            format!(
                "{q}/api/v1/users/{user_id}/timeseries?start_time=2025-01-01&end_time=2025-01-02&types=heart_rate,steps"
            ),
            400,
            "invalid_type",
        ),
        (
            format!("{q}/api/v1/users/{user_id}/timeseries?start_time=2025-01-01"),
            400,
            "missing_parameter",
        ),
        (
            format!(
                "{q}/api/v1/users/not-a-uuid/events/sleep?start_date=2025-01-01&end_date=2025-01-31"
            ),
            400,
            "invalid_user_id",
        ),
        (
            format!(
                "{q}/api/v1/users/{other_user}/events/sleep?start_date=2025-01-01&end_date=2025-01-31"
            ),
            404,
            "not_found",
        ),
        (format!("{q}/api/v1/nowhere"), 404, "not_found"),
        (
            format!(
                "{a}/api/v1/oauth/oura/authorize?user_id={user_id}&redirect_uri=https://evil.example/steal"
            ),
            400,
            "redirect_uri_not_allowed",
        ),
        (
            format!("{a}/api/v1/oauth/fitbitz/authorize?user_id={user_id}"),
            404,
            "not_found",
        ),
        (
            format!("{a}/api/v1/oauth/withings/authorize?user_id={user_id}"),
            400,
            "provider_not_configured",
        ),
        (
            format!("{a}/api/v1/oauth/oura/callback?code=x&state=forged"),
            400,
            "invalid_state",
        ),
    ];
    for (url, status, code) in cases {
        let resp = stack
            .http
            .get(&url)
            .header("X-Open-Wearables-API-Key", &stack.api_key)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), status, "{url}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["code"], code, "{url}: {body}");
        assert!(body["detail"].is_string());
    }
    // The coverage registry is public.
    let coverage: Value = stack
        .http
        .get(format!("{q}/api/v1/meta/coverage"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let oura = coverage["providers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["provider"] == "oura")
        .unwrap();
    assert_eq!(oura["delivery"], "notify");
    assert!(
        coverage["timeseries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["type"] == "heart_rate" && s["unit"] == "bpm")
    );
    // No key, wrong key, bad JSON body.
    let resp = stack
        .http
        .get(format!(
            "{q}/api/v1/users/{user_id}/events/sleep?start_date=2025-01-01&end_date=2025-01-31"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let resp = stack
        .http
        .get(format!("{a}/api/v1/users/{user_id}/connections"))
        .header("X-Open-Wearables-API-Key", "sk-wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["detail"],
        "Invalid or missing API key"
    );
    let resp = stack
        .http
        .post(format!("{a}/api/v1/users"))
        .header("X-Open-Wearables-API-Key", &stack.api_key)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(resp.json::<Value>().await.unwrap()["code"], "invalid_body");
    let resp = stack
        .http
        .post(format!("{a}/api/v1/users"))
        .header("X-Open-Wearables-API-Key", &stack.api_key)
        .json(&json!({"external_user_id": "e2e-user-3"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 409);
    stack.stop().await;
}
