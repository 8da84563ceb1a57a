//! Check assertions as written in a runbook: parsing `name(args)` into an [`Assertion`] and
//! listing the references one reads.

use super::refs::ValueRef;
use super::spec::Assertion;

/// Parses a check expression such as `no_reads_by(param.suspect, since=steps.contain.finished_at)`.
pub fn parse_assertion(text: &str) -> Result<Assertion, String> {
    let text = text.trim();
    let (name, args) = match text.split_once('(') {
        None => (text, Vec::new()),
        Some((name, rest)) => {
            let Some(inner) = rest.strip_suffix(')') else {
                return Err(format!("`{text}` has no closing `)`"));
            };
            let args = inner
                .split(',')
                .map(str::trim)
                .filter(|arg| !arg.is_empty())
                .map(|arg| match arg.split_once('=') {
                    Some((key, value)) => (Some(key.trim()), value.trim()),
                    None => (None, arg),
                })
                .collect();
            (name.trim(), args)
        }
    };
    let arity =
        |expected: &str| format!("`{name}` takes {expected}; write e.g. `{}`", example(name));
    match (name, args.as_slice()) {
        ("current_version_changed_since", [(None, since)]) => Ok(
            Assertion::CurrentVersionChangedSince(ValueRef::parse(since)?),
        ),
        ("current_version_changed_since", _) => Err(arity("one reference")),
        ("replicas_in_sync", []) => Ok(Assertion::ReplicasInSync),
        ("replicas_in_sync", _) => Err(arity("no arguments")),
        ("replicated_to", [(None, regions)]) => {
            Ok(Assertion::ReplicatedTo(ValueRef::parse(regions)?))
        }
        ("replicated_to", _) => Err(arity("one reference")),
        ("no_reads_by", [(None, principal), (Some("since"), since)]) => Ok(Assertion::NoReadsBy {
            principal: ValueRef::parse(principal)?,
            since: ValueRef::parse(since)?,
        }),
        ("no_reads_by", _) => Err(arity("a principal and `since=`")),
        ("policy_denies_all_except", [(None, principal)]) => Ok(Assertion::PolicyDeniesAllExcept(
            ValueRef::parse(principal)?,
        )),
        ("policy_denies_all_except", _) => Err(arity("one reference")),
        _ => Err(format!(
            "unknown assertion `{name}`; expected one of: {}",
            Assertion::NAMES.join(", ")
        )),
    }
}

/// The references an assertion reads.
pub fn assertion_refs(assertion: &Assertion) -> Vec<&ValueRef> {
    match assertion {
        Assertion::CurrentVersionChangedSince(value)
        | Assertion::ReplicatedTo(value)
        | Assertion::PolicyDeniesAllExcept(value) => vec![value],
        Assertion::ReplicasInSync => Vec::new(),
        Assertion::NoReadsBy { principal, since } => vec![principal, since],
    }
}

fn example(name: &str) -> &'static str {
    match name {
        "current_version_changed_since" => "current_version_changed_since(param.incident_start)",
        "replicated_to" => "replicated_to(param.dr_regions)",
        "no_reads_by" => "no_reads_by(param.suspect, since=steps.contain.finished_at)",
        "policy_denies_all_except" => "policy_denies_all_except(param.break_glass)",
        _ => "replicas_in_sync",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_assertions_with_arity_checks() {
        assert_eq!(
            parse_assertion("no_reads_by(param.suspect, since=steps.contain.finished_at)"),
            Ok(Assertion::NoReadsBy {
                principal: ValueRef::Param("suspect".into()),
                since: ValueRef::StepFinishedAt("contain".into()),
            })
        );
        assert_eq!(
            parse_assertion("replicas_in_sync"),
            Ok(Assertion::ReplicasInSync)
        );
        assert!(parse_assertion("replicas_in_sync(param.x)").is_err());
        assert!(parse_assertion("no_reads_by(param.suspect)").is_err());
        let unknown = parse_assertion("all_good").unwrap_err();
        assert!(
            unknown.contains("unknown assertion `all_good`"),
            "{unknown}"
        );
    }
}
