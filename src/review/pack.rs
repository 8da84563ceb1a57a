//! The evidence pack: the review, the inventory (metadata only), policies, observed access,
//! decisions, reviewer and time, sealed with a SHA-256 an auditor can recompute (pure).
//!
//! JSON: `sha256` is the SHA-256 (lower-case hex) of the pack without its `sha256` field,
//! serialised as canonical JSON: object keys sorted by their UTF-8 bytes, no insignificant
//! whitespace, strings escaped as RFC 8259 requires (non-ASCII kept as UTF-8), integers as
//! digits. Re-indenting the file does not change it. Python:
//! `json.dumps(pack_without_sha256, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`.
//!
//! Markdown and CSV: the last line carries the SHA-256 of every byte of the file before it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::decision::{self, Decision};
use super::{Observation, ReviewInfo, SecretReview, Summary};

/// The `format` of a JSON pack.
pub const FORMAT: &str = "strongroom-access-review/1";
/// Starts the last line of a Markdown pack.
pub const MARKDOWN_SEAL: &str = "SHA-256 of every byte above this line: ";
/// The first field of the last record of a CSV pack.
pub const CSV_SEAL: &str = "sha256-of-every-byte-above";

pub const JSON_HASH_DEFINITION: &str = "sha256 is the SHA-256 (hex) of this pack without its \
    sha256 field, as canonical JSON: object keys sorted by their UTF-8 bytes, no whitespace, \
    strings escaped per RFC 8259 with non-ASCII kept as UTF-8, integers as digits";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pack {
    pub format: String,
    pub hash_definition: String,
    pub review: ReviewInfo,
    pub exported_at: DateTime<Utc>,
    pub exported_by: String,
    /// When the inventory, policies and events below were read.
    pub observed_at: DateTime<Utc>,
    pub window_start: DateTime<Utc>,
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    pub notes: Vec<String>,
    pub problems: Vec<String>,
    pub summary: Summary,
    pub secrets: Vec<PackSecret>,
    /// Every decision recorded, in order, replaced ones included.
    pub decision_log: Vec<LoggedDecision>,
    pub decision_chain: Chain,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackSecret {
    #[serde(flatten)]
    pub review: SecretReview,
    /// The decisions that stand.
    pub decisions: Vec<Decision>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggedDecision {
    #[serde(flatten)]
    pub decision: Decision,
    /// A later decision replaced it.
    pub superseded: bool,
}

/// Whether the decision log's hash chain holds in the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chain {
    pub verified: bool,
    /// The last entry's hash: noted elsewhere, it shows entries removed from the end.
    pub head: Option<String>,
    pub problem: Option<String>,
}

/// The pack of a review, from what was observed and the decision log.
pub fn assemble(
    review: &ReviewInfo,
    observation: &Observation,
    log: &[Decision],
    chain: Chain,
    exported_at: DateTime<Utc>,
    exported_by: &str,
) -> Pack {
    let secrets = observation
        .secrets
        .iter()
        .map(|r| PackSecret {
            review: r.clone(),
            decisions: decision::effective(log, &r.secret.arn)
                .into_iter()
                .cloned()
                .collect(),
        })
        .collect();
    Pack {
        format: FORMAT.into(),
        hash_definition: JSON_HASH_DEFINITION.into(),
        review: review.clone(),
        exported_at,
        exported_by: exported_by.into(),
        observed_at: observation.observed_at,
        window_start: observation.since,
        accounts: observation.accounts.clone(),
        regions: observation.regions.clone(),
        notes: observation.notes.clone(),
        problems: observation.problems.clone(),
        summary: super::summary(&observation.secrets, log),
        secrets,
        decision_log: log
            .iter()
            .map(|d| LoggedDecision {
                decision: d.clone(),
                superseded: decision::superseded(log, d),
            })
            .collect(),
        decision_chain: chain,
    }
}

/// The JSON pack with its `sha256`, indented, ending with a newline.
pub fn seal_json(pack: &Pack) -> Result<String, serde_json::Error> {
    let mut value = serde_json::to_value(pack)?;
    let hash = sha256_hex(canonical(&value).as_bytes());
    if let Value::Object(map) = &mut value {
        map.insert("sha256".into(), Value::String(hash));
    }
    Ok(serde_json::to_string_pretty(&value)? + "\n")
}

/// How a text pack is laid out, for its seal line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    Markdown,
    /// The seal record is padded to the table's width, so CSV readers accept it.
    Csv {
        columns: usize,
    },
}

/// A Markdown or CSV body with its seal line appended.
pub fn seal_text(body: &str, kind: TextKind) -> String {
    let mut text = body.to_string();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    let hash = sha256_hex(text.as_bytes());
    match kind {
        TextKind::Markdown => text.push_str(&format!("{MARKDOWN_SEAL}{hash}\n")),
        TextKind::Csv { columns } => {
            let pad = ",".repeat(columns.saturating_sub(2));
            text.push_str(&format!("{CSV_SEAL},{hash}{pad}\n"));
        }
    }
    text
}

/// What `review verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verified {
    Intact {
        sha256: String,
        kind: &'static str,
    },
    Changed {
        recorded: String,
        computed: String,
        kind: &'static str,
    },
}

/// Recomputes a pack's hash. Err when the text is not a sealed pack at all.
pub fn verify(text: &str) -> Result<Verified, String> {
    if text.trim_start().starts_with('{') {
        return verify_json(text);
    }
    let body = text.strip_suffix('\n').unwrap_or(text);
    let start = body.rfind('\n').map_or(0, |i| i + 1);
    let last = &body[start..];
    let (kind, recorded) = if let Some(h) = last.strip_prefix(MARKDOWN_SEAL) {
        ("markdown", h.trim())
    } else if let Some(rest) = last.strip_prefix(CSV_SEAL) {
        (
            "csv",
            rest.trim_start_matches(',')
                .split(',')
                .next()
                .unwrap_or("")
                .trim(),
        )
    } else {
        return Err(format!(
            "no seal: the last line should start with `{MARKDOWN_SEAL}` (Markdown) or \
             `{CSV_SEAL},` (CSV), or the file should be a JSON pack"
        ));
    };
    Ok(outcome(
        recorded,
        sha256_hex(&text.as_bytes()[..start]),
        kind,
    ))
}

fn verify_json(text: &str) -> Result<Verified, String> {
    let mut value: Value =
        serde_json::from_str(text).map_err(|e| format!("not valid JSON ({e})"))?;
    let Value::Object(map) = &mut value else {
        return Err("not a JSON object".into());
    };
    if map.get("format").and_then(Value::as_str) != Some(FORMAT) {
        return Err(format!(
            "not a Strongroom access review pack (format {FORMAT})"
        ));
    }
    let recorded = match map.remove("sha256") {
        Some(Value::String(h)) => h,
        _ => return Err("the pack has no sha256 field".into()),
    };
    Ok(outcome(
        &recorded,
        sha256_hex(canonical(&value).as_bytes()),
        "json",
    ))
}

fn outcome(recorded: &str, computed: String, kind: &'static str) -> Verified {
    if recorded.eq_ignore_ascii_case(&computed) {
        Verified::Intact {
            sha256: computed,
            kind,
        }
    } else {
        Verified::Changed {
            recorded: recorded.to_string(),
            computed,
            kind,
        }
    }
}

/// Canonical JSON: keys sorted by their UTF-8 bytes, no whitespace.
pub fn canonical(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                if let Some(v) = map.get(key) {
                    write_canonical(v, out);
                }
            }
            out.push('}');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_json_sorts_keys_at_every_level() {
        let v = json!({"b": [{"z": 1, "a": "é\n"}], "a": null});
        assert_eq!(canonical(&v), r#"{"a":null,"b":[{"a":"é\n","z":1}]}"#);
    }

    #[test]
    fn a_text_seal_verifies_and_any_change_shows() {
        let sealed = seal_text("# Review\n\n| a | b |\n", TextKind::Markdown);
        assert!(matches!(
            verify(&sealed),
            Ok(Verified::Intact {
                kind: "markdown",
                ..
            })
        ));
        let tampered = sealed.replace("| a |", "| c |");
        assert!(matches!(verify(&tampered), Ok(Verified::Changed { .. })));
        let csv = seal_text(
            "record,secret,x\nsecret,a,b\n",
            TextKind::Csv { columns: 3 },
        );
        assert!(
            csv.lines()
                .last()
                .unwrap()
                .starts_with("sha256-of-every-byte-above,")
        );
        assert!(matches!(
            verify(&csv),
            Ok(Verified::Intact { kind: "csv", .. })
        ));
        let appended = format!("{csv}extra\n");
        assert!(
            verify(&appended).is_err(),
            "text after the seal is not a seal"
        );
        assert!(verify("hello\n").is_err());
    }

    #[test]
    fn json_seal_survives_reindenting_but_not_edits() {
        let mut v = json!({"format": FORMAT, "note": "kept", "n": 3});
        let hash = sha256_hex(canonical(&v).as_bytes());
        v["sha256"] = json!(hash);
        let compact = serde_json::to_string(&v).unwrap();
        let pretty = serde_json::to_string_pretty(&v).unwrap();
        for text in [&compact, &pretty] {
            assert!(matches!(
                verify(text),
                Ok(Verified::Intact { kind: "json", .. })
            ));
        }
        let edited = pretty.replace("kept", "gone");
        assert!(matches!(verify(&edited), Ok(Verified::Changed { .. })));
        assert!(verify(r#"{"format": "other"}"#).is_err());
    }
}
