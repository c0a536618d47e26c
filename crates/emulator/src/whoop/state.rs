//! In-memory state of the WHOOP emulator: users, OAuth grants, deliveries, injected faults.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::data::User;

/// A single-use authorization code.
#[derive(Debug, Clone)]
pub(crate) struct AuthCode {
    pub(crate) redirect_uri: String,
    pub(crate) user: usize,
    pub(crate) scope: String,
    pub(crate) expires_at: DateTime<Utc>,
    /// `(code_challenge, method)` when the authorize request carried PKCE.
    pub(crate) pkce: Option<(String, String)>,
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
    /// Used (rotated) or revoked: refresh tokens are single use.
    pub(crate) spent: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum DeliveryState {
    /// Not yet delivered; retries are scheduled.
    Pending,
    Delivered,
    /// Every retry failed.
    Failed,
}

/// One webhook sent (or being retried) to the configured webhook URL.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Delivery {
    pub(crate) id: u64,
    pub(crate) url: String,
    pub(crate) user_id: i64,
    #[serde(rename = "type")]
    pub(crate) event: String,
    pub(crate) object_id: String,
    pub(crate) trace_id: String,
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
    /// The app's webhook URL (set in the WHOOP developer dashboard; here by the control API).
    pub(crate) webhook_url: Option<String>,
    pub(crate) deliveries: Vec<Delivery>,
    pub(crate) fault: Option<Fault>,
    /// Start of the current rate-limit minute and the requests counted in it.
    pub(crate) rate_window: (DateTime<Utc>, u32),
    /// Secrets (tokens, codes, trace ids) are not part of the deterministic data.
    pub(crate) secrets: fastrand::Rng,
}

impl Default for State {
    fn default() -> Self {
        Self {
            users: Vec::new(),
            codes: HashMap::new(),
            access_tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            webhook_url: None,
            deliveries: Vec::new(),
            fault: None,
            rate_window: (Utc::now(), 0),
            secrets: fastrand::Rng::new(),
        }
    }
}

impl State {
    /// A random URL-safe string of `len` characters.
    pub(crate) fn secret(&mut self, len: usize) -> String {
        (0..len).map(|_| self.secrets.alphanumeric()).collect()
    }

    /// A random uuid-v4 string.
    pub(crate) fn uuid(&mut self) -> String {
        let mut bytes = [0u8; 16];
        self.secrets.fill(&mut bytes);
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .to_string()
    }

    pub(crate) fn user_index(&self, user_id: &str) -> Option<usize> {
        let id: i64 = user_id.trim().parse().ok()?;
        self.users.iter().position(|u| u.profile.user_id == id)
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

    /// Counts one API request in the current minute; returns `(used, seconds until reset)`.
    pub(crate) fn count_request(&mut self, now: DateTime<Utc>) -> (u32, i64) {
        let (start, used) = &mut self.rate_window;
        if (now - *start).num_seconds() >= 60 {
            *start = now;
            *used = 0;
        }
        *used += 1;
        (*used, 60 - (now - *start).num_seconds())
    }

    /// Issues an access token, and a refresh token when `offline` was granted.
    pub(crate) fn issue_tokens(
        &mut self,
        user: usize,
        scope: &str,
        ttl_secs: i64,
    ) -> (String, Option<String>) {
        let access = format!("ory_at_{}", self.secret(43));
        self.access_tokens.insert(
            access.clone(),
            AccessToken {
                user,
                scope: scope.to_owned(),
                expires_at: Utc::now() + chrono::TimeDelta::seconds(ttl_secs),
                revoked: false,
            },
        );
        let refresh = scope.split(' ').any(|s| s == "offline").then(|| {
            let refresh = format!("ory_rt_{}", self.secret(43));
            self.refresh_tokens.insert(
                refresh.clone(),
                RefreshToken {
                    user,
                    scope: scope.to_owned(),
                    spent: false,
                },
            );
            refresh
        });
        if let Some(u) = self.users.get_mut(user) {
            u.connected = true;
        }
        (access, refresh)
    }

    /// Revokes every token of `user` (or of every user); returns how many access tokens.
    pub(crate) fn revoke_tokens(&mut self, user: Option<usize>) -> usize {
        let matches = |u: usize| user.is_none_or(|only| only == u);
        let mut revoked = 0;
        for token in self.access_tokens.values_mut() {
            if matches(token.user) && !token.revoked {
                token.revoked = true;
                revoked += 1;
            }
        }
        for token in self.refresh_tokens.values_mut() {
            if matches(token.user) {
                token.spent = true;
            }
        }
        for (index, u) in self.users.iter_mut().enumerate() {
            if matches(index) {
                u.connected = false;
            }
        }
        revoked
    }
}
