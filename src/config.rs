//! The team's settings file, `<config dir>/config.toml`: values every responder on the team
//! shares, such as the break-glass role a runbook's form should offer without anyone typing it.
//!
//! ```toml
//! [runbook_defaults]
//! break_glass = "arn:aws:iam::123456789012:role/break-glass"
//! dr_regions = ["eu-west-1", "us-west-2"]
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

/// What the file says; empty when there is no file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TeamConfig {
    /// The file the values came from, to say so next to them.
    pub file: String,
    /// Values for runbook parameters by name, as typed in the form (lists comma-separated).
    pub runbook_defaults: BTreeMap<String, String>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{file}:{line}: {key}: {message}")]
pub struct ConfigError {
    pub file: String,
    pub line: usize,
    pub key: String,
    pub message: String,
}

impl TeamConfig {
    /// `<config>/config.toml` if present, else nothing.
    pub fn load(config_dir: Option<&Path>) -> Result<Self, ConfigError> {
        let Some(path) = config_dir
            .map(|d| d.join("config.toml"))
            .filter(|p| p.exists())
        else {
            return Ok(Self::default());
        };
        let file = path.display().to_string();
        let text = std::fs::read_to_string(&path).map_err(|e| ConfigError {
            file: file.clone(),
            line: 0,
            key: String::new(),
            message: format!("cannot read: {e}"),
        })?;
        parse(&text, &file)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    runbook_defaults: BTreeMap<String, Spanned<toml::Value>>,
}

/// The demo fleet's team config (`assets/demo-config.toml`), for `--demo` without a config of
/// one's own.
pub fn demo() -> TeamConfig {
    parse(
        include_str!("../assets/demo-config.toml"),
        "the demo's config (assets/demo-config.toml)",
    )
    .unwrap_or_default()
}

/// Reads the file's text; `file` labels errors.
pub fn parse(text: &str, file: &str) -> Result<TeamConfig, ConfigError> {
    let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
    let parsed: File = toml::from_str(text).map_err(|e| ConfigError {
        file: file.to_string(),
        line: e.span().map_or(0, |s| line_of(s.start)),
        key: e
            .message()
            .split('`')
            .nth(1)
            .unwrap_or("(syntax)")
            .to_string(),
        message: e.message().trim().to_string(),
    })?;
    let mut runbook_defaults = BTreeMap::new();
    for (name, value) in parsed.runbook_defaults {
        let error = |message: &str| ConfigError {
            file: file.to_string(),
            line: line_of(value.span().start),
            key: format!("runbook_defaults.{name}"),
            message: message.to_string(),
        };
        let text = match value.get_ref() {
            toml::Value::String(one) => one.trim().to_string(),
            toml::Value::Array(many) => many
                .iter()
                .map(|item| item.as_str().map(str::trim))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| error("a list of regions or names must hold only strings"))?
                .join(","),
            _ => {
                return Err(error(
                    "expected a string, e.g. \"arn:aws:iam::123456789012:role/break-glass\", or a list of strings",
                ));
            }
        };
        if text.is_empty() {
            return Err(error("is empty; give a value or remove the line"));
        }
        runbook_defaults.insert(name, text);
    }
    Ok(TeamConfig {
        file: file.to_string(),
        runbook_defaults,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_rehearses_with_a_break_glass_role() {
        let demo = demo();
        let role = demo.runbook_defaults.get("break_glass").cloned();
        assert_eq!(
            role.as_deref(),
            Some("arn:aws:iam::210987654321:role/clarivum-security-break-glass")
        );
    }

    #[test]
    fn reads_runbook_defaults_and_lists() {
        let config = parse(
            "[runbook_defaults]\nbreak_glass = \"arn:aws:iam::1:role/bg\"\ndr_regions = [\"eu-west-1\", \"us-west-2\"]\n",
            "config.toml",
        )
        .unwrap();
        assert_eq!(
            config.runbook_defaults["break_glass"],
            "arn:aws:iam::1:role/bg"
        );
        assert_eq!(config.runbook_defaults["dr_regions"], "eu-west-1,us-west-2");
        assert_eq!(config.file, "config.toml");
    }

    #[test]
    fn errors_name_the_file_line_and_key() {
        let err = parse("[runbook_defaults]\nbreak_glass = 7\n", "team/config.toml").unwrap_err();
        assert_eq!((err.file.as_str(), err.line), ("team/config.toml", 2));
        let err = parse("\n\n[runbook_default]\nx = \"y\"\n", "config.toml").unwrap_err();
        assert_eq!(err.line, 3, "{err}");
        assert!(err.to_string().contains("runbook_default"), "{err}");
        let err = parse("[runbook_defaults]\nbreak_glass = \" \"\n", "config.toml").unwrap_err();
        assert_eq!(
            err.to_string(),
            "config.toml:2: runbook_defaults.break_glass: is empty; give a value or remove the line"
        );
    }

    #[test]
    fn no_file_means_no_defaults() {
        let dir = std::env::temp_dir().join("strongroom-config-test-none");
        assert_eq!(TeamConfig::load(Some(&dir)).unwrap(), TeamConfig::default());
        assert_eq!(TeamConfig::load(None).unwrap(), TeamConfig::default());
    }
}
