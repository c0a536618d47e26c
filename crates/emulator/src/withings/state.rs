//! In-memory state of the Withings emulator: codes, tokens with Withings' rotation rule,
//! nonces, subscriptions, deliveries and injected faults.

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

use super::data::User;

/// A single-use authorization code (valid 30 seconds).
#[derive(Debug, Clone)]
pub(crate) struct AuthCode {
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
    /// Set by the first API call made with it; ends the grace of the refresh token it replaced.
    pub(crate) used: bool,
    /// The refresh token that was exchanged for this one, if any.
    pub(crate) parent: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct RefreshToken {
    pub(crate) user: usize,
    pub(crate) scope: String,
    pub(crate) expires_at: DateTime<Utc>,
    pub(crate) revoked: bool,
    /// When a refresh with this token first issued a new pair.
    pub(crate) superseded_at: Option<DateTime<Utc>>,
}

/// One `action=subscribe` of one user.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Subscription {
    pub(crate) user_id: String,
    pub(crate) appli: i64,
    pub(crate) callbackurl: String,
    pub(crate) comment: Option<String>,
    /// Failed delivery attempts in a row.
    pub(crate) failures: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum DeliveryState {
    Pending,
    Delivered,
    /// Every attempt failed.
    Failed,
    /// The subscription was removed after too many failures in a row.
    Dropped,
}

/// One notification sent (or being retried) to one subscription.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Delivery {
    pub(crate) id: u64,
    pub(crate) user_id: String,
    pub(crate) appli: i64,
    pub(crate) callback_url: String,
    pub(crate) body: String,
    pub(crate) attempts: u32,
    pub(crate) status: Option<u16>,
    pub(crate) error: Option<String>,
    pub(crate) state: DeliveryState,
}

/// Injected failure for the next `remaining` REST responses.
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
    /// Nonces handed out by `getnonce`, single use.
    pub(crate) nonces: HashMap<String, DateTime<Utc>>,
    pub(crate) subscriptions: Vec<Subscription>,
    pub(crate) deliveries: Vec<Delivery>,
    pub(crate) fault: Option<Fault>,
    /// Secrets (tokens, codes, nonces) are not part of the deterministic data.
    pub(crate) secrets: fastrand::Rng,
}

impl Default for State {
    fn default() -> Self {
        Self {
            users: Vec::new(),
            codes: HashMap::new(),
            access_tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            nonces: HashMap::new(),
            subscriptions: Vec::new(),
            deliveries: Vec::new(),
            fault: None,
            secrets: fastrand::Rng::new(),
        }
    }
}

impl State {
    /// A random lowercase hex string of `len` characters (Withings tokens are 40 hex digits).
    pub(crate) fn secret(&mut self, len: usize) -> String {
        const HEX: &[u8] = b"0123456789abcdef";
        (0..len)
            .map(|_| char::from(HEX[self.secrets.usize(..HEX.len())]))
            .collect()
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
        user: usize,
        scope: &str,
        access_ttl_secs: i64,
        refresh_ttl_secs: i64,
        parent: Option<String>,
    ) -> (String, String) {
        let access = self.secret(40);
        let refresh = self.secret(40);
        let now = Utc::now();
        self.access_tokens.insert(
            access.clone(),
            AccessToken {
                user,
                expires_at: now + TimeDelta::seconds(access_ttl_secs),
                revoked: false,
                used: false,
                parent,
            },
        );
        self.refresh_tokens.insert(
            refresh.clone(),
            RefreshToken {
                user,
                scope: scope.to_owned(),
                expires_at: now + TimeDelta::seconds(refresh_ttl_secs),
                revoked: false,
                superseded_at: None,
            },
        );
        (access, refresh)
    }

    /// Whether `refresh` may still be exchanged: not revoked or expired, and if already
    /// rotated, within `grace_secs` of the rotation and before the new access token was used.
    pub(crate) fn refresh_usable(&self, refresh: &str, grace_secs: i64) -> bool {
        let Some(token) = self.refresh_tokens.get(refresh) else {
            return false;
        };
        let now = Utc::now();
        if token.revoked || token.expires_at <= now {
            return false;
        }
        match token.superseded_at {
            None => true,
            Some(at) => {
                let successor_used = self
                    .access_tokens
                    .values()
                    .any(|a| a.used && a.parent.as_deref() == Some(refresh));
                now < at + TimeDelta::seconds(grace_secs) && !successor_used
            }
        }
    }

    /// Revokes every token of `user` and drops their subscriptions.
    pub(crate) fn revoke_user(&mut self, user: usize) {
        for token in self.access_tokens.values_mut().filter(|t| t.user == user) {
            token.revoked = true;
        }
        for token in self.refresh_tokens.values_mut().filter(|t| t.user == user) {
            token.revoked = true;
        }
        if let Some(id) = self.users.get(user).map(|u| u.id.clone()) {
            self.subscriptions.retain(|s| s.user_id != id);
        }
    }
}
