//! `NextToken` for the list operations.
//!
//! A token stores the offset of the next page and a fingerprint of the
//! request's filters and ordering, base64url-encoded. A token from another
//! request, or any other text, is `InvalidNextTokenException`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use super::error::ApiError;

/// Prefix that versions the token format.
const TOKEN_VERSION: &str = "t1";

/// Maximum `NextToken` length in the AWS model.
const MAX_TOKEN_LEN: usize = 4096;

/// Identifies the parameters a token belongs to: everything that changes
/// which items a request lists or their order.
pub fn fingerprint(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hex::encode(&hasher.finalize()[..8])
}

/// Encodes the offset of the next page.
pub fn encode(offset: usize, fingerprint: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{TOKEN_VERSION}:{offset}:{fingerprint}"))
}

/// Decodes a token of a request with the same fingerprint into its offset.
pub fn decode(token: &str, fingerprint: &str) -> Result<usize, ApiError> {
    if token.is_empty() || token.len() > MAX_TOKEN_LEN {
        return Err(invalid_token());
    }
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid_token())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid_token())?;
    let mut fields = text.splitn(3, ':');
    let (Some(TOKEN_VERSION), Some(offset), Some(found)) =
        (fields.next(), fields.next(), fields.next())
    else {
        return Err(invalid_token());
    };
    if found != fingerprint {
        return Err(ApiError::client(
            "InvalidNextTokenException",
            "The NextToken belongs to a request with other filters or ordering; repeat the \
             request without NextToken.",
        ));
    }
    offset.parse().map_err(|_| invalid_token())
}

/// Cuts one page out of `items` starting at `offset`; returns the page and
/// the offset of the next page, if there is one.
pub fn page<T>(items: Vec<T>, offset: usize, size: usize) -> (Vec<T>, Option<usize>) {
    let total = items.len();
    let page: Vec<T> = items.into_iter().skip(offset).take(size).collect();
    let end = offset.saturating_add(page.len());
    let next = (end < total).then_some(end);
    (page, next)
}

fn invalid_token() -> ApiError {
    ApiError::client(
        "InvalidNextTokenException",
        "The NextToken value is not valid; repeat the request without NextToken.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_round_trips() {
        let print = fingerprint(&["name", "asc"]);
        assert_eq!(decode(&encode(42, &print), &print).unwrap(), 42);
    }

    #[test]
    fn garbage_is_rejected() {
        let print = fingerprint(&[]);
        for token in ["garbage", "", "!!!", &URL_SAFE_NO_PAD.encode("t1:x:abc")] {
            let error = decode(token, &print).unwrap_err();
            assert_eq!(error.error_type, "InvalidNextTokenException", "{token}");
        }
    }

    #[test]
    fn token_of_other_request_is_rejected() {
        let token = encode(3, &fingerprint(&["a"]));
        let error = decode(&token, &fingerprint(&["b"])).unwrap_err();
        assert_eq!(error.error_type, "InvalidNextTokenException");
    }

    #[test]
    fn pages_cover_every_item_once() {
        let items: Vec<u32> = (0..10).collect();
        let mut seen = Vec::new();
        let mut offset = Some(0);
        while let Some(start) = offset {
            let (page, next) = page(items.clone(), start, 3);
            assert!(page.len() <= 3);
            seen.extend(page);
            offset = next;
        }
        assert_eq!(seen, items);
    }
}
