//! Which secrets a record says it touched, and which inventory secrets those references denote.

use std::borrow::Borrow;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::fields::{SECRETS_MANAGER, text};
use crate::domain::Secret;

/// How a record names a secret. Secrets Manager accepts a name, a partial ARN (no `-XXXXXX`
/// suffix) or a full ARN wherever it takes a SecretId.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SecretRef {
    Arn(String),
    PartialArn(String),
    Name(String),
    /// A ListSecrets / BatchGetSecretValue filter: enumeration, not one secret.
    Filter {
        key: String,
        values: Vec<String>,
    },
}

impl SecretRef {
    /// Classifies a SecretId. A name that itself ends in `-` and six letters or digits looks
    /// exactly like a full ARN; [`resolve`] tries such ARNs as partial ones too.
    pub fn classify(id: &str) -> Self {
        match id.split_once(":secret:") {
            Some((prefix, name)) if prefix.starts_with("arn:") => {
                if has_suffix(name) {
                    Self::Arn(id.to_string())
                } else {
                    Self::PartialArn(id.to_string())
                }
            }
            _ => Self::Name(id.to_string()),
        }
    }
}

/// `arn:aws:secretsmanager:r:a:secret:/x/y-AbCdEf` → `/x/y`.
pub fn short_name(arn: &str) -> &str {
    let name = arn.split_once(":secret:").map_or(arn, |(_, n)| n);
    match name.rsplit_once('-') {
        Some((base, suffix)) if suffix.len() == 6 => base,
        _ => name,
    }
}

/// The secret name a SecretId carries: a name as it is, an ARN's name without its suffix.
pub fn name_in(id: &str) -> &str {
    if id.contains(":secret:") {
        short_name(id)
    } else {
        id
    }
}

/// The `-XXXXXX` that Secrets Manager appends to a secret's name in its ARN.
fn has_suffix(name: &str) -> bool {
    name.rsplit_once('-')
        .is_some_and(|(head, tail)| !head.is_empty() && is_suffix(tail))
}

fn is_suffix(tail: &str) -> bool {
    tail.len() == 6 && tail.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Every secret reference in a record, de-duplicated in the order first seen.
pub(super) fn refs_of(record: &Value, source: &str, name: &str) -> Vec<SecretRef> {
    let mut refs = Vec::new();
    let mut push = |r: SecretRef| {
        if !refs.contains(&r) {
            refs.push(r);
        }
    };
    if source == SECRETS_MANAGER {
        let request = record.get("requestParameters");
        let field = |key: &str| request.and_then(|r| r.get(key));
        if let Some(id) = text(field("secretId")) {
            push(SecretRef::classify(&id));
        }
        for id in field("secretIdList")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(id) = text(Some(id)) {
                push(SecretRef::classify(&id));
            }
        }
        for filter in field("filters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(key) = text(filter.get("key")) {
                let values = filter
                    .get("values")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten();
                let values = values.filter_map(|v| text(Some(v))).collect();
                push(SecretRef::Filter { key, values });
            }
        }
        if name == "CreateSecret"
            && let Some(created) = text(field("name"))
        {
            push(SecretRef::Name(created));
        }
        if let Some(id) = text(record.pointer("/additionalEventData/SecretId")) {
            push(SecretRef::classify(&id));
        }
        let response = record.get("responseElements");
        // "aRN" is the key DeleteSecret used before 2024.
        for key in ["arn", "aRN", "ARN"] {
            if let Some(arn) = text(response.and_then(|r| r.get(key))) {
                push(SecretRef::classify(&arn));
            }
        }
    }
    let resources = record
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    for resource in resources {
        if text(resource.get("type")).as_deref() == Some("AWS::SecretsManager::Secret")
            && let Some(arn) = text(resource.get("ARN"))
        {
            push(SecretRef::classify(&arn));
        }
    }
    refs
}

/// ARNs of the inventory secrets a reference denotes, for a record of `account` in `region`.
/// Names resolve within the record's account and region (a replica's own listing there), else
/// within any region of the account. Filters denote no one secret and resolve to nothing.
/// `secrets` may be owned or shared (`Arc<Secret>`, as the console's listings hold them).
pub fn resolve<S: Borrow<Secret>>(
    r: &SecretRef,
    secrets: &[S],
    account: Option<&str>,
    region: &str,
) -> Vec<String> {
    let arns = |keep: &dyn Fn(&Secret) -> bool| -> Vec<String> {
        secrets
            .iter()
            .map(Borrow::borrow)
            .filter(|s| keep(s))
            .map(|s| s.arn.clone())
            .collect()
    };
    let with_suffix = |partial: &str, s: &Secret| {
        s.arn
            .strip_prefix(partial)
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(is_suffix)
    };
    match r {
        SecretRef::Arn(arn) => {
            let exact = arns(&|s| s.arn == *arn);
            if exact.is_empty() {
                arns(&|s| with_suffix(arn, s))
            } else {
                exact
            }
        }
        SecretRef::PartialArn(partial) => arns(&|s| with_suffix(partial, s)),
        SecretRef::Name(name) => {
            let in_account = |s: &Secret| s.name == *name && account.is_none_or(|a| s.account == a);
            let here = arns(&|s| in_account(s) && s.region == region);
            if here.is_empty() {
                arns(&in_account)
            } else {
                here
            }
        }
        SecretRef::Filter { .. } => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ARN: &str = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbC123";

    fn secret(name: &str, region: &str, suffix: &str) -> Secret {
        serde_json::from_value(json!({
            "arn": format!("arn:aws:secretsmanager:{region}:111122223333:secret:{name}-{suffix}"),
            "name": name, "account": "111122223333", "region": region,
        }))
        .unwrap()
    }

    fn inventory() -> Vec<Secret> {
        let mut replica = secret("prod/db", "eu-west-1", "AbC123");
        replica.primary_region = Some("us-east-1".to_string());
        vec![
            secret("prod/db", "us-east-1", "AbC123"),
            replica,
            secret("prod/db-reader", "us-east-1", "Zz9Yy8"),
            secret("staging/api", "us-west-2", "q1w2e3"),
        ]
    }

    #[test]
    fn secret_ids_are_classified() {
        assert_eq!(SecretRef::classify(ARN), SecretRef::Arn(ARN.to_string()));
        let partial = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db";
        assert_eq!(
            SecretRef::classify(partial),
            SecretRef::PartialArn(partial.to_string())
        );
        let odd = "arn:aws:secretsmanager:us-east-1:111122223333:secret:api-key-v2";
        assert_eq!(
            SecretRef::classify(odd),
            SecretRef::PartialArn(odd.to_string())
        );
        assert_eq!(
            SecretRef::classify("prod/db"),
            SecretRef::Name("prod/db".to_string())
        );
        assert_eq!(
            SecretRef::classify("-AbC123"),
            SecretRef::Name("-AbC123".to_string())
        );
    }

    #[test]
    fn full_arn_resolves_exactly() {
        assert_eq!(
            resolve(&SecretRef::Arn(ARN.into()), &inventory(), None, "us-east-1"),
            vec![ARN]
        );
        let unknown = SecretRef::Arn(ARN.replace("AbC123", "XxXxXx"));
        assert!(resolve(&unknown, &inventory(), None, "us-east-1").is_empty());
    }

    #[test]
    fn partial_arn_matches_only_the_suffixed_secret() {
        let partial = SecretRef::PartialArn(
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db".into(),
        );
        assert_eq!(
            resolve(&partial, &inventory(), None, "us-east-1"),
            vec![ARN]
        );
    }

    #[test]
    fn arn_like_partial_falls_back_to_prefix_match() {
        // "svc-secret" ends in "-" and six letters, so its partial ARN looks like a full one.
        let mut inv = inventory();
        inv.push(secret("svc-secret", "us-east-1", "k9L8m7"));
        let looks_full =
            SecretRef::classify("arn:aws:secretsmanager:us-east-1:111122223333:secret:svc-secret");
        assert!(matches!(looks_full, SecretRef::Arn(_)));
        assert_eq!(
            resolve(&looks_full, &inv, None, "us-east-1"),
            vec!["arn:aws:secretsmanager:us-east-1:111122223333:secret:svc-secret-k9L8m7"]
        );
    }

    #[test]
    fn name_resolves_in_the_records_region_then_any_region_of_the_account() {
        let name = SecretRef::Name("prod/db".into());
        let inv = inventory();
        assert_eq!(
            resolve(&name, &inv, Some("111122223333"), "us-east-1"),
            vec![ARN]
        );
        assert_eq!(
            resolve(&name, &inv, Some("111122223333"), "eu-west-1"),
            vec!["arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db-AbC123"]
        );
        assert_eq!(
            resolve(&name, &inv, Some("111122223333"), "ap-south-1").len(),
            2
        );
        assert!(resolve(&name, &inv, Some("999999999999"), "us-east-1").is_empty());
        let staging = SecretRef::Name("staging/api".into());
        assert_eq!(resolve(&staging, &inv, None, "us-west-2").len(), 1);
    }

    #[test]
    fn filters_resolve_to_nothing() {
        let filter = SecretRef::Filter {
            key: "name".into(),
            values: vec!["prod/db".into()],
        };
        assert!(resolve(&filter, &inventory(), None, "us-east-1").is_empty());
    }
}
