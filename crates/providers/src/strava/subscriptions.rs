//! Strava's push subscription API (one subscription per application), authenticated with the
//! client id and secret as form/query parameters:
//! `POST /push_subscriptions` (Strava validates the callback with a `hub.challenge` GET before
//! answering), `GET /push_subscriptions`, `DELETE /push_subscriptions/{id}`.
//!
//! The callback URL must carry the secret our verifier checks: build it with
//! [`callback_url_with_token`].

use domain::Provider;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use crate::error::ProviderError;
use crate::http::HttpSender;

/// One push subscription, as listed by `GET /push_subscriptions`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PushSubscription {
    pub id: u64,
    #[serde(default)]
    pub application_id: Option<u64>,
    pub callback_url: String,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

#[derive(Deserialize)]
struct Created {
    id: u64,
}

/// `callback` with `token=<secret>` appended to its query (what [`super::verify_webhook`] checks).
pub fn callback_url_with_token(callback: &str, token: &SecretString) -> Result<Url, ProviderError> {
    let mut url = Url::parse(callback)
        .map_err(|e| ProviderError::InvalidResponse(format!("callback url: {e}")))?;
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != super::webhook::TOKEN_PARAM)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair(super::webhook::TOKEN_PARAM, token.expose_secret());
    Ok(url)
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

    fn url(&self, segments: &[&str]) -> Result<Url, ProviderError> {
        let mut url = self.api_base_url.clone();
        url.path_segments_mut()
            .map_err(|()| {
                ProviderError::InvalidResponse("strava api base url cannot be a base".into())
            })?
            .pop_if_empty()
            .push("push_subscriptions")
            .extend(segments);
        Ok(url)
    }

    fn credentials(&self) -> [(&str, &str); 2] {
        [
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose_secret()),
        ]
    }

    fn build(builder: reqwest::RequestBuilder) -> Result<reqwest::Request, ProviderError> {
        builder
            .build()
            .map_err(|e| ProviderError::InvalidResponse(format!("request: {}", e.without_url())))
    }

    /// The application's subscriptions (zero or one).
    pub async fn list(&self) -> Result<Vec<PushSubscription>, ProviderError> {
        let request = Self::build(
            self.sender
                .client()
                .get(self.url(&[])?)
                .query(&self.credentials()),
        )?;
        self.sender
            .send_json(Provider::Strava, "strava_list_subscriptions", request)
            .await
    }

    /// Creates the subscription; Strava validates `callback_url` (with `verify_token`) first.
    pub async fn create(
        &self,
        callback_url: &str,
        verify_token: &SecretString,
    ) -> Result<u64, ProviderError> {
        let mut form = self.credentials().to_vec();
        form.push(("callback_url", callback_url));
        form.push(("verify_token", verify_token.expose_secret()));
        let request = Self::build(self.sender.client().post(self.url(&[])?).form(&form))?;
        let created: Created = self
            .sender
            .send_json(Provider::Strava, "strava_create_subscription", request)
            .await?;
        Ok(created.id)
    }

    pub async fn delete(&self, id: u64) -> Result<(), ProviderError> {
        let id = id.to_string();
        let request = Self::build(
            self.sender
                .client()
                .delete(self.url(&[&id])?)
                .query(&self.credentials()),
        )?;
        self.sender
            .send(Provider::Strava, "strava_delete_subscription", request)
            .await?;
        Ok(())
    }

    /// Makes `callback_url` the application's one subscription: keeps a matching one, replaces
    /// one with another callback. Returns the subscription id.
    pub async fn ensure(
        &self,
        callback_url: &str,
        verify_token: &SecretString,
    ) -> Result<u64, ProviderError> {
        for existing in self.list().await? {
            if existing.callback_url == callback_url {
                return Ok(existing.id);
            }
            self.delete(existing.id).await?;
        }
        self.create(callback_url, verify_token).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_appended_to_the_callback_query_and_replaces_an_old_one() {
        let token = SecretString::from("s3cr&t");
        let url = callback_url_with_token(
            "https://hooks.example/api/v1/providers/strava/webhooks",
            &token,
        )
        .unwrap();
        assert_eq!(
            url.as_str(),
            "https://hooks.example/api/v1/providers/strava/webhooks?token=s3cr%26t"
        );
        let url = callback_url_with_token("https://h.example/w?a=1&token=old", &token).unwrap();
        assert_eq!(url.as_str(), "https://h.example/w?a=1&token=s3cr%26t");
        assert!(callback_url_with_token("not a url", &token).is_err());
    }

    #[test]
    fn subscription_urls_sit_under_the_api_base() {
        let sender = HttpSender::new(crate::HttpSenderConfig::default()).unwrap();
        let client = SubscriptionClient::new(
            Url::parse("https://www.strava.com/api/v3").unwrap(),
            "1".into(),
            SecretString::from("s"),
            sender,
        );
        assert_eq!(
            client.url(&["120475"]).unwrap().as_str(),
            "https://www.strava.com/api/v3/push_subscriptions/120475"
        );
    }
}
