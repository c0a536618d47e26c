//! AES-256-GCM encryption of provider tokens at rest, with key rotation.
//!
//! Ciphertext layout: `key_id (1 byte) || nonce (12 bytes) || ciphertext+tag`. New values are
//! sealed with the current key; any configured key opens values sealed with it.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};

use crate::error::StorageError;

const NONCE_LEN: usize = 12;

#[derive(Clone)]
pub struct TokenCipher {
    current: u8,
    keys: Vec<(u8, Aes256Gcm)>,
}

impl std::fmt::Debug for TokenCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCipher")
            .field("current", &self.current)
            .field("keys", &self.keys.len())
            .finish()
    }
}

impl TokenCipher {
    /// `keys` are `(id, base64 of 32 random bytes)`; `current` must be one of the ids.
    pub fn new(current: u8, keys: &[(u8, SecretString)]) -> Result<Self, StorageError> {
        let mut parsed = Vec::with_capacity(keys.len());
        for (id, encoded) in keys {
            let bytes = STANDARD
                .decode(encoded.expose_secret().trim())
                .map_err(|_| StorageError::Crypto(format!("key {id} is not valid base64")))?;
            let bytes: [u8; 32] = bytes
                .try_into()
                .map_err(|_| StorageError::Crypto(format!("key {id} must be 32 bytes")))?;
            let key = Key::<Aes256Gcm>::from(bytes);
            parsed.push((*id, Aes256Gcm::new(&key)));
        }
        if !parsed.iter().any(|(id, _)| *id == current) {
            return Err(StorageError::Crypto(format!(
                "current key id {current} is not configured"
            )));
        }
        Ok(Self {
            current,
            keys: parsed,
        })
    }

    pub fn seal(&self, plaintext: &SecretString) -> Result<Vec<u8>, StorageError> {
        let cipher = self.key(self.current)?;
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = cipher
            .encrypt(&Nonce::from(nonce), plaintext.expose_secret().as_bytes())
            .map_err(|_| StorageError::Crypto("encryption failed".into()))?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(self.current);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    pub fn open(&self, sealed: &[u8]) -> Result<SecretString, StorageError> {
        if sealed.len() < 1 + NONCE_LEN + 16 {
            return Err(StorageError::Crypto("ciphertext too short".into()));
        }
        let cipher = self.key(sealed[0])?;
        let nonce: [u8; NONCE_LEN] = sealed[1..1 + NONCE_LEN]
            .try_into()
            .map_err(|_| StorageError::Crypto("bad nonce".into()))?;
        let plain = cipher
            .decrypt(&Nonce::from(nonce), &sealed[1 + NONCE_LEN..])
            .map_err(|_| StorageError::Crypto("ciphertext failed authentication".into()))?;
        let text = String::from_utf8(plain)
            .map_err(|_| StorageError::Crypto("plaintext is not UTF-8".into()))?;
        Ok(SecretString::from(text))
    }

    /// Whether `sealed` was sealed with the current key.
    pub fn is_current(&self, sealed: &[u8]) -> bool {
        sealed.first() == Some(&self.current)
    }

    fn key(&self, id: u8) -> Result<&Aes256Gcm, StorageError> {
        self.keys
            .iter()
            .find(|(k, _)| *k == id)
            .map(|(_, c)| c)
            .ok_or_else(|| StorageError::Crypto(format!("unknown key id {id}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(b: u8) -> SecretString {
        SecretString::from(STANDARD.encode([b; 32]))
    }

    #[test]
    fn sealed_tokens_round_trip_and_hide_the_plaintext() {
        let c = TokenCipher::new(1, &[(1, key(7))]).unwrap();
        let sealed = c.seal(&SecretString::from("access-token-123")).unwrap();
        assert!(!sealed.windows(6).any(|w| w == b"access"));
        assert_eq!(c.open(&sealed).unwrap().expose_secret(), "access-token-123");
    }

    #[test]
    fn rotated_cipher_still_opens_values_sealed_with_the_old_key() {
        let old = TokenCipher::new(1, &[(1, key(1))]).unwrap();
        let sealed = old.seal(&SecretString::from("t")).unwrap();
        let rotated = TokenCipher::new(2, &[(2, key(2)), (1, key(1))]).unwrap();
        assert_eq!(rotated.open(&sealed).unwrap().expose_secret(), "t");
        assert_eq!(rotated.seal(&SecretString::from("t")).unwrap()[0], 2);
    }

    #[test]
    fn tampered_ciphertext_is_rejected() {
        let c = TokenCipher::new(1, &[(1, key(3))]).unwrap();
        let mut sealed = c.seal(&SecretString::from("secret")).unwrap();
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert!(c.open(&sealed).is_err());
    }

    #[test]
    fn keys_must_be_32_bytes_of_base64() {
        assert!(TokenCipher::new(1, &[(1, SecretString::from("short"))]).is_err());
        assert!(TokenCipher::new(2, &[(1, key(1))]).is_err());
    }
}
