//! The headless incident commands: `runbook list|run`, `incident list|resume|export|abort`.
//! Each returns the process exit code: 0 done or waiting for the operator, 1 the run stopped on
//! a failed step (or the journal was tampered with), 2 bad input.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::Path;
use std::sync::Arc;

use chrono::Utc;
use color_eyre::eyre::{Result, eyre};

use crate::domain::untrusted::neutralise;
use crate::incident::catalog::Catalog;
use crate::incident::driver::{self, Pause, Progress};
use crate::incident::executor::Executor;
use crate::incident::executor::RecordedCall;
use crate::incident::prompt::{self, Answer};
use crate::incident::session::{Operator, Session, replay_readonly};
use crate::incident::timeline::{self, describe};
use crate::runbook::engine::{Command, Entry, EntryKind, Event, Mode, Outcome, RunStatus};
use crate::runbook::plan;
use crate::store::journal::Journal;

/// What every run needs: where the journal is, the runbooks, and what the calls go to.
pub struct Context {
    pub state_dir: std::path::PathBuf,
    pub catalog: Catalog,
    pub executor: Arc<dyn Executor>,
    pub allow_write: bool,
    /// The source flags to repeat on resume, e.g. `--demo` or `--endpoint-url URL`.
    pub source_args: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Markdown,
    Json,
}

/// `runbook list`: every runbook with its title, or its errors.
pub fn list_runbooks(catalog: &Catalog, out: &mut dyn Write) -> Result<u8> {
    let mut code = 0;
    for entry in &catalog.entries {
        match &entry.runbook {
            Ok(runbook) => {
                writeln!(out, "{:<30} {}", runbook.meta.id, runbook.meta.title)?;
                let params: Vec<String> = runbook
                    .params
                    .iter()
                    .map(|p| {
                        if p.required && p.default.is_none() {
                            format!("{}=...", p.name)
                        } else {
                            format!("[{}]", p.name)
                        }
                    })
                    .collect();
                writeln!(out, "{:<30}   params: {}", "", params.join(" "))?;
                writeln!(out, "{:<30}   from {}", "", entry.file)?;
            }
            Err(errors) => {
                code = 2;
                writeln!(out, "{:<30} INVALID ({})", entry.id(), entry.file)?;
                for error in errors {
                    writeln!(out, "{:<30}   {error}", "")?;
                }
            }
        }
    }
    Ok(code)
}

/// `runbook run NAME --param k=v`: starts a run, carries out the automatic steps, and stops at
/// the first step that needs the operator, saying so.
pub async fn run(ctx: &Context, name: &str, params: &[String], out: &mut dyn Write) -> Result<u8> {
    let entry = ctx.catalog.find(name).map_err(|e| eyre!(e))?;
    let given = param_values(params)?;
    let journal = Journal::open(&ctx.state_dir)?;
    let mode = Mode {
        dry_run: false,
        allow_write: ctx.allow_write,
    };
    let operator = Operator::local(ctx.executor.target());
    let mut session = Session::start(journal, &entry, given, mode, Utc::now(), operator)?;
    writeln!(
        out,
        "Incident {} started: {} ({})",
        session.run_id,
        session.runbook().meta.title,
        ctx.executor.target(),
    )?;
    let pause = advance(ctx, &mut session, out).await?;
    finish_turn(ctx, &session, pause, out)
}

/// `runbook run NAME --param k=v --dry-run`: the whole runbook with the parameters filled in,
/// every step, branch and request, walked without a source, a journal or a prompt: nothing is
/// sent and no incident is left half open.
pub fn dry_run(
    catalog: &Catalog,
    name: &str,
    params: &[String],
    out: &mut dyn Write,
) -> Result<u8> {
    let entry = catalog.find(name).map_err(|e| eyre!(e))?;
    let runbook = entry.runbook.map_err(|errors| {
        let listed: Vec<String> = errors.iter().map(ToString::to_string).collect();
        eyre!(
            "{} is not a valid runbook:\n{}",
            entry.file,
            listed.join("\n")
        )
    })?;
    let plan = plan::plan(&runbook, &param_values(params)?).map_err(|e| eyre!(e))?;
    out.write_all(crate::report::runbook_plan::text(&plan).as_bytes())?;
    Ok(0)
}

/// `--param NAME=VALUE` flags as a map.
fn param_values(params: &[String]) -> Result<BTreeMap<String, String>> {
    let mut given = BTreeMap::new();
    for param in params {
        let (key, value) = param
            .split_once('=')
            .ok_or_else(|| eyre!("--param `{param}` is not NAME=VALUE"))?;
        given.insert(key.trim().to_string(), value.to_string());
    }
    Ok(given)
}

/// `incident resume ID`: continues a run, asking the operator on this terminal for each
/// manual step, decision and write approval. An empty answer pauses again.
pub async fn resume(
    ctx: &Context,
    run_id: &str,
    input: &mut dyn BufRead,
    echo: bool,
    out: &mut dyn Write,
) -> Result<u8> {
    let journal = Journal::open(&ctx.state_dir)?;
    let operator = Operator::local(ctx.executor.target());
    let mut session = Session::resume(journal, run_id, Utc::now(), operator)?;
    driver::replay_writes(&session, ctx.executor.as_ref());
    writeln!(out, "Resuming {}: {}", run_id, session.runbook().meta.title)?;
    if ctx.allow_write {
        session.allow_writes(Utc::now())?;
    }
    loop {
        let pause = advance(ctx, &mut session, out).await?;
        match &pause {
            Pause::InterruptedWrite { step } => {
                if prompt::ask_resend(step, input, echo, out)? {
                    session.resend_interrupted_write();
                    continue;
                }
                return finish_turn(ctx, &session, pause, out);
            }
            Pause::Operator => {
                let Some(command) = session.waiting().cloned() else {
                    return finish_turn(ctx, &session, pause, out);
                };
                heading(&session, &command, out)?;
                let needs_write = matches!(command, Command::NeedsWriteAccess { .. })
                    || (matches!(command, Command::AskConfirmation { .. }) && !ctx.allow_write);
                if needs_write {
                    return finish_turn(ctx, &session, pause, out);
                }
                match prompt::ask(&command, input, echo, out, Utc::now())? {
                    Answer::Event(event) => session.handle(event)?,
                    Answer::Pause => return finish_turn(ctx, &session, pause, out),
                }
            }
            Pause::Finished(_) => return finish_turn(ctx, &session, pause, out),
        }
    }
}

/// `incident abort ID --reason`: ends a run for good, journaled.
pub fn abort(ctx: &Context, run_id: &str, reason: &str, out: &mut dyn Write) -> Result<u8> {
    let journal = Journal::open(&ctx.state_dir)?;
    let operator = Operator::local(ctx.executor.target());
    let mut session = Session::resume(journal, run_id, Utc::now(), operator)?;
    if let Some(status) = session.status() {
        writeln!(out, "{run_id} is already over: {}", status_text(status))?;
        return Ok(0);
    }
    session.handle(Event::Abort {
        at: Utc::now(),
        reason: reason.to_string(),
    })?;
    writeln!(out, "{run_id} aborted: {reason}")?;
    Ok(0)
}

/// `incident trail ID`: finds the CloudTrail event of each write the run made and journals its
/// event id next to the request id. CloudTrail shows events up to 15 minutes late: run it again
/// later for the rest.
pub async fn trail(ctx: &Context, run_id: &str, out: &mut dyn Write) -> Result<u8> {
    let mut journal = Journal::open(&ctx.state_dir)?;
    if journal.run(run_id)?.is_none() {
        return Err(eyre!(
            "no incident `{run_id}`; `strongroom incident list` shows them"
        ));
    }
    let entries = crate::incident::session::entries_of(&journal.entries(run_id)?)?;
    let linked: Vec<String> = entries
        .iter()
        .filter_map(|e| match &e.kind {
            EntryKind::ApiCall {
                request_id: Some(id),
                event_id: Some(_),
                ..
            } => Some(id.clone()),
            _ => None,
        })
        .collect();
    let mut writes: Vec<(String, RecordedCall)> = Vec::new();
    for entry in &entries {
        let EntryKind::StepOutcome {
            step,
            outcome: Outcome::Succeeded,
            outputs,
        } = &entry.kind
        else {
            continue;
        };
        let (Some(operation), Some(request), Some(request_id)) = (
            outputs.get("operation"),
            outputs.get("request"),
            outputs.get("request_id"),
        ) else {
            continue;
        };
        if linked.contains(request_id) {
            continue;
        }
        let secret_id = serde_json::from_str::<serde_json::Value>(request)
            .ok()
            .and_then(|body| body["SecretId"].as_str().map(str::to_string))
            .unwrap_or_default();
        writes.push((
            step.clone(),
            RecordedCall {
                operation: operation.clone(),
                secret_id,
                request_id: request_id.clone(),
                at: entry.at,
            },
        ));
    }
    if writes.is_empty() {
        writeln!(
            out,
            "{run_id}: no write waits for its CloudTrail event ({} linked already)",
            linked.len()
        )?;
        return Ok(0);
    }
    let calls = writes.iter().map(|(_, call)| call.clone()).collect();
    let found = ctx
        .executor
        .find_events(calls)
        .await
        .map_err(|e| eyre!(e.message))?;
    for (step, call) in &writes {
        match found.get(&call.request_id) {
            Some(event_id) => {
                let entry = Entry {
                    at: Utc::now(),
                    kind: EntryKind::ApiCall {
                        step: step.clone(),
                        request_id: Some(call.request_id.clone()),
                        event_id: Some(event_id.clone()),
                    },
                };
                journal.append(run_id, entry.at, &serde_json::to_value(&entry)?)?;
                writeln!(
                    out,
                    "  {step}: secretsmanager:{} request {} is CloudTrail event {}",
                    call.operation,
                    call.request_id,
                    neutralise(event_id)
                )?;
            }
            None => writeln!(
                out,
                "  {step}: secretsmanager:{} request {} not in CloudTrail yet",
                call.operation, call.request_id
            )?,
        }
    }
    writeln!(
        out,
        "{run_id}: {} of {} writes linked to their CloudTrail events{}",
        found.len(),
        writes.len(),
        if found.len() < writes.len() {
            " (CloudTrail can take 15 minutes: run this again later)"
        } else {
            ""
        }
    )?;
    Ok(0)
}

/// `incident list`: every run, newest first, with where it stands and whether its chain holds.
pub fn list(state_dir: &Path, out: &mut dyn Write) -> Result<u8> {
    let journal = Journal::open(state_dir)?;
    let runs = journal.runs()?;
    if runs.is_empty() {
        writeln!(
            out,
            "No incidents yet. Start one with `strongroom runbook run NAME --param ...`."
        )?;
        return Ok(0);
    }
    writeln!(
        out,
        "{:<48} {:<20} {:>7}  {:<9} STATUS",
        "ID", "STARTED (UTC)", "ENTRIES", "CHAIN"
    )?;
    let mut code = 0;
    for run in runs {
        let chain = match journal.verify(&run.run_id)? {
            Ok(()) => "ok",
            Err(_) => {
                code = 1;
                "TAMPERED"
            }
        };
        let status = match replay_readonly(&journal, &run.run_id) {
            Ok(engine) => match engine.status() {
                Some(status) => status_text(status),
                None => match engine.current_step() {
                    Some(step) => format!("waiting at {}", step.id),
                    None => "in progress".to_string(),
                },
            },
            Err(error) => format!("unreadable: {error}"),
        };
        writeln!(
            out,
            "{:<48} {:<20} {:>7}  {:<9} {}",
            run.run_id,
            run.started_at.format("%Y-%m-%d %H:%M:%S"),
            run.entries,
            chain,
            neutralise(&status)
        )?;
    }
    Ok(code)
}

/// `incident export ID --format`: the timeline; exit 1 when the chain does not hold.
pub fn export(
    state_dir: &Path,
    run_id: &str,
    format: ExportFormat,
    out: &mut dyn Write,
) -> Result<u8> {
    let journal = Journal::open(state_dir)?;
    let run = journal
        .run(run_id)?
        .ok_or_else(|| eyre!("no incident `{run_id}`; `strongroom incident list` shows them"))?;
    let rows = journal.entries(run_id)?;
    let engine = replay_readonly(&journal, run_id)?;
    let chain = journal.verify(run_id)?;
    let verified = chain.is_ok();
    let timeline = timeline::build(&run, &rows, &engine, chain, journal.head(run_id)?);
    let text = match format {
        ExportFormat::Markdown => crate::report::incident::markdown(&timeline),
        ExportFormat::Json => crate::report::incident::json(&timeline)?,
    };
    out.write_all(text.as_bytes())?;
    Ok(if verified { 0 } else { 1 })
}

/// Runs the automatic steps, printing each call as it starts and each entry as it is journaled.
async fn advance(ctx: &Context, session: &mut Session, out: &mut dyn Write) -> Result<Pause> {
    let mut report = |progress: Progress<'_>| {
        let line = match progress {
            Progress::Journaled(seq, entry) => {
                let (step, what) = describe(&entry.kind);
                let step = step.map(|s| format!("{s}: ")).unwrap_or_default();
                // A multi-line entry (a dry run's request) keeps its lines, indented.
                let mut lines = what.lines();
                let mut text = format!(
                    "  {} #{seq:<3} {step}{}",
                    entry.at.format("%H:%M:%S"),
                    neutralise(lines.next().unwrap_or_default())
                );
                for line in lines {
                    text.push_str(&format!("\n                {}", neutralise(line)));
                }
                text
            }
            Progress::Running(running) => {
                let retry = if running.attempt > 1 {
                    format!(" (attempt {})", running.attempt)
                } else {
                    String::new()
                };
                format!(
                    "           ... {}: {}{retry}",
                    running.step,
                    neutralise(&running.what)
                )
            }
        };
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    };
    Ok(driver::advance(session, ctx.executor.as_ref(), Utc::now, &mut report).await?)
}

fn heading(session: &Session, command: &Command, out: &mut dyn Write) -> Result<()> {
    let step = match command {
        Command::ShowManual { step, .. }
        | Command::AskDecision { step, .. }
        | Command::AskConfirmation { step, .. }
        | Command::NeedsWriteAccess { step, .. } => step,
        _ => return Ok(()),
    };
    let title = session
        .runbook()
        .step(step)
        .map(|s| s.title.clone())
        .unwrap_or_default();
    writeln!(out)?;
    writeln!(out, "== {step}: {} ==", neutralise(&title))?;
    Ok(())
}

/// Says where the run stands and what to do next; returns the exit code.
fn finish_turn(ctx: &Context, session: &Session, pause: Pause, out: &mut dyn Write) -> Result<u8> {
    let resume = format!(
        "strongroom {}{}incident resume {}",
        ctx.source_args,
        if ctx.source_args.is_empty() { "" } else { " " },
        session.run_id
    );
    match pause {
        Pause::Finished(status) => {
            writeln!(out, "Run {}: {}", session.run_id, status_text(&status))?;
            writeln!(
                out,
                "Timeline: strongroom incident export {} --format markdown",
                session.run_id
            )?;
            Ok(match status {
                RunStatus::Completed => 0,
                _ => 1,
            })
        }
        Pause::InterruptedWrite { step } => {
            writeln!(
                out,
                "Paused at `{step}`: its write may have been sent. Continue with: {resume}"
            )?;
            Ok(0)
        }
        Pause::Operator => {
            let (kind, step) = match session.waiting() {
                Some(Command::ShowManual { step, .. }) => ("a manual step", step.clone()),
                Some(Command::AskDecision { step, .. }) => ("a decision", step.clone()),
                Some(
                    Command::AskConfirmation { step, preview, .. }
                    | Command::NeedsWriteAccess { step, preview },
                ) => {
                    writeln!(out, "  The write waiting for approval:")?;
                    for line in preview.lines() {
                        writeln!(out, "    {}", neutralise(line))?;
                    }
                    ("a write to approve", step.clone())
                }
                _ => ("the operator", String::new()),
            };
            writeln!(
                out,
                "Waiting at `{step}` for {kind}. Continue with: {resume}{}",
                if kind == "a write to approve" && !ctx.allow_write {
                    " --allow-write"
                } else {
                    ""
                }
            )?;
            Ok(0)
        }
    }
}

fn status_text(status: &RunStatus) -> String {
    match status {
        RunStatus::Completed => "completed".to_string(),
        RunStatus::Stopped { step, reason } => format!(
            "stopped at {step}: {}",
            reason.lines().next().unwrap_or_default()
        ),
        RunStatus::Aborted { reason } => format!("aborted: {reason}"),
    }
}
