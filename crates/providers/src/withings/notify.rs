//! Per-user notification subscriptions (`POST /notify`, Bearer): `subscribe`, `list`, `revoke`,
//! and the callback URL we subscribe (with its `?token=`).

use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::Value;
use sha2::Sha256;
use url::Url;

use super::client::WithingsClient;
use crate::error::ProviderError;

/// The categories we subscribe: weight & body composition, blood pressure/heart rate/SpO2,
/// activity & workouts, sleep, and user events (unlink).
pub const NOTIFY_APPLIS: &[i64] = &[1, 4, 16, 44, 46];

/// Message of the callback token derivation (see [`notify_token`]).
const TOKEN_CONTEXT: &[u8] = b"wearhouse:withings:notify";

/// The `?token=` of our callback URL for a secret: hex HMAC-SHA256(secret, context). Never the
/// secret itself (URLs end up in logs).
pub fn notify_token(secret: &SecretString) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes()) else {
        // HMAC takes keys of any length: not reachable.
        return String::new();
    };
    mac.update(TOKEN_CONTEXT);
    hex::encode(mac.finalize().into_bytes())
}

/// The webhook URL matching an OAuth redirect URL: `{origin}{prefix}/oauth/withings/callback`
/// becomes `{origin}{prefix}/providers/withings/webhooks?token=..` (the services' routes); any
/// other redirect path gives `{origin}/api/v1/providers/withings/webhooks?token=..`.
pub fn callback_url(redirect_url: &Url, token: &str) -> Url {
    let mut url = redirect_url.clone();
    let path = redirect_url.path();
    let new_path = match path.strip_suffix("oauth/withings/callback") {
        Some(prefix) => format!("{prefix}providers/withings/webhooks"),
        None => "/api/v1/providers/withings/webhooks".to_owned(),
    };
    url.set_path(&new_path);
    url.set_fragment(None);
    url.set_query(None);
    url.query_pairs_mut().append_pair("token", token);
    url
}

/// One subscription, as `action=list` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Subscription {
    pub appli: i64,
    pub callbackurl: String,
    #[serde(default)]
    pub comment: Option<String>,
    #[serde(default)]
    pub expires: Option<i64>,
}

#[derive(Deserialize)]
struct Profiles {
    #[serde(default)]
    profiles: Vec<Subscription>,
}

impl WithingsClient {
    /// `action=subscribe`: Withings checks the callback URL is reachable before accepting it.
    pub async fn subscribe(
        &self,
        token: &SecretString,
        callback_url: &Url,
        appli: i64,
    ) -> Result<(), ProviderError> {
        let params = [
            ("action", "subscribe".to_owned()),
            ("callbackurl", callback_url.to_string()),
            ("appli", appli.to_string()),
            ("comment", "wearhouse".to_owned()),
        ];
        self.call(token, &["notify"], &params, "withings_notify_subscribe")
            .await
            .map(|_| ())
    }

    /// `action=list`: every subscription of the user (all categories).
    pub async fn subscriptions(
        &self,
        token: &SecretString,
    ) -> Result<Vec<Subscription>, ProviderError> {
        let params = [("action", "list".to_owned())];
        let answer = self
            .call(token, &["notify"], &params, "withings_notify_list")
            .await?;
        let body = answer.envelope.body.unwrap_or(Value::Null);
        let profiles: Profiles = serde_json::from_value(body)
            .map_err(|e| ProviderError::InvalidResponse(format!("withings notify list: {e}")))?;
        Ok(profiles.profiles)
    }

    /// `action=revoke` of one subscription.
    pub async fn unsubscribe(
        &self,
        token: &SecretString,
        callback_url: &str,
        appli: i64,
    ) -> Result<(), ProviderError> {
        let params = [
            ("action", "revoke".to_owned()),
            ("callbackurl", callback_url.to_owned()),
            ("appli", appli.to_string()),
        ];
        self.call(token, &["notify"], &params, "withings_notify_revoke")
            .await
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_callback_url_follows_the_redirect_url_and_carries_the_token() {
        let redirect =
            Url::parse("https://api.example.com/api/v1/oauth/withings/callback").unwrap();
        let url = callback_url(&redirect, "t0k");
        assert_eq!(
            url.as_str(),
            "https://api.example.com/api/v1/providers/withings/webhooks?token=t0k"
        );
        let other = Url::parse("http://127.0.0.1:8000/cb?x=1#f").unwrap();
        assert_eq!(
            callback_url(&other, "t").as_str(),
            "http://127.0.0.1:8000/api/v1/providers/withings/webhooks?token=t"
        );
    }

    #[test]
    fn notify_tokens_are_derived_and_never_the_secret() {
        let secret = SecretString::from("client-secret");
        let token = notify_token(&secret);
        assert_eq!(token.len(), 64);
        assert!(!token.contains("client-secret"));
        assert_eq!(token, notify_token(&SecretString::from("client-secret")));
        assert_ne!(token, notify_token(&SecretString::from("client-secret2")));
    }
}
