//! Subscriptions and notifications: the callback check, list/get/revoke, unsigned form POSTs,
//! retries, dropping a failing subscription, and the unlink notice.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::*;

async fn notify(
    emulator: &provider_emulator::Emulator,
    http: &reqwest::Client,
    token: &str,
    form: &[(&str, &str)],
) -> Value {
    call(emulator, http, token, "/notify", form).await
}

#[tokio::test]
async fn subscribing_checks_the_callback_and_list_get_revoke_manage_it() {
    let emulator = start().await;
    let http = http();
    let c = connect(&emulator, &http).await;
    let callback = Callback::start().await;
    let url = callback.url.as_str();
    let subscribed = notify(
        &emulator,
        &http,
        &c.access_token,
        &[
            ("action", "subscribe"),
            ("callbackurl", url),
            ("appli", "1"),
        ],
    )
    .await;
    assert_eq!(subscribed["status"], 0, "{subscribed}");
    assert_eq!(callback.checks(), 1);
    // Subscribing again is harmless.
    notify(
        &emulator,
        &http,
        &c.access_token,
        &[
            ("action", "subscribe"),
            ("callbackurl", url),
            ("appli", "1"),
        ],
    )
    .await;
    notify(
        &emulator,
        &http,
        &c.access_token,
        &[
            ("action", "subscribe"),
            ("callbackurl", url),
            ("appli", "44"),
        ],
    )
    .await;
    let list = notify(&emulator, &http, &c.access_token, &[("action", "list")]).await;
    let profiles = list["body"]["profiles"].as_array().unwrap();
    assert_eq!(profiles.len(), 2);
    assert_eq!(profiles[0]["callbackurl"], url);
    let got = notify(
        &emulator,
        &http,
        &c.access_token,
        &[("action", "get"), ("callbackurl", url), ("appli", "44")],
    )
    .await;
    assert_eq!(got["body"]["appli"], 44);
    let revoked = notify(
        &emulator,
        &http,
        &c.access_token,
        &[("action", "revoke"), ("callbackurl", url), ("appli", "44")],
    )
    .await;
    assert_eq!(revoked["status"], 0);
    let again = notify(
        &emulator,
        &http,
        &c.access_token,
        &[("action", "revoke"), ("callbackurl", url), ("appli", "44")],
    )
    .await;
    assert_eq!(again["status"], 294);
    let missing = notify(
        &emulator,
        &http,
        &c.access_token,
        &[("action", "get"), ("callbackurl", url), ("appli", "44")],
    )
    .await;
    assert_eq!(missing["status"], 286);
    let bad = notify(
        &emulator,
        &http,
        &c.access_token,
        &[
            ("action", "subscribe"),
            ("callbackurl", "not a url"),
            ("appli", "1"),
        ],
    )
    .await;
    assert_eq!(bad["status"], 293);
    callback.stop().await;
    emulator.stop().await;
}

#[tokio::test]
async fn an_unreachable_callback_is_refused_with_status_343() {
    let emulator = start().await;
    let http = http();
    let c = connect(&emulator, &http).await;
    let answer = notify(
        &emulator,
        &http,
        &c.access_token,
        &[
            ("action", "subscribe"),
            ("callbackurl", "http://127.0.0.1:9/hook"),
            ("appli", "1"),
        ],
    )
    .await;
    assert_eq!(answer["status"], 343);
    emulator.stop().await;
}

#[tokio::test]
async fn a_new_record_is_notified_as_an_unsigned_form_post_with_its_time_range() {
    let emulator = start().await;
    let http = http();
    let c = connect(&emulator, &http).await;
    let callback = Callback::start().await;
    for appli in ["1", "16", "44"] {
        notify(
            &emulator,
            &http,
            &c.access_token,
            &[
                ("action", "subscribe"),
                ("callbackurl", &callback.url),
                ("appli", appli),
            ],
        )
        .await;
    }
    let created = control(
        &emulator,
        &http,
        &format!("/users/{}/measures", c.user_id),
        json!({}),
    )
    .await;
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    let date = created["record"]["date"].as_i64().unwrap();
    assert_eq!(created["deliveries"][0]["state"], "delivered");
    let posts = callback.posts();
    assert_eq!(posts.len(), 1);
    let (content_type, body) = &posts[0];
    assert_eq!(content_type, "application/x-www-form-urlencoded");
    assert_eq!(
        body,
        &format!(
            "userid={}&appli=1&startdate={date}&enddate={date}",
            c.user_id
        )
    );

    let workout: Value = control(
        &emulator,
        &http,
        &format!("/users/{}/workouts", c.user_id),
        json!({}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(workout["appli"], 16);
    let activity: Value = control(
        &emulator,
        &http,
        &format!("/users/{}/activity", c.user_id),
        json!({}),
    )
    .await
    .json()
    .await
    .unwrap();
    let day = activity["record"]["date"].as_str().unwrap();
    let sleep: Value = control(
        &emulator,
        &http,
        &format!("/users/{}/sleep", c.user_id),
        json!({}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(sleep["appli"], 44);
    let posts = callback.posts();
    assert_eq!(posts.len(), 4);
    assert!(
        posts[2].1.ends_with(&format!("appli=16&date={day}")),
        "{}",
        posts[2].1
    );
    assert!(posts[3].1.contains("appli=44&startdate="));
    // Nobody subscribed blood pressure (appli 4): nothing is sent.
    control(
        &emulator,
        &http,
        &format!("/users/{}/blood_pressure", c.user_id),
        json!({}),
    )
    .await;
    assert_eq!(callback.posts().len(), 4);
    let unknown = control(
        &emulator,
        &http,
        &format!("/users/{}/ecg", c.user_id),
        json!({}),
    )
    .await;
    assert_eq!(unknown.status(), 404);
    callback.stop().await;
    emulator.stop().await;
}

#[tokio::test]
async fn failed_notifications_are_retried_and_a_failing_subscription_is_dropped() {
    let emulator = start().await;
    let http = http();
    let c = connect(&emulator, &http).await;
    let callback = Callback::start().await;
    notify(
        &emulator,
        &http,
        &c.access_token,
        &[
            ("action", "subscribe"),
            ("callbackurl", &callback.url),
            ("appli", "1"),
        ],
    )
    .await;
    callback.respond_with(&[500, 503]);
    control(
        &emulator,
        &http,
        &format!("/users/{}/measures", c.user_id),
        json!({}),
    )
    .await;
    let mut delivered = None;
    for _ in 0..100 {
        let list = deliveries(&emulator, &http).await;
        if list[0]["state"] == "delivered" {
            delivered = Some(list[0].clone());
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let delivered = delivered.expect("delivered after retries");
    assert_eq!(delivered["attempts"], 3);
    assert_eq!(callback.posts().len(), 3);

    // Four failed attempts in a row (first try + 3 retries) remove the subscription.
    callback.respond_with(&[500, 500, 500, 500]);
    control(
        &emulator,
        &http,
        &format!("/users/{}/measures", c.user_id),
        json!({}),
    )
    .await;
    let mut state = Value::Null;
    for _ in 0..100 {
        state = deliveries(&emulator, &http).await[1]["state"].clone();
        if state != "pending" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(state, "dropped");
    let list = notify(&emulator, &http, &c.access_token, &[("action", "list")]).await;
    assert_eq!(list["body"]["profiles"], json!([]));
    callback.stop().await;
    emulator.stop().await;
}

#[tokio::test]
async fn deauthorize_sends_unlink_and_ends_the_grant() {
    let emulator = start().await;
    let http = http();
    let c = connect(&emulator, &http).await;
    let callback = Callback::start().await;
    notify(
        &emulator,
        &http,
        &c.access_token,
        &[
            ("action", "subscribe"),
            ("callbackurl", &callback.url),
            ("appli", "46"),
        ],
    )
    .await;
    let answer = control(
        &emulator,
        &http,
        &format!("/users/{}/deauthorize", c.user_id),
        json!({}),
    )
    .await;
    assert_eq!(answer.status(), 200);
    let posts = callback.posts();
    assert_eq!(
        posts[0].1,
        format!("userid={}&appli=46&action=unlink", c.user_id)
    );
    let after = call(
        &emulator,
        &http,
        &c.access_token,
        "/measure",
        &[("action", "getmeas")],
    )
    .await;
    assert_eq!(after["status"], 401);
    assert_eq!(
        refresh(&emulator, &http, &c.refresh_token).await["status"],
        503
    );
    callback.stop().await;
    emulator.stop().await;
}

#[tokio::test]
async fn revoking_tokens_through_the_control_api_ends_access() {
    let emulator = start().await;
    let http = http();
    let c = connect(&emulator, &http).await;
    let answer = control(&emulator, &http, "/tokens/revoke", json!({})).await;
    assert_eq!(answer.status(), 200);
    let after = call(
        &emulator,
        &http,
        &c.access_token,
        "/measure",
        &[("action", "getmeas")],
    )
    .await;
    assert_eq!(after["status"], 401);
    assert_eq!(
        refresh(&emulator, &http, &c.refresh_token).await["status"],
        503
    );
    emulator.stop().await;
}
