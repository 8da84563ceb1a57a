//! `strongroom drill`: opens the source (the DR region added to the regions read), loads the
//! inventory through the same update loop as the console, runs the checks, the opt-in value
//! verification and promotion rehearsal, and prints the report. Exit 0 when every selected
//! secret passes (warnings included), 1 when one fails, 2 when the run is incomplete.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use chrono::Utc;

use crate::app::State;
use crate::audit::Policy;
use crate::cli::{Cli, DrillArgs, DrillFormat};
use crate::domain::untrusted::neutralise;
use crate::domain::{Cell, CellHealth};
use crate::drill::record::{CellRecord, Record, RehearsalRecord, ValueRecord};
use crate::drill::stopwatch::{Phase, Stopwatch};
use crate::drill::{Evidence, Input, Outcome, Selection, check, live, promotion};
use crate::drive::runner::run_to_completion;
use crate::source::InventorySource;

pub async fn run(
    cli: &Cli,
    args: &DrillArgs,
    state_dir: &Path,
    config_dir: Option<&Path>,
) -> color_eyre::Result<ExitCode> {
    let dr = args.dr_region.trim().to_string();
    if dr.is_empty() {
        color_eyre::eyre::bail!("--dr-region: give a region, e.g. --dr-region us-west-2");
    }
    let policy = Policy::load(cli.policy.as_deref(), config_dir)?;
    let offline = if cli.demo {
        Some("the demo")
    } else if cli.snapshot.is_some() {
        Some("a snapshot")
    } else {
        None
    };
    if let Some(what) = offline {
        for (flag, wanted) in [
            ("--verify-values", args.verify_values),
            ("--rehearse-promotion", args.rehearse_promotion),
        ] {
            if wanted {
                eprintln!(
                    "strongroom: {flag} needs live AWS: {what} holds no secret values and cannot be changed. \
                     Run the drill against AWS (--profile, --region, --endpoint-url) to use it."
                );
                return Ok(ExitCode::from(2));
            }
        }
    }
    // The SDK logs response bodies of sensitive calls (GetSecretValue) when this is set.
    if args.verify_values
        && std::env::var("LOG_SENSITIVE_BODIES").is_ok_and(|v| v.eq_ignore_ascii_case("true"))
    {
        eprintln!(
            "strongroom: --verify-values refused: LOG_SENSITIVE_BODIES=true would let the AWS SDK log \
             the secret values it reads. Unset it and run again."
        );
        return Ok(ExitCode::from(2));
    }
    let super::open::Opened {
        source,
        aws,
        problems,
    } = super::open::open(cli, state_dir, Some(&dr)).await?;
    let stopwatch = Stopwatch::new(source, aws.is_some());
    let started_at = Utc::now();
    let info = stopwatch.info();
    let mut state = State::new(info.clone(), !cli.allow_write, started_at);
    state.policy = Arc::new(policy.clone());
    run_to_completion(&mut state, Arc::new(stopwatch.clone())).await;
    let cells: BTreeMap<Cell, CellHealth> = state
        .cells
        .iter()
        .map(|(c, s)| (c.clone(), s.health.clone()))
        .collect();
    let selection = match &args.secrets {
        Some(glob) => Selection::Glob(glob.clone()),
        None => Selection::Default,
    };
    let mut record = Record {
        started_at,
        operator: crate::incident::session::Operator::local(String::new()).name,
        source: info.label.clone(),
        source_kind: info.kind.short_name(),
        accounts: info.accounts.iter().map(|a| a.id.clone()).collect(),
        regions_read: cells
            .keys()
            .map(|c| c.region.clone())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect(),
        selection: match &selection {
            Selection::Default => format!(
                "default: every primary the policy requires in {dr}, and every primary replicated there"
            ),
            Selection::Glob(g) => format!("--secrets {g}"),
        },
        allow_write: cli.allow_write,
        cells: cell_records(&cells),
        phases: stopwatch.phases(),
        calls: BTreeMap::new(),
        value_verification: ValueRecord {
            note: "not requested: no secret value was read".into(),
            ..Default::default()
        },
        promotion_rehearsal: RehearsalRecord {
            status: "not requested: nothing was changed".into(),
            ..Default::default()
        },
        errors: problems,
        total_seconds: 0.0,
    };
    let (pages, describes) = stopwatch.calls();
    if aws.is_some() {
        record.add_calls("ListSecrets", pages);
        record.add_calls("DescribeSecret", describes);
    }
    record.errors.extend(cell_errors(&cells));
    if !cells.keys().any(|c| c.region == dr) {
        record
            .errors
            .push(format!("{dr} is not among the regions of this source"));
    }
    let mut evidence = Evidence::default();
    let mut drill = check(&Input {
        inventory: &state.inventory,
        cells: &cells,
        policy: &policy,
        dr_region: &dr,
        selection: &selection,
        evidence: &evidence,
    });
    if let Some(src) = aws.as_deref() {
        if args.verify_values {
            live::verify_values(src, &drill, &mut evidence, &mut record).await;
        }
        if args.rehearse_promotion {
            let plan = promotion::plan(&drill);
            let stdin = std::io::stdin();
            let mut input = stdin.lock();
            let mut prompt = std::io::stderr();
            let operator = live::Operator {
                allow_write: cli.allow_write,
                confirm: args.confirm.as_deref(),
                input: &mut input,
                prompt: &mut prompt,
            };
            live::rehearse(src, &drill, &plan, operator, &mut evidence, &mut record).await;
        }
        drill = check(&Input {
            inventory: &state.inventory,
            cells: &cells,
            policy: &policy,
            dr_region: &dr,
            selection: &selection,
            evidence: &evidence,
        });
    }
    record.total_seconds = stopwatch.elapsed().as_secs_f64();
    record.phases.push(Phase {
        name: "total".into(),
        calls: aws.is_some().then(|| record.calls.values().sum()),
        seconds: record.total_seconds,
        note: None,
    });
    let out = match args.format {
        DrillFormat::Table => crate::report::drill::table(&record, &drill),
        DrillFormat::Json => crate::report::drill::json(&record, &drill)?,
        DrillFormat::Markdown => crate::report::drill::markdown(&record, &drill),
    };
    print!("{out}");
    for e in &record.errors {
        eprintln!("strongroom: {}", neutralise(e));
    }
    Ok(if !record.errors.is_empty() {
        ExitCode::from(2)
    } else if drill.overall == Outcome::Fail {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn cell_records(cells: &BTreeMap<Cell, CellHealth>) -> Vec<CellRecord> {
    cells
        .iter()
        .map(|(c, h)| CellRecord {
            account: c.account.clone(),
            region: c.region.clone(),
            health: h.label(),
            detail: h.detail().map(|d| neutralise(d).into_owned()),
        })
        .collect()
}

fn cell_errors(cells: &BTreeMap<Cell, CellHealth>) -> Vec<String> {
    cells
        .iter()
        .filter(|(_, h)| !matches!(h, CellHealth::Ok | CellHealth::Loading))
        .map(|(c, h)| {
            format!(
                "account {} region {}: {} ({})",
                c.account,
                c.region,
                h.label(),
                h.detail().unwrap_or("")
            )
        })
        .collect()
}
