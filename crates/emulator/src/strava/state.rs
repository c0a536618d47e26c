//! In-memory state of the Strava emulator: athletes, grants and tokens, the push subscription,
//! deliveries, injected faults and rate-limit usage.

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

use super::data::User;
use super::ratelimit::Usage;

/// A single-use authorization code.
#[derive(Debug, Clone)]
pub(crate) struct AuthCode {
    pub(crate) user: usize,
    pub(crate) scope: String,
    pub(crate) expires_at: DateTime<Utc>,
}

/// One athlete's authorization of the application, with its current tokens.
#[derive(Debug, Clone)]
pub(crate) struct Grant {
    pub(crate) user: usize,
    pub(crate) scope: String,
    pub(crate) refresh_token: String,
    /// The newest access token and when it expires.
    pub(crate) access_token: String,
    pub(crate) access_expires_at: DateTime<Utc>,
    pub(crate) revoked: bool,
}

impl Grant {
    pub(crate) fn has_scope(&self, scope: &str) -> bool {
        self.scope.split(',').any(|s| s == scope)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct AccessToken {
    pub(crate) grant: usize,
    pub(crate) expires_at: DateTime<Utc>,
}

/// The application's push subscription.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Subscription {
    pub(crate) id: u64,
    pub(crate) resource_state: u8,
    pub(crate) application_id: u64,
    pub(crate) callback_url: String,
    pub(crate) created_at: String,
    pub(crate) updated_at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum DeliveryState {
    /// Not yet delivered; a retry is scheduled.
    Pending,
    Delivered,
    /// Every attempt failed.
    Failed,
}

/// One event sent (or being retried) to the subscription's callback.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Delivery {
    pub(crate) id: u64,
    pub(crate) subscription_id: u64,
    pub(crate) callback_url: String,
    pub(crate) object_type: String,
    pub(crate) aspect_type: String,
    pub(crate) object_id: u64,
    pub(crate) owner_id: u64,
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
    pub(crate) grants: Vec<Grant>,
    pub(crate) access_tokens: HashMap<String, AccessToken>,
    /// Current refresh tokens only: a replaced one is removed and no longer works.
    pub(crate) refresh_tokens: HashMap<String, usize>,
    pub(crate) subscription: Option<Subscription>,
    pub(crate) next_subscription_id: u64,
    pub(crate) deliveries: Vec<Delivery>,
    pub(crate) fault: Option<Fault>,
    pub(crate) usage: Usage,
    /// Secrets (tokens, codes, challenges) are not part of the deterministic data.
    pub(crate) secrets: fastrand::Rng,
}

impl Default for State {
    fn default() -> Self {
        Self {
            users: Vec::new(),
            codes: HashMap::new(),
            grants: Vec::new(),
            access_tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            subscription: None,
            next_subscription_id: 120_475,
            deliveries: Vec::new(),
            fault: None,
            usage: Usage::default(),
            secrets: fastrand::Rng::new(),
        }
    }
}

impl State {
    /// A random lowercase hex string of `len` characters (Strava tokens are 40 hex digits).
    pub(crate) fn secret(&mut self, len: usize) -> String {
        const HEX: &[u8] = b"0123456789abcdef";
        (0..len)
            .map(|_| char::from(HEX[self.secrets.usize(0..HEX.len())]))
            .collect()
    }

    pub(crate) fn user_index(&self, athlete_id: &str) -> Option<usize> {
        let id: u64 = athlete_id.parse().ok()?;
        self.users.iter().position(|u| u.athlete.id == id)
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

    /// A new grant for `user` with fresh tokens; returns its index.
    pub(crate) fn new_grant(&mut self, user: usize, scope: &str, ttl_secs: i64) -> usize {
        let index = self.grants.len();
        let refresh = self.secret(40);
        self.grants.push(Grant {
            user,
            scope: scope.to_owned(),
            refresh_token: refresh.clone(),
            access_token: String::new(),
            access_expires_at: Utc::now(),
            revoked: false,
        });
        self.refresh_tokens.insert(refresh, index);
        self.issue_access(index, ttl_secs);
        index
    }

    /// A new access token for `grant` (the previous one stays valid until it expires).
    pub(crate) fn issue_access(&mut self, grant: usize, ttl_secs: i64) {
        let access = self.secret(40);
        let expires_at = Utc::now() + TimeDelta::seconds(ttl_secs);
        self.access_tokens
            .insert(access.clone(), AccessToken { grant, expires_at });
        if let Some(g) = self.grants.get_mut(grant) {
            g.access_token = access;
            g.access_expires_at = expires_at;
        }
    }

    /// Replaces `grant`'s refresh token; the old one stops working.
    pub(crate) fn rotate_refresh(&mut self, grant: usize) {
        let fresh = self.secret(40);
        let Some(g) = self.grants.get_mut(grant) else {
            return;
        };
        let old = std::mem::replace(&mut g.refresh_token, fresh.clone());
        self.refresh_tokens.remove(&old);
        self.refresh_tokens.insert(fresh, grant);
    }

    /// Revokes every grant of `user`; returns how many were live.
    pub(crate) fn revoke_user(&mut self, user: usize) -> usize {
        let mut revoked = 0;
        for grant in self
            .grants
            .iter_mut()
            .filter(|g| g.user == user && !g.revoked)
        {
            grant.revoked = true;
            revoked += 1;
        }
        revoked
    }

    /// The live grant of an access token (`Err` says why not).
    pub(crate) fn grant_of(&self, access_token: &str) -> Result<usize, &'static str> {
        let token = self.access_tokens.get(access_token).ok_or("invalid")?;
        let grant = self.grants.get(token.grant).ok_or("invalid")?;
        if grant.revoked {
            return Err("invalid");
        }
        if token.expires_at <= Utc::now() {
            return Err("expired");
        }
        Ok(token.grant)
    }
}
