//! Per-user subscriptions: `POST|DELETE /1/user/-/[{collection}/]apiSubscriptions/{id}.json`
//! and `GET /1/user/-/[{collection}/]apiSubscriptions.json` (providers.md §7.2).

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use super::api::{authorize, not_found};
use super::state::Subscription;
use super::{Fitbit, fitbit_error, validation_error};

pub(crate) const COLLECTIONS: [&str; 5] =
    ["activities", "body", "foods", "sleep", "userRevokedAccess"];
const SUBSCRIBER_HEADER: &str = "X-Fitbit-Subscriber-Id";

fn scope(collection: Option<&str>) -> Option<&'static str> {
    match collection? {
        "activities" => Some("activity"),
        "body" => Some("weight"),
        "foods" => Some("nutrition"),
        "sleep" => Some("sleep"),
        _ => None,
    }
}

pub(crate) async fn handle(
    req: &HttpRequest,
    fitbit: &web::Data<Fitbit>,
    version: &str,
    user_part: &str,
    segments: &[&str],
) -> HttpResponse {
    let (collection, rest) = match segments {
        ["apiSubscriptions", rest @ ..] => (None, rest),
        [collection, "apiSubscriptions", rest @ ..] => (Some(*collection), rest),
        _ => return not_found("unknown resource"),
    };
    if version != "1" {
        return not_found("unknown resource");
    }
    if let Some(c) = collection
        && !COLLECTIONS.contains(&c)
    {
        return validation_error("collection-path", format!("Invalid collection: {c}"));
    }
    let subscriber_id = req
        .headers()
        .get(SUBSCRIBER_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(|| fitbit.config.default_subscriber_id.clone());
    let mut st = fitbit.lock();
    let caller = match authorize(req, fitbit, &mut st, user_part, scope(collection)) {
        Ok(caller) => caller,
        Err(response) => return *response,
    };
    let owner = st
        .users
        .get(caller.user)
        .map(|u| u.id.clone())
        .unwrap_or_default();
    if subscriber_id != fitbit.config.default_subscriber_id
        && !st.subscribers.contains_key(&subscriber_id)
    {
        return validation_error(
            "X-Fitbit-Subscriber-Id",
            format!("Invalid subscriber id: {subscriber_id}"),
        );
    }
    match (req.method().clone(), rest) {
        (Method::GET, []) => {
            let list: Vec<_> = st
                .subscriptions
                .iter()
                .filter(|s| {
                    s.owner_id == owner
                        && (collection.is_none() || s.collection.as_deref() == collection)
                })
                .map(Subscription::to_json)
                .collect();
            caller.ok().json(json!({"apiSubscriptions": list}))
        }
        (Method::POST, [id]) => {
            if id.is_empty() || id.len() > 50 {
                return validation_error(
                    "subscription-id",
                    "The subscription id must have 1 to 50 characters",
                );
            }
            let wanted = Subscription {
                subscription_id: (*id).to_owned(),
                subscriber_id,
                owner_id: owner,
                collection: collection.map(str::to_owned),
            };
            let same_id = st
                .subscriptions
                .iter()
                .find(|s| s.subscription_id == *id && s.subscriber_id == wanted.subscriber_id);
            if let Some(existing) = same_id {
                if existing.owner_id == wanted.owner_id && existing.collection == wanted.collection
                {
                    return caller.ok().json(existing.to_json());
                }
                return conflict(existing);
            }
            let clash = st.subscriptions.iter().find(|s| {
                s.owner_id == wanted.owner_id
                    && s.collection == wanted.collection
                    && s.subscriber_id == wanted.subscriber_id
            });
            if let Some(existing) = clash {
                return conflict(existing);
            }
            let body = wanted.to_json();
            st.subscriptions.push(wanted);
            caller.with_headers(HttpResponse::Created()).json(body)
        }
        (Method::DELETE, [id]) => {
            let before = st.subscriptions.len();
            st.subscriptions.retain(|s| {
                !(s.subscription_id == *id
                    && s.owner_id == owner
                    && s.collection.as_deref() == collection)
            });
            if st.subscriptions.len() == before {
                return not_found(&format!("subscription {id} not found"));
            }
            caller.with_headers(HttpResponse::NoContent()).finish()
        }
        (Method::GET | Method::POST | Method::DELETE, _) => not_found("unknown resource"),
        _ => fitbit_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "request",
            "method not allowed",
        ),
    }
}

fn conflict(existing: &Subscription) -> HttpResponse {
    HttpResponse::Conflict().json(json!({
        "apiSubscriptions": [existing.to_json()],
        "errors": [{"errorType": "conflict", "message": "A subscription with this id or for this collection already exists"}],
        "success": false,
    }))
}
