//! Every field of one secret: identity, rotation, versions and stages, replication, tags.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::State;
use crate::app::columns;
use crate::domain::rotation::next_due;
use crate::domain::untrusted::neutralise;
use crate::domain::{Entry, ReplicationState, RotationStatus, environment_of};
use crate::tui::theme::Theme;

pub const HINT: &str = "↑↓ scroll  Esc back  r refresh  ? help  q quit";

pub fn heading(state: &State) -> String {
    match state.detail_entry() {
        Some(e) => format!("Secret · {}", neutralise(&e.secret.name)),
        None => "Secret".into(),
    }
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(entry) = state.detail_entry() else {
        frame.render_widget(
            Paragraph::new("This secret is no longer in the inventory. Press Esc.")
                .style(theme.dim()),
            area,
        );
        return;
    };
    let lines = lines(entry, state, theme);
    let max = (lines.len() as u16).saturating_sub(area.height);
    frame.render_widget(
        Paragraph::new(lines).scroll((state.detail_scroll.min(max), 0)),
        area,
    );
}

pub fn lines(entry: &Entry, state: &State, theme: &Theme) -> Vec<Line<'static>> {
    let s = &entry.secret;
    let now = state.now;
    let mut out = Vec::new();
    let section = |out: &mut Vec<Line<'static>>, title: &str| {
        if !out.is_empty() {
            out.push(Line::default());
        }
        out.push(Line::from(Span::styled(title.to_string(), theme.header())));
    };
    let field = |label: &str, value: String| {
        Line::from(vec![
            Span::styled(format!("  {label:<16}"), theme.dim()),
            Span::raw(neutralise(&value).into_owned()),
        ])
    };
    section(&mut out, "Secret");
    out.push(field("Name", s.name.clone()));
    out.push(field("ARN", s.arn.clone()));
    out.push(field("Account", state.account_label(&s.account)));
    out.push(field("Region", s.region.clone()));
    if let Some(p) = &s.primary_region {
        out.push(field("Primary region", p.clone()));
    }
    out.push(field(
        "Environment",
        environment_of(s).unwrap_or_else(|| "-".into()),
    ));
    out.push(field(
        "Description",
        s.description.clone().unwrap_or_else(|| "-".into()),
    ));
    out.push(field(
        "KMS key",
        s.kms_key_id
            .clone()
            .unwrap_or_else(|| "aws/secretsmanager (AWS managed)".into()),
    ));
    if let Some(o) = &s.owning_service {
        out.push(field("Owning service", o.clone()));
    }
    out.push(field("Created", when(s.created)));
    out.push(field("Last changed", when(s.last_changed)));
    out.push(field("Last accessed", columns::date(entry.last_accessed())));
    if let Some(d) = s.deleted {
        out.push(Line::from(vec![
            Span::styled(format!("  {:<16}", "Deletion"), theme.dim()),
            Span::styled(
                format!("scheduled {} (restore before then)", when(Some(d))),
                theme.bad(),
            ),
        ]));
    }

    section(&mut out, "Rotation");
    let status = RotationStatus::of(s, now);
    out.push(Line::from(vec![
        Span::styled(format!("  {:<16}", "Status"), theme.dim()),
        Span::styled(status.label(), theme.rotation(&status)),
    ]));
    out.push(field(
        "Enabled",
        if s.rotation.enabled { "yes" } else { "no" }.into(),
    ));
    if let Some(d) = s.rotation.every_days {
        out.push(field("Every", format!("{d} days")));
    }
    if let Some(e) = &s.rotation.schedule_expression {
        out.push(field("Schedule", e.clone()));
    }
    if let Some(w) = &s.rotation.window {
        out.push(field("Window", w.clone()));
    }
    if let Some(l) = &s.rotation.lambda_arn {
        out.push(field("Lambda", l.clone()));
    }
    out.push(field("Last rotated", when(s.last_rotated)));
    out.push(field(
        "Next due",
        when(
            s.last_rotated
                .and_then(|l| next_due(s, l))
                .or(s.next_rotation),
        ),
    ));

    section(&mut out, "Versions");
    if s.versions.is_empty() {
        out.push(field("-", "no versions listed".into()));
    }
    for v in &s.versions {
        let stages = if v.stages.is_empty() {
            "(no stage: deprecated)".to_string()
        } else {
            v.stages.join(", ")
        };
        let style = if v.has_stage("AWSPENDING") && !v.has_stage("AWSCURRENT") {
            theme.bad()
        } else {
            theme.good()
        };
        out.push(Line::from(vec![
            Span::raw(format!("  {:<38}", neutralise(&v.id))),
            Span::styled(neutralise(&stages).into_owned(), style),
        ]));
    }

    section(&mut out, "Replication");
    let views = entry.replica_views();
    if views.is_empty() {
        let text = if s.is_replica() {
            "this is a replica; its primary is in another region or was not loaded"
        } else if s.replication.is_none() && state.describing.contains(&s.arn) {
            "loading replication status…"
        } else {
            "not replicated"
        };
        out.push(field("-", text.into()));
    }
    for v in views {
        let style = match v.status {
            ReplicationState::InSync => theme.good(),
            ReplicationState::Failed => theme.bad(),
            _ => theme.warn(),
        };
        let accessed = v.listing.and_then(|l| l.last_accessed);
        out.push(Line::from(vec![
            Span::raw(format!("  {:<16}", neutralise(v.region))),
            Span::styled(format!("{:<11}", v.status.label()), style),
            Span::raw(format!("accessed {:<11}", columns::date(accessed))),
            Span::styled(
                neutralise(v.message.unwrap_or("")).into_owned(),
                theme.dim(),
            ),
        ]));
    }

    section(&mut out, "Findings");
    let findings = state.ctx().findings_of(entry);
    if findings.is_empty() {
        out.push(field("-", "none: meets the audit policy".into()));
    }
    for f in findings {
        out.push(Line::from(vec![
            Span::styled(
                format!("  {:<9}", f.severity.label()),
                super::audit::style(theme, f.severity),
            ),
            Span::styled(format!("{:<21}", f.rule.name()), theme.title()),
            Span::raw(neutralise(&f.message).into_owned()),
        ]));
        let evidence: Vec<String> = f
            .evidence
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", neutralise(v)))
            .collect();
        out.push(Line::from(Span::styled(
            format!("  {:<30}{}", "", evidence.join("  ")),
            theme.dim(),
        )));
        out.push(Line::from(Span::styled(
            format!("  {:<30}{}", "", f.controls.join(" · ")),
            theme.dim(),
        )));
    }

    section(&mut out, "Tags");
    if s.tags.is_empty() {
        out.push(field("-", "no tags".into()));
    }
    for t in &s.tags {
        out.push(field(&neutralise(&t.key), t.value.clone()));
    }
    out
}

fn when(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(
        || "-".into(),
        |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
    )
}
