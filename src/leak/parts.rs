//! Which parts of one version's value are the suspected value: the whole value, and for a JSON
//! object each top-level field (a string by its text, a number or boolean by its JSON text).
//! The value is consumed and every copy made of it here is zeroed.

use serde_json::Value;
use zeroize::{Zeroize, Zeroizing};

use super::suspect::Suspect;

/// The part of a version's value that matched.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "part", content = "field", rename_all = "snake_case")]
pub enum Part {
    Whole,
    Field(String),
}

impl Part {
    /// `whole value` or `field password`, for tables.
    pub fn describe(&self) -> String {
        match self {
            Self::Whole => "whole value".to_string(),
            Self::Field(f) => format!("field {f}"),
        }
    }

    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Whole => None,
            Self::Field(f) => Some(f),
        }
    }
}

/// Compares the suspect with `value` and its top-level JSON fields, then zeroes `value`.
pub fn parts_matching(suspect: &Suspect, value: Zeroizing<Vec<u8>>) -> Vec<Part> {
    let mut parts = Vec::new();
    if suspect.matches(&value) {
        parts.push(Part::Whole);
    }
    // Only text that looks like an object is parsed: a bare string or number is the whole value.
    if value.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
        && let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(&value)
    {
        for (name, field) in map {
            let matched = match &field {
                Value::String(s) => suspect.matches(s.as_bytes()),
                Value::Number(_) | Value::Bool(_) => {
                    let mut text = field.to_string();
                    let m = suspect.matches(text.as_bytes());
                    text.zeroize();
                    m
                }
                _ => false,
            };
            wipe(field);
            if matched {
                parts.push(Part::Field(name));
            }
        }
    }
    drop(value);
    parts
}

/// The same question asked of fingerprints a source already holds (the demo ships them):
/// the whole value's SHA-256 and each field's.
pub fn parts_matching_digests(
    suspect: &Suspect,
    whole: Option<&[u8; 32]>,
    fields: &[(String, [u8; 32])],
) -> Vec<Part> {
    let mut parts = Vec::new();
    if whole.is_some_and(|d| suspect.matches_digest(d)) {
        parts.push(Part::Whole);
    }
    for (name, digest) in fields {
        if suspect.matches_digest(digest) {
            parts.push(Part::Field(name.clone()));
        }
    }
    parts
}

/// Zeroes every string a parsed value holds before it is freed.
fn wipe(value: Value) {
    match value {
        Value::String(s) => {
            let mut bytes = s.into_bytes();
            bytes.zeroize();
        }
        Value::Array(items) => items.into_iter().for_each(wipe),
        Value::Object(map) => map.into_iter().for_each(|(_, v)| wipe(v)),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suspect(s: &str) -> Suspect {
        Suspect::from_bytes(Zeroizing::new(s.as_bytes().to_vec()), true).unwrap()
    }

    fn value(s: &str) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(s.as_bytes().to_vec())
    }

    #[test]
    fn a_field_of_a_json_secret_is_found_by_its_name() {
        let v = r#"{"username":"app","password":"s3cr3t-Pa55","port":5432}"#;
        assert_eq!(
            parts_matching(&suspect("s3cr3t-Pa55"), value(v)),
            vec![Part::Field("password".into())]
        );
        assert_eq!(
            parts_matching(&suspect("5432"), value(v)),
            vec![Part::Field("port".into())]
        );
        assert_eq!(parts_matching(&suspect(v), value(v)), vec![Part::Whole]);
        assert!(parts_matching(&suspect("s3cr3t"), value(v)).is_empty());
    }

    #[test]
    fn plain_and_nested_values_match_only_as_a_whole() {
        assert_eq!(
            parts_matching(&suspect("sk_live_abc"), value("sk_live_abc")),
            vec![Part::Whole]
        );
        // A nested field is not a top-level one; a quoted string is not an object.
        let nested = r#"{"db":{"password":"inner"}}"#;
        assert!(parts_matching(&suspect("inner"), value(nested)).is_empty());
        assert!(parts_matching(&suspect("x"), value(r#""x""#)).is_empty());
        // Broken JSON is still compared whole.
        assert_eq!(
            parts_matching(&suspect("{not json"), value("{not json")),
            vec![Part::Whole]
        );
    }

    #[test]
    fn shipped_fingerprints_answer_the_same() {
        use sha2::{Digest, Sha256};
        let whole: [u8; 32] = Sha256::digest(b"{\"apiKey\":\"k\"}").into();
        let field: [u8; 32] = Sha256::digest(b"k").into();
        let fields = vec![("apiKey".to_string(), field)];
        assert_eq!(
            parts_matching_digests(&suspect("k"), Some(&whole), &fields),
            vec![Part::Field("apiKey".into())]
        );
        assert!(parts_matching_digests(&suspect("j"), Some(&whole), &fields).is_empty());
    }
}
