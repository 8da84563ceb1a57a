//! Whether a profile name is defined in the shared config files, so a mistyped `--profile` is
//! told as such instead of surfacing as a credential-chain failure from IMDS.

use std::path::PathBuf;

/// `Some(true)` when `~/.aws/config` (`[profile NAME]`, or `[default]`) or `~/.aws/credentials`
/// (`[NAME]`) defines it, `Some(false)` when neither does, `None` when no file could be read
/// (then the SDK decides, as before).
pub fn defined(name: &str) -> Option<bool> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let config = std::env::var_os("AWS_CONFIG_FILE")
        .map(PathBuf::from)
        .or_else(|| home.as_ref().map(|h| h.join(".aws/config")));
    let credentials = std::env::var_os("AWS_SHARED_CREDENTIALS_FILE")
        .map(PathBuf::from)
        .or_else(|| home.as_ref().map(|h| h.join(".aws/credentials")));
    let texts: Vec<(String, bool)> = [(config, true), (credentials, false)]
        .into_iter()
        .filter_map(|(path, is_config)| {
            let text = std::fs::read_to_string(path?).ok()?;
            Some((text, is_config))
        })
        .collect();
    // No file at all: the profile cannot be defined anywhere the SDK looks.
    if texts.is_empty() {
        return Some(false);
    }
    Some(
        texts
            .iter()
            .any(|(text, is_config)| sections(text).any(|s| names(&s, *is_config, name))),
    )
}

/// Section headers of an INI-like file, trimmed, without brackets.
fn sections(text: &str) -> impl Iterator<Item = String> + '_ {
    text.lines().filter_map(|line| {
        let line = line.trim();
        line.strip_prefix('[')
            .and_then(|l| l.strip_suffix(']'))
            .map(|s| s.trim().to_string())
    })
}

fn names(section: &str, is_config: bool, name: &str) -> bool {
    if !is_config || section == "default" {
        return section == name;
    }
    section
        .strip_prefix("profile")
        .is_some_and(|rest| rest.trim() == name)
}

#[cfg(test)]
mod tests {
    use super::{names, sections};

    #[test]
    fn config_sections_need_the_profile_prefix_credentials_do_not() {
        let config = "[default]\nregion=eu-west-1\n[profile  audit ]\n[sso-session corp]\n";
        let found: Vec<String> = sections(config).collect();
        assert!(found.iter().any(|s| names(s, true, "audit")));
        assert!(found.iter().any(|s| names(s, true, "default")));
        assert!(!found.iter().any(|s| names(s, true, "corp")));
        assert!(names("prod", false, "prod"));
        assert!(!names("prod", true, "prod"));
    }
}
