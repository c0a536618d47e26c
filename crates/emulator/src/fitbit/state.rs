//! In-memory state of the Fitbit emulator.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::data::User;

/// A single-use authorization code with its PKCE challenge.
#[derive(Debug, Clone)]
pub(crate) struct AuthCode {
    pub(crate) redirect_uri: String,
    pub(crate) user: usize,
    pub(crate) scope: String,
    pub(crate) code_challenge: Option<String>,
    pub(crate) expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub(crate) struct AccessToken {
    pub(crate) user: usize,
    pub(crate) scope: String,
    pub(crate) expires_at: DateTime<Utc>,
    pub(crate) revoked: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct RefreshToken {
    pub(crate) user: usize,
    pub(crate) scope: String,
    /// Used (rotated) or revoked: Fitbit refresh tokens are single use.
    pub(crate) spent: bool,
}

/// A subscriber endpoint as registered in the developer portal.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Subscriber {
    pub(crate) id: String,
    pub(crate) url: String,
    pub(crate) verified: bool,
}

/// One user's subscription (`collection` `None` = every collection).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Subscription {
    pub(crate) subscription_id: String,
    pub(crate) subscriber_id: String,
    pub(crate) owner_id: String,
    pub(crate) collection: Option<String>,
}

impl Subscription {
    pub(crate) fn covers(&self, collection: &str) -> bool {
        self.collection.as_deref().is_none_or(|c| c == collection)
    }

    /// The API's JSON shape; an every-collection subscription shows `collectionType: "user"`.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "collectionType": self.collection.as_deref().unwrap_or("user"),
            "ownerId": self.owner_id,
            "ownerType": "user",
            "subscriberId": self.subscriber_id,
            "subscriptionId": self.subscription_id,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum DeliveryState {
    /// Not yet acknowledged; retries are scheduled.
    Pending,
    Delivered,
    /// Every retry failed, or no endpoint is configured for the subscriber.
    Failed,
}

/// One notification body sent (or being retried) to one subscriber.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Delivery {
    pub(crate) id: u64,
    pub(crate) subscriber_id: String,
    pub(crate) url: Option<String>,
    pub(crate) collection_type: String,
    pub(crate) owner_id: String,
    pub(crate) date: String,
    pub(crate) body: String,
    pub(crate) signature: String,
    pub(crate) attempts: u32,
    pub(crate) status: Option<u16>,
    pub(crate) error: Option<String>,
    pub(crate) state: DeliveryState,
}

/// Injected failure for the next `remaining` REST API responses.
#[derive(Debug, Clone)]
pub(crate) struct Fault {
    pub(crate) status: u16,
    pub(crate) remaining: u32,
    pub(crate) retry_after: u64,
}

pub(crate) struct State {
    pub(crate) users: Vec<User>,
    pub(crate) codes: HashMap<String, AuthCode>,
    pub(crate) access_tokens: HashMap<String, AccessToken>,
    pub(crate) refresh_tokens: HashMap<String, RefreshToken>,
    pub(crate) subscribers: HashMap<String, Subscriber>,
    pub(crate) subscriptions: Vec<Subscription>,
    pub(crate) deliveries: Vec<Delivery>,
    pub(crate) fault: Option<Fault>,
    /// Requests per user in the current clock hour: `(hour start, count)`.
    pub(crate) usage: HashMap<usize, (i64, u32)>,
    /// Secrets (tokens, codes) are not part of the deterministic data.
    pub(crate) secrets: fastrand::Rng,
}

impl Default for State {
    fn default() -> Self {
        Self {
            users: Vec::new(),
            codes: HashMap::new(),
            access_tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            subscribers: HashMap::new(),
            subscriptions: Vec::new(),
            deliveries: Vec::new(),
            fault: None,
            usage: HashMap::new(),
            secrets: fastrand::Rng::new(),
        }
    }
}

impl State {
    /// A random alphanumeric string of `len` characters.
    pub(crate) fn secret(&mut self, len: usize) -> String {
        (0..len).map(|_| self.secrets.alphanumeric()).collect()
    }

    pub(crate) fn user_index(&self, user_id: &str) -> Option<usize> {
        self.users.iter().position(|u| u.id == user_id)
    }

    /// Takes one injected failure, if any is pending.
    pub(crate) fn take_fault(&mut self) -> Option<Fault> {
        let fault = self.fault.as_mut()?;
        fault.remaining = fault.remaining.saturating_sub(1);
        let taken = fault.clone();
        if fault.remaining == 0 {
            self.fault = None;
        }
        Some(taken)
    }

    /// Counts one request of `user` in the current hour; returns the count so far.
    pub(crate) fn count_request(&mut self, user: usize, now: DateTime<Utc>) -> u32 {
        let hour = now.timestamp() - now.timestamp().rem_euclid(3600);
        let entry = self.usage.entry(user).or_insert((hour, 0));
        if entry.0 != hour {
            *entry = (hour, 0);
        }
        entry.1 += 1;
        entry.1
    }

    /// Issues a new access + refresh token pair; returns `(access, refresh)`.
    pub(crate) fn issue_tokens(
        &mut self,
        user: usize,
        scope: &str,
        ttl_secs: i64,
    ) -> (String, String) {
        let access = self.secret(64);
        let refresh = self.secret(64);
        self.access_tokens.insert(
            access.clone(),
            AccessToken {
                user,
                scope: scope.to_owned(),
                expires_at: Utc::now() + chrono::TimeDelta::seconds(ttl_secs),
                revoked: false,
            },
        );
        self.refresh_tokens.insert(
            refresh.clone(),
            RefreshToken {
                user,
                scope: scope.to_owned(),
                spent: false,
            },
        );
        (access, refresh)
    }

    /// Revokes every access and refresh token of `user` (Fitbit revokes the whole grant).
    pub(crate) fn revoke_user(&mut self, user: usize) {
        for token in self.access_tokens.values_mut().filter(|t| t.user == user) {
            token.revoked = true;
        }
        for token in self.refresh_tokens.values_mut().filter(|t| t.user == user) {
            token.spent = true;
        }
    }
}
