//! `strongroom leak-check`: the verdict in capitals, the versions that matched, what was read to
//! know it. Nothing derived from a value appears here: a match says which version and which
//! field, never a fingerprint.

use serde_json::json;

use crate::domain::untrusted::neutralise;
use crate::leak::{Outcome, Verdict};

/// Who read, why, and where it was journaled: said under the answer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Provenance {
    pub operator: String,
    pub reason: String,
    pub incident: Option<String>,
    pub source: String,
    /// The journal's id for this check, when it was recorded.
    pub journal_id: Option<i64>,
}

pub fn table(o: &Outcome, p: &Provenance) -> String {
    let verdict = o.verdict();
    let mut out = format!("{}\n\n", verdict.headline());
    if !o.matches.is_empty() {
        let name_w = o
            .matches
            .iter()
            .map(|m| m.secret.chars().count())
            .max()
            .unwrap_or(6)
            .max(6);
        out.push_str(&format!(
            "{:<name_w$}  {:<12}  {:<14}  {:<36}  {:<24}  {:<20}  CREATED\n",
            "SECRET", "ACCOUNT", "REGION", "VERSION", "STAGES", "PART"
        ));
        for m in &o.matches {
            let stages = if m.stages.is_empty() {
                "(no stage)".to_string()
            } else {
                m.stages.join(",")
            };
            out.push_str(&format!(
                "{:<name_w$}  {:<12}  {:<14}  {:<36}  {:<24}  {:<20}  {}\n",
                neutralise(&m.secret),
                neutralise(&m.account),
                neutralise(&m.region),
                neutralise(&m.version_id),
                neutralise(&stages),
                neutralise(&m.part.describe()),
                m.created
                    .map(|c| c.format("%Y-%m-%d %H:%M UTC").to_string())
                    .unwrap_or_else(|| "-".into())
            ));
        }
        out.push('\n');
        if verdict == Verdict::Current {
            let previous: Vec<_> = o.matches.iter().filter(|m| !m.is_current()).collect();
            if !previous.is_empty() {
                out.push_str(
                    "The value is also an older version of a secret above: it was carried over \
                     through a rotation.\n",
                );
            }
        }
    }
    if !o.failures.is_empty() {
        out.push_str(&format!("{} read(s) failed:\n", o.failures.len()));
        for f in &o.failures {
            out.push_str(&format!(
                "  {} ({} {}) {}: {}\n",
                neutralise(&f.secret),
                neutralise(&f.account),
                neutralise(&f.region),
                neutralise(&f.version),
                neutralise(&f.why)
            ));
        }
        out.push('\n');
    }
    out.push_str(&summary(o));
    out.push('\n');
    out.push_str(&provenance(p));
    out.push('\n');
    out
}

fn summary(o: &Outcome) -> String {
    let calls: Vec<String> = o.calls.iter().map(|(op, n)| format!("{n} {op}")).collect();
    format!(
        "Checked {} candidate secret(s): {} version(s) read in {} call(s) ({}), {:.2} s. Each value \
         was hashed in memory and zeroed; nothing derived from it was printed, logged or stored.",
        o.candidates,
        o.reads,
        o.total_calls(),
        if calls.is_empty() {
            "none".to_string()
        } else {
            calls.join(", ")
        },
        o.seconds
    )
}

fn provenance(p: &Provenance) -> String {
    let why = match &p.incident {
        Some(i) if p.reason.is_empty() => format!("incident {i}"),
        Some(i) => format!("incident {i}: {}", p.reason),
        None => p.reason.clone(),
    };
    let mut s = format!(
        "Read by {} from {}, because: {}.",
        neutralise(&p.operator),
        neutralise(&p.source),
        neutralise(&why)
    );
    if let Some(id) = p.journal_id {
        s.push_str(&format!(
            " Journaled as leak check {id} (`strongroom incident leak-checks` lists them)."
        ));
    }
    s
}

pub fn json(o: &Outcome, p: &Provenance) -> String {
    let verdict = o.verdict();
    let doc = json!({
        "verdict": verdict.word(),
        "still_current": verdict == Verdict::Current,
        "headline": verdict.headline(),
        "matches": o.matches,
        "failures": o.failures,
        "candidates": o.candidates,
        "reads": o.reads,
        "calls": o.calls,
        "seconds": o.seconds,
        "operator": p.operator,
        "reason": p.reason,
        "incident": p.incident,
        "source": p.source,
        "journal_id": p.journal_id,
    });
    format!("{doc:#}\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::leak::{Match, Part};

    fn outcome() -> Outcome {
        let mut o = Outcome {
            candidates: 3,
            reads: 5,
            matches: vec![Match {
                secret: "prod/\u{1b}[31mstripe".into(),
                arn: "arn".into(),
                account: "111122223333".into(),
                region: "us-east-1".into(),
                version_id: "v-1".into(),
                stages: vec!["AWSCURRENT".into()],
                part: Part::Field("apiKey".into()),
                created: None,
            }],
            ..Default::default()
        };
        o.add_calls("BatchGetSecretValue", 1);
        o.add_calls("GetSecretValue", 2);
        o
    }

    #[test]
    fn the_table_opens_with_the_verdict_and_escapes_what_aws_said() {
        let t = table(&outcome(), &Provenance::default());
        assert!(t.starts_with("STILL AWSCURRENT"));
        assert!(t.contains("field apiKey"));
        assert!(!t.contains('\u{1b}'));
        assert!(
            t.contains("5 version(s) read in 3 call(s) (1 BatchGetSecretValue, 2 GetSecretValue)")
        );
    }

    #[test]
    fn json_says_the_verdict_a_ticket_needs() {
        let v: serde_json::Value =
            serde_json::from_str(&json(&outcome(), &Provenance::default())).unwrap();
        assert_eq!(v["verdict"], "current");
        assert_eq!(v["still_current"], true);
        assert_eq!(v["matches"][0]["field"], "apiKey");
        assert_eq!(v["calls"]["GetSecretValue"], 2);
    }
}
