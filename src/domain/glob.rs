//! Shell-style globs over names: `*` any run of characters, `?` any one.

/// `*` matches any run of characters, `?` any single character; everything else is literal.
pub fn glob_matches(pattern: &str, value: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let value: Vec<char> = value.chars().collect();
    let (mut p, mut v) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while v < value.len() {
        match pattern.get(p) {
            Some('*') => {
                backtrack = Some((p, v));
                p += 1;
            }
            Some(&c) if c == '?' || c == value[v] => {
                p += 1;
                v += 1;
            }
            _ => match backtrack {
                Some((star, matched)) => {
                    p = star + 1;
                    v = matched + 1;
                    backtrack = Some((star, matched + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::glob_matches;

    #[test]
    fn stars_and_question_marks() {
        assert!(glob_matches("payments-*", "payments-prod"));
        assert!(glob_matches("*-prod", "payments-prod"));
        assert!(glob_matches("2109876543?1", "210987654321"));
        assert!(!glob_matches("payments-*", "billing-prod"));
        assert!(glob_matches("*", ""));
        assert!(!glob_matches("a?", "a"));
    }
}
