//! Queries, one module per concern, each taking `&mut AsyncPgConnection`.

pub mod accounts;
pub mod applications;
pub mod connections;
pub mod integrations;
pub mod oauth_states;
pub mod reads;
pub mod records;
pub mod refresh_tokens;
pub mod rekey;
pub mod users;

/// SHA-256 of a secret we only ever need to compare (API keys, OAuth state).
pub fn hash_secret(secret: &str) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(secret.as_bytes()).to_vec()
}
