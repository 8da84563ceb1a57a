//! What a parameter value of each type may look like; used for defaults here and for the
//! operator's input when a runbook starts.

use super::spec::{ParamType, ParamValue, Validation};
pub use crate::domain::glob::glob_matches;

/// Checks a value against its type and validation; the error says what was expected.
pub fn check_value(
    param_type: ParamType,
    validation: Option<&Validation>,
    value: &ParamValue,
) -> Result<(), String> {
    let items: Vec<&String> = match (param_type.is_list(), value) {
        (true, ParamValue::Many(items)) => items.iter().collect(),
        (false, ParamValue::One(item)) => vec![item],
        (true, ParamValue::One(_)) => return Err("expected a list of strings".to_string()),
        (false, ParamValue::Many(_)) => return Err("expected a single string".to_string()),
    };
    for item in items {
        check_one(param_type, item)?;
        match validation {
            Some(Validation::Pattern(pattern)) if !glob_matches(pattern, item) => {
                return Err(format!("`{item}` does not match pattern `{pattern}`"));
            }
            Some(Validation::OneOf(allowed)) if !allowed.contains(item) => {
                return Err(format!("`{item}` is not one of: {}", allowed.join(", ")));
            }
            _ => {}
        }
    }
    Ok(())
}

fn check_one(param_type: ParamType, value: &str) -> Result<(), String> {
    let valid = match param_type {
        ParamType::Secret => is_secret_id(value),
        ParamType::Region | ParamType::Regions => is_region(value),
        ParamType::String => true,
        ParamType::Duration => parse_duration_secs(value).is_some_and(|secs| secs > 0),
        ParamType::Principal => is_principal(value),
    };
    if valid {
        return Ok(());
    }
    Err(match param_type {
        ParamType::Secret => format!("`{value}` is not a secret name or secretsmanager ARN"),
        ParamType::Region | ParamType::Regions => {
            format!("`{value}` is not an AWS region code such as `eu-west-1`")
        }
        ParamType::Duration => {
            format!("`{value}` is not a duration such as `90d`, `24h` or `1h30m`")
        }
        ParamType::Principal | ParamType::String => {
            format!("`{value}` is not an IAM principal ARN or a 12-digit account id")
        }
    })
}

/// Seconds in a duration written as `<n>d`, `<n>h`, `<n>m`, `<n>s` or a run of them (`1h30m`).
pub fn parse_duration_secs(text: &str) -> Option<u64> {
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
        let amount: u64 = digits.parse().ok()?;
        total = total.checked_add(amount.checked_mul(unit)?)?;
        digits.clear();
    }
    (digits.is_empty() && !text.is_empty()).then_some(total)
}

fn is_region(value: &str) -> bool {
    let parts: Vec<&str> = value.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase()))
        && parts
            .last()
            .is_some_and(|last| !last.is_empty() && last.chars().all(|c| c.is_ascii_digit()))
}

fn is_secret_id(value: &str) -> bool {
    if value.starts_with("arn:") {
        return value.contains(":secretsmanager:") && value.contains(":secret:");
    }
    !value.is_empty()
        && value.len() <= 512
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/_+=.@-".contains(c))
}

fn is_principal(value: &str) -> bool {
    let is_account = value.len() == 12 && value.chars().all(|c| c.is_ascii_digit());
    let is_arn = value.starts_with("arn:aws")
        && (value.contains(":iam::") || value.contains(":sts::"))
        && value.split(':').count() >= 6;
    is_account || is_arn
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> ParamValue {
        ParamValue::One(text.to_string())
    }

    #[test]
    fn checks_each_type() {
        assert!(check_value(ParamType::Region, None, &one("eu-west-1")).is_ok());
        assert!(check_value(ParamType::Region, None, &one("us-gov-west-1")).is_ok());
        assert!(check_value(ParamType::Region, None, &one("Europe")).is_err());
        let regions = ParamValue::Many(vec!["eu-west-1".into(), "us-east-2".into()]);
        assert!(check_value(ParamType::Regions, None, &regions).is_ok());
        assert!(check_value(ParamType::Regions, None, &one("eu-west-1")).is_err());
        assert!(check_value(ParamType::Duration, None, &one("1h30m")).is_ok());
        assert!(check_value(ParamType::Duration, None, &one("90 days")).is_err());
        assert!(check_value(ParamType::Duration, None, &one("0s")).is_err());
        assert!(
            check_value(
                ParamType::Principal,
                None,
                &one("arn:aws:iam::123456789012:role/BreakGlass")
            )
            .is_ok()
        );
        assert!(check_value(ParamType::Principal, None, &one("123456789012")).is_ok());
        assert!(check_value(ParamType::Principal, None, &one("*")).is_err());
        assert!(check_value(ParamType::Secret, None, &one("prod/payments/stripe")).is_ok());
        assert!(check_value(ParamType::Secret, None, &one("has space")).is_err());
    }

    #[test]
    fn applies_pattern_and_one_of() {
        let pattern = Validation::Pattern("prod/*".into());
        assert!(check_value(ParamType::Secret, Some(&pattern), &one("prod/db")).is_ok());
        assert!(check_value(ParamType::Secret, Some(&pattern), &one("dev/db")).is_err());
        let levels = Validation::OneOf(vec!["low".into(), "high".into()]);
        assert!(check_value(ParamType::String, Some(&levels), &one("high")).is_ok());
        assert!(check_value(ParamType::String, Some(&levels), &one("medium")).is_err());
    }

    #[test]
    fn durations_and_globs() {
        assert_eq!(parse_duration_secs("90d"), Some(90 * 86_400));
        assert_eq!(parse_duration_secs("1h30m"), Some(5_400));
        assert_eq!(parse_duration_secs("h"), None);
        assert_eq!(parse_duration_secs("5"), None);
        assert!(glob_matches(
            "arn:aws:iam::*:role/*",
            "arn:aws:iam::1:role/x"
        ));
        assert!(glob_matches("a?c*", "abc"));
        assert!(!glob_matches("a*d", "abc"));
    }
}
