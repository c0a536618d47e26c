//! HMAC-SHA1 for Fitbit's `X-Fitbit-Signature`, from the RustCrypto `sha1` and `hmac` crates.

use hmac::{Hmac, KeyInit, Mac};

/// HMAC-SHA1 of `message` under `key`.
pub(crate) fn hmac_sha1(key: &[u8], message: &[u8]) -> [u8; 20] {
    let Ok(mut mac) = Hmac::<sha1::Sha1>::new_from_slice(key) else {
        // HMAC accepts keys of any length; this branch cannot run.
        return [0; 20];
    };
    mac.update(message);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 2202 test case 2.
    #[test]
    fn matches_rfc_2202() {
        let mac = hmac_sha1(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(hex::encode(mac), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
    }
}
