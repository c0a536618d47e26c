//! In-memory state of the Polar emulator.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::data::User;

/// A single-use authorization code.
#[derive(Debug, Clone)]
pub(crate) struct AuthCode {
    /// The `redirect_uri` of the authorize request, which the token request must repeat.
    pub(crate) redirect_uri: Option<String>,
    pub(crate) user: usize,
    pub(crate) expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub(crate) struct AccessToken {
    pub(crate) user: usize,
    pub(crate) expires_at: DateTime<Utc>,
    pub(crate) revoked: bool,
}

/// The client's one webhook.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Webhook {
    pub(crate) id: String,
    pub(crate) events: Vec<String>,
    pub(crate) url: String,
    pub(crate) active: bool,
    #[serde(skip)]
    pub(crate) signature_secret_key: String,
    /// Deliveries in a row that failed every retry.
    #[serde(skip)]
    pub(crate) failed_in_a_row: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum DeliveryState {
    Pending,
    Delivered,
    Failed,
}

/// One notification sent (or being retried).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Delivery {
    pub(crate) id: u64,
    pub(crate) webhook_id: String,
    pub(crate) url: String,
    pub(crate) event: String,
    pub(crate) user_id: u64,
    /// The body of the latest attempt (each attempt carries a fresh `timestamp`).
    pub(crate) body: String,
    pub(crate) signature: String,
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
    pub(crate) webhook: Option<Webhook>,
    pub(crate) deliveries: Vec<Delivery>,
    pub(crate) fault: Option<Fault>,
    /// Requests answered so far, for the `RateLimit-Usage` header.
    pub(crate) requests: u64,
    /// Secrets (tokens, codes, keys) are not part of the deterministic data.
    pub(crate) secrets: fastrand::Rng,
}

impl Default for State {
    fn default() -> Self {
        Self {
            users: Vec::new(),
            codes: HashMap::new(),
            access_tokens: HashMap::new(),
            webhook: None,
            deliveries: Vec::new(),
            fault: None,
            requests: 0,
            secrets: fastrand::Rng::new(),
        }
    }
}

impl State {
    /// A random alphanumeric string of `len` characters.
    pub(crate) fn secret(&mut self, len: usize) -> String {
        (0..len).map(|_| self.secrets.alphanumeric()).collect()
    }

    /// A uuid-shaped secret, like Polar's `signature_secret_key`.
    pub(crate) fn uuid_secret(&mut self) -> String {
        let mut bytes = [0u8; 16];
        self.secrets.fill(&mut bytes);
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .to_string()
    }

    pub(crate) fn user_index(&self, polar_user_id: u64) -> Option<usize> {
        self.users.iter().position(|u| u.id == polar_user_id)
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

    /// Issues a new access token for `user`.
    pub(crate) fn issue_token(&mut self, user: usize, ttl_secs: i64) -> String {
        let access = self.secret(48);
        self.access_tokens.insert(
            access.clone(),
            AccessToken {
                user,
                expires_at: Utc::now() + chrono::TimeDelta::seconds(ttl_secs),
                revoked: false,
            },
        );
        access
    }
}
