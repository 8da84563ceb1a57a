//! Naming templates like `/<project>/<env>/<service>/<name>` and `*` globs for policy overrides.

/// Does `name` fit `template`? A `<placeholder>` matches one non-empty path segment; `<env>`
/// must also be one of `environments`. Literal segments match exactly.
pub fn fits(template: &str, name: &str, environments: &[String]) -> bool {
    let t: Vec<&str> = template.split('/').collect();
    let n: Vec<&str> = name.split('/').collect();
    t.len() == n.len()
        && t.iter().zip(&n).all(|(t, n)| {
            if t.starts_with('<') && t.ends_with('>') {
                !n.is_empty() && (*t != "<env>" || environments.iter().any(|e| e == n))
            } else {
                t == n
            }
        })
}

/// `*` matches any run of characters (slashes included); everything else literally.
pub fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(i) => rest = &rest[i + middle.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envs() -> Vec<String> {
        vec!["dev".into(), "stage".into(), "prod".into()]
    }

    #[test]
    fn templates_match_whole_segments_and_known_environments() {
        let t = "/<project>/<env>/<service>/<name>";
        assert!(fits(t, "/clarivum/prod/billing/stripe-key", &envs()));
        assert!(!fits(t, "/clarivum/qa/billing/stripe-key", &envs()));
        assert!(!fits(t, "/clarivum/prod/billing", &envs()));
        assert!(!fits(t, "/clarivum/prod//key", &envs()));
        assert!(fits(
            "<env>/<service>/<name>",
            "stage/db/app-primary",
            &envs()
        ));
        assert!(!fits("<env>/<service>/<name>", "rds!db-1234", &envs()));
    }

    #[test]
    fn globs_cross_slashes() {
        assert!(glob("/clarivum/dev/*", "/clarivum/dev/billing/x"));
        assert!(glob("*app-primary", "prod/db/app-primary"));
        assert!(glob("a*b*c", "a-x-b-y-c"));
        assert!(!glob("a*b*c", "a-x-c-y-b"));
        assert!(glob("exact", "exact"));
        assert!(!glob("/clarivum/dev/*", "/clarivum/prod/x"));
    }
}
