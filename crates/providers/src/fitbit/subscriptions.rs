//! Per-user subscriptions (`/1/user/-/[{collection}/]apiSubscriptions[/{id}].json`), made with the
//! user's own token on the app's default subscriber (the endpoint URL and its verification code
//! are registered in the Fitbit developer portal, not through the API).

use domain::Provider;
use reqwest::Method;
use secrecy::SecretString;
use serde::Deserialize;

use super::{COLLECTIONS, FitbitClient};
use crate::error::ProviderError;

/// `GET /1/user/-/apiSubscriptions.json` entries.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    /// `user` (or absent) for a subscription to every collection.
    #[serde(default)]
    pub collection_type: Option<String>,
    pub owner_id: String,
    #[serde(default)]
    pub owner_type: Option<String>,
    #[serde(default)]
    pub subscriber_id: Option<String>,
    pub subscription_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SubscriptionList {
    #[serde(default)]
    api_subscriptions: Vec<Subscription>,
}

/// Our subscription id for one user and collection: unique per subscriber, at most 50 characters.
pub fn subscription_id(owner_id: &str, collection: &str) -> String {
    let id = format!("{owner_id}-{collection}");
    id.chars().take(50).collect()
}

fn path(collection: Option<&str>, tail: &str) -> Vec<String> {
    let mut segments = vec!["1".to_owned(), "user".to_owned(), "-".to_owned()];
    if let Some(collection) = collection {
        segments.push(collection.to_owned());
    }
    segments.push("apiSubscriptions".to_owned());
    segments.push(tail.to_owned());
    segments
}

/// Subscribes the token's user to every collection in [`COLLECTIONS`]; an identical existing
/// subscription (200) or a conflicting one (409) counts as in place. Returns the ids.
pub async fn ensure(
    client: &FitbitClient,
    token: &SecretString,
    owner_id: &str,
) -> Result<Vec<String>, ProviderError> {
    let mut ids = Vec::with_capacity(COLLECTIONS.len());
    for collection in COLLECTIONS {
        let id = subscription_id(owner_id, collection);
        let segments = path(Some(collection), &format!("{id}.json"));
        let result = send(client, Method::POST, &segments, token, "fitbit_subscribe").await;
        match result {
            Ok(()) | Err(ProviderError::Status { status: 409, .. }) => ids.push(id),
            Err(e) => return Err(e),
        }
    }
    Ok(ids)
}

/// Every subscription of the token's user (all collections).
pub async fn list(
    client: &FitbitClient,
    token: &SecretString,
) -> Result<Vec<Subscription>, ProviderError> {
    let url = client.base_url(&["1", "user", "-", "apiSubscriptions.json"])?;
    let request = client.get(url, token, &[])?;
    let list: SubscriptionList = client
        .sender()
        .send_json(Provider::Fitbit, "fitbit_list_subscriptions", request)
        .await?;
    Ok(list.api_subscriptions)
}

/// Deletes every subscription of the token's user; one already gone (404) is fine.
pub async fn remove_all(
    client: &FitbitClient,
    token: &SecretString,
) -> Result<usize, ProviderError> {
    let existing = list(client, token).await?;
    for subscription in &existing {
        // An every-collection subscription lists as `collectionType: "user"`.
        let collection = subscription
            .collection_type
            .as_deref()
            .filter(|c| *c != "user");
        let segments = path(
            collection,
            &format!("{}.json", subscription.subscription_id),
        );
        match send(
            client,
            Method::DELETE,
            &segments,
            token,
            "fitbit_unsubscribe",
        )
        .await
        {
            Ok(()) | Err(ProviderError::Status { status: 404, .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(existing.len())
}

async fn send(
    client: &FitbitClient,
    method: Method,
    segments: &[String],
    token: &SecretString,
    operation: &'static str,
) -> Result<(), ProviderError> {
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let url = client.base_url(&segments)?;
    let request = client.request(method, url, token, &[])?;
    client
        .sender()
        .send(Provider::Fitbit, operation, request)
        .await
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscription_ids_name_the_user_and_collection_within_fifty_characters() {
        assert_eq!(subscription_id("26FWFL", "sleep"), "26FWFL-sleep");
        assert_eq!(subscription_id(&"X".repeat(60), "sleep").len(), 50);
    }

    #[test]
    fn paths_name_the_collection_when_there_is_one() {
        assert_eq!(
            path(Some("sleep"), "A-sleep.json").join("/"),
            "1/user/-/sleep/apiSubscriptions/A-sleep.json"
        );
        assert_eq!(
            path(None, "A.json").join("/"),
            "1/user/-/apiSubscriptions/A.json"
        );
    }
}
