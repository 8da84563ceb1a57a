//! Name templates: how a key and an environment make a secret's name (`/clarivum/{env}/{key}`,
//! `{env}/{key}`), and back.

/// A name template with `{key}` once and `{env}` at most once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template(String);

impl Template {
    /// Checks the placeholders: `{key}` exactly once, `{env}` at most once, nothing else in
    /// braces.
    pub fn new(text: &str) -> Result<Self, String> {
        let mut rest = text;
        let (mut keys, mut envs) = (0, 0);
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}') else {
                return Err(format!("`{text}` opens a brace it does not close"));
            };
            match &rest[open..open + close + 1] {
                "{key}" => keys += 1,
                "{env}" => envs += 1,
                other => {
                    return Err(format!(
                        "`{text}` has `{other}`; a name template knows only {{env}} and {{key}}"
                    ));
                }
            }
            rest = &rest[open + close + 1..];
        }
        if keys != 1 {
            return Err(format!("`{text}` must hold {{key}} exactly once"));
        }
        if envs > 1 {
            return Err(format!("`{text}` holds {{env}} more than once"));
        }
        Ok(Template(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The secret's name for a key in an environment.
    pub fn name(&self, env: &str, key: &str) -> String {
        self.0.replace("{env}", env).replace("{key}", key)
    }

    /// The key a name stands for in `env`, when the name fits the template there.
    pub fn key_of<'a>(&self, env: &str, name: &'a str) -> Option<&'a str> {
        let filled = self.0.replace("{env}", env);
        let (before, after) = filled.split_once("{key}")?;
        let key = name.strip_prefix(before)?.strip_suffix(after)?;
        (!key.is_empty()).then_some(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_keys_go_both_ways() {
        let t = Template::new("/clarivum/{env}/{key}").unwrap();
        assert_eq!(
            t.name("prod", "payments/stripe-api-key"),
            "/clarivum/prod/payments/stripe-api-key"
        );
        assert_eq!(
            t.key_of("prod", "/clarivum/prod/payments/stripe-api-key"),
            Some("payments/stripe-api-key")
        );
        assert_eq!(
            t.key_of("stage", "/clarivum/prod/payments/stripe-api-key"),
            None
        );
        let short = Template::new("{env}/{key}").unwrap();
        assert_eq!(
            short.key_of("prod", "prod/db/app-primary"),
            Some("db/app-primary")
        );
        assert_eq!(short.key_of("prod", "prod/"), None);
    }

    #[test]
    fn a_template_without_key_or_with_an_unknown_placeholder_is_refused() {
        assert!(
            Template::new("/clarivum/{env}")
                .unwrap_err()
                .contains("{key}")
        );
        assert!(
            Template::new("/{team}/{env}/{key}")
                .unwrap_err()
                .contains("`{team}`")
        );
        assert!(Template::new("{env}/{key").unwrap_err().contains("brace"));
        assert!(Template::new("{env}/{env}/{key}").is_err());
        assert!(
            Template::new("{key}").is_ok(),
            "one environment needs no {{env}}"
        );
    }
}
