//! The reference signatures come from two sources that share no code with the
//! verifier: the `aws-sigv4` crate (the signer of the AWS Rust SDK) and the
//! signatures published in the AWS SigV4 test suite.

use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use axum::http::Request;
use axum::http::request::Parts;
use time::OffsetDateTime;

use super::*;

const KEY_ID: &str = "TKIAEXAMPLE000000001";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const BODY: &[u8] = br#"{"SecretId":"prod/db"}"#;

/// 2024-05-01T12:00:00Z.
fn signing_time() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_714_564_800).unwrap()
}

/// Signs a request the way the AWS Rust SDK does and returns its head.
fn sdk_signed(uri: &str, body: &[u8], service: &str, secret: &str, at: OffsetDateTime) -> Parts {
    let mut request = Request::builder()
        .method("POST")
        .uri(uri)
        .header("host", "127.0.0.1:4566")
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", "secretsmanager.GetSecretValue")
        .body(body.to_vec())
        .unwrap();

    let identity = Credentials::new(KEY_ID, secret, None, None, "test").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("eu-west-1")
        .name(service)
        .time(SystemTime::from(at))
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), value.to_str().unwrap().to_owned()))
        .collect();
    let signable = SignableRequest::new(
        "POST",
        uri,
        headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        SignableBody::Bytes(body),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    instructions.apply_to_request_http1x(&mut request);
    request.into_parts().0
}

fn signed(body: &[u8]) -> Parts {
    sdk_signed(
        "http://127.0.0.1:4566/",
        body,
        SERVICE,
        SECRET,
        signing_time(),
    )
}

fn verify(parts: &Parts, body: &[u8], now: OffsetDateTime, secret: &str) -> Result<(), AuthError> {
    SignedRequest::parse(parts, body, now)?.verify(secret.as_bytes())
}

fn set_header(parts: &mut Parts, name: &'static str, value: &str) {
    parts.headers.insert(name, value.parse().unwrap());
}

#[test]
fn signing_key_verifies_like_the_secret() {
    let parts = signed(BODY);
    let request = SignedRequest::parse(&parts, BODY, signing_time()).unwrap();
    assert_eq!(request.credential_scope(), "20240501/eu-west-1/secretsmanager/aws4_request");

    let signing_key = request.signing_key(SECRET.as_bytes());
    assert_eq!(request.verify_with_signing_key(&signing_key), Ok(()));

    let other_key = request.signing_key(b"not-the-secret");
    assert_eq!(
        request.verify_with_signing_key(&other_key),
        Err(AuthError::SignatureMismatch)
    );
}

#[test]
fn sdk_signature_verifies() {
    let parts = signed(BODY);
    let request = SignedRequest::parse(&parts, BODY, signing_time()).unwrap();
    assert_eq!(request.access_key_id(), KEY_ID);
    assert_eq!(request.region(), "eu-west-1");
    assert_eq!(request.verify(SECRET.as_bytes()), Ok(()));
}

#[test]
fn sdk_signature_with_query_and_encoded_path_verifies() {
    let uri = "http://127.0.0.1:4566/a%20b/c?z=1&a=%2F&a=0&empty=&plus=x+y";
    let parts = sdk_signed(uri, BODY, SERVICE, SECRET, signing_time());
    assert_eq!(verify(&parts, BODY, signing_time(), SECRET), Ok(()));
}

#[test]
fn sdk_signature_with_empty_body_verifies() {
    let parts = signed(b"");
    assert_eq!(verify(&parts, b"", signing_time(), SECRET), Ok(()));
}

#[test]
fn wrong_secret_is_rejected() {
    let parts = signed(BODY);
    let error = verify(&parts, BODY, signing_time(), "another-secret-key").unwrap_err();
    assert_eq!(error, AuthError::SignatureMismatch);
    assert_eq!(error.aws_type(), "InvalidSignatureException");
    assert_eq!(
        error.to_string(),
        crate::auth::error::SIGNATURE_MISMATCH_MESSAGE
    );
}

#[test]
fn body_modified_after_signing_is_rejected() {
    let parts = signed(BODY);
    let tampered = br#"{"SecretId":"prod/db2"}"#;
    assert_eq!(
        verify(&parts, tampered, signing_time(), SECRET),
        Err(AuthError::SignatureMismatch)
    );
}

#[test]
fn header_modified_after_signing_is_rejected() {
    let mut parts = signed(BODY);
    set_header(&mut parts, "x-amz-target", "secretsmanager.DeleteSecret");
    assert_eq!(
        verify(&parts, BODY, signing_time(), SECRET),
        Err(AuthError::SignatureMismatch)
    );
}

#[test]
fn content_sha256_mismatch_is_rejected() {
    let mut parts = signed(BODY);
    set_header(
        &mut parts,
        "x-amz-content-sha256",
        &hex::encode(Sha256::digest(b"other")),
    );
    let error = verify(&parts, BODY, signing_time(), SECRET).unwrap_err();
    assert_eq!(error.aws_type(), "InvalidSignatureException");
    assert!(
        error.to_string().contains("x-amz-content-sha256"),
        "{error}"
    );
}

#[test]
fn content_sha256_unsigned_payload_is_rejected() {
    let mut parts = signed(BODY);
    set_header(&mut parts, "x-amz-content-sha256", "UNSIGNED-PAYLOAD");
    assert!(verify(&parts, BODY, signing_time(), SECRET).is_err());
}

#[test]
fn expired_timestamp_is_rejected() {
    let parts = signed(BODY);
    let now = signing_time() + Duration::minutes(16);
    let error = verify(&parts, BODY, now, SECRET).unwrap_err();
    assert_eq!(error.aws_type(), "InvalidSignatureException");
    assert_eq!(
        error.to_string(),
        "Signature expired: 20240501T120000Z is now earlier than 20240501T120100Z \
         (20240501T121600Z - 15 min.)"
    );
}

#[test]
fn future_timestamp_is_rejected() {
    let parts = signed(BODY);
    let now = signing_time() - Duration::minutes(16);
    let error = verify(&parts, BODY, now, SECRET).unwrap_err();
    assert_eq!(error.aws_type(), "InvalidSignatureException");
    assert_eq!(
        error.to_string(),
        "Signature not yet current: 20240501T120000Z is still later than 20240501T115900Z \
         (20240501T114400Z + 15 min.)"
    );
}

#[test]
fn timestamp_within_skew_is_accepted() {
    let parts = signed(BODY);
    for minutes in [-14, 14] {
        let now = signing_time() + Duration::minutes(minutes);
        assert_eq!(
            verify(&parts, BODY, now, SECRET),
            Ok(()),
            "skew {minutes} min"
        );
    }
}

#[test]
fn missing_authorization_is_rejected() {
    let mut parts = signed(BODY);
    parts.headers.remove("authorization");
    let error = verify(&parts, BODY, signing_time(), SECRET).unwrap_err();
    assert_eq!(error, AuthError::MissingAuthentication);
    assert_eq!(error.aws_type(), "MissingAuthenticationTokenException");
    assert_eq!(error.to_string(), "Missing Authentication Token");
}

#[test]
fn malformed_authorization_is_rejected() {
    let cases = [
        ("AWS AKID:signature", "unsupported algorithm"),
        (
            "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=00",
            "requires 'Credential'",
        ),
        (
            "AWS4-HMAC-SHA256 Credential=AKID/20240501/us-east-1/secretsmanager/aws4_request",
            "requires 'Signature' parameter. Authorization header requires 'SignedHeaders'",
        ),
        (
            "AWS4-HMAC-SHA256 Credential=AKID/20240501, SignedHeaders=host, Signature=00",
            "exactly 5 slash-delimited elements",
        ),
        ("AWS4-HMAC-SHA256 Credential", "not of the form name=value"),
    ];
    for (header, expected) in cases {
        let mut parts = signed(BODY);
        set_header(&mut parts, "authorization", header);
        let error = verify(&parts, BODY, signing_time(), SECRET).unwrap_err();
        assert_eq!(error.aws_type(), "IncompleteSignatureException", "{header}");
        assert!(error.to_string().contains(expected), "{header}: {error}");
    }
}

#[test]
fn non_hex_signature_is_a_mismatch() {
    let mut parts = signed(BODY);
    let header = parts.headers["authorization"].to_str().unwrap().to_owned();
    let (prefix, _) = header.split_once("Signature=").unwrap();
    set_header(
        &mut parts,
        "authorization",
        &format!("{prefix}Signature=zz"),
    );
    assert_eq!(
        verify(&parts, BODY, signing_time(), SECRET),
        Err(AuthError::SignatureMismatch)
    );
}

#[test]
fn missing_date_is_rejected() {
    let mut parts = signed(BODY);
    parts.headers.remove("x-amz-date");
    let error = verify(&parts, BODY, signing_time(), SECRET).unwrap_err();
    assert_eq!(error.aws_type(), "IncompleteSignatureException");
    assert!(
        error.to_string().contains("'X-Amz-Date' or a 'Date'"),
        "{error}"
    );
}

#[test]
fn scope_date_must_match_request_date() {
    let mut parts = signed(BODY);
    set_header(&mut parts, "x-amz-date", "20240502T000100Z");
    let now = OffsetDateTime::from_unix_timestamp(1_714_608_060).unwrap();
    let error = verify(&parts, BODY, now, SECRET).unwrap_err();
    assert_eq!(error.aws_type(), "InvalidSignatureException");
    assert!(
        error.to_string().contains("'20240501' != '20240502'"),
        "{error}"
    );
}

#[test]
fn other_service_scope_is_rejected() {
    let parts = sdk_signed(
        "http://127.0.0.1:4566/",
        BODY,
        "kms",
        SECRET,
        signing_time(),
    );
    let error = verify(&parts, BODY, signing_time(), SECRET).unwrap_err();
    assert_eq!(
        error,
        AuthError::InvalidSignature(
            "Credential should be scoped to correct service: 'secretsmanager'.".into()
        )
    );
}

#[test]
fn unsigned_target_header_is_rejected() {
    let mut parts = signed(BODY);
    let header = parts.headers["authorization"].to_str().unwrap().to_owned();
    let header = header.replace(";x-amz-target", "");
    set_header(&mut parts, "authorization", &header);
    let error = verify(&parts, BODY, signing_time(), SECRET).unwrap_err();
    assert_eq!(error.aws_type(), "IncompleteSignatureException");
}

#[test]
fn unsigned_host_header_is_rejected() {
    let mut parts = signed(BODY);
    let header = parts.headers["authorization"].to_str().unwrap().to_owned();
    let header = header.replace(";host", "");
    set_header(&mut parts, "authorization", &header);
    let error = verify(&parts, BODY, signing_time(), SECRET).unwrap_err();
    assert_eq!(error.aws_type(), "IncompleteSignatureException");
    assert!(error.to_string().contains("'Host'"), "{error}");
}

/// Requests and signatures of the AWS SigV4 test suite: key `AKIDEXAMPLE`,
/// region `us-east-1`, service `service`, time 2015-08-30T12:36:00Z.
mod published_vectors {
    use super::*;

    const SUITE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    fn suite_request(
        method: &str,
        uri: &str,
        headers: &[(&str, &str)],
        signed_headers: &str,
        signature: &str,
    ) -> Parts {
        let mut builder = Request::builder().method(method).uri(uri);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let authorization = format!(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders={signed_headers}, Signature={signature}"
        );
        builder = builder
            .header("x-amz-date", "20150830T123600Z")
            .header("authorization", authorization);
        builder.body(()).unwrap().into_parts().0
    }

    fn check(parts: &Parts, body: &[u8]) {
        let now = OffsetDateTime::from_unix_timestamp(1_440_938_160).unwrap();
        let request = SignedRequest::parse_for_service(parts, body, now, "service").unwrap();
        assert_eq!(request.verify(SUITE_SECRET.as_bytes()), Ok(()));
        assert_eq!(
            request.verify(b"not-the-secret"),
            Err(AuthError::SignatureMismatch)
        );
    }

    #[test]
    fn get_vanilla() {
        let parts = suite_request(
            "GET",
            "/",
            &[("host", "example.amazonaws.com")],
            "host;x-amz-date",
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        );
        check(&parts, b"");
    }

    #[test]
    fn get_query_order_key_case() {
        let parts = suite_request(
            "GET",
            "/?Param2=value2&Param1=value1",
            &[("host", "example.amazonaws.com")],
            "host;x-amz-date",
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
        );
        check(&parts, b"");
    }

    #[test]
    fn get_header_value_trim() {
        let parts = suite_request(
            "GET",
            "/",
            &[
                ("host", "example.amazonaws.com"),
                ("my-header1", " value1"),
                ("my-header2", " \"a   b   c\""),
            ],
            "host;my-header1;my-header2;x-amz-date",
            "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
        );
        check(&parts, b"");
    }

    #[test]
    fn get_slash_dot_slash_normalized() {
        let parts = suite_request(
            "GET",
            "/./",
            &[("host", "example.amazonaws.com")],
            "host;x-amz-date",
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        );
        check(&parts, b"");
    }

    #[test]
    fn post_form_urlencoded_with_content_sha256() {
        let body = b"Param1=value1";
        let parts = suite_request(
            "POST",
            "/",
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("host", "example.amazonaws.com"),
                ("content-length", "13"),
                (
                    "x-amz-content-sha256",
                    "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
                ),
            ],
            "content-length;content-type;host;x-amz-content-sha256;x-amz-date",
            "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b",
        );
        check(&parts, body);
    }
}
