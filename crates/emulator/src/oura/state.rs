//! In-memory state of the Oura emulator.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::data::User;

/// A single-use authorization code.
#[derive(Debug, Clone)]
pub(crate) struct AuthCode {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) user: usize,
    pub(crate) scope: String,
    pub(crate) expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub(crate) struct AccessToken {
    pub(crate) user: usize,
    pub(crate) expires_at: DateTime<Utc>,
    pub(crate) revoked: bool,
    pub(crate) refresh_token: String,
}

#[derive(Debug, Clone)]
pub(crate) struct RefreshToken {
    pub(crate) client_id: String,
    pub(crate) user: usize,
    pub(crate) scope: String,
    /// Used (rotated) or revoked: refresh tokens are single use.
    pub(crate) spent: bool,
}

/// `WebhookSubscriptionModel` plus the verification token it was created with.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Subscription {
    pub(crate) id: String,
    pub(crate) callback_url: String,
    pub(crate) event_type: String,
    pub(crate) data_type: String,
    pub(crate) expiration_time: String,
    #[serde(skip)]
    pub(crate) verification_token: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum DeliveryState {
    /// Not yet delivered; retries are scheduled.
    Pending,
    Delivered,
    /// Every retry failed.
    Failed,
    /// The callback answered 410: the subscription was deleted.
    Gone,
}

/// One notification sent (or being retried) to one subscription.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Delivery {
    pub(crate) id: u64,
    pub(crate) subscription_id: String,
    pub(crate) callback_url: String,
    pub(crate) event_type: String,
    pub(crate) data_type: String,
    pub(crate) object_id: String,
    pub(crate) body: String,
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
    pub(crate) subscriptions: Vec<Subscription>,
    pub(crate) deliveries: Vec<Delivery>,
    pub(crate) fault: Option<Fault>,
    /// Secrets (tokens, codes, challenges) are not part of the deterministic data.
    pub(crate) secrets: fastrand::Rng,
}

impl Default for State {
    fn default() -> Self {
        Self {
            users: Vec::new(),
            codes: HashMap::new(),
            access_tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            subscriptions: Vec::new(),
            deliveries: Vec::new(),
            fault: None,
            secrets: fastrand::Rng::new(),
        }
    }
}

impl State {
    /// A random URL-safe string of `len` characters.
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

    /// Issues a new access + refresh token pair; returns `(access, refresh)`.
    pub(crate) fn issue_tokens(
        &mut self,
        client_id: &str,
        user: usize,
        scope: &str,
        ttl_secs: i64,
    ) -> (String, String) {
        let access = self.secret(48);
        let refresh = self.secret(48);
        self.access_tokens.insert(
            access.clone(),
            AccessToken {
                user,
                expires_at: Utc::now() + chrono::TimeDelta::seconds(ttl_secs),
                revoked: false,
                refresh_token: refresh.clone(),
            },
        );
        self.refresh_tokens.insert(
            refresh.clone(),
            RefreshToken {
                client_id: client_id.to_owned(),
                user,
                scope: scope.to_owned(),
                spent: false,
            },
        );
        (access, refresh)
    }

    /// Finds the owner of a document of `data_type` with id `object_id`.
    pub(crate) fn document_owner(&self, data_type: &str, object_id: &str) -> Option<usize> {
        self.users.iter().position(|u| match data_type {
            "sleep" => u.sleeps.iter().any(|d| d.id == object_id),
            "workout" => u.workouts.iter().any(|d| d.id == object_id),
            "daily_activity" => u.activities.iter().any(|d| d.id == object_id),
            _ => false,
        })
    }
}
