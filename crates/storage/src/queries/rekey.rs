//! Re-encrypts every stored secret under the cipher's current key (after a key rotation):
//! connection tokens, integration client secrets and pending PKCE verifiers.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::crypto::TokenCipher;
use crate::error::StorageError;
use crate::schema::{connections, integrations, oauth_states};

/// How many values were re-sealed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RekeySummary {
    pub connection_tokens: usize,
    pub integration_secrets: usize,
    pub pkce_verifiers: usize,
}

/// A connection's id and its two sealed tokens.
type SealedTokens = (Uuid, Option<Vec<u8>>, Option<Vec<u8>>);

fn reseal(cipher: &TokenCipher, sealed: &Option<Vec<u8>>) -> Result<Option<Vec<u8>>, StorageError> {
    match sealed {
        Some(bytes) if !cipher.is_current(bytes) => Ok(Some(cipher.seal(&cipher.open(bytes)?)?)),
        _ => Ok(None),
    }
}

pub async fn reencrypt_all(
    conn: &mut AsyncPgConnection,
    cipher: &TokenCipher,
) -> Result<RekeySummary, StorageError> {
    let mut summary = RekeySummary::default();
    let rows: Vec<SealedTokens> = connections::table
        .select((
            connections::id,
            connections::access_token_enc,
            connections::refresh_token_enc,
        ))
        .load(conn)
        .await?;
    for (id, access, refresh) in rows {
        let (new_access, new_refresh) = (reseal(cipher, &access)?, reseal(cipher, &refresh)?);
        if new_access.is_none() && new_refresh.is_none() {
            continue;
        }
        diesel::update(connections::table.find(id))
            .set((
                connections::access_token_enc.eq(new_access.or(access)),
                connections::refresh_token_enc.eq(new_refresh.or(refresh)),
            ))
            .execute(conn)
            .await?;
        summary.connection_tokens += 1;
    }
    let rows: Vec<(Uuid, Vec<u8>)> = integrations::table
        .select((integrations::id, integrations::client_secret_enc))
        .load(conn)
        .await?;
    for (id, secret) in rows {
        if let Some(new) = reseal(cipher, &Some(secret))? {
            diesel::update(integrations::table.find(id))
                .set(integrations::client_secret_enc.eq(new))
                .execute(conn)
                .await?;
            summary.integration_secrets += 1;
        }
    }
    let rows: Vec<(Vec<u8>, Option<Vec<u8>>)> = oauth_states::table
        .select((oauth_states::state_hash, oauth_states::pkce_verifier_enc))
        .load(conn)
        .await?;
    for (hash, verifier) in rows {
        if let Some(new) = reseal(cipher, &verifier)? {
            diesel::update(oauth_states::table.find(hash))
                .set(oauth_states::pkce_verifier_enc.eq(new))
                .execute(conn)
                .await?;
            summary.pkce_verifiers += 1;
        }
    }
    Ok(summary)
}
