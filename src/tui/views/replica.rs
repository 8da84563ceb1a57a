//! One replica of the matrix: its status and message, KMS key, LastAccessedDate, its
//! AWSCURRENT against the primary's, what a failover would serve, and the row's verdict.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::replicas::outcome_style;
use crate::app::State;
use crate::domain::ReplicationState;
use crate::domain::untrusted::neutralise;
use crate::drill::{Parity, Presence, Primary, Replica, Row};
use crate::tui::theme::Theme;

pub const HINT: &str = "↑↓ scroll  ←→ other region  D drill  b dr-drill runbook  Esc back  ? help";

const LABEL: usize = 14;

pub fn heading(state: &State) -> String {
    match state.replicas.open_row() {
        Some((row, region)) => format!("Replica · {} · {region}", neutralise(&row.key.name)),
        None => "Replica".to_string(),
    }
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some((row, region)) = state.replicas.open_row() else {
        frame.render_widget(
            Paragraph::new("That secret is no longer in the matrix (data changed). Esc goes back.")
                .style(theme.dim()),
            area,
        );
        return;
    };
    let dr = state.replicas.dr_region().unwrap_or_default();
    let mut out = Out {
        lines: Vec::new(),
        width: usize::from(area.width),
        theme,
    };
    out.detail(row, region, dr);
    let max = u16::try_from(out.lines.len())
        .unwrap_or(u16::MAX)
        .saturating_sub(area.height);
    frame.render_widget(
        Paragraph::new(out.lines).scroll((state.replicas.detail_scroll.min(max), 0)),
        area,
    );
}

/// Lines being built, wrapped to the width with values aligned after their label.
struct Out<'t> {
    lines: Vec<Line<'static>>,
    width: usize,
    theme: &'t Theme,
}

impl Out<'_> {
    fn field(&mut self, label: &str, value: &str, style: Style) {
        let value = neutralise(value);
        for (i, chunk) in wrap(&value, self.width.saturating_sub(LABEL).max(10))
            .into_iter()
            .enumerate()
        {
            let label = if i == 0 { label } else { "" };
            self.lines.push(Line::from(vec![
                Span::styled(format!("{label:<LABEL$}"), self.theme.title()),
                Span::styled(chunk, style),
            ]));
        }
    }

    fn blank(&mut self) {
        self.lines.push(Line::default());
    }

    fn detail(&mut self, row: &Row, region: &str, dr: &str) {
        let theme = self.theme;
        let plain = Style::new();
        self.field("Secret", &row.key.name, plain);
        self.field(
            "Account",
            &format!(
                "{} · primary in {}",
                row.key.account, row.key.primary_region
            ),
            plain,
        );
        let in_dr = if region == dr { " (the DR region)" } else { "" };
        self.field("Region", &format!("{region}{in_dr}"), plain);
        let required = match &row.required_because {
            Some(w) => format!("a replica in {dr}: {w}"),
            None => format!("no replica in {dr} (not required by the policy)"),
        };
        self.field("Required", &required, plain);
        let codes: Vec<&str> = row.reasons.iter().map(|r| r.code).collect();
        let verdict = if codes.is_empty() {
            row.verdict.label().to_string()
        } else {
            format!("{} ({})", row.verdict.label(), codes.join(", "))
        };
        self.field("Verdict", &verdict, outcome_style(theme, row.verdict));
        self.blank();
        match row.cell(region).map(|c| &c.presence) {
            Some(Presence::Replica(r)) => self.replica(row, r, region),
            Some(Presence::Primary) => self.primary(row),
            Some(Presence::Absent { required: true }) => self.field(
                "Status",
                &format!("MISSING: no replica in {region}, and the policy requires one"),
                theme.bad(),
            ),
            Some(Presence::Absent { required: false }) => self.field(
                "Status",
                &format!("no replica in {region} (not required here)"),
                theme.dim(),
            ),
            Some(Presence::Unknown { why }) => {
                self.field("Status", &format!("unknown: {why}"), theme.warn());
            }
            None => self.field("Status", "not a column of the matrix", theme.dim()),
        }
        self.blank();
        self.failover(row, dr);
        self.blank();
        if !row.reasons.is_empty() {
            self.field("Reasons", "", Style::new());
        }
        for r in &row.reasons {
            let label = format!("  {}", r.level.label());
            self.field(&label, &r.text, outcome_style(theme, r.level));
        }
        self.blank();
        self.field(
            "",
            "Values and promotion: strongroom drill --dr-region R --verify-values / --rehearse-promotion",
            theme.dim(),
        );
    }

    /// What the DR region would serve after a failover, in full.
    fn failover(&mut self, row: &Row, dr: &str) {
        let theme = self.theme;
        let Some(f) = &row.failover else {
            self.field(
                "Failover",
                &format!("nothing to serve: {dr} does not list this secret"),
                theme.bad(),
            );
            return;
        };
        let style = if f.parity_verified {
            theme.good()
        } else {
            theme.warn()
        };
        let version = f.version_id.as_deref().unwrap_or("(no AWSCURRENT)");
        self.field("Failover", &format!("{dr} would serve {version}"), style);
        let when = format!(
            "created {} · changed {} · last read {}",
            date(f.version_created),
            date(f.last_changed),
            date(f.last_accessed)
        );
        self.field("", &when, Style::new());
        match &f.caveat {
            Some(caveat) => self.field("", caveat, theme.warn()),
            None if f.parity_verified => self.field("", "the primary's AWSCURRENT", theme.good()),
            None => {}
        }
    }

    fn replica(&mut self, row: &Row, r: &Replica, region: &str) {
        let theme = self.theme;
        let style = match r.status {
            ReplicationState::InSync => theme.good(),
            ReplicationState::Failed => theme.bad(),
            _ => theme.warn(),
        };
        let status = match r.status {
            ReplicationState::Unknown => {
                "unknown: only the replica's own listing was seen (the primary was not described)"
            }
            s => s.label(),
        };
        self.field("Status", status, style);
        if let Some(m) = &r.message {
            self.field("Message", m, style);
        }
        let key = r.kms_key_id.as_deref().unwrap_or("aws/secretsmanager");
        self.field("KMS key", key, Style::new());
        let (text, style) = match (r.key.aws_managed, r.key.customer_key_required) {
            (true, true) => (
                "AWS managed key; the policy requires a customer managed key",
                theme.bad(),
            ),
            (true, false) => (
                "AWS managed key (the policy does not require a customer key)",
                theme.dim(),
            ),
            (false, _) => ("customer managed key", theme.good()),
        };
        self.field("", text, style);
        if let Some(kr) = &r.key.key_region {
            self.field(
                "",
                &format!("the key's ARN names {kr}, not {region}: check the key is usable there"),
                theme.warn(),
            );
        }
        self.field("Last accessed", &date(r.last_accessed), Style::new());
        match &r.listing {
            Some(l) => {
                self.field("Listed as", &l.arn, Style::new());
                self.field("Last changed", &date(l.last_changed), Style::new());
            }
            None => self.field(
                "Listed as",
                &format!("not listed by {region}"),
                theme.warn(),
            ),
        }
        let replica_v = r
            .listing
            .as_ref()
            .and_then(|l| l.current_version.as_deref())
            .unwrap_or("(unknown)");
        let primary_v = row.primary_version().unwrap_or("(unknown)");
        self.field("AWSCURRENT", &format!("replica {replica_v}"), Style::new());
        self.field("", &format!("primary {primary_v}"), Style::new());
        let (parity, style) = match &r.parity {
            Parity::Same { .. } => ("same version: in parity".to_string(), theme.good()),
            Parity::Behind { .. } if r.status == ReplicationState::InSync => (
                "DRIFT: InSync, but the replica serves another AWSCURRENT".to_string(),
                theme.bad(),
            ),
            Parity::Behind { .. } => ("behind the primary's AWSCURRENT".to_string(), theme.bad()),
            Parity::NotListed => (
                format!("{region} was read and does not list the replica"),
                theme.bad(),
            ),
            Parity::Unverified { why } => (format!("not verified: {why}"), theme.warn()),
        };
        self.field("", &parity, style);
    }

    fn primary(&mut self, row: &Row) {
        let theme = self.theme;
        match &row.primary {
            Primary::Listed {
                current_version,
                last_changed,
                last_accessed,
                kms_key_id,
                scheduled_for_deletion,
            } => {
                self.field("Status", "the primary", theme.good());
                let version = current_version.as_deref().unwrap_or("(none)");
                self.field("AWSCURRENT", version, Style::new());
                let key = kms_key_id.as_deref().unwrap_or("aws/secretsmanager");
                self.field("KMS key", key, Style::new());
                self.field("Last changed", &date(*last_changed), Style::new());
                self.field("Last accessed", &date(*last_accessed), Style::new());
                if *scheduled_for_deletion {
                    self.field("", "scheduled for deletion", theme.warn());
                }
                self.field("ARN", &row.arn, Style::new());
            }
            Primary::Unreachable { health } => self.field(
                "Status",
                &format!(
                    "the primary's region is {}: {}",
                    health.label(),
                    health.detail().unwrap_or("")
                ),
                theme.bad(),
            ),
            Primary::NotLoaded => self.field(
                "Status",
                &format!("{} was not read", row.key.primary_region),
                theme.warn(),
            ),
            Primary::NotListed => self.field(
                "Status",
                &format!(
                    "{} does not list the primary; only replicas remain",
                    row.key.primary_region
                ),
                theme.bad(),
            ),
        }
    }
}

fn date(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map_or_else(
        || "not reported".into(),
        |t| t.format("%Y-%m-%d").to_string(),
    )
}

/// Words into lines of at most `width` characters; a longer word (an ARN) is cut.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        let used = line.chars().count();
        if used > 0 && used + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        while word.len() > width {
            let rest = word.split_off(width);
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            lines.push(word.into_iter().collect());
            word = rest;
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.extend(word);
    }
    lines.push(line);
    lines
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wrap_keeps_words_and_cuts_only_what_cannot_fit() {
        assert_eq!(wrap("a bb ccc", 4), vec!["a bb", "ccc"]);
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("x abcdefgh", 4), vec!["x", "abcd", "efgh"]);
        assert_eq!(wrap("", 4), vec![""]);
    }
}
