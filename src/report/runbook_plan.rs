//! A dry run's plan as plain text: what a team reads before approving a runbook. Every step in
//! file order with its kind, what the operator sees, and the exact requests it would send.

use crate::domain::untrusted::neutralise;
use crate::runbook::plan::{Detail, Plan, PlannedStep, Write};
use crate::runbook::{END, OnFailure, StepKind};

/// Indent of everything under a step's heading.
const BODY: &str = "      ";

pub fn text(plan: &Plan) -> String {
    let mut out = Lines::default();
    out.line(format!(
        "DRY RUN of {} v{}: {}",
        plan.runbook_id, plan.version, plan.title
    ));
    out.line(
        "Nothing is sent to AWS and no incident is journaled. Values an earlier step produces \
         are shown as <steps.ID...>."
            .to_string(),
    );
    out.line(String::new());
    out.line("Parameters:".to_string());
    for (name, value) in &plan.params {
        let value = if value.is_empty() { "(none)" } else { value };
        out.line(format!("  {name} = {value}"));
    }
    for (index, step) in plan.steps.iter().enumerate() {
        out.line(String::new());
        out.step(index + 1, step);
    }
    let count = |kind: StepKind, one: &str, many: &str| {
        let n = plan.steps.iter().filter(|s| s.kind == kind).count();
        format!("{n} {}", if n == 1 { one } else { many })
    };
    let writes = plan.steps.iter().any(|s| s.kind == StepKind::Action);
    out.line(String::new());
    out.line(format!(
        "End of the plan: {} steps: {}, {}, {}, {}, {}.{}",
        plan.steps.len(),
        count(StepKind::Manual, "manual", "manual"),
        count(StepKind::Decision, "decision", "decisions"),
        count(StepKind::Query, "query", "queries"),
        count(StepKind::Check, "check", "checks"),
        count(StepKind::Action, "write", "writes"),
        if writes {
            " Each write needs --allow-write and its typed confirmation."
        } else {
            ""
        }
    ));
    out.text
}

#[derive(Default)]
struct Lines {
    text: String,
}

impl Lines {
    /// One or more lines; runbook text and parameters are neutralised like any other input.
    fn line(&mut self, text: String) {
        for line in text.split('\n') {
            self.text.push_str(&neutralise(line));
            self.text.push('\n');
        }
    }

    /// Every line of `text` under the step, with `prefix` after the indent.
    fn block(&mut self, prefix: &str, text: &str) {
        for line in text.trim_end().lines() {
            self.line(format!("{BODY}{prefix}{line}").trim_end().to_string());
        }
    }

    fn step(&mut self, number: usize, step: &PlannedStep) {
        self.line(format!(
            "{number:>3}. {} [{}] {}",
            step.id,
            step.kind.name(),
            step.title
        ));
        match &step.detail {
            Detail::Manual {
                instructions,
                checklist,
                note,
            } => {
                self.block("", instructions);
                for item in checklist {
                    self.line(format!("{BODY}[ ] {item}"));
                }
                if *note {
                    self.line(format!("{BODY}The operator may attach a note."));
                }
            }
            Detail::Query { output, calls } => {
                for call in calls {
                    self.block("reads: ", &call.to_string());
                }
                self.line(format!(
                    "{BODY}keeps the answer as steps.{}.output.{output}",
                    step.id
                ));
            }
            Detail::Action { write, confirm } => {
                match write {
                    Write::Request { call, otherwise } => {
                        self.line(format!("{BODY}writes:"));
                        self.block("  ", &call.to_string());
                        if let Some((when, other)) = otherwise {
                            self.line(format!("{BODY}or, {when}:"));
                            self.block("  ", &other.to_string());
                        }
                    }
                    Write::Incomplete(text) => {
                        self.block("writes: ", text);
                        self.line(format!("{BODY}(the run would stop here)"));
                    }
                }
                self.line(format!(
                    "{BODY}approval: --allow-write and typing `{confirm}`"
                ));
            }
            Detail::Check {
                assertion,
                calls,
                on_fail,
            } => {
                self.line(format!("{BODY}asserts: {assertion}"));
                for call in calls {
                    self.block("reads: ", &call.to_string());
                }
                self.line(format!("{BODY}if it fails, the operator reads:"));
                self.block("  ", on_fail.trim());
            }
            Detail::Decision { question, branches } => {
                if let Some(question) = question {
                    self.block("", question);
                }
                for branch in branches {
                    self.line(format!(
                        "{BODY}- {} -> {}",
                        branch.when,
                        target(&branch.goto)
                    ));
                }
            }
        }
        if matches!(
            step.kind,
            StepKind::Query | StepKind::Action | StepKind::Check
        ) {
            self.line(format!("{BODY}{}", failure(step)));
        }
        if step.kind != StepKind::Decision {
            self.line(format!("{BODY}then: {}", target(&step.next)));
        }
    }
}

fn target(goto: &str) -> String {
    if goto == END {
        "end (the run completes)".to_string()
    } else {
        goto.to_string()
    }
}

fn failure(step: &PlannedStep) -> String {
    let policy = match &step.on_failure {
        OnFailure::Stop => "the run stops".to_string(),
        OnFailure::Continue => "the run continues".to_string(),
        OnFailure::Goto(goto) => format!("go to {}", target(goto)),
    };
    match step.retries {
        0 => format!("on failure: {policy}"),
        n => format!("on failure: {policy} (a transient error is retried up to {n} times first)"),
    }
}
