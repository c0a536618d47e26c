//! The AccessLink webhooks API (HTTP Basic with our client credentials): one webhook per client.
//! Creation answers the `signature_secret_key` exactly once; Wearhouse must store it as the
//! provider setting `webhook_secrets` (Polar pings the URL first, so the receiver must be up).

use domain::Provider;
use reqwest::header::ACCEPT;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::json;
use url::Url;

use crate::error::ProviderError;
use crate::http::{HttpSender, read_body};

/// An existing webhook (`GET /v3/webhooks`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct WebhookInfo {
    pub id: String,
    #[serde(default)]
    pub events: Vec<String>,
    pub url: String,
    #[serde(default = "active_by_default")]
    pub active: bool,
}

fn active_by_default() -> bool {
    true
}

/// The webhook in place after [`WebhookClient::ensure`].
#[derive(Debug, Clone)]
pub struct WebhookRegistration {
    pub id: String,
    pub url: String,
    pub events: Vec<String>,
    /// Only when the webhook was created now: store it, Polar never shows it again.
    pub signature_secret_key: Option<SecretString>,
}

#[derive(Deserialize)]
struct Listed {
    #[serde(default)]
    data: Vec<WebhookInfo>,
}

#[derive(Deserialize)]
struct Created {
    data: CreatedData,
}

#[derive(Deserialize)]
struct CreatedData {
    id: String,
    #[serde(default)]
    events: Vec<String>,
    url: String,
    signature_secret_key: String,
}

#[derive(Debug, Clone)]
pub struct WebhookClient {
    api_base_url: Url,
    client_id: String,
    client_secret: SecretString,
    sender: HttpSender,
}

impl WebhookClient {
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

    /// Makes our one webhook point at `callback_url` with `events`: creates it (returning the
    /// signing secret), or patches the existing one, and re-activates it if Polar deactivated it.
    pub async fn ensure(
        &self,
        callback_url: &str,
        events: &[&str],
    ) -> Result<WebhookRegistration, ProviderError> {
        let Some(existing) = self.get().await? else {
            return self.create(callback_url, events).await;
        };
        let same_events = events
            .iter()
            .all(|e| existing.events.iter().any(|x| x == e));
        let current = if existing.url != callback_url || !same_events {
            self.update(&existing.id, callback_url, events).await?
        } else {
            existing
        };
        if !current.active {
            self.activate().await?;
        }
        Ok(WebhookRegistration {
            id: current.id,
            url: current.url,
            events: current.events,
            signature_secret_key: None,
        })
    }

    /// `GET /v3/webhooks`: the client's webhook, if any.
    pub async fn get(&self) -> Result<Option<WebhookInfo>, ProviderError> {
        let request = self
            .request(reqwest::Method::GET, &[])?
            .build()
            .map_err(build_error)?;
        let listed: Listed = self
            .sender
            .send_json(Provider::Polar, "polar_webhook_get", request)
            .await?;
        Ok(listed.data.into_iter().next())
    }

    /// `POST /v3/webhooks` → 201 with the secret; 409 when one exists already.
    pub async fn create(
        &self,
        callback_url: &str,
        events: &[&str],
    ) -> Result<WebhookRegistration, ProviderError> {
        let request = self
            .request(reqwest::Method::POST, &[])?
            .json(&json!({ "events": events, "url": callback_url }))
            .build()
            .map_err(build_error)?;
        let created: Created = self
            .sender
            .send_json(Provider::Polar, "polar_webhook_create", request)
            .await?;
        Ok(WebhookRegistration {
            id: created.data.id,
            url: created.data.url,
            events: created.data.events,
            signature_secret_key: Some(SecretString::from(created.data.signature_secret_key)),
        })
    }

    /// `PATCH /v3/webhooks/{id}` (Polar pings a new URL first).
    pub async fn update(
        &self,
        id: &str,
        callback_url: &str,
        events: &[&str],
    ) -> Result<WebhookInfo, ProviderError> {
        let request = self
            .request(reqwest::Method::PATCH, &[id])?
            .json(&json!({ "events": events, "url": callback_url }))
            .build()
            .map_err(build_error)?;
        let response = self
            .sender
            .send(Provider::Polar, "polar_webhook_update", request)
            .await?;
        let body = read_body(response).await?;
        // The answer is `{"data": {..}}` or `{"data": [{..}]}`; fall back to what we sent.
        let value: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        let data = match value.get("data") {
            Some(serde_json::Value::Array(items)) => items.first().cloned(),
            Some(item) => Some(item.clone()),
            None => None,
        };
        Ok(data
            .and_then(|d| serde_json::from_value(d).ok())
            .unwrap_or_else(|| WebhookInfo {
                id: id.to_owned(),
                events: events.iter().map(|e| (*e).to_owned()).collect(),
                url: callback_url.to_owned(),
                active: true,
            }))
    }

    /// `DELETE /v3/webhooks/{id}` → 204.
    pub async fn delete(&self, id: &str) -> Result<(), ProviderError> {
        let request = self
            .request(reqwest::Method::DELETE, &[id])?
            .build()
            .map_err(build_error)?;
        self.sender
            .send(Provider::Polar, "polar_webhook_delete", request)
            .await
            .map(|_| ())
    }

    /// `POST /v3/webhooks/activate` (Polar pings the URL; 204 when there is no webhook).
    pub async fn activate(&self) -> Result<(), ProviderError> {
        let request = self
            .request(reqwest::Method::POST, &["activate"])?
            .build()
            .map_err(build_error)?;
        self.sender
            .send(Provider::Polar, "polar_webhook_activate", request)
            .await
            .map(|_| ())
    }

    fn request(
        &self,
        method: reqwest::Method,
        segments: &[&str],
    ) -> Result<reqwest::RequestBuilder, ProviderError> {
        let mut url = self.api_base_url.clone();
        url.path_segments_mut()
            .map_err(|()| {
                ProviderError::InvalidResponse("polar api base url cannot be a base".into())
            })?
            .pop_if_empty()
            .extend(["v3", "webhooks"])
            .extend(segments);
        Ok(self
            .sender
            .client()
            .request(method, url)
            .basic_auth(&self.client_id, Some(self.client_secret.expose_secret()))
            .header(ACCEPT, "application/json"))
    }
}

fn build_error(e: reqwest::Error) -> ProviderError {
    ProviderError::InvalidResponse(format!("request: {}", e.without_url()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HttpSenderConfig;

    #[test]
    fn management_requests_use_basic_auth_under_v3_webhooks() {
        let sender = HttpSender::new(HttpSenderConfig::default()).unwrap();
        let client = WebhookClient::new(
            Url::parse("http://127.0.0.1:9/polar").unwrap(),
            "id".into(),
            SecretString::from("secret"),
            sender,
        );
        let request = client
            .request(reqwest::Method::PATCH, &["abc"])
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(
            request.url().as_str(),
            "http://127.0.0.1:9/polar/v3/webhooks/abc"
        );
        let auth = request.headers()[reqwest::header::AUTHORIZATION]
            .to_str()
            .unwrap();
        assert_eq!(auth, "Basic aWQ6c2VjcmV0");
    }

    #[test]
    fn listed_webhooks_default_to_active() {
        let listed: Listed =
            serde_json::from_str(r#"{"data":[{"id":"w1","events":["SLEEP"],"url":"https://x"}]}"#)
                .unwrap();
        assert!(listed.data[0].active);
        let empty: Listed = serde_json::from_str(r#"{"data":[]}"#).unwrap();
        assert!(empty.data.is_empty());
    }
}
