//! Choosing accounts: `--accounts` patterns over an organization's accounts, and how an account
//! is named on screen.

use super::Account;
use super::glob::glob_matches;

/// What `--accounts` chose, and the patterns that matched nothing (said, never fatal: a typo
/// must not pass for "no secrets there").
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Selection {
    pub accounts: Vec<Account>,
    pub unmatched: Vec<String>,
}

/// Keeps the accounts `patterns` name: account ids, names, or `*`/`?` globs over either
/// (names compared without case); a pattern starting with `!` excludes. With no inclusive
/// pattern every account is a candidate; exclusions always win.
pub fn select(accounts: Vec<Account>, patterns: &[String]) -> Selection {
    let patterns: Vec<&str> = patterns
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .collect();
    let (excludes, includes): (Vec<&str>, Vec<&str>) =
        patterns.iter().partition(|p| p.starts_with('!'));
    let excludes: Vec<&str> = excludes.iter().map(|p| &p[1..]).collect();
    let unmatched = patterns
        .iter()
        .filter(|p| {
            let p = p.strip_prefix('!').unwrap_or(p);
            !accounts.iter().any(|a| matches(p, a))
        })
        .map(|p| (*p).to_string())
        .collect();
    let accounts = accounts
        .into_iter()
        .filter(|a| includes.is_empty() || includes.iter().any(|p| matches(p, a)))
        .filter(|a| !excludes.iter().any(|p| matches(p, a)))
        .collect();
    Selection {
        accounts,
        unmatched,
    }
}

fn matches(pattern: &str, account: &Account) -> bool {
    let pattern_lower = pattern.to_lowercase();
    glob_matches(pattern, &account.id)
        || account
            .alias
            .as_deref()
            .is_some_and(|name| glob_matches(&pattern_lower, &name.to_lowercase()))
}

/// Whether every pattern is a plain account id (twelve digits): such a list names accounts
/// without asking Organizations.
pub fn all_ids(patterns: &[String]) -> bool {
    !patterns.is_empty() && patterns.iter().all(|p| is_account_id(p.trim()))
}

pub fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// An account in a sentence: `payments-prod (210987654321)`, or the bare id without a name.
pub fn label(id: &str, name: Option<&str>) -> String {
    match name {
        Some(name) => format!("{name} ({id})"),
        None => id.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org() -> Vec<Account> {
        [
            ("111111111111", "management"),
            ("210987654321", "payments-prod"),
            ("210987654322", "payments-stage"),
            ("333333333333", "Security-Tooling"),
        ]
        .into_iter()
        .map(|(id, name)| Account {
            id: id.into(),
            alias: Some(name.into()),
            profile: None,
        })
        .collect()
    }

    fn ids(s: &Selection) -> Vec<&str> {
        s.accounts.iter().map(|a| a.id.as_str()).collect()
    }

    fn pats(p: &[&str]) -> Vec<String> {
        p.iter().map(|s| (*s).to_string()).collect()
    }

    #[test]
    fn no_pattern_keeps_every_account() {
        assert_eq!(select(org(), &[]).accounts.len(), 4);
    }

    #[test]
    fn ids_names_and_globs_include() {
        let s = select(org(), &pats(&["111111111111", "payments-*"]));
        assert_eq!(ids(&s), ["111111111111", "210987654321", "210987654322"]);
        assert!(s.unmatched.is_empty());
        let s = select(org(), &pats(&["security-tooling"]));
        assert_eq!(ids(&s), ["333333333333"], "names match without case");
    }

    #[test]
    fn exclusions_win_and_alone_start_from_everything() {
        let s = select(org(), &pats(&["payments-*", "!*-stage"]));
        assert_eq!(ids(&s), ["210987654321"]);
        let s = select(org(), &pats(&["!management", "!3*"]));
        assert_eq!(ids(&s), ["210987654321", "210987654322"]);
    }

    #[test]
    fn a_pattern_that_matches_nothing_is_reported() {
        let s = select(org(), &pats(&["payments-prd", "!billing"]));
        assert!(s.accounts.is_empty());
        assert_eq!(s.unmatched, ["payments-prd", "!billing"]);
    }

    #[test]
    fn plain_ids_need_no_organization() {
        assert!(all_ids(&pats(&["111111111111", " 210987654321"])));
        assert!(!all_ids(&pats(&["111111111111", "payments-*"])));
        assert!(!all_ids(&[]));
    }
}
