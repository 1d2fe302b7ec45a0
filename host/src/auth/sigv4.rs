//! Verification of AWS Signature Version 4 on request headers.
//!
//! Verification runs in two steps, because the secret access key is known only
//! after the key id in the `Authorization` header has been looked up.
//! [`SignedRequest::parse`] checks the header, the date and the credential
//! scope and builds the string to sign. [`SignedRequest::verify`] then derives
//! the signing key from the secret and compares signatures in constant time.
//!
//! The canonical request follows the AWS rules for every service except S3.
//! The URI path is normalized and encoded a second time. Query parameters are
//! sorted by encoded name and value. Header values are trimmed, and inner runs
//! of spaces are collapsed to one.

use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use time::format_description::well_known::Rfc2822;
use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time};
use zeroize::Zeroizing;

use super::error::AuthError;

/// The only signing algorithm accepted.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The service name every credential scope must carry.
pub const SERVICE: &str = "secretsmanager";

/// The last element of a credential scope.
const SCOPE_TERMINATOR: &str = "aws4_request";

/// How far the request time may be from the server's clock, in either
/// direction. AWS rejects requests outside this window.
pub const MAX_CLOCK_SKEW: Duration = Duration::minutes(15);

/// Header that carries the request time in ISO 8601 basic format.
const AMZ_DATE: &str = "x-amz-date";

/// Optional header with the hex SHA-256 of the body, as signed by the client.
const AMZ_CONTENT_SHA256: &str = "x-amz-content-sha256";

/// The header that names the operation. A request that carries it must sign
/// it; otherwise a captured request could be replayed as another operation
/// with the same body.
const AMZ_TARGET: &str = "x-amz-target";

type HmacSha256 = Hmac<Sha256>;

/// The parts of an `Authorization: AWS4-HMAC-SHA256 ...` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationHeader {
    pub access_key_id: String,
    /// Date of the credential scope, `YYYYMMDD`.
    pub scope_date: String,
    pub region: String,
    pub service: String,
    pub terminator: String,
    /// Lower-case header names in the order the client listed them.
    pub signed_headers: Vec<String>,
    /// The signature as sent: 64 lower-case hex digits for a valid one.
    pub signature: String,
}

impl AuthorizationHeader {
    /// Parses the header value. Parameters may come in any order and be
    /// separated by `,` with optional spaces.
    pub fn parse(value: &str) -> Result<Self, AuthError> {
        let value = value.trim();
        let (algorithm, parameters) = value.split_once(' ').unwrap_or((value, ""));
        if algorithm != ALGORITHM {
            return Err(AuthError::IncompleteSignature(format!(
                "Authorization header uses the unsupported algorithm '{algorithm}'; \
                 sign requests with {ALGORITHM}."
            )));
        }

        let mut credential = None;
        let mut signed_headers = None;
        let mut signature = None;
        for parameter in parameters
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            let Some((name, value)) = parameter.split_once('=') else {
                return Err(AuthError::IncompleteSignature(format!(
                    "Authorization header parameter '{parameter}' is not of the form name=value."
                )));
            };
            match name.trim() {
                "Credential" => credential = Some(value.trim()),
                "SignedHeaders" => signed_headers = Some(value.trim()),
                "Signature" => signature = Some(value.trim()),
                _ => {}
            }
        }

        let mut missing = Vec::new();
        for (name, found) in [
            ("Credential", credential.is_some()),
            ("Signature", signature.is_some()),
            ("SignedHeaders", signed_headers.is_some()),
        ] {
            if !found {
                missing.push(format!("Authorization header requires '{name}' parameter."));
            }
        }
        let (Some(credential), Some(signed_headers), Some(signature)) =
            (credential, signed_headers, signature)
        else {
            return Err(AuthError::IncompleteSignature(missing.join(" ")));
        };

        let elements: Vec<&str> = credential.split('/').collect();
        let [access_key_id, scope_date, region, service, terminator] = elements[..] else {
            return Err(AuthError::IncompleteSignature(format!(
                "Credential must have exactly 5 slash-delimited elements, \
                 e.g. keyid/date/region/service/term, got '{credential}'."
            )));
        };
        if access_key_id.is_empty() {
            return Err(AuthError::IncompleteSignature(
                "Credential names no access key id.".to_owned(),
            ));
        }

        let signed_headers: Vec<String> = signed_headers
            .split(';')
            .filter(|name| !name.is_empty())
            .map(str::to_ascii_lowercase)
            .collect();
        if signed_headers.is_empty() {
            return Err(AuthError::IncompleteSignature(
                "Authorization header requires 'SignedHeaders' parameter.".to_owned(),
            ));
        }

        Ok(AuthorizationHeader {
            access_key_id: access_key_id.to_owned(),
            scope_date: scope_date.to_owned(),
            region: region.to_owned(),
            service: service.to_owned(),
            terminator: terminator.to_owned(),
            signed_headers,
            signature: signature.to_owned(),
        })
    }

    /// Returns the credential scope `date/region/service/aws4_request`.
    pub fn scope(&self) -> String {
        format!(
            "{}/{}/{}/{}",
            self.scope_date, self.region, self.service, self.terminator
        )
    }
}

/// A request whose signature header, date and scope passed the checks that do
/// not need the secret access key.
#[derive(Debug, Clone)]
pub struct SignedRequest {
    pub authorization: AuthorizationHeader,
    /// Request time from `X-Amz-Date` (or `Date`).
    pub request_time: OffsetDateTime,
    /// `date/region/service/aws4_request`, the scope the signing key is
    /// derived for.
    credential_scope: String,
    string_to_sign: String,
}

impl SignedRequest {
    /// Checks the signature header of `request` against the clock `now` and
    /// builds the string to sign over `body`.
    pub fn parse(request: &Parts, body: &[u8], now: OffsetDateTime) -> Result<Self, AuthError> {
        Self::parse_for_service(request, body, now, SERVICE)
    }

    /// [`SignedRequest::parse`] for another service name; the published AWS
    /// test vectors use the service `service`.
    pub(super) fn parse_for_service(
        request: &Parts,
        body: &[u8],
        now: OffsetDateTime,
        service: &str,
    ) -> Result<Self, AuthError> {
        let Some(authorization) = request.headers.get(header::AUTHORIZATION) else {
            return Err(AuthError::MissingAuthentication);
        };
        let authorization = authorization.to_str().map_err(|_| {
            AuthError::IncompleteSignature(
                "Authorization header contains characters that are not visible ASCII.".to_owned(),
            )
        })?;
        let authorization = AuthorizationHeader::parse(authorization)?;

        check_signed_headers(&authorization, &request.headers)?;
        let (amz_date, request_time) = request_time(&request.headers)?;
        check_scope(&authorization, &amz_date, service)?;
        check_clock_skew(request_time, now)?;
        let payload_hash = payload_hash(&request.headers, body)?;

        let canonical = canonical_request(request, &authorization.signed_headers, &payload_hash);
        let credential_scope = authorization.scope();
        let string_to_sign = format!(
            "{ALGORITHM}\n{amz_date}\n{credential_scope}\n{}",
            hex::encode(Sha256::digest(canonical.as_bytes()))
        );
        Ok(SignedRequest {
            authorization,
            request_time,
            credential_scope,
            string_to_sign,
        })
    }

    pub fn access_key_id(&self) -> &str {
        &self.authorization.access_key_id
    }

    /// Region of the credential scope. Any region is accepted.
    pub fn region(&self) -> &str {
        &self.authorization.region
    }

    /// Returns the credential scope, `date/region/service/aws4_request`.
    /// Requests with the same scope and key id share one signing key.
    pub fn credential_scope(&self) -> &str {
        &self.credential_scope
    }

    /// Verifies the signature with the secret access key of the key id.
    pub fn verify(&self, secret_access_key: &[u8]) -> Result<(), AuthError> {
        self.verify_with_signing_key(&self.signing_key(secret_access_key))
    }

    /// Verifies the signature with a signing key that
    /// [`SignedRequest::signing_key`] derived for this request's credential
    /// scope.
    pub fn verify_with_signing_key(&self, signing_key: &[u8; 32]) -> Result<(), AuthError> {
        let Some(sent) = decode_signature(&self.authorization.signature) else {
            return Err(AuthError::SignatureMismatch);
        };
        let expected = hmac(signing_key, self.string_to_sign.as_bytes());
        if bool::from(expected.as_slice().ct_eq(sent.as_slice())) {
            Ok(())
        } else {
            Err(AuthError::SignatureMismatch)
        }
    }

    /// Derives the signing key for this request's credential scope from the
    /// secret access key (four chained HMAC-SHA256 steps).
    pub fn signing_key(&self, secret_access_key: &[u8]) -> Zeroizing<[u8; 32]> {
        let auth = &self.authorization;
        let mut key = Vec::with_capacity(4 + secret_access_key.len());
        key.extend_from_slice(b"AWS4");
        key.extend_from_slice(secret_access_key);
        let key = Zeroizing::new(key);

        let date_key = Zeroizing::new(hmac(&key, auth.scope_date.as_bytes()));
        let region_key = Zeroizing::new(hmac(date_key.as_slice(), auth.region.as_bytes()));
        let service_key = Zeroizing::new(hmac(region_key.as_slice(), auth.service.as_bytes()));
        Zeroizing::new(hmac(service_key.as_slice(), auth.terminator.as_bytes()))
    }
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// Decodes 64 hex digits; anything else cannot be a valid signature.
fn decode_signature(signature: &str) -> Option<[u8; 32]> {
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(signature, &mut bytes).ok()?;
    Some(bytes)
}

fn check_signed_headers(auth: &AuthorizationHeader, headers: &HeaderMap) -> Result<(), AuthError> {
    if !auth.signed_headers.iter().any(|name| name == "host") {
        return Err(AuthError::IncompleteSignature(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.".to_owned(),
        ));
    }
    if headers.contains_key(AMZ_TARGET) && !auth.signed_headers.iter().any(|n| n == AMZ_TARGET) {
        return Err(AuthError::IncompleteSignature(
            "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.".to_owned(),
        ));
    }
    Ok(())
}

/// Returns the request time as `YYYYMMDD'T'HHMMSS'Z'` and as a date, from
/// `X-Amz-Date` or else from the HTTP `Date` header.
fn request_time(headers: &HeaderMap) -> Result<(String, OffsetDateTime), AuthError> {
    if let Some(value) = headers.get(AMZ_DATE) {
        let text = value.to_str().unwrap_or_default();
        let time = parse_basic_time(text).ok_or_else(|| {
            AuthError::IncompleteSignature(format!(
                "X-Amz-Date must be in the ISO 8601 basic format YYYYMMDD'T'HHMMSS'Z', \
                 got '{text}'."
            ))
        })?;
        return Ok((text.to_owned(), time));
    }

    if let Some(value) = headers.get(header::DATE) {
        let text = value.to_str().unwrap_or_default();
        let time = OffsetDateTime::parse(text, &Rfc2822).map_err(|_| {
            AuthError::IncompleteSignature(format!(
                "Date header must be an HTTP date such as 'Sun, 06 Nov 1994 08:49:37 GMT', \
                 got '{text}'."
            ))
        })?;
        let time = time.to_offset(time::UtcOffset::UTC);
        return Ok((format_basic_time(time), time));
    }

    Err(AuthError::IncompleteSignature(
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
            .to_owned(),
    ))
}

/// Parses `YYYYMMDD'T'HHMMSS'Z'` as UTC.
fn parse_basic_time(text: &str) -> Option<OffsetDateTime> {
    let bytes = text.as_bytes();
    if bytes.len() != 16 || bytes[8] != b'T' || bytes[15] != b'Z' {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = text.get(range)?;
        if !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let year = i32::try_from(digits(0..4)?).ok()?;
    let month = Month::try_from(u8::try_from(digits(4..6)?).ok()?).ok()?;
    let day = u8::try_from(digits(6..8)?).ok()?;
    let hour = u8::try_from(digits(9..11)?).ok()?;
    let minute = u8::try_from(digits(11..13)?).ok()?;
    let second = u8::try_from(digits(13..15)?).ok()?;
    let date = Date::from_calendar_date(year, month, day).ok()?;
    let time = Time::from_hms(hour, minute, second).ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_utc())
}

/// Formats a UTC time as `YYYYMMDD'T'HHMMSS'Z'`.
pub(super) fn format_basic_time(time: OffsetDateTime) -> String {
    let time = time.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        time.year(),
        u8::from(time.month()),
        time.day(),
        time.hour(),
        time.minute(),
        time.second()
    )
}

fn check_scope(auth: &AuthorizationHeader, amz_date: &str, service: &str) -> Result<(), AuthError> {
    let request_day = &amz_date[..8];
    if auth.scope_date != request_day {
        return Err(AuthError::InvalidSignature(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from \
             HTTP: '{}' != '{request_day}', from '{amz_date}'.",
            auth.scope_date
        )));
    }
    if auth.region.is_empty() {
        return Err(AuthError::InvalidSignature(
            "Credential should be scoped to a valid region.".to_owned(),
        ));
    }
    if auth.service != service {
        return Err(AuthError::InvalidSignature(format!(
            "Credential should be scoped to correct service: '{service}'."
        )));
    }
    if auth.terminator != SCOPE_TERMINATOR {
        return Err(AuthError::InvalidSignature(format!(
            "Credential should be scoped with a valid terminator: '{SCOPE_TERMINATOR}', not '{}'.",
            auth.terminator
        )));
    }
    Ok(())
}

fn check_clock_skew(request_time: OffsetDateTime, now: OffsetDateTime) -> Result<(), AuthError> {
    let format = format_basic_time;
    let earliest = now - MAX_CLOCK_SKEW;
    if request_time < earliest {
        return Err(AuthError::InvalidSignature(format!(
            "Signature expired: {} is now earlier than {} ({} - 15 min.)",
            format(request_time),
            format(earliest),
            format(now)
        )));
    }
    let latest = now + MAX_CLOCK_SKEW;
    if request_time > latest {
        return Err(AuthError::InvalidSignature(format!(
            "Signature not yet current: {} is still later than {} ({} + 15 min.)",
            format(request_time),
            format(latest),
            format(now)
        )));
    }
    Ok(())
}

/// Returns the hex SHA-256 of `body`. When the client sent
/// `X-Amz-Content-Sha256`, it must be that same hash: an unsigned payload is
/// not accepted.
fn payload_hash(headers: &HeaderMap, body: &[u8]) -> Result<String, AuthError> {
    let computed = hex::encode(Sha256::digest(body));
    if let Some(sent) = headers.get(AMZ_CONTENT_SHA256) {
        if !sent.as_bytes().eq_ignore_ascii_case(computed.as_bytes()) {
            return Err(AuthError::InvalidSignature(
                "The provided 'x-amz-content-sha256' header does not match what was computed."
                    .to_owned(),
            ));
        }
    }
    Ok(computed)
}

/// Builds the canonical request for the headers the client signed.
pub(super) fn canonical_request(
    request: &Parts,
    signed_headers: &[String],
    payload_hash: &str,
) -> String {
    let mut canonical = String::with_capacity(512);
    canonical.push_str(request.method.as_str());
    canonical.push('\n');
    push_canonical_uri(&mut canonical, request.uri.path());
    canonical.push('\n');
    let query = request.uri.query().unwrap_or("");
    if !query.is_empty() {
        canonical.push_str(&canonical_query(query));
    }
    canonical.push('\n');
    for name in signed_headers {
        canonical.push_str(name);
        canonical.push(':');
        push_canonical_header_value(&mut canonical, request, name);
        canonical.push('\n');
    }
    canonical.push('\n');
    for (index, name) in signed_headers.iter().enumerate() {
        if index > 0 {
            canonical.push(';');
        }
        canonical.push_str(name);
    }
    canonical.push('\n');
    canonical.push_str(payload_hash);
    canonical
}

/// Appends [`canonical_uri`] of `path`. The root path `/`, which every
/// Secrets Manager request uses, needs no normalization.
fn push_canonical_uri(canonical: &mut String, path: &str) {
    if path == "/" {
        canonical.push('/');
    } else {
        canonical.push_str(&canonical_uri(path));
    }
}

/// Normalizes the path (drops `.` segments and resolves `..`) and encodes
/// each segment again, so `%` in the received path becomes `%25`.
fn canonical_uri(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    let trailing_slash = path.len() > 1 && path.ends_with('/');
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            _ => segments.push(segment),
        }
    }

    let mut uri = String::from("/");
    let encoded: Vec<String> = segments.iter().map(|s| uri_encode(s.as_bytes())).collect();
    uri.push_str(&encoded.join("/"));
    if trailing_slash && !segments.is_empty() {
        uri.push('/');
    }
    uri
}

/// Decodes the query parameters (`+` is a space) and encodes them again with
/// the unreserved set, sorted by name and then value.
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (
                uri_encode(&percent_decode(name)),
                uri_encode(&percent_decode(value)),
            )
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Appends all values of a header joined with `,`, each trimmed and with
/// inner runs of spaces collapsed to one. `host` falls back to the URI
/// authority (HTTP/2).
fn push_canonical_header_value(canonical: &mut String, request: &Parts, name: &str) {
    let mut values = request.headers.get_all(name).iter().peekable();
    if values.peek().is_none() {
        if name == "host"
            && let Some(authority) = request.uri.authority()
        {
            canonical.push_str(authority.as_str());
        }
        return;
    }
    for (index, value) in values.enumerate() {
        if index > 0 {
            canonical.push(',');
        }
        push_collapsed_spaces(canonical, &String::from_utf8_lossy(value.as_bytes()));
    }
}

/// Appends `value` without leading and trailing whitespace and with each
/// inner run of whitespace replaced by one space.
fn push_collapsed_spaces(canonical: &mut String, value: &str) {
    for (index, word) in value.split_whitespace().enumerate() {
        if index > 0 {
            canonical.push(' ');
        }
        canonical.push_str(word);
    }
}

/// Percent-encodes every byte except the RFC 3986 unreserved characters.
fn uri_encode(bytes: &[u8]) -> String {
    let mut encoded = String::with_capacity(bytes.len());
    for &byte in bytes {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// Decodes `%XX` escapes and `+` as a space; malformed escapes stay as they are.
fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = match bytes.get(i + 1..i + 3) {
            Some(hex_digits) if bytes[i] == b'%' => {
                let mut byte = [0u8; 1];
                hex::decode_to_slice(hex_digits, &mut byte)
                    .ok()
                    .map(|()| byte[0])
            }
            _ => None,
        };
        match (escaped, bytes[i]) {
            (Some(byte), _) => {
                decoded.push(byte);
                i += 3;
            }
            (None, b'+') => {
                decoded.push(b' ');
                i += 1;
            }
            (None, byte) => {
                decoded.push(byte);
                i += 1;
            }
        }
    }
    decoded
}

#[cfg(test)]
#[path = "sigv4_tests.rs"]
mod tests;
