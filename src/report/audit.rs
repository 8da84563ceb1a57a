//! `strongroom audit`: findings as a table, JSON, CSV, Markdown, or SARIF for CI pipelines.

use serde::Serialize;
use serde_json::json;

use crate::app::State;
use crate::audit::finding::RULES;
use crate::audit::{Finding, Severity};
use crate::domain::untrusted::neutralise;
use crate::report::csv_cell::SafeCsv;

/// Every finding, worst first, then by secret and rule.
pub fn sorted(state: &State) -> Vec<&Finding> {
    let mut all: Vec<&Finding> = state.findings.values().flatten().collect();
    all.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.name.cmp(&b.name))
            .then(a.region.cmp(&b.region))
            .then(a.rule.cmp(&b.rule))
    });
    all
}

#[derive(Serialize)]
struct Out<'a> {
    rule: &'static str,
    severity: Severity,
    controls: &'static [&'static str],
    secret: &'a str,
    arn: &'a str,
    account: &'a str,
    region: &'a str,
    message: &'a str,
    evidence: serde_json::Map<String, serde_json::Value>,
}

fn out(f: &Finding) -> Out<'_> {
    Out {
        rule: f.rule.name(),
        severity: f.severity,
        controls: f.controls,
        secret: &f.name,
        arn: &f.arn,
        account: &f.account,
        region: &f.region,
        message: &f.message,
        evidence: f
            .evidence
            .iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect(),
    }
}

pub fn json(state: &State) -> serde_json::Result<String> {
    let findings: Vec<Out<'_>> = sorted(state).into_iter().map(out).collect();
    serde_json::to_string_pretty(&json!({
        "generated_at": state.now,
        "source": state.source.label,
        "secrets_evaluated": state.inventory.len(),
        "findings": findings,
    }))
}

pub fn csv(state: &State) -> Result<String, csv::Error> {
    let mut w = SafeCsv::new();
    w.row([
        "severity", "rule", "controls", "secret", "region", "account", "message", "evidence", "arn",
    ])?;
    for f in sorted(state) {
        let evidence: Vec<String> = f.evidence.iter().map(|(k, v)| format!("{k}={v}")).collect();
        w.row([
            f.severity.label(),
            f.rule.name(),
            &f.controls.join("; "),
            &f.name,
            &f.region,
            &f.account,
            &f.message,
            &evidence.join("; "),
            &f.arn,
        ])?;
    }
    w.finish()
}

pub fn table(state: &State) -> String {
    let rows: Vec<[String; 5]> = sorted(state)
        .into_iter()
        .map(|f| {
            [
                f.severity.label().to_string(),
                f.rule.name().to_string(),
                neutralise(&f.name).into_owned(),
                f.region.to_string(),
                neutralise(&f.message).into_owned(),
            ]
        })
        .collect();
    let head = ["SEVERITY", "RULE", "SECRET", "REGION", "WHY"];
    let mut widths: Vec<usize> = head.iter().map(|h| h.len()).collect();
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[&str]| {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = vec![line(&head)];
    out.extend(
        rows.iter()
            .map(|r| line(&r.iter().map(String::as_str).collect::<Vec<_>>())),
    );
    out.push(String::new());
    out.push(summary(state));
    out.join("\n") + "\n"
}

/// "N findings in M secrets: x high, y medium, z low, w info".
pub fn summary(state: &State) -> String {
    let all = sorted(state);
    let count = |s: Severity| all.iter().filter(|f| f.severity == s).count();
    format!(
        "{} findings in {} of {} secrets: {} critical, {} high, {} medium, {} low, {} info",
        all.len(),
        state.findings.len(),
        state.inventory.len(),
        count(Severity::Critical),
        count(Severity::High),
        count(Severity::Medium),
        count(Severity::Low),
        count(Severity::Info),
    )
}

/// Markdown an auditor can read: a summary, a table per rule with its controls, the evidence.
pub fn markdown(state: &State) -> String {
    let mut md = format!(
        "# Secrets Manager compliance audit\n\n- Generated: {} UTC\n- Source: {}\n- {}\n",
        state.now.format("%Y-%m-%d %H:%M"),
        neutralise(&state.source.label),
        summary(state)
    );
    let all = sorted(state);
    for rule in RULES {
        let of_rule: Vec<&&Finding> = all.iter().filter(|f| f.rule == rule.id).collect();
        if of_rule.is_empty() {
            continue;
        }
        md.push_str(&format!(
            "\n## {} ({} findings)\n\n{}. Controls: {}.\n\n| severity | secret | region | account | why | evidence |\n|---|---|---|---|---|---|\n",
            rule.name,
            of_rule.len(),
            rule.summary,
            rule.controls.join(", ")
        ));
        for f in of_rule {
            let evidence: Vec<String> = f
                .evidence
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| format!("{k}: {v}"))
                .collect();
            md.push_str(&format!(
                "| {} | `{}` | {} | {} | {} | {} |\n",
                f.severity.label(),
                cell(&f.name),
                f.region,
                f.account,
                cell(&f.message),
                cell(&evidence.join("; "))
            ));
        }
    }
    md
}

fn cell(s: &str) -> String {
    neutralise(s).replace('|', "\\|").replace('`', "'")
}

/// SARIF 2.1.0: one run, a rule per audit rule, a result per finding located at the secret ARN.
pub fn sarif(state: &State) -> serde_json::Result<String> {
    let rules: Vec<serde_json::Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.name,
                "shortDescription": {"text": r.summary},
                "properties": {"controls": r.controls},
                "defaultConfiguration": {"level": level(r.severity)},
            })
        })
        .collect();
    let results: Vec<serde_json::Value> = sorted(state)
        .into_iter()
        .map(|f| {
            json!({
                "ruleId": f.rule.name(),
                "level": level(f.severity),
                "message": {"text": format!("{}: {}", f.name, f.message)},
                "locations": [{"logicalLocations": [{
                    "fullyQualifiedName": f.arn,
                    "kind": "resource",
                }]}],
                "properties": {
                    "severity": f.severity.label(),
                    "region": f.region,
                    "account": f.account,
                    "evidence": f.evidence.iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
                },
            })
        })
        .collect();
    serde_json::to_string_pretty(&json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "strongroom",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }],
    }))
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}
