//! In-memory state of the Garmin emulator.

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::data::User;
use super::kind::Kind;

/// A single-use authorization code bound to its PKCE challenge.
#[derive(Debug, Clone)]
pub(crate) struct AuthCode {
    pub(crate) redirect_uri: String,
    pub(crate) user: usize,
    pub(crate) code_challenge: String,
    pub(crate) expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub(crate) struct AccessToken {
    pub(crate) user: usize,
    pub(crate) expires_at: DateTime<Utc>,
    pub(crate) revoked: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct RefreshToken {
    pub(crate) user: usize,
    pub(crate) expires_at: DateTime<Utc>,
    /// When it was exchanged for a new pair (rotation).
    pub(crate) used_at: Option<DateTime<Utc>>,
    pub(crate) revoked: bool,
}

/// How a summary type is delivered (Garmin's endpoint configuration tool).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Mode {
    Push,
    Ping,
}

/// The configured notification endpoint.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Target {
    pub(crate) url: String,
    pub(crate) mode: Mode,
    /// Per summary type (webhook key) overrides.
    pub(crate) modes: HashMap<String, Mode>,
}

impl Target {
    pub(crate) fn mode_for(&self, kind: Kind) -> Mode {
        self.modes.get(kind.key()).copied().unwrap_or(self.mode)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum DeliveryState {
    Pending,
    Delivered,
    Failed,
}

/// One webhook POST (and its retries).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Delivery {
    pub(crate) id: u64,
    pub(crate) url: String,
    /// The list key (`dailies`, `deregistrations`, …).
    pub(crate) key: String,
    /// `push`, `ping`, or `lifecycle`.
    pub(crate) mode: &'static str,
    pub(crate) items: usize,
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

/// A backfill request already made (Garmin answers 409 to an overlapping one).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Backfill {
    pub(crate) user: usize,
    pub(crate) kind: Kind,
    pub(crate) start: i64,
    pub(crate) end: i64,
}

pub(crate) struct State {
    pub(crate) users: Vec<User>,
    pub(crate) codes: HashMap<String, AuthCode>,
    pub(crate) access_tokens: HashMap<String, AccessToken>,
    pub(crate) refresh_tokens: HashMap<String, RefreshToken>,
    pub(crate) target: Option<Target>,
    pub(crate) deliveries: Vec<Delivery>,
    pub(crate) fault: Option<Fault>,
    pub(crate) backfills: Vec<Backfill>,
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
            target: None,
            deliveries: Vec::new(),
            fault: None,
            backfills: Vec::new(),
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

    /// Issues a new access + refresh token pair; returns `(access, refresh)`.
    pub(crate) fn issue_tokens(
        &mut self,
        user: usize,
        access_ttl_secs: i64,
        refresh_ttl_secs: i64,
    ) -> (String, String) {
        let access = self.secret(64);
        let refresh = self.secret(64);
        let now = Utc::now();
        self.access_tokens.insert(
            access.clone(),
            AccessToken {
                user,
                expires_at: now + TimeDelta::seconds(access_ttl_secs),
                revoked: false,
            },
        );
        self.refresh_tokens.insert(
            refresh.clone(),
            RefreshToken {
                user,
                expires_at: now + TimeDelta::seconds(refresh_ttl_secs),
                used_at: None,
                revoked: false,
            },
        );
        (access, refresh)
    }

    /// Revokes every token of `user` (deregistration, deauthorization).
    pub(crate) fn revoke_user_tokens(&mut self, user: usize) {
        for token in self.access_tokens.values_mut().filter(|t| t.user == user) {
            token.revoked = true;
        }
        for token in self.refresh_tokens.values_mut().filter(|t| t.user == user) {
            token.revoked = true;
        }
    }
}
