//! Access tokens for a connection: decrypt, refresh ahead of expiry or after a 401, and store
//! the rotated pair. Refreshes of one connection are serialised by a row lock, so two workers
//! never spend the same single-use refresh token.

use chrono::{Duration, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use domain::Provider;
use secrecy::SecretString;
use storage::StorageError;
use storage::queries::connections::{self, Connection};
use uuid::Uuid;

use crate::fetch::SyncError;
use crate::startup::State;

/// A usable access token, refreshing first when it expires within the margin.
pub async fn access_token(state: &State, conn: &Connection) -> Result<SecretString, SyncError> {
    let margin = Duration::seconds(state.settings.poller.refresh_margin_secs);
    let tokens = conn.tokens(&state.cipher)?;
    let fresh = tokens.expires_at.is_none_or(|at| at - margin > Utc::now());
    match tokens.access_token {
        Some(token) if fresh => Ok(token),
        _ => refresh(state, conn.id, conn.access_token_enc.clone()).await,
    }
}

/// Refreshes unless another worker already replaced `stale` (the ciphertext we used).
pub async fn refresh(
    state: &State,
    connection_id: Uuid,
    stale: Option<Vec<u8>>,
) -> Result<SecretString, SyncError> {
    let mut pooled = state.db.conn().await?;
    let db: &mut AsyncPgConnection = &mut pooled;
    let result = db
        .transaction::<_, SyncError, _>(async |tx| {
            let row = connections::find_for_update(tx, connection_id)
                .await?
                .ok_or(SyncError::ConnectionGone)?;
            if row.access_token_enc != stale {
                let tokens = row.tokens(&state.cipher)?;
                return tokens.access_token.ok_or(SyncError::NeedsReauth);
            }
            let provider: Provider = row.provider.parse().map_err(|_| SyncError::ConnectionGone)?;
            let refresh_token = row.tokens(&state.cipher)?.refresh_token.ok_or(SyncError::NeedsReauth)?;
            let app = crate::fetch::oauth_app(state, provider, row.integration_id).await?;
            let ctx = providers::OAuthContext {
                endpoints: &app.endpoints,
                credentials: &app.credentials,
                sender: &state.sender,
            };
            match providers::refresh(provider, ctx, &refresh_token, Utc::now()).await {
                Ok(set) => {
                    connections::update_tokens(
                        tx,
                        &state.cipher,
                        row.id,
                        &set.access_token,
                        set.refresh_token.as_ref(),
                        set.expires_at,
                    )
                    .await?;
                    Ok(set.access_token)
                }
                Err(providers::ProviderError::RefreshRejected(reason)) => {
                    tracing::warn!(connection_id = %row.id, %reason, "refresh rejected; connection needs re-auth");
                    Err(SyncError::NeedsReauth)
                }
                Err(e) => Err(SyncError::Provider(e)),
            }
        })
        .await;
    // The transaction rolled back; record the expired status outside it.
    if matches!(result, Err(SyncError::NeedsReauth)) {
        connections::set_status(
            db,
            connection_id,
            "expired",
            "refresh token rejected by the provider",
        )
        .await?;
    }
    result
}

impl From<StorageError> for SyncError {
    fn from(e: StorageError) -> Self {
        SyncError::Storage(e)
    }
}

impl From<diesel::result::Error> for SyncError {
    fn from(e: diesel::result::Error) -> Self {
        SyncError::Storage(StorageError::Query(e))
    }
}
