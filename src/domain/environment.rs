//! The environment (dev, stage, prod, ...) a secret belongs to, from its name or its tags.

use super::Secret;

const KNOWN: &[&str] = &[
    "dev",
    "development",
    "test",
    "qa",
    "stage",
    "staging",
    "uat",
    "preprod",
    "prod",
    "production",
    "sandbox",
];

/// `/<project>/<env>/<service>/<name>` or `<env>/<service>/<name>`; else an `Environment`/`Env` tag.
pub fn environment_of(secret: &Secret) -> Option<String> {
    from_name(&secret.name).or_else(|| {
        secret
            .tag("Environment")
            .or_else(|| secret.tag("Env"))
            .map(str::to_ascii_lowercase)
    })
}

fn from_name(name: &str) -> Option<String> {
    let parts: Vec<&str> = name.split('/').collect();
    let candidate = if name.starts_with('/') {
        parts.get(2)
    } else {
        parts.first()
    }?;
    let lower = candidate.to_ascii_lowercase();
    KNOWN.contains(&lower.as_str()).then_some(lower)
}

#[cfg(test)]
mod tests {
    use super::from_name;

    #[test]
    fn reads_both_naming_conventions() {
        assert_eq!(
            from_name("/clarivum/prod/billing/stripe-key").as_deref(),
            Some("prod")
        );
        assert_eq!(from_name("stage/db/app-primary").as_deref(), Some("stage"));
        assert_eq!(from_name("Prod/db/app-primary").as_deref(), Some("prod"));
    }

    #[test]
    fn unknown_segments_are_not_environments() {
        assert_eq!(from_name("billing/stripe"), None);
        assert_eq!(from_name("/clarivum/billing/x"), None);
        assert_eq!(from_name(""), None);
    }
}
