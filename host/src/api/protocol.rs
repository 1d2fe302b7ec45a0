//! AWS JSON 1.1 framing: the content type, `X-Amz-Target`, request bodies
//! and JSON responses.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::{AMZ_JSON, ApiError};
use super::operation::Operation;

/// Prefix of every `X-Amz-Target` value of this service.
pub const TARGET_PREFIX: &str = "secretsmanager.";

/// Checks that the request declares `application/x-amz-json-1.1`, with or
/// without parameters such as `; charset=UTF-8`.
pub fn check_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Err(ApiError::serialization(format!(
            "The request has no Content-Type header; send {AMZ_JSON}."
        )));
    };
    let media_type = value
        .to_str()
        .ok()
        .and_then(|text| text.split(';').next())
        .map(|text| text.trim().to_ascii_lowercase());
    if media_type.as_deref() == Some(AMZ_JSON) {
        return Ok(());
    }
    let received = value.to_str().unwrap_or("<not ASCII>");
    Err(ApiError::serialization(format!(
        "Content-Type {received:?} is not supported; send {AMZ_JSON}."
    )))
}

/// Reads the operation from `X-Amz-Target: secretsmanager.<Operation>`.
pub fn operation(headers: &HeaderMap) -> Result<Operation, ApiError> {
    let Some(value) = headers.get("x-amz-target") else {
        return Err(unknown_operation(
            "The request has no X-Amz-Target header; send secretsmanager.<Operation>.",
        ));
    };
    let target = value.to_str().unwrap_or_default();
    let Some(name) = target.strip_prefix(TARGET_PREFIX) else {
        return Err(unknown_operation(&format!(
            "X-Amz-Target {target:?} does not name a secretsmanager operation."
        )));
    };
    Operation::from_name(name).ok_or_else(|| {
        unknown_operation(&format!("{name:?} is not an operation of secretsmanager."))
    })
}

fn unknown_operation(message: &str) -> ApiError {
    ApiError::client("UnknownOperationException", message)
}

/// Parses a request body into an operation's input shape. An empty body is
/// read as `{}`. Errors become `SerializationException` naming the member
/// that failed; string values are left out of the message because the
/// member may hold a secret.
pub fn parse_input<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let parsed = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|error| serialization_error(error.path().to_string(), error.into_inner()))?;
    deserializer
        .end()
        .map_err(|error| serialization_error(String::from("."), error))?;
    Ok(parsed)
}

fn serialization_error(path: String, error: serde_json::Error) -> ApiError {
    let detail = redact_strings(&error.to_string());
    match error.classify() {
        serde_json::error::Category::Data if path != "." => {
            ApiError::serialization(format!("Invalid value for member {path}: {detail}"))
        }
        serde_json::error::Category::Data => ApiError::serialization(format!(
            "The request body does not match the operation's input: {detail}"
        )),
        _ => ApiError::serialization(format!("The request body is not valid JSON: {detail}")),
    }
}

/// Replaces the quoted string in serde messages such as
/// `invalid type: string "abc", expected u32` with `"..."`.
fn redact_strings(message: &str) -> String {
    const MARKER: &str = "string \"";
    let mut output = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(start) = rest.find(MARKER) {
        let (head, tail) = rest.split_at(start + MARKER.len());
        output.push_str(head);
        output.push_str("...\"");
        // serde quotes the value with Rust escaping, so the closing quote is
        // the first `"` not preceded by a backslash.
        let mut end = None;
        let mut escaped = false;
        for (index, ch) in tail.char_indices() {
            match ch {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    end = Some(index);
                    break;
                }
                _ => escaped = false,
            }
        }
        match end {
            Some(end) => rest = &tail[end + 1..],
            None => return output,
        }
    }
    output.push_str(rest);
    output
}

/// Builds a 200 response with a JSON body.
// NOTE: a body that carries a secret value (GetSecretValue, GetRandomPassword)
// is an ordinary String handed to hyper, so it is not wiped after sending.
pub fn json_response<T: Serialize>(value: &T) -> Result<Response, ApiError> {
    let body = serde_json::to_string(value).map_err(|error| {
        ApiError::internal(format!("failed to serialize the response: {error}"))
    })?;
    Ok(with_json_type(Response::new(Body::from(body))))
}

/// Builds a 200 response without a body, for operations without output.
pub fn empty_response() -> Response {
    with_json_type(Response::new(Body::empty()))
}

fn with_json_type(mut response: Response) -> Response {
    *response.status_mut() = StatusCode::OK;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(AMZ_JSON));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(rename_all = "PascalCase", deny_unknown_fields)]
    struct Input {
        #[allow(dead_code, reason = "only parsed")]
        password_length: Option<u32>,
        #[allow(dead_code, reason = "only parsed")]
        name: Option<String>,
    }

    #[test]
    fn empty_body_reads_as_empty_object() {
        assert!(parse_input::<Input>(b"").is_ok());
        assert!(parse_input::<Input>(b"  \n").is_ok());
    }

    #[test]
    fn wrong_type_names_member_without_value() {
        let error = parse_input::<Input>(br#"{"PasswordLength": "hunter2"}"#).unwrap_err();
        assert_eq!(error.error_type, "SerializationException");
        assert!(
            error.message.contains("PasswordLength"),
            "{}",
            error.message
        );
        assert!(!error.message.contains("hunter2"), "{}", error.message);
    }

    #[test]
    fn unknown_member_is_named() {
        let error = parse_input::<Input>(br#"{"Nmae": "x"}"#).unwrap_err();
        assert_eq!(error.error_type, "SerializationException");
        assert!(error.message.contains("Nmae"), "{}", error.message);
    }

    #[test]
    fn malformed_json_is_serialization_error() {
        let error = parse_input::<Input>(b"{not json").unwrap_err();
        assert_eq!(error.error_type, "SerializationException");
        let error = parse_input::<Input>(br#"{"Name": "a"} trailing"#).unwrap_err();
        assert_eq!(error.error_type, "SerializationException");
    }

    #[test]
    fn redaction_handles_escaped_quotes() {
        let redacted = redact_strings(r#"invalid type: string "a\"b", expected u32 at line 1"#);
        assert_eq!(
            redacted,
            r#"invalid type: string "...", expected u32 at line 1"#
        );
    }
}
