//! `strongroom verify`: the registry's checks for one environment as a table, JSON, JUnit XML
//! (CI test reports) or SARIF (code scanning, located at the registry's lines).

use serde_json::json;

use crate::domain::untrusted::neutralise;
use crate::registry::{CheckKind, Registry, Status, Verification};

/// Unregistered secrets the table lists before it counts the rest.
const UNREGISTERED_SHOWN: usize = 5;

/// One line per check, failures first, then a summary line.
pub fn table(v: &Verification) -> String {
    let mut checks: Vec<_> = v.checks.iter().collect();
    checks.sort_by_key(|c| std::cmp::Reverse(c.status));
    let key_w = checks
        .iter()
        .map(|c| c.key.chars().count())
        .max()
        .unwrap_or(3)
        .max(3);
    let mut out = format!("{:<6} {:<key_w$} {:<15} DETAIL\n", "", "KEY", "CHECK");
    // A registry new to a fleet leaves many secrets unregistered: a few are shown, the rest
    // counted (JSON lists them all).
    let unregistered = checks
        .iter()
        .filter(|c| c.kind == CheckKind::Unregistered)
        .count();
    let mut shown_unregistered = 0;
    for c in checks {
        if c.kind == CheckKind::Unregistered {
            shown_unregistered += 1;
            if shown_unregistered > UNREGISTERED_SHOWN {
                if shown_unregistered == UNREGISTERED_SHOWN + 1 {
                    out.push_str(&format!(
                        "{:<6} {:<key_w$} {:<15} … and {} more secrets named like {}'s that no \
                         key declares (--format json lists them)\n",
                        "WARN",
                        "",
                        c.kind.id(),
                        unregistered - UNREGISTERED_SHOWN,
                        v.env
                    ));
                }
                continue;
            }
        }
        out.push_str(&format!(
            "{:<6} {:<key_w$} {:<15} {} — {}\n",
            c.status.label(),
            neutralise(&c.key),
            c.kind.id(),
            neutralise(&c.name),
            neutralise(&c.detail)
        ));
    }
    out.push_str(&summary(v));
    out.push('\n');
    out
}

/// `prod: 42 checks, 39 passed, 2 failed, 1 could not be made, 3 warnings`.
pub fn summary(v: &Verification) -> String {
    format!(
        "{}: {} checks, {} passed, {} failed, {} could not be made, {} warnings",
        v.env,
        v.checks.len(),
        v.count(Status::Pass),
        v.count(Status::Fail),
        v.count(Status::Error),
        v.count(Status::Warn)
    )
}

pub fn json(v: &Verification, registry: &Registry) -> serde_json::Result<String> {
    serde_json::to_string_pretty(&json!({
        "registry": registry.file,
        "env": v.env,
        "exit_code": v.exit_code(),
        "summary": {
            "checks": v.checks.len(),
            "passed": v.count(Status::Pass),
            "failed": v.count(Status::Fail),
            "errors": v.count(Status::Error),
            "warnings": v.count(Status::Warn),
        },
        "checks": v.checks,
    }))
}

/// JUnit XML: a test suite for the environment, a test case per check (classname the key);
/// a failed check is a `<failure>`, one not made an `<error>`, a warning passes with its
/// detail in `<system-out>`.
pub fn junit(v: &Verification) -> String {
    let mut cases = String::new();
    for c in &v.checks {
        let name = format!("{} {}", c.kind.id(), c.name);
        cases.push_str(&format!(
            "    <testcase classname=\"{}\" name=\"{}\">",
            xml(&c.key),
            xml(&name)
        ));
        match c.status {
            Status::Pass => {}
            Status::Warn => {
                cases.push_str(&format!("<system-out>WARN {}</system-out>", xml(&c.detail)))
            }
            Status::Fail => cases.push_str(&format!(
                "<failure type=\"{}\" message=\"{}\"/>",
                c.kind.id(),
                xml(&c.detail)
            )),
            Status::Error => cases.push_str(&format!(
                "<error type=\"{}\" message=\"{}\"/>",
                c.kind.id(),
                xml(&c.detail)
            )),
        }
        cases.push_str("</testcase>\n");
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite \
         name=\"strongroom verify {env}\" tests=\"{}\" failures=\"{}\" errors=\"{}\">\n{cases}  \
         </testsuite>\n</testsuites>\n",
        v.checks.len(),
        v.count(Status::Fail),
        v.count(Status::Error),
        env = xml(&v.env),
    )
}

/// SARIF 2.1.0: a rule per check kind; a result per failed check (error), check not made
/// (error) and warning (warning), located at the key's line in the registry file so code
/// scanning annotates the registry, and at the secret by name.
pub fn sarif(v: &Verification, registry: &Registry) -> serde_json::Result<String> {
    let rules: Vec<serde_json::Value> = CheckKind::ALL
        .iter()
        .map(|k| {
            json!({
                "id": k.id(),
                "shortDescription": {"text": k.rule()},
            })
        })
        .collect();
    let results: Vec<serde_json::Value> = v
        .checks
        .iter()
        .filter(|c| c.status != Status::Pass)
        .map(|c| {
            let mut location = json!({"logicalLocations": [{
                "name": c.name,
                "fullyQualifiedName": c.arn.clone().unwrap_or_else(|| c.name.clone()),
                "kind": "resource",
            }]});
            if c.line > 0 {
                location["physicalLocation"] = json!({
                    "artifactLocation": {"uri": registry.file},
                    "region": {"startLine": c.line},
                });
            }
            json!({
                "ruleId": c.kind.id(),
                "level": if c.status == Status::Warn { "warning" } else { "error" },
                "message": {"text": format!("{} ({}): {}", c.key, v.env, neutralise(&c.detail))},
                "locations": [location],
                "properties": {"env": v.env, "status": c.status},
            })
        })
        .collect();
    serde_json::to_string_pretty(&json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "strongroom verify",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }],
    }))
}

/// Text for an XML attribute or element: escaped, and without the control characters XML
/// cannot hold (names come from AWS and are untrusted).
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' => out.push(' '),
            c if c.is_control() => out.push_str(&format!("\\u{{{:04x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}
