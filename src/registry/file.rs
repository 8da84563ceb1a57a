//! The registry file (TOML, kept in git): its shape, and errors that name the line and the key.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::template::Template;

/// The whole registry, checked: every environment a key names is declared, every template
/// holds `{key}`, no key is both required and forbidden somewhere.
#[derive(Debug, Clone, PartialEq)]
pub struct Registry {
    /// The file it was read from (for messages and SARIF locations).
    pub file: String,
    /// The environments, in the order the matrix shows them.
    pub environments: Vec<String>,
    /// Environment -> the account its secrets live in, where the team pins one.
    pub accounts: BTreeMap<String, String>,
    /// Tags every secret must carry.
    pub required_tags: Vec<String>,
    /// Principals (ARN or glob) that are break-glass everywhere.
    pub break_glass: Vec<String>,
    pub keys: Vec<KeyDecl>,
}

/// One key of the registry.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyDecl {
    pub key: String,
    /// The line of its `[keys."..."]` header.
    pub line: usize,
    pub description: Option<String>,
    pub owner: Option<String>,
    pub classification: Option<String>,
    /// Rotates at least this often.
    pub rotation_days: Option<i64>,
    /// A signing key published next to the old one: the previous version must still exist.
    pub dual_publish: bool,
    pub template: Template,
    pub required: Vec<String>,
    pub optional: Vec<String>,
    pub forbidden: Vec<String>,
    /// Environment (or `*`) -> regions the secret must be replicated to there (InSync).
    pub dr_regions: BTreeMap<String, Vec<String>>,
    /// Tags this secret must carry beyond the registry's.
    pub required_tags: Vec<String>,
    /// Environment -> principals (ARN or glob) that read it there; `*` for every environment.
    pub consumers: BTreeMap<String, Vec<String>>,
    pub break_glass: Vec<String>,
}

/// Where a key stands in an environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    Required,
    Optional,
    Forbidden,
    /// The key does not mention the environment.
    Unlisted,
}

impl KeyDecl {
    pub fn presence(&self, env: &str) -> Presence {
        let has = |list: &[String]| list.iter().any(|e| e == env);
        if has(&self.required) {
            Presence::Required
        } else if has(&self.forbidden) {
            Presence::Forbidden
        } else if has(&self.optional) {
            Presence::Optional
        } else {
            Presence::Unlisted
        }
    }

    /// The regions the secret must be replicated to in an environment.
    pub fn dr_regions_in(&self, env: &str) -> &[String] {
        self.dr_regions
            .get(env)
            .or_else(|| self.dr_regions.get("*"))
            .map_or(&[], Vec::as_slice)
    }

    /// The secret's name in an environment.
    pub fn name(&self, env: &str) -> String {
        self.template.name(env, &self.key)
    }
}

/// A registry that cannot be used: the file, the line, the key, and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}:{line}: {}{message}", key.as_ref().map(|k| format!("key `{k}`: ")).unwrap_or_default())]
pub struct RegistryError {
    pub file: String,
    pub line: usize,
    pub key: Option<String>,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    name_template: Option<Spanned<String>>,
    #[serde(default)]
    environments: Vec<String>,
    #[serde(default)]
    accounts: BTreeMap<String, String>,
    #[serde(default)]
    required_tags: Vec<String>,
    #[serde(default)]
    break_glass: Vec<String>,
    #[serde(default)]
    keys: BTreeMap<Spanned<String>, KeyFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    description: Option<String>,
    owner: Option<String>,
    classification: Option<String>,
    rotation_days: Option<i64>,
    #[serde(default)]
    dual_publish: bool,
    name_template: Option<String>,
    #[serde(default)]
    required: Vec<String>,
    #[serde(default)]
    optional: Vec<String>,
    #[serde(default)]
    forbidden: Vec<String>,
    #[serde(default)]
    dr_regions: Option<DrRegions>,
    #[serde(default)]
    required_tags: Vec<String>,
    #[serde(default)]
    consumers: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    break_glass: Vec<String>,
}

/// `dr_regions = ["us-west-2"]` (every environment) or `{ prod = ["us-west-2"] }`.
#[derive(Deserialize)]
#[serde(untagged)]
enum DrRegions {
    Everywhere(Vec<String>),
    PerEnvironment(BTreeMap<String, Vec<String>>),
}

/// Reads and checks the registry file.
pub fn load(path: &Path) -> Result<Registry, RegistryError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| RegistryError {
        file: file.clone(),
        line: 0,
        key: None,
        message: format!("cannot read the registry: {e}"),
    })?;
    parse(&text, &file)
}

/// Parses and checks a registry's text; `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<Registry, RegistryError> {
    let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
    let parsed: File = toml::from_str(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        RegistryError {
            file: file.to_string(),
            line: e.span().map_or(0, |_| line_of(offset)),
            key: key_around(text, offset),
            message: e.message().trim().to_string(),
        }
    })?;
    let top_template = match &parsed.name_template {
        Some(t) => Some(Template::new(t.get_ref()).map_err(|message| RegistryError {
            file: file.to_string(),
            line: line_of(t.span().start),
            key: None,
            message: format!("name_template: {message}"),
        })?),
        None => None,
    };
    let mut keys = Vec::new();
    for (name, k) in parsed.keys {
        let line = line_of(name.span().start);
        let key = name.into_inner();
        let fail = |message: String| RegistryError {
            file: file.to_string(),
            line,
            key: Some(key.clone()),
            message,
        };
        if key.trim().is_empty() || key.contains(['{', '}']) {
            return Err(fail("a key is a non-empty name without braces".into()));
        }
        let template = match (&k.name_template, &top_template) {
            (Some(own), _) => {
                Template::new(own).map_err(|m| fail(format!("name_template: {m}")))?
            }
            (None, Some(top)) => top.clone(),
            (None, None) => {
                return Err(fail(
                    "no name_template: set one at the top of the file (e.g. \"/acme/{env}/{key}\") \
                     or on the key"
                        .into(),
                ));
            }
        };
        for (field, list) in [
            ("required", &k.required),
            ("optional", &k.optional),
            ("forbidden", &k.forbidden),
        ] {
            for env in list {
                if !parsed.environments.is_empty() && !parsed.environments.contains(env) {
                    return Err(fail(format!(
                        "`{field}` names environment `{env}`, which `environments` does not \
                         declare ({})",
                        parsed.environments.join(", ")
                    )));
                }
            }
        }
        if let Some(env) = k.required.iter().find(|e| k.forbidden.contains(e)) {
            return Err(fail(format!("`{env}` is both required and forbidden")));
        }
        let dr_regions = match k.dr_regions {
            None => BTreeMap::new(),
            Some(DrRegions::Everywhere(regions)) => BTreeMap::from([("*".to_string(), regions)]),
            Some(DrRegions::PerEnvironment(per)) => per,
        };
        for env in k.consumers.keys().chain(dr_regions.keys()) {
            if env != "*" && !parsed.environments.is_empty() && !parsed.environments.contains(env) {
                return Err(fail(format!(
                    "`{env}` (in consumers or dr_regions) is not one of the environments ({})",
                    parsed.environments.join(", ")
                )));
            }
        }
        if let Some(days) = k.rotation_days
            && days < 1
        {
            return Err(fail(format!(
                "rotation_days is {days}; use a number of days ≥ 1"
            )));
        }
        if k.dual_publish && k.rotation_days.is_none() {
            return Err(fail("dual_publish needs rotation_days".into()));
        }
        keys.push(KeyDecl {
            key: key.clone(),
            line,
            description: k.description,
            owner: k.owner,
            classification: k.classification,
            rotation_days: k.rotation_days,
            dual_publish: k.dual_publish,
            template,
            required: k.required,
            optional: k.optional,
            forbidden: k.forbidden,
            dr_regions,
            required_tags: k.required_tags,
            consumers: k.consumers,
            break_glass: k.break_glass,
        });
    }
    keys.sort_by_key(|k| k.line);
    let mut environments = parsed.environments;
    if environments.is_empty() {
        // Undeclared: the environments the keys name, in the order they first appear.
        for k in &keys {
            for env in k.required.iter().chain(&k.optional).chain(&k.forbidden) {
                if !environments.contains(env) {
                    environments.push(env.clone());
                }
            }
        }
    }
    Ok(Registry {
        file: file.to_string(),
        environments,
        accounts: parsed.accounts,
        required_tags: parsed.required_tags,
        break_glass: parsed.break_glass,
        keys,
    })
}

/// The key whose `[keys."..."]` table holds `offset`: the last header before it.
fn key_around(text: &str, offset: usize) -> Option<String> {
    let before = &text[..offset.min(text.len())];
    before.lines().rev().find_map(|line| {
        let line = line.trim();
        let inner = line.strip_prefix("[keys.")?.strip_suffix(']')?;
        Some(inner.trim_matches('"').to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
name_template = "/acme/{env}/{key}"
environments = ["dev", "stage", "prod"]
required_tags = ["Owner"]

[keys."db/app-primary"]
description = "the app's database"
owner = "team-db"
rotation_days = 30
required = ["stage", "prod"]
optional = ["dev"]
dr_regions = { prod = ["us-west-2"] }
consumers = { prod = ["arn:aws:iam::*:role/app-*"] }

[keys."jwt/signing"]
rotation_days = 90
dual_publish = true
name_template = "{env}/{key}"
required = ["prod"]
forbidden = ["dev"]
"#;

    #[test]
    fn a_registry_reads_with_its_keys_in_file_order() {
        let r = parse(GOOD, "registry.toml").unwrap();
        assert_eq!(r.environments, ["dev", "stage", "prod"]);
        let keys: Vec<(&str, usize)> = r.keys.iter().map(|k| (k.key.as_str(), k.line)).collect();
        assert_eq!(keys, [("db/app-primary", 6), ("jwt/signing", 15)]);
        let db = &r.keys[0];
        assert_eq!(db.name("prod"), "/acme/prod/db/app-primary");
        assert_eq!(db.presence("prod"), Presence::Required);
        assert_eq!(db.presence("dev"), Presence::Optional);
        assert_eq!(db.dr_regions_in("prod"), ["us-west-2"]);
        assert!(db.dr_regions_in("stage").is_empty());
        assert_eq!(r.keys[1].name("prod"), "prod/jwt/signing");
        assert_eq!(r.keys[1].presence("dev"), Presence::Forbidden);
        assert_eq!(r.keys[1].presence("stage"), Presence::Unlisted);
    }

    #[test]
    fn a_bad_registry_names_the_line_and_the_key() {
        let unknown_env = GOOD.replace(r#"optional = ["dev"]"#, r#"optional = ["qa"]"#);
        let e = parse(&unknown_env, "registry.toml").unwrap_err();
        assert_eq!(e.line, 6);
        assert_eq!(e.key.as_deref(), Some("db/app-primary"));
        assert!(
            e.to_string().starts_with(
                "registry.toml:6: key `db/app-primary`: `optional` names environment `qa`"
            ),
            "{e}"
        );

        let typo = GOOD.replace("rotation_days = 90", "rotate_days = 90");
        let e = parse(&typo, "registry.toml").unwrap_err();
        assert_eq!(e.line, 16, "{e}");
        assert_eq!(e.key.as_deref(), Some("jwt/signing"), "{e}");
        assert!(e.message.contains("rotate_days"), "{e}");

        let template = GOOD.replace(r#""{env}/{key}""#, r#""{env}/{name}""#);
        let e = parse(&template, "registry.toml").unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (15, Some("jwt/signing")), "{e}");
        assert!(e.message.contains("{name}"), "{e}");

        let both = GOOD.replace(r#"forbidden = ["dev"]"#, r#"forbidden = ["prod"]"#);
        assert!(
            parse(&both, "r.toml")
                .unwrap_err()
                .message
                .contains("both required and forbidden")
        );

        let syntax = GOOD.replace("rotation_days = 30", "rotation_days = ");
        let e = parse(&syntax, "r.toml").unwrap_err();
        assert_eq!(
            (e.line, e.key.as_deref()),
            (9, Some("db/app-primary")),
            "{e}"
        );
    }
}
