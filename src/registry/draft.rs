//! `strongroom registry init`: a first registry drafted from what is loaded, for the team to
//! review: keys from the secrets' names, the environments each exists in, the cadence from
//! their rotation rules, DR regions from their replicas, owner and classification from tags,
//! and consumers from the reads in the events given. Written as TOML that `parse` reads back.

use std::collections::{BTreeMap, BTreeSet};

use crate::domain::{Entry, ReplicationState};
use crate::trail::AccessEvent;
use crate::trail::secret_ref::{SecretRef, name_in};

/// The order environments are listed in when the names use these words.
const ORDER: &[&str] = &[
    "dev",
    "test",
    "qa",
    "stage",
    "staging",
    "uat",
    "prod",
    "production",
];

#[derive(Default)]
struct Draft {
    envs: BTreeSet<String>,
    /// Per environment: the secret's rotation interval, replicas, and tags.
    rotation: BTreeMap<String, Option<i64>>,
    dr: BTreeMap<String, Vec<String>>,
    owner: Option<String>,
    classification: Option<String>,
    description: Option<String>,
    consumers: BTreeMap<String, BTreeSet<String>>,
}

/// How a name splits around its environment: (template, key), e.g.
/// `/clarivum/prod/payments/x` → (`/clarivum/{env}/{key}`, `payments/x`).
fn split(name: &str, env: &str) -> Option<(String, String)> {
    let parts: Vec<&str> = name.split('/').collect();
    let at = parts.iter().position(|p| p.eq_ignore_ascii_case(env))?;
    let key = parts[at + 1..].join("/");
    if key.is_empty() {
        return None;
    }
    let before = parts[..at].join("/");
    let template = if before.is_empty() && at == 0 {
        "{env}/{key}".to_string()
    } else {
        format!("{before}/{{env}}/{{key}}")
    };
    Some((template, key))
}

/// The draft registry as TOML, and how many secrets it could not key (no environment in the
/// name).
pub fn draft(entries: &[Entry], events: &[AccessEvent]) -> (String, Vec<String>) {
    let mut keys: BTreeMap<(String, String), Draft> = BTreeMap::new();
    let mut unkeyed = Vec::new();
    let mut where_is: BTreeMap<String, (String, String, String)> = BTreeMap::new();
    for e in entries.iter().filter(|e| e.secret.deleted.is_none()) {
        let s = &e.secret;
        let Some((env, (template, key))) = crate::domain::environment_of(s)
            .and_then(|env| split(&s.name, &env).map(|tk| (env, tk)))
        else {
            unkeyed.push(s.name.clone());
            continue;
        };
        where_is.insert(s.name.clone(), (template.clone(), key.clone(), env.clone()));
        let d = keys.entry((template, key)).or_default();
        d.envs.insert(env.clone());
        d.rotation.insert(
            env.clone(),
            s.rotation
                .enabled
                .then_some(s.rotation.every_days)
                .flatten(),
        );
        let dr: Vec<String> = e
            .replica_views()
            .iter()
            .filter(|v| v.status == ReplicationState::InSync)
            .map(|v| v.region.to_string())
            .collect();
        if !dr.is_empty() {
            d.dr.insert(env.clone(), dr);
        }
        d.owner = d
            .owner
            .take()
            .or_else(|| s.tag("Owner").map(str::to_string));
        d.classification = d
            .classification
            .take()
            .or_else(|| s.tag("Classification").map(str::to_string));
        d.description = d.description.take().or_else(|| s.description.clone());
    }
    for ev in events.iter().filter(|e| e.is_read() && !e.failed()) {
        for r in &ev.secrets {
            let (SecretRef::Arn(id) | SecretRef::PartialArn(id) | SecretRef::Name(id)) = r else {
                continue;
            };
            if let Some((template, key, env)) = where_is.get(name_in(id))
                && let Some(d) = keys.get_mut(&(template.clone(), key.clone()))
            {
                d.consumers
                    .entry(env.clone())
                    .or_default()
                    .insert(ev.principal.key());
            }
        }
    }
    // The template most keys use goes at the top; the others on their keys.
    let mut uses: BTreeMap<&str, usize> = BTreeMap::new();
    for (template, _) in keys.keys() {
        *uses.entry(template.as_str()).or_default() += 1;
    }
    let top = uses
        .iter()
        .max_by_key(|(t, n)| (**n, std::cmp::Reverse(**t)))
        .map(|(t, _)| t.to_string());
    let mut envs: Vec<String> = keys
        .values()
        .flat_map(|d| d.envs.iter().cloned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    envs.sort_by_key(|e| ORDER.iter().position(|o| o == e).unwrap_or(ORDER.len()));

    let q = |s: &str| toml::Value::String(s.to_string()).to_string();
    let list = |items: &mut dyn Iterator<Item = String>| {
        format!("[{}]", items.map(|s| q(&s)).collect::<Vec<_>>().join(", "))
    };
    let mut out = String::from(
        "# A first registry drafted by `strongroom registry init` from the loaded inventory and\n\
         # its reads. Review it: which environments each key is required in, the cadence, the DR\n\
         # regions and the consumers are what exists today, not what should.\n\n",
    );
    if let Some(t) = &top {
        out.push_str(&format!("name_template = {}\n", q(t)));
    }
    out.push_str(&format!(
        "environments = {}\n",
        list(&mut envs.iter().cloned())
    ));
    out.push_str("# required_tags = [\"Owner\", \"Classification\"]\n");
    out.push_str("# break_glass = [\"arn:aws:iam::*:role/break-glass\"]\n");
    for ((template, key), d) in &keys {
        out.push_str(&format!("\n[keys.{}]\n", q(key)));
        if let Some(text) = &d.description {
            out.push_str(&format!("description = {}\n", q(text)));
        }
        if let Some(owner) = &d.owner {
            out.push_str(&format!("owner = {}\n", q(owner)));
        }
        if let Some(c) = &d.classification {
            out.push_str(&format!("classification = {}\n", q(c)));
        }
        if Some(template) != top.as_ref() {
            out.push_str(&format!("name_template = {}\n", q(template)));
        }
        let present: Vec<&String> = envs.iter().filter(|e| d.envs.contains(*e)).collect();
        out.push_str(&format!(
            "required = {}\n",
            list(&mut present.iter().map(|e| e.to_string()))
        ));
        // The slowest cadence in use is what the registry can require today.
        match d.rotation.values().copied().collect::<Option<Vec<i64>>>() {
            Some(days) if !days.is_empty() => {
                let most = days.iter().max().copied().unwrap_or(0);
                out.push_str(&format!("rotation_days = {most}\n"));
            }
            _ => out.push_str("# rotation_days = ?  (not rotated in every environment today)\n"),
        }
        if !d.dr.is_empty() {
            let per: Vec<String> =
                d.dr.iter()
                    .map(|(env, regions)| {
                        format!("{} = {}", q(env), list(&mut regions.iter().cloned()))
                    })
                    .collect();
            out.push_str(&format!("dr_regions = {{ {} }}\n", per.join(", ")));
        }
        if !d.consumers.is_empty() {
            let per: Vec<String> = d
                .consumers
                .iter()
                .map(|(env, who)| format!("{} = {}", q(env), list(&mut who.iter().cloned())))
                .collect();
            out.push_str(&format!("consumers = {{ {} }}\n", per.join(", ")));
        }
    }
    if !unkeyed.is_empty() {
        out.push_str(&format!(
            "\n# {} secret(s) name no environment and are not drafted: {}\n",
            unkeyed.len(),
            unkeyed.join(", ")
        ));
    }
    (out, unkeyed)
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn names_split_around_their_environment() {
        assert_eq!(
            split("/clarivum/prod/payments/stripe", "prod"),
            Some(("/clarivum/{env}/{key}".into(), "payments/stripe".into()))
        );
        assert_eq!(
            split("stage/db/app", "stage"),
            Some(("{env}/{key}".into(), "db/app".into()))
        );
        assert_eq!(split("prod", "prod"), None);
        assert_eq!(split("rds!db-123", "prod"), None);
    }
}
