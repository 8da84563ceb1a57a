//! `strongroom review decide|show|list|export|verify`: the store and files only, no AWS call.
//! Decisions go to the review's hash-chained log; `show` and `export` use what the last
//! `review start` observed. Exit codes: 0 done, 1 a decision log or pack that was changed,
//! 2 an error (no review, an unknown secret, an unreadable file).

use std::path::Path;
use std::process::ExitCode;

use chrono::Utc;
use color_eyre::eyre::{bail, eyre};

use crate::cli::ReviewFormat;
use crate::domain::untrusted::neutralise;
use crate::review::decision::local_user;
use crate::review::pack::{self, Chain, TextKind, Verified};
use crate::review::table::utc;
use crate::review::{Decision, Observation, ReviewInfo, Verdict};
use crate::store::review::ReviewStore;

/// `review decide SECRET ACTION [TARGET] --note TEXT`.
pub fn decide(
    state_dir: &Path,
    review: Option<&str>,
    secret: &str,
    action: &str,
    target: Option<&str>,
    note: &str,
    reviewer: &str,
) -> color_eyre::Result<ExitCode> {
    let verdict = Verdict::parse(action, target).map_err(|e| eyre!(e))?;
    let note = note.trim();
    if note.is_empty() {
        bail!(
            "--note: say why (an auditor reads it), e.g. --note \"still used by the payments API\""
        );
    }
    let mut store = ReviewStore::open(state_dir)?;
    let (info, observation) = pick(&store, review)?;
    let matches: Vec<_> = observation
        .secrets
        .iter()
        .filter(|r| r.is_named(secret))
        .collect();
    let found = match matches.as_slice() {
        [one] => *one,
        [] => bail!(
            "{secret} is not in review {} ({} secret(s)); `strongroom review show` lists them",
            info.id,
            observation.secrets.len()
        ),
        many => bail!(
            "{secret} names {} secrets in review {} ({}); give the ARN",
            many.len(),
            info.id,
            many.iter()
                .map(|r| r.secret.arn.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    if let Verdict::Revoke { principal } = &verdict
        && !found.rows.iter().any(|r| &r.principal == principal)
    {
        eprintln!(
            "strongroom: note: {} is neither in the policy of {} nor among its readers in the window; recorded as given",
            neutralise(principal),
            neutralise(&found.secret.name)
        );
    }
    let d = store.decide(
        &info.id,
        Decision {
            seq: 0,
            secret_arn: found.secret.arn.clone(),
            secret_name: found.secret.name.clone(),
            verdict,
            note: note.to_string(),
            reviewer: reviewer.to_string(),
            at: Utc::now(),
            hash: String::new(),
        },
    )?;
    println!(
        "{}",
        neutralise(&format!(
            "Recorded decision {} in review {} on {}: {} — {} ({}, {})",
            d.seq,
            info.id,
            d.secret_name,
            d.verdict.label(),
            d.note,
            d.reviewer,
            utc(&d.at)
        ))
    );
    Ok(ExitCode::SUCCESS)
}

/// `review show`: the table of the last observation with the decisions; exit 1 when the
/// decision log's chain does not hold.
pub fn show(
    state_dir: &Path,
    review: Option<&str>,
    secrets: Option<&str>,
) -> color_eyre::Result<ExitCode> {
    let store = ReviewStore::open(state_dir)?;
    let (info, mut observation) = pick(&store, review)?;
    if let Some(glob) = secrets {
        observation
            .secrets
            .retain(|r| crate::audit::naming::glob(glob, &r.secret.name));
    }
    let (log, chain) = store.decisions(&info.id)?;
    print!("{}", crate::review::table::table(&info, &observation, &log));
    Ok(match chain {
        Ok(()) => ExitCode::SUCCESS,
        Err(broken) => {
            eprintln!(
                "strongroom: the decision log of {} was changed: {}",
                info.id, broken.reason
            );
            ExitCode::from(1)
        }
    })
}

/// `review list`: every review, the latest first.
pub fn list(state_dir: &Path) -> color_eyre::Result<ExitCode> {
    let store = ReviewStore::open(state_dir)?;
    let reviews = store.reviews()?;
    if reviews.is_empty() {
        println!("No reviews yet: `strongroom review start --window 90d` starts one.");
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<28} {:<7} {:<18} {:<20} {:>9}  SOURCE",
        "REVIEW", "WINDOW", "REVIEWER", "STARTED", "DECISIONS"
    );
    for r in reviews {
        let (log, chain) = store.decisions(&r.id)?;
        let decisions = format!("{}{}", log.len(), if chain.is_ok() { "" } else { "!" });
        println!(
            "{}",
            neutralise(&format!(
                "{:<28} {:<7} {:<18} {:<20} {:>9}  {}",
                r.id,
                r.window,
                r.reviewer,
                utc(&r.started_at),
                decisions,
                r.source
            ))
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `review export`: the sealed evidence pack; exit 1 when the decision log was changed (the
/// pack still says so and is written).
pub fn export(
    state_dir: &Path,
    review: Option<&str>,
    format: ReviewFormat,
    output: Option<&Path>,
) -> color_eyre::Result<ExitCode> {
    let store = ReviewStore::open(state_dir)?;
    let (info, observation) = pick(&store, review)?;
    let (log, chain) = store.decisions(&info.id)?;
    let chain = Chain {
        verified: chain.is_ok(),
        head: log.last().map(|d| d.hash.clone()),
        problem: chain.as_ref().err().map(|b| b.reason.clone()),
    };
    let tampered = !chain.verified;
    let pack = pack::assemble(
        &info,
        &observation,
        &log,
        chain,
        Utc::now(),
        &crate::incident::session::Operator::local(String::new()).name,
    );
    let text = match format {
        ReviewFormat::Json => pack::seal_json(&pack)?,
        ReviewFormat::Markdown => {
            pack::seal_text(&crate::report::review::markdown(&pack), TextKind::Markdown)
        }
        ReviewFormat::Csv => pack::seal_text(
            &crate::report::review::csv(&pack)?,
            TextKind::Csv {
                columns: crate::report::review::CSV_COLUMNS.len(),
            },
        ),
    };
    match output {
        Some(path) => {
            std::fs::write(path, &text)
                .map_err(|e| eyre!("cannot write {}: {e}", path.display()))?;
            eprintln!(
                "strongroom: wrote the evidence pack of {} to {}; `strongroom review verify {}` checks it",
                info.id,
                path.display(),
                path.display()
            );
        }
        None => print!("{text}"),
    }
    if tampered {
        eprintln!(
            "strongroom: the decision log of {} was changed in the store; the pack says so",
            info.id
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// `review verify FILE`: 0 intact, 1 changed, 2 not a sealed pack or unreadable.
pub fn verify(file: &Path) -> ExitCode {
    let text = match std::fs::read(file) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(_) => {
                eprintln!(
                    "strongroom: {}: not UTF-8 text, so not a pack Strongroom wrote (or it was changed)",
                    file.display()
                );
                return ExitCode::from(1);
            }
        },
        Err(e) => {
            eprintln!("strongroom: cannot read {}: {e}", file.display());
            return ExitCode::from(2);
        }
    };
    match pack::verify(&text) {
        Ok(Verified::Intact { sha256, kind }) => {
            println!("{}: intact ({kind} pack), SHA-256 {sha256}", file.display());
            ExitCode::SUCCESS
        }
        Ok(Verified::Changed {
            recorded,
            computed,
            kind,
        }) => {
            println!(
                "{}: CHANGED since it was exported ({kind} pack): it records SHA-256 {}, its content hashes to {computed}",
                file.display(),
                neutralise(&recorded)
            );
            ExitCode::from(1)
        }
        Err(why) => {
            eprintln!("strongroom: {}: {why}", file.display());
            ExitCode::from(2)
        }
    }
}

/// The review named by `--review`, else the latest, with its last observation.
fn pick(
    store: &ReviewStore,
    review: Option<&str>,
) -> color_eyre::Result<(ReviewInfo, Observation)> {
    let info = match review {
        Some(id) => store.review(id)?.ok_or_else(|| {
            eyre!("no review {id}; `strongroom review list` shows the reviews in this state directory")
        })?,
        None => store.reviews()?.into_iter().next().ok_or_else(|| {
            eyre!(
                "no review yet in {}: start one with `strongroom review start --window 90d` (as {})",
                store.path().display(),
                local_user()
            )
        })?,
    };
    let json = store.observation(&info.id)?.ok_or_else(|| {
        eyre!(
            "review {} has nothing observed yet: run `strongroom review start` again",
            info.id
        )
    })?;
    let observation = serde_json::from_str(&json)
        .map_err(|e| eyre!("review {}: the stored observation cannot be read ({e}); run `strongroom review start` again", info.id))?;
    Ok((info, observation))
}
