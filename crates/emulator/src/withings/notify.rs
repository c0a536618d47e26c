//! Notification subscriptions (providers.md §8.2): `POST /notify` with a Bearer token and
//! `action=subscribe|get|list|revoke`. Subscribing first checks the callback URL answers.

use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use super::api::authenticate;
use super::state::Subscription;
use super::{Params, Withings, fail, invalid_params, ok, params};

/// Notification categories Withings offers.
const APPLIS: [i64; 12] = [1, 4, 16, 44, 46, 50, 51, 52, 53, 54, 55, 58];
/// What `action=list` reports as `expires` (subscriptions do not expire).
const NEVER: i64 = 2_147_483_647;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/notify", web::post().to(notify))
        .route("/notify", web::get().to(notify));
}

async fn notify(req: HttpRequest, body: web::Bytes, withings: web::Data<Withings>) -> HttpResponse {
    let p = params(&req, &body);
    let user = match authenticate(&req, &withings) {
        Ok(user) => user,
        Err(reject) => return reject.response(),
    };
    let Some(user_id) = withings.lock().users.get(user).map(|u| u.id.clone()) else {
        return super::api::invalid_token();
    };
    match p.get("action") {
        Some("subscribe") => subscribe(&p, &withings, user_id).await,
        Some("get") => with_target(&p, |appli, url| {
            let st = withings.lock();
            match st
                .subscriptions
                .iter()
                .find(|s| s.matches(&user_id, appli, url))
            {
                Some(s) => ok(
                    json!({"appli": s.appli, "callbackurl": s.callbackurl, "comment": s.comment}),
                ),
                None => fail(286, "No such subscription was found"),
            }
        }),
        Some("list") => {
            let appli = match p.int("appli") {
                Ok(appli) => appli,
                Err(reject) => return reject.response(),
            };
            let st = withings.lock();
            let profiles: Vec<_> = st
                .subscriptions
                .iter()
                .filter(|s| s.user_id == user_id && appli.is_none_or(|a| a == s.appli))
                .map(|s| {
                    json!({"appli": s.appli, "callbackurl": s.callbackurl, "comment": s.comment, "expires": NEVER})
                })
                .collect();
            ok(json!({ "profiles": profiles }))
        }
        Some("revoke") => with_target(&p, |appli, url| {
            let mut st = withings.lock();
            let before = st.subscriptions.len();
            st.subscriptions
                .retain(|s| !s.matches(&user_id, appli, url));
            if st.subscriptions.len() == before {
                fail(294, "No such subscription could be deleted")
            } else {
                ok(json!({}))
            }
        }),
        _ => fail(2554, "Wrong action or wrong webservice"),
    }
}

impl Subscription {
    fn matches(&self, user_id: &str, appli: i64, url: &str) -> bool {
        self.user_id == user_id && self.appli == appli && self.callbackurl == url
    }
}

/// `callbackurl` and `appli`, both required.
fn with_target(p: &Params, f: impl FnOnce(i64, &str) -> HttpResponse) -> HttpResponse {
    let Some(url) = p.get("callbackurl") else {
        return fail(293, "The callback URL is either absent or incorrect");
    };
    match p.int("appli") {
        Ok(Some(appli)) => f(appli, url),
        Ok(None) => invalid_params("appli is required"),
        Err(reject) => reject.response(),
    }
}

async fn subscribe(p: &Params, withings: &Withings, user_id: String) -> HttpResponse {
    let callback = match p.get("callbackurl").map(url::Url::parse) {
        Some(Ok(url)) if matches!(url.scheme(), "http" | "https") => url,
        _ => return fail(293, "The callback URL is either absent or incorrect"),
    };
    let appli = match p.int("appli") {
        Ok(Some(appli)) if APPLIS.contains(&appli) => appli,
        Ok(_) => return invalid_params("appli"),
        Err(reject) => return reject.response(),
    };
    if withings.config.validate_callback {
        let answer = withings
            .http
            .get(callback.clone())
            .timeout(Duration::from_millis(withings.config.ack_timeout_ms))
            .send()
            .await;
        if !answer.is_ok_and(|r| r.status().is_success()) {
            return fail(343, "Wrong Notification Callback Url don't exist");
        }
    }
    let comment = p.get("comment").map(str::to_owned);
    let url = callback.to_string();
    let mut st = withings.lock();
    match st
        .subscriptions
        .iter_mut()
        .find(|s| s.matches(&user_id, appli, &url))
    {
        Some(existing) => existing.comment = comment,
        None => st.subscriptions.push(Subscription {
            user_id,
            appli,
            callbackurl: url,
            comment,
            failures: 0,
        }),
    }
    ok(json!({}))
}
