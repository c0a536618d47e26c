//! Oura's app-level webhook subscription API (`x-client-id` / `x-client-secret` headers).
//! Creating a subscription makes Oura call our callback with a verification challenge first,
//! so the webhook-receiver must already be serving the callback URL.

use domain::Provider;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::error::ProviderError;
use crate::http::HttpSender;

/// The (data type × event) pairs Wearhouse subscribes to.
pub const SUBSCRIBED_DATA_TYPES: &[&str] = &["sleep", "workout", "daily_activity"];
pub const SUBSCRIBED_EVENTS: &[&str] = &["create", "update", "delete"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    pub id: String,
    pub callback_url: String,
    pub event_type: String,
    pub data_type: String,
    #[serde(default)]
    pub expiration_time: Option<String>,
}

#[derive(Debug, Clone)]
pub struct SubscriptionClient {
    api_base_url: Url,
    client_id: String,
    client_secret: SecretString,
    sender: HttpSender,
}

impl SubscriptionClient {
    pub fn new(
        api_base_url: Url,
        client_id: String,
        client_secret: SecretString,
        sender: HttpSender,
    ) -> Self {
        Self {
            api_base_url,
            client_id,
            client_secret,
            sender,
        }
    }

    fn url(&self, tail: &[&str]) -> Result<Url, ProviderError> {
        let mut url = self.api_base_url.clone();
        url.path_segments_mut()
            .map_err(|()| {
                ProviderError::InvalidResponse("oura api base url cannot be a base".into())
            })?
            .pop_if_empty()
            .extend(["v2", "webhook", "subscription"])
            .extend(tail);
        Ok(url)
    }

    fn request(&self, method: reqwest::Method, url: Url) -> reqwest::RequestBuilder {
        self.sender
            .client()
            .request(method, url)
            .header("x-client-id", &self.client_id)
            .header("x-client-secret", self.client_secret.expose_secret())
    }

    fn build(builder: reqwest::RequestBuilder) -> Result<reqwest::Request, ProviderError> {
        builder
            .build()
            .map_err(|e| ProviderError::InvalidResponse(format!("request: {}", e.without_url())))
    }

    pub async fn list(&self) -> Result<Vec<Subscription>, ProviderError> {
        let request = Self::build(self.request(reqwest::Method::GET, self.url(&[])?))?;
        self.sender
            .send_json(Provider::Oura, "oura_list_subscriptions", request)
            .await
    }

    pub async fn create(
        &self,
        callback_url: &str,
        verification_token: &SecretString,
        event_type: &str,
        data_type: &str,
    ) -> Result<Subscription, ProviderError> {
        let body = serde_json::json!({
            "callback_url": callback_url,
            "verification_token": verification_token.expose_secret(),
            "event_type": event_type,
            "data_type": data_type,
        });
        let request = Self::build(
            self.request(reqwest::Method::POST, self.url(&[])?)
                .json(&body),
        )?;
        self.sender
            .send_json(Provider::Oura, "oura_create_subscription", request)
            .await
    }

    pub async fn renew(&self, id: &str) -> Result<Subscription, ProviderError> {
        let request = Self::build(self.request(reqwest::Method::PUT, self.url(&["renew", id])?))?;
        self.sender
            .send_json(Provider::Oura, "oura_renew_subscription", request)
            .await
    }

    /// Creates every missing (event, data type) subscription for `callback_url` and renews the
    /// existing ones. Returns the subscriptions now in place. Idempotent.
    pub async fn ensure(
        &self,
        callback_url: &str,
        verification_token: &SecretString,
    ) -> Result<Vec<Subscription>, ProviderError> {
        let existing = self.list().await?;
        let mut result = Vec::new();
        for data_type in SUBSCRIBED_DATA_TYPES {
            for event_type in SUBSCRIBED_EVENTS {
                let found = existing.iter().find(|s| {
                    s.callback_url == callback_url
                        && s.data_type == *data_type
                        && s.event_type == *event_type
                });
                let sub = match found {
                    Some(s) => self.renew(&s.id).await?,
                    None => match self
                        .create(callback_url, verification_token, event_type, data_type)
                        .await
                    {
                        Ok(s) => s,
                        // Someone else created it meanwhile.
                        Err(ProviderError::Status { status: 409, .. }) => continue,
                        Err(e) => return Err(e),
                    },
                };
                result.push(sub);
            }
        }
        Ok(result)
    }
}
