//! Push subscriptions (validation handshake, one per application) and event deliveries.

use serde_json::{Value, json};

use crate::support::*;

#[tokio::test]
async fn strava_a_subscription_is_created_after_the_callback_echoes_the_challenge() {
    let emulator = start().await;
    let http = http();
    let callback = Callback::start().await;
    let response = subscribe(&emulator, &http, &callback.url).await;
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    let id = created["id"].as_u64().unwrap();

    let challenges = callback.challenges();
    assert_eq!(challenges.len(), 1);
    let query = &challenges[0];
    assert_eq!(query["hub.mode"], "subscribe");
    assert_eq!(query["hub.verify_token"], VERIFY_TOKEN);
    assert!(!query["hub.challenge"].is_empty());
    assert_eq!(
        query["token"], "cb-secret",
        "the callback's own query is kept"
    );

    let second = subscribe(&emulator, &http, &callback.url).await;
    assert_eq!(second.status(), 400);
    let body: Value = second.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "already exists");

    let listed: Vec<Value> = http
        .get(format!("{}/api/v3/push_subscriptions", base(&emulator)))
        .query(&[("client_id", CLIENT_ID), ("client_secret", CLIENT_SECRET)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], id);
    assert_eq!(listed[0]["callback_url"], callback.url.as_str());

    let deleted = http
        .delete(format!(
            "{}/api/v3/push_subscriptions/{id}",
            base(&emulator)
        ))
        .query(&[("client_id", CLIENT_ID), ("client_secret", CLIENT_SECRET)])
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    let wrong_secret = http
        .get(format!("{}/api/v3/push_subscriptions", base(&emulator)))
        .query(&[("client_id", CLIENT_ID), ("client_secret", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_secret.status(), 401);
    callback.stop().await;
    emulator.stop().await;
}

#[tokio::test]
async fn strava_a_callback_that_does_not_echo_the_challenge_is_refused() {
    let emulator = start().await;
    let http = http();
    let callback = Callback::start().await;
    callback.echo_wrong_challenge();
    let response = subscribe(&emulator, &http, &callback.url).await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["errors"][0],
        json!({"resource": "PushSubscription", "field": "callback url",
               "code": "GET to callback URL does not return 200"})
    );
    callback.stop().await;
    emulator.stop().await;
}

#[tokio::test]
async fn strava_activity_create_update_and_delete_are_delivered_to_the_callback() {
    let emulator = start().await;
    let http = http();
    let callback = Callback::start().await;
    assert_eq!(
        subscribe(&emulator, &http, &callback.url).await.status(),
        201
    );
    let conn = connect(&emulator, &http).await;
    let athlete = conn.athlete_id;

    let created: Value = control(
        &emulator,
        &http,
        &format!("/users/{athlete}/activity"),
        json!({"sport_type": "Ride"}),
    )
    .await
    .json()
    .await
    .unwrap();
    let activity_id = created["activity"]["id"].as_u64().unwrap();
    assert_eq!(created["activity"]["sport_type"], "Ride");
    assert_eq!(created["delivery"]["state"], "delivered");
    let detail = get(
        &emulator,
        &http,
        &conn.access_token,
        &format!("/activities/{activity_id}"),
        &[],
    )
    .await;
    assert_eq!(detail.status(), 200);

    control(
        &emulator,
        &http,
        &format!("/users/{athlete}/activity/{activity_id}/update"),
        json!({"name": "Gravel loop"}),
    )
    .await;
    control(
        &emulator,
        &http,
        &format!("/users/{athlete}/activity/{activity_id}/delete"),
        json!({}),
    )
    .await;
    let posts = callback.wait_for_posts(3).await;
    assert_eq!(posts.len(), 3);
    let create = &posts[0];
    assert_eq!(create.query, "token=cb-secret");
    assert_eq!(create.content_type, "application/json");
    assert_eq!(create.signature, None, "Strava signs nothing");
    assert_eq!(create.body["object_type"], "activity");
    assert_eq!(create.body["aspect_type"], "create");
    assert_eq!(create.body["object_id"], activity_id);
    assert_eq!(create.body["owner_id"], athlete);
    assert!(create.body["subscription_id"].as_u64().is_some());
    assert!(create.body["event_time"].as_i64().is_some());
    assert_eq!(create.body["updates"], json!({}));
    assert_eq!(posts[1].body["aspect_type"], "update");
    assert_eq!(posts[1].body["updates"], json!({"title": "Gravel loop"}));
    assert_eq!(posts[2].body["aspect_type"], "delete");
    let gone = get(
        &emulator,
        &http,
        &conn.access_token,
        &format!("/activities/{activity_id}"),
        &[],
    )
    .await;
    assert_eq!(gone.status(), 404);
    callback.stop().await;
    emulator.stop().await;
}

#[tokio::test]
async fn strava_failed_deliveries_are_retried_three_attempts_in_all() {
    let emulator = start().await;
    let http = http();
    let callback = Callback::start().await;
    assert_eq!(
        subscribe(&emulator, &http, &callback.url).await.status(),
        201
    );
    let conn = connect(&emulator, &http).await;
    callback.respond_with(&[500, 503, 502, 500]);
    let created: Value = control(
        &emulator,
        &http,
        &format!("/users/{}/activity", conn.athlete_id),
        json!({}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(created["delivery"]["state"], "pending");
    let posts = callback.wait_for_posts(3).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(callback.posts().len(), 3, "no fourth attempt");
    assert!(posts.iter().all(|p| p.body == posts[0].body));
    let deliveries: Vec<Value> = http
        .get(format!(
            "{}/_emulator/strava/deliveries",
            emulator.base_url()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(deliveries[0]["attempts"], 3);
    assert_eq!(deliveries[0]["state"], "failed");
    assert_eq!(deliveries[0]["status"], 502);
    callback.stop().await;
    emulator.stop().await;
}

#[tokio::test]
async fn strava_deauthorization_revokes_tokens_and_sends_the_athlete_event() {
    let emulator = start().await;
    let http = http();
    let callback = Callback::start().await;
    assert_eq!(
        subscribe(&emulator, &http, &callback.url).await.status(),
        201
    );
    let conn = connect(&emulator, &http).await;
    let response = control(
        &emulator,
        &http,
        &format!("/users/{}/deauthorize", conn.athlete_id),
        json!({}),
    )
    .await;
    assert_eq!(response.status(), 200);
    let posts = callback.wait_for_posts(1).await;
    assert_eq!(posts[0].body["updates"], json!({"authorized": "false"}));
    assert_eq!(posts[0].body["object_type"], "athlete");
    assert_eq!(posts[0].body["aspect_type"], "update");
    assert_eq!(posts[0].body["object_id"], conn.athlete_id);
    assert_eq!(posts[0].body["owner_id"], conn.athlete_id);
    assert_eq!(
        get(&emulator, &http, &conn.access_token, "/athlete", &[])
            .await
            .status(),
        401
    );

    let unknown = control(&emulator, &http, "/users/1/deauthorize", json!({})).await;
    assert_eq!(unknown.status(), 404);
    callback.stop().await;
    emulator.stop().await;
}

#[tokio::test]
async fn strava_the_open_wearables_signature_header_is_sent_only_when_configured() {
    let emulator = start_with(provider_emulator::StravaConfig {
        send_signature_header: true,
        ..provider_emulator::StravaConfig::default()
    })
    .await;
    let http = http();
    let callback = Callback::start().await;
    assert_eq!(
        subscribe(&emulator, &http, &callback.url).await.status(),
        201
    );
    let conn = connect(&emulator, &http).await;
    control(
        &emulator,
        &http,
        &format!("/users/{}/activity", conn.athlete_id),
        json!({}),
    )
    .await;
    let post = callback.wait_for_posts(1).await.remove(0);
    let signature = post.signature.expect("signature header");
    let t = signature
        .strip_prefix("t=")
        .and_then(|rest| rest.split_once(",v1="))
        .map(|(t, _)| t.parse::<i64>().unwrap())
        .unwrap();
    assert_eq!(
        signature,
        provider_emulator::strava::sign(CLIENT_SECRET, t, &post.raw)
    );
    callback.stop().await;
    emulator.stop().await;
}
