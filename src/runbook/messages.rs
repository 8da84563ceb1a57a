//! Error messages shared by the `[runbook]`, `[[param]]` and `[[step]]` parsers.

/// The message for a key that is not allowed where it stands.
pub(super) fn unknown(key: &str, allowed: &[&str]) -> String {
    format!(
        "unknown key `{key}`; expected one of: {}",
        allowed.join(", ")
    )
}

/// The message for a name that breaks the identifier rule.
pub(super) fn id_rule(value: &str) -> String {
    format!(
        "`{value}` is not a valid name; use lowercase letters, digits, `_` and `-`, starting with a letter"
    )
}
