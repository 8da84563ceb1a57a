//! `strongroom leak-check`: candidates first (from the inventory, narrowed by name, environment
//! or the registry), the reads they take said before anything is read, a confirmation above
//! `--max-reads`, then the check through the source (live AWS, or the demo's fingerprints), the
//! journal entry (who, why, which version matched) and the answer. The suspected value is read
//! only when values will be read, from standard input or a file, and kept only as a hash that
//! is zeroed on drop.

use std::io::{IsTerminal, Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use chrono::Utc;
use zeroize::Zeroizing;

use super::open::Loaded;
use crate::cli::{Cli, LeakCheckArgs, LeakFormat};
use crate::domain::glob::glob_matches;
use crate::domain::{Secret, environment_of};
use crate::incident::leak_journal::{self, Reads};
use crate::leak::{Outcome, Plan, Suspect, suspect::MAX_BYTES};
use crate::report::leak::{self as report, Provenance};
use crate::store::journal::Journal;

pub async fn run<F>(
    cli: &Cli,
    args: &LeakCheckArgs,
    loaded: impl FnOnce() -> F,
    state_dir: &Path,
    config_dir: Option<&Path>,
) -> color_eyre::Result<ExitCode>
where
    F: std::future::Future<Output = color_eyre::Result<Loaded>>,
{
    let fail = |msg: String| {
        eprintln!("strongroom leak-check: {msg}");
        Ok(ExitCode::from(2))
    };
    if args.read_values && args.incident.is_none() && args.reason.is_none() {
        return fail(
            "say why values are read: --incident ID or --reason TEXT (both are journaled with \
             your name)"
                .into(),
        );
    }
    // The SDK logs response bodies of sensitive calls when this is set.
    if args.read_values
        && std::env::var("LOG_SENSITIVE_BODIES").is_ok_and(|v| v.eq_ignore_ascii_case("true"))
    {
        return fail(
            "refused: LOG_SENSITIVE_BODIES=true would let the AWS SDK log the values it reads. \
             Unset it and run again."
                .into(),
        );
    }
    let registry = if args.env.is_some() || args.registered {
        match super::open::registry(cli.registry.as_deref(), config_dir) {
            Ok(r) => r,
            Err(e) => return fail(e),
        }
    } else {
        None
    };
    if args.registered && registry.is_none() {
        return fail("--registered needs a registry: pass --registry FILE".into());
    }
    let Loaded { state, source, .. } = loaded().await?.listed().await;
    let secrets: Vec<&Secret> = state
        .inventory
        .entries
        .iter()
        .map(|e| &*e.secret)
        .filter(|s| candidate(s, args, registry.as_ref()))
        .collect();
    let plan = Plan::of(secrets.iter().copied());
    let unread: Vec<String> = state
        .cells
        .iter()
        .filter(|(_, c)| c.health != crate::domain::CellHealth::Ok)
        .map(|(cell, c)| format!("{} {}: {}", cell.account, cell.region, c.health.label()))
        .collect();
    eprintln!("strongroom leak-check: {}", plan.describe());
    if !unread.is_empty() {
        eprintln!(
            "strongroom leak-check: not listed, so not candidates: {}",
            unread.join("; ")
        );
    }
    if plan.targets.is_empty() {
        return fail("no candidate secret: widen --secrets / --env, or check the regions".into());
    }
    if !args.read_values {
        eprintln!(
            "strongroom leak-check: nothing was read. Each read is a GetSecretValue in CloudTrail \
             and moves LastAccessedDate; pass --read-values (with --incident or --reason) to read \
             these {} version(s).",
            plan.reads()
        );
        return Ok(ExitCode::from(2));
    }
    let suspect = match read_suspect(args) {
        Ok(s) => Arc::new(s),
        Err(e) => return fail(e),
    };
    if plan.reads() > args.max_reads
        && let Err(e) = confirm(plan.reads(), args)
    {
        return fail(e);
    }
    let operator = crate::incident::session::Operator::local(String::new()).name;
    let source_label = state.source.label.clone();
    let outcome = match source.leak_check(suspect.clone(), plan.clone()).await {
        Ok(o) => o,
        Err(e) => return fail(e),
    };
    drop(suspect);
    let mut provenance = Provenance {
        operator,
        reason: args.reason.clone().unwrap_or_default(),
        incident: args.incident.clone(),
        source: source_label,
        journal_id: None,
    };
    match journal(state_dir, &provenance, &plan, &outcome) {
        Ok(id) => provenance.journal_id = Some(id),
        Err(e) => eprintln!("strongroom leak-check: the check could not be journaled: {e}"),
    }
    let text = match args.format {
        LeakFormat::Table => report::table(&outcome, &provenance),
        LeakFormat::Json => report::json(&outcome, &provenance),
    };
    print!("{text}");
    Ok(ExitCode::from(outcome.verdict().exit_code()))
}

fn candidate(
    s: &Secret,
    args: &LeakCheckArgs,
    registry: Option<&crate::registry::Registry>,
) -> bool {
    if !args.secrets.is_empty() && !args.secrets.iter().any(|g| glob_matches(g, &s.name)) {
        return false;
    }
    if let Some(env) = &args.env {
        let in_env = match registry {
            Some(r) => r.keys.iter().any(|k| k.name(env) == s.name),
            None => environment_of(s).as_deref() == Some(env.as_str()),
        };
        if !in_env {
            return false;
        }
    }
    if args.registered
        && let Some(r) = registry
        && !r
            .keys
            .iter()
            .any(|k| r.environments.iter().any(|e| k.name(e) == s.name))
    {
        return false;
    }
    true
}

/// The suspected value: from --value-file, a masked prompt on a terminal, or standard input.
/// Read into a buffer big enough that it never reallocates (a reallocation would leave a copy
/// behind), hashed, zeroed.
fn read_suspect(args: &LeakCheckArgs) -> Result<Suspect, String> {
    let mut bytes = Zeroizing::new(Vec::with_capacity(MAX_BYTES + 3));
    let limit = (MAX_BYTES + 2) as u64;
    match &args.value_file {
        Some(path) => {
            let file = std::fs::File::open(path)
                .map_err(|e| format!("cannot read --value-file {}: {e}", path.display()))?;
            file.take(limit)
                .read_to_end(&mut bytes)
                .map_err(|e| format!("cannot read --value-file {}: {e}", path.display()))?;
        }
        None if std::io::stdin().is_terminal() => {
            let typed = Zeroizing::new(
                rpassword::prompt_password("Suspected value (not shown, Enter to finish): ")
                    .map_err(|e| format!("cannot read the value from the terminal: {e}"))?,
            );
            bytes.extend_from_slice(typed.as_bytes());
        }
        None => {
            std::io::stdin()
                .lock()
                .take(limit)
                .read_to_end(&mut bytes)
                .map_err(|e| format!("cannot read standard input: {e}"))?;
        }
    }
    Suspect::from_bytes(bytes, args.exact).map_err(|e| e.to_string())
}

/// Above --max-reads: --confirm-reads N, or the number typed on the terminal (standard input
/// may be the value itself, so the terminal is asked directly).
fn confirm(reads: usize, args: &LeakCheckArgs) -> Result<(), String> {
    let asked = format!(
        "{reads} version reads is more than --max-reads {}: each is a GetSecretValue in CloudTrail \
         and moves LastAccessedDate",
        args.max_reads
    );
    if let Some(n) = args.confirm_reads {
        return if n == reads {
            Ok(())
        } else {
            Err(format!(
                "{asked}; --confirm-reads {n} does not match {reads}: nothing was read"
            ))
        };
    }
    // The terminal is asked only when the operator is at one (standard error on it): a script
    // or a test with a controlling terminal somewhere up its tree must not block on it.
    if !std::io::stderr().is_terminal() {
        return Err(format!(
            "{asked}; pass --confirm-reads {reads} to go on (no terminal to ask on)"
        ));
    }
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|_| {
            format!("{asked}; pass --confirm-reads {reads} to go on (no terminal to ask on)")
        })?;
    let mut writer = &tty;
    write!(writer, "{asked}.\nType {reads} to read them: ").map_err(|e| e.to_string())?;
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(&tty), &mut line)
        .map_err(|e| e.to_string())?;
    if line.trim() == reads.to_string() {
        Ok(())
    } else {
        Err(format!(
            "not confirmed ({reads} was not typed): nothing was read"
        ))
    }
}

/// Journals who read, why, which candidates and what matched (never a value or a hash).
fn journal(
    state_dir: &Path,
    p: &Provenance,
    plan: &Plan,
    outcome: &Outcome,
) -> Result<i64, String> {
    let reads = Reads {
        operator: &p.operator,
        reason: &p.reason,
        incident: p.incident.as_deref(),
        source: &p.source,
    };
    leak_journal::record(state_dir, &reads, plan, outcome, Utc::now()).map_err(|e| e.to_string())
}

/// `strongroom incident leak-checks`: who read values, when, why, and what matched.
pub fn list(
    state_dir: &Path,
    incident: Option<&str>,
    out: &mut dyn Write,
) -> color_eyre::Result<u8> {
    use crate::domain::untrusted::neutralise;
    let journal = Journal::open(state_dir)?;
    let checks = journal.leak_checks(incident)?;
    if checks.is_empty() {
        writeln!(
            out,
            "No leak check is journaled{}.",
            incident.map(|i| format!(" for {i}")).unwrap_or_default()
        )?;
        return Ok(0);
    }
    for c in checks {
        let r = &c.record;
        let matched: Vec<String> = r["matches"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|m| {
                format!(
                    "{} {} [{}]",
                    m["secret"].as_str().unwrap_or("?"),
                    m["version_id"].as_str().unwrap_or("?"),
                    m["stages"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(",")
                )
            })
            .collect();
        writeln!(
            out,
            "{}  {}  {}  {}  verdict {}  {} read(s) of {} candidate(s)  by {}: {}{}",
            c.id,
            c.at.format("%Y-%m-%d %H:%M:%S UTC"),
            neutralise(c.incident.as_deref().unwrap_or("-")),
            neutralise(r["source"].as_str().unwrap_or("")),
            r["verdict"].as_str().unwrap_or("?"),
            r["reads"].as_u64().unwrap_or(0),
            r["candidates"].as_array().map_or(0, Vec::len),
            neutralise(&c.operator),
            neutralise(&c.reason),
            if matched.is_empty() {
                String::new()
            } else {
                format!("\n    matched: {}", neutralise(&matched.join("; ")))
            }
        )?;
    }
    Ok(0)
}
