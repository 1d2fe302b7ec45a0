//! Dotted paths into a JSON document, such as `key.secret` or `data.0.id`.

use tumbler_sdk::serde_json::Value;

/// Returns the value at `path` as text: strings as they are, numbers in
/// decimal. Numeric segments index arrays. Returns `None` when a segment is
/// missing or the value is not a string or a number.
pub fn lookup_text(document: &Value, path: &str) -> Option<String> {
    let mut current = document;
    for segment in path.split('.') {
        current = match current {
            Value::Object(map) => map.get(segment)?,
            Value::Array(items) => items.get(segment.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    match current {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tumbler_sdk::serde_json::json;

    #[test]
    fn nested_string_is_found() {
        let document = json!({"key": {"id": "k1", "secret": "s"}});
        assert_eq!(lookup_text(&document, "key.id").as_deref(), Some("k1"));
    }

    #[test]
    fn array_index_and_number_work() {
        let document = json!({"data": [{"id": 42}]});
        assert_eq!(lookup_text(&document, "data.0.id").as_deref(), Some("42"));
    }

    #[test]
    fn missing_or_object_value_is_none() {
        let document = json!({"key": {"id": "k1"}});
        assert_eq!(lookup_text(&document, "key.secret"), None);
        assert_eq!(lookup_text(&document, "key"), None);
        assert_eq!(lookup_text(&document, "key.id.more"), None);
    }
}
