//! The audit policy: thresholds, required tags, naming, DR regions, per-rule switches and
//! severities, and overrides by name pattern or tag. TOML; a bad file names the line and key.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::finding::{RULES, RuleId, Severity};
use super::naming::glob;
use crate::domain::Secret;

#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub rotation_max_days: i64,
    pub max_rotation_interval_days: Option<i64>,
    pub unused_days: i64,
    pub due_soon_days: i64,
    pub required_tags: Vec<String>,
    pub naming_patterns: Vec<String>,
    pub environments: Vec<String>,
    pub dr_regions: Vec<String>,
    pub replicate_classifications: Vec<String>,
    pub replicate_environments: Vec<String>,
    /// Stricter rotation limits by Classification tag value (lower-cased).
    pub classification_rotation_days: BTreeMap<String, i64>,
    pub rules: BTreeMap<RuleId, RuleSetting>,
    pub overrides: Vec<Override>,
    /// What the team's registry declares, by secret name.
    pub declared: std::collections::HashMap<String, Declared>,
}

/// What the team's registry declares of a secret: its cadence and classification win over the
/// policy's default limit and the Classification tag (an explicit override still wins last).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Declared {
    pub rotation_days: Option<i64>,
    pub classification: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RuleSetting {
    pub enabled: bool,
    pub severity: Severity,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Override {
    pub name: Option<String>,
    pub tag: Option<(String, String)>,
    pub disable: Vec<RuleId>,
    pub severity: BTreeMap<RuleId, Severity>,
    pub rotation_max_days: Option<i64>,
    pub unused_days: Option<i64>,
}

/// The policy as it applies to one secret, after overrides.
#[derive(Debug, Clone, PartialEq)]
pub struct Effective {
    pub rotation_max_days: i64,
    pub unused_days: i64,
    pub rules: BTreeMap<RuleId, RuleSetting>,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            rotation_max_days: 90,
            max_rotation_interval_days: None,
            unused_days: 90,
            due_soon_days: 14,
            required_tags: vec![
                "Owner".into(),
                "RotationDays".into(),
                "Classification".into(),
            ],
            naming_patterns: vec![
                "/<project>/<env>/<service>/<name>".into(),
                "<env>/<service>/<name>".into(),
            ],
            environments: [
                "dev",
                "test",
                "qa",
                "stage",
                "staging",
                "uat",
                "prod",
                "production",
            ]
            .map(String::from)
            .to_vec(),
            dr_regions: Vec::new(),
            replicate_classifications: vec!["critical".into()],
            replicate_environments: Vec::new(),
            classification_rotation_days: BTreeMap::new(),
            rules: RULES
                .iter()
                .map(|r| {
                    (
                        r.id,
                        RuleSetting {
                            enabled: r.enabled,
                            severity: r.severity,
                        },
                    )
                })
                .collect(),
            overrides: Vec::new(),
            declared: Default::default(),
        }
    }
}

impl Policy {
    pub fn for_secret(&self, secret: &Secret) -> Effective {
        let mut eff = Effective {
            rotation_max_days: self.rotation_max_days,
            unused_days: self.unused_days,
            rules: self.rules.clone(),
        };
        let declared = self.declared.get(&secret.name);
        let class = declared
            .and_then(|d| d.classification.as_deref())
            .or_else(|| secret.tag("Classification"));
        if let Some(limit) = class.and_then(|c| {
            self.classification_rotation_days
                .get(&c.to_ascii_lowercase())
        }) {
            eff.rotation_max_days = eff.rotation_max_days.min(*limit);
        }
        if let Some(days) = declared.and_then(|d| d.rotation_days) {
            eff.rotation_max_days = days;
        }
        for o in self.overrides.iter().filter(|o| o.applies(secret)) {
            for id in &o.disable {
                if let Some(r) = eff.rules.get_mut(id) {
                    r.enabled = false;
                }
            }
            for (id, sev) in &o.severity {
                if let Some(r) = eff.rules.get_mut(id) {
                    r.severity = *sev;
                }
            }
            if let Some(d) = o.rotation_max_days {
                eff.rotation_max_days = d;
            }
            if let Some(d) = o.unused_days {
                eff.unused_days = d;
            }
        }
        eff
    }

    /// `--policy FILE`, else `<config>/policy.toml` if present, else the built-in defaults.
    pub fn load(explicit: Option<&Path>, config_dir: Option<&Path>) -> Result<Self, PolicyError> {
        let path = match explicit {
            Some(p) => Some(p.to_path_buf()),
            None => config_dir
                .map(|d| d.join("policy.toml"))
                .filter(|p| p.exists()),
        };
        let Some(path) = path else {
            return Ok(Self::default());
        };
        let text = std::fs::read_to_string(&path).map_err(|e| PolicyError {
            file: path.display().to_string(),
            line: 0,
            key: String::new(),
            message: e.to_string(),
        })?;
        parse(&text, &path.display().to_string())
    }
}

impl Override {
    fn applies(&self, secret: &Secret) -> bool {
        let name_ok = self.name.as_deref().is_none_or(|p| glob(p, &secret.name));
        let tag_ok = self
            .tag
            .as_ref()
            .is_none_or(|(k, v)| secret.tag(k) == Some(v.as_str()));
        name_ok && tag_ok
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {key}: {message}")]
pub struct PolicyError {
    pub file: String,
    pub line: usize,
    pub key: String,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    thresholds: Thresholds,
    #[serde(default)]
    tags: Tags,
    #[serde(default)]
    naming: Naming,
    #[serde(default)]
    replication: Replication,
    #[serde(default)]
    classification: BTreeMap<String, ClassRule>,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, RuleFile>,
    #[serde(default, rename = "override")]
    overrides: Vec<OverrideFile>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Thresholds {
    rotation_max_days: Option<i64>,
    max_rotation_interval_days: Option<i64>,
    unused_days: Option<i64>,
    due_soon_days: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Tags {
    required: Option<Vec<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Naming {
    patterns: Option<Vec<String>>,
    environments: Option<Vec<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Replication {
    dr_regions: Option<Vec<String>>,
    classifications: Option<Vec<String>>,
    environments: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClassRule {
    rotation_max_days: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    enabled: Option<bool>,
    severity: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OverrideFile {
    name: Option<String>,
    tag: Option<Spanned<String>>,
    #[serde(default)]
    disable: Vec<Spanned<String>>,
    #[serde(default)]
    severity: BTreeMap<Spanned<String>, Spanned<String>>,
    rotation_max_days: Option<i64>,
    unused_days: Option<i64>,
}

pub fn parse(text: &str, file: &str) -> Result<Policy, PolicyError> {
    let err = |span: Option<std::ops::Range<usize>>, key: &str, message: String| PolicyError {
        file: file.to_string(),
        line: span.map_or(0, |s| {
            text[..s.start.min(text.len())].matches('\n').count() + 1
        }),
        key: key.to_string(),
        message,
    };
    let f: File = toml::from_str(text).map_err(|e| {
        let key = e
            .message()
            .split('`')
            .nth(1)
            .unwrap_or("(syntax)")
            .to_string();
        err(e.span(), &key, e.message().to_string())
    })?;
    let rule = |name: &Spanned<String>, key: &str| {
        RuleId::from_name(name.get_ref()).ok_or_else(|| {
            err(
                Some(name.span()),
                key,
                format!(
                    "unknown rule \"{}\" (rules: {})",
                    name.get_ref(),
                    RULES.iter().map(|r| r.name).collect::<Vec<_>>().join(", ")
                ),
            )
        })
    };
    let severity = |s: &Spanned<String>, key: &str| {
        Severity::parse(s.get_ref()).ok_or_else(|| {
            err(
                Some(s.span()),
                key,
                format!(
                    "unknown severity \"{}\" (info, low, medium, high, critical)",
                    s.get_ref()
                ),
            )
        })
    };
    let mut p = Policy::default();
    let t = f.thresholds;
    p.rotation_max_days = t.rotation_max_days.unwrap_or(p.rotation_max_days);
    p.max_rotation_interval_days = t.max_rotation_interval_days;
    p.unused_days = t.unused_days.unwrap_or(p.unused_days);
    p.due_soon_days = t.due_soon_days.unwrap_or(p.due_soon_days);
    if let Some(r) = f.tags.required {
        p.required_tags = r;
    }
    if let Some(n) = f.naming.patterns {
        p.naming_patterns = n;
    }
    if let Some(e) = f.naming.environments {
        p.environments = e;
    }
    if let Some(d) = f.replication.dr_regions {
        p.dr_regions = d;
    }
    if let Some(c) = f.replication.classifications {
        p.replicate_classifications = c.iter().map(|c| c.to_ascii_lowercase()).collect();
    }
    if let Some(e) = f.replication.environments {
        p.replicate_environments = e;
    }
    p.classification_rotation_days = f
        .classification
        .into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.rotation_max_days))
        .collect();
    for (name, setting) in &f.rules {
        let id = rule(name, "rules")?;
        let entry = p.rules.entry(id).or_insert(RuleSetting {
            enabled: true,
            severity: id.info().severity,
        });
        if let Some(e) = setting.enabled {
            entry.enabled = e;
        }
        if let Some(s) = &setting.severity {
            entry.severity = severity(s, &format!("rules.{}.severity", name.get_ref()))?;
        }
    }
    for o in &f.overrides {
        let tag = match &o.tag {
            Some(t) => {
                let (k, v) = t.get_ref().split_once('=').ok_or_else(|| {
                    err(
                        Some(t.span()),
                        "override.tag",
                        "expected \"Key=Value\"".into(),
                    )
                })?;
                Some((k.trim().to_string(), v.trim().to_string()))
            }
            None => None,
        };
        let mut out = Override {
            name: o.name.clone(),
            tag,
            rotation_max_days: o.rotation_max_days,
            unused_days: o.unused_days,
            ..Override::default()
        };
        for d in &o.disable {
            out.disable.push(rule(d, "override.disable")?);
        }
        for (r, s) in &o.severity {
            out.severity.insert(
                rule(r, "override.severity")?,
                severity(s, "override.severity")?,
            );
        }
        p.overrides.push(out);
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_s_cadence_and_classification_win_over_the_defaults_and_the_tag() {
        let mut p = Policy::default();
        p.classification_rotation_days.insert("critical".into(), 30);
        let secret = |name: &str, class: &str| Secret {
            name: name.into(),
            tags: vec![crate::domain::Tag {
                key: "Classification".into(),
                value: class.into(),
            }],
            ..Default::default()
        };
        p.declared.insert(
            "/acme/prod/db".into(),
            Declared {
                rotation_days: Some(7),
                classification: None,
            },
        );
        p.declared.insert(
            "/acme/prod/key".into(),
            Declared {
                rotation_days: None,
                classification: Some("critical".into()),
            },
        );
        assert_eq!(
            p.for_secret(&secret("/acme/prod/db", "critical"))
                .rotation_max_days,
            7
        );
        // Tagged internal, declared critical: the critical limit applies.
        assert_eq!(
            p.for_secret(&secret("/acme/prod/key", "internal"))
                .rotation_max_days,
            30
        );
        // Not in the registry: the tag and the default, as before.
        assert_eq!(
            p.for_secret(&secret("/acme/prod/other", "internal"))
                .rotation_max_days,
            p.rotation_max_days
        );
    }

    #[test]
    fn a_full_policy_parses() {
        let p = parse(
            r#"
[thresholds]
rotation_max_days = 60
unused_days = 30

[tags]
required = ["Owner"]

[replication]
dr_regions = ["ap-southeast-2"]

[classification.critical]
rotation_max_days = 30

[rules.customer-managed-key]
enabled = true
severity = "medium"

[[override]]
name = "/clarivum/dev/*"
disable = ["unused", "rotation-enabled"]
"#,
            "p.toml",
        )
        .unwrap();
        assert_eq!(p.rotation_max_days, 60);
        assert_eq!(p.required_tags, vec!["Owner"]);
        assert_eq!(p.dr_regions, vec!["ap-southeast-2"]);
        let cmk = p.rules[&RuleId::CustomerManagedKey];
        assert!(cmk.enabled);
        assert_eq!(cmk.severity, Severity::Medium);
        assert_eq!(
            p.overrides[0].disable,
            vec![RuleId::Unused, RuleId::RotationEnabled]
        );
    }

    #[test]
    fn an_unknown_key_names_line_and_key() {
        let e = parse(
            "[thresholds]\nrotation_max_days = 60\nunusd_days = 3\n",
            "p.toml",
        )
        .unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (3, "unusd_days"), "{e}");
        assert!(e.to_string().starts_with("p.toml:3: unusd_days:"), "{e}");
    }

    #[test]
    fn an_unknown_rule_or_severity_names_its_line() {
        let e = parse("\n[rules.rotation-enabld]\nenabled = false\n", "p.toml").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        assert!(
            e.message.contains("unknown rule \"rotation-enabld\""),
            "{e}"
        );
        let e = parse("[rules.unused]\nseverity = \"urgent\"\n", "p.toml").unwrap_err();
        assert_eq!(
            (e.line, e.key.as_str()),
            (2, "rules.unused.severity"),
            "{e}"
        );
        let e = parse("[[override]]\ntag = \"Owner\"\n", "p.toml").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
    }

    #[test]
    fn overrides_and_classification_shape_the_effective_policy() {
        let p = parse(
            "[classification.critical]\nrotation_max_days = 30\n[[override]]\ntag = \"Environment=dev\"\nunused_days = 365\ndisable = [\"rotated-within\"]\n",
            "p.toml",
        )
        .unwrap();
        let mut s = crate::testing::fixtures::secrets(1, "us-east-1").remove(0);
        s.tags = vec![crate::domain::Tag {
            key: "classification".into(),
            value: "Critical".into(),
        }];
        assert_eq!(p.for_secret(&s).rotation_max_days, 30);
        s.tags.push(crate::domain::Tag {
            key: "Environment".into(),
            value: "dev".into(),
        });
        let eff = p.for_secret(&s);
        assert_eq!(eff.unused_days, 365);
        assert!(!eff.rules[&RuleId::RotatedWithin].enabled);
    }
}
