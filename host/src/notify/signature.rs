//! The signature a webhook receiver checks: HMAC-SHA256 with the webhook's
//! secret over `<timestamp>.<body>`, sent as `X-Tumbler-Signature: v1=<hex>`
//! with the Unix timestamp in `X-Tumbler-Timestamp`. Signing the timestamp
//! lets a receiver reject replayed deliveries by their age.

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const SIGNATURE_HEADER: &str = "x-tumbler-signature";
pub const TIMESTAMP_HEADER: &str = "x-tumbler-timestamp";
pub const EVENT_HEADER: &str = "x-tumbler-event";
pub const DELIVERY_HEADER: &str = "x-tumbler-delivery";

/// Returns the `X-Tumbler-Signature` value for `body` sent at `timestamp`
/// (Unix seconds).
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let digest = mac(secret, timestamp, body).finalize().into_bytes();
    format!("v1={}", hex::encode(digest))
}

/// Checks a signature header value in constant time.
pub fn verify(secret: &[u8], timestamp: i64, body: &[u8], header: &str) -> bool {
    let Some(hex_digest) = header.strip_prefix("v1=") else {
        return false;
    };
    let Ok(expected) = hex::decode(hex_digest) else {
        return false;
    };
    mac(secret, timestamp, body).verify_slice(&expected).is_ok()
}

fn mac(secret: &[u8], timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_verifies_with_same_secret() {
        let header = sign(b"webhook-secret", 1_767_225_600, b"{}");
        assert!(verify(b"webhook-secret", 1_767_225_600, b"{}", &header));
    }

    #[test]
    fn signature_fails_with_other_timestamp() {
        let header = sign(b"webhook-secret", 1_767_225_600, b"{}");
        assert!(!verify(b"webhook-secret", 1_767_225_601, b"{}", &header));
    }

    #[test]
    fn signature_fails_with_other_body() {
        let header = sign(b"webhook-secret", 1_767_225_600, b"{}");
        assert!(!verify(b"webhook-secret", 1_767_225_600, b"{ }", &header));
    }
}
