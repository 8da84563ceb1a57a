//! The event list: newest first, filtered; only the visible rows are built.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table};

use crate::app::State;
use crate::domain::fit::{cut_end, cut_start};
use crate::domain::untrusted::neutralise;
use crate::trail::AccessEvent;
use crate::trail::analysis::Mention;
use crate::tui::theme::Theme;

pub const HINT: &str =
    "↑↓ move  Enter record  / filter  w window  e errors  W writes  p principal  x clear  Esc back";

pub fn heading(state: &State) -> String {
    let f = &state.ev.filter;
    let mut h = format!(
        "Events · {} of {}",
        state.ev.rows.len(),
        state.events.events.len()
    );
    h.push_str(&format!(
        " · window {}",
        state.ev.preset.map_or("all", |p| p.label())
    ));
    if !f.text.is_empty() {
        h.push_str(&format!(" · filter \"{}\"", neutralise(&f.text)));
    }
    if f.errors_only {
        h.push_str(" · errors only");
    }
    if f.writes_only {
        h.push_str(" · writes only");
    }
    // Rows near the cursor are the ones on screen; the legend appears when one needs it.
    let start = state.ev.cursor.offset.min(state.ev.rows.len());
    let on_screen = &state.ev.rows[start..(start + 60).min(state.ev.rows.len())];
    if on_screen
        .iter()
        .any(|&i| state.events.mentions(i).iter().any(Mention::missing))
    {
        h.push_str(" · ?=not in inventory");
    }
    h
}

/// One line of fetch progress, when a live fetch runs.
pub fn progress_line(state: &State) -> Option<String> {
    let f = state.ev.fetch.as_ref()?;
    let span = match (f.oldest, f.newest) {
        (Some(o), Some(n)) => format!("{} → {}", o.format("%m-%d %H:%M"), n.format("%m-%d %H:%M")),
        _ => "…".into(),
    };
    // The rate means something only once a few calls have gone out.
    let rate = if f.pages >= 3 {
        format!("{:.1} calls/s", f.calls_per_sec)
    } else {
        "starting".into()
    };
    let trail = match &f.trail {
        Some(part) => format!(
            "{} from {} up to {} UTC, then LookupEvents: ",
            f.trail_events,
            part.source,
            part.until.format("%m-%d %H:%M")
        ),
        None => String::new(),
    };
    Some(format!(
        "Fetching CloudTrail: {trail}{} events, {} pages, {rate}, covering {span} UTC · Esc cancels",
        f.events - f.trail_events,
        f.pages
    ))
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let line = progress_line(state).or_else(|| {
        state
            .ev
            .registry_line
            .as_deref()
            .map(|l| crate::domain::untrusted::neutralise(l).into_owned())
    });
    let area = match line {
        Some(line) => {
            let [top, rest] =
                Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
            frame.render_widget(Paragraph::new(line).style(theme.warn()), top);
            rest
        }
        None => area,
    };
    if state.ev.rows.is_empty() {
        let text = if state.events.events.is_empty() {
            if state.live_events {
                "No events loaded yet."
            } else {
                "No events: this source carries none. Open a snapshot with events, pass --cloudtrail PATH, or connect to AWS."
            }
        } else {
            "No event matches. Press x to clear the filters and the window."
        };
        frame.render_widget(Paragraph::new(text).style(theme.dim()), area);
        return;
    }
    let wide = area.width >= 120;
    let (time_fmt, time_w) = if wide {
        ("%Y-%m-%d %H:%M:%S", 19)
    } else {
        ("%m-%d %H:%M:%S", 14)
    };
    let mut fixed: Vec<u16> = vec![time_w, 14, if wide { 22 } else { 16 }];
    fixed.push(if wide { 28 } else { 16 });
    let mut titles = vec!["TIME (UTC)", "REGION", "EVENT", "PRINCIPAL"];
    if wide {
        fixed.push(16);
        titles.push("SOURCE IP");
    }
    titles.push("SECRET / ERROR");
    // What the last column gets: the rest of the line after the fixed ones and their gaps.
    let used: u16 = fixed.iter().map(|w| w + 1).sum();
    let last_w = usize::from(area.width.saturating_sub(used));
    let mut widths: Vec<Constraint> = fixed.iter().map(|&w| Constraint::Length(w)).collect();
    widths.push(Constraint::Fill(1));
    let height = usize::from(area.height.saturating_sub(1));
    let start = state.ev.cursor.offset.min(state.ev.rows.len());
    let end = (start + height).min(state.ev.rows.len());
    let rows = state.ev.rows[start..end]
        .iter()
        .enumerate()
        .map(|(i, &idx)| {
            let e = &state.events.events[idx];
            let cut = |text: &str, col: usize| cut_end(&neutralise(text), usize::from(fixed[col]));
            let mut cells = vec![
                Line::from(e.time.format(time_fmt).to_string()),
                Line::from(cut(&e.region, 1)),
                Line::from(Span::styled(
                    cut(&e.name, 2),
                    if e.failed() {
                        theme.bad()
                    } else if e.is_write() {
                        theme.warn()
                    } else {
                        ratatui::style::Style::new()
                    },
                )),
                Line::from(cut(state.events.principal_label(idx), 3)),
            ];
            if wide {
                cells.push(Line::from(cut(e.source_ip.as_deref().unwrap_or("-"), 4)));
            }
            cells.push(Line::from(last_column(
                e,
                &state.events.mentions(idx),
                last_w,
            )));
            let row = Row::new(cells);
            if start + i == state.ev.cursor.selected {
                row.style(theme.selected())
            } else {
                row
            }
        });
    frame.render_widget(
        Table::new(rows, widths)
            .header(Row::new(titles).style(theme.header()))
            .column_spacing(1),
        area,
    );
}

/// The error if the event failed, then the secret(s) it named: inventory secrets by name,
/// the ones it lacks as written with a `?`. Each name keeps its tail when the column is narrow.
fn last_column(e: &AccessEvent, mentions: &[Mention], width: usize) -> String {
    let mut text = String::new();
    if let Some(code) = &e.error_code {
        text = format!("{} ", cut_end(&neutralise(code), (width / 2).max(8)));
    }
    let room = width.saturating_sub(text.chars().count());
    match mentions {
        [] => {}
        // One name keeps its tail (where names differ) and its `?` mark.
        [one] => {
            let name = neutralise(&one.text);
            if one.missing() {
                text.push('?');
                text.push_str(&cut_start(&name, room.saturating_sub(1)));
            } else if one.filter {
                text.push_str(&cut_end(&name, room));
            } else {
                text.push_str(&cut_start(&name, room));
            }
        }
        many => {
            let names: Vec<String> = many
                .iter()
                .map(|m| {
                    let mark = if m.missing() { "?" } else { "" };
                    format!("{mark}{}", neutralise(&m.text))
                })
                .collect();
            text.push_str(&cut_end(&names.join(", "), room));
        }
    }
    text
}

pub use crate::trail::secret_ref::short_name;

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::progress_line;
    use crate::app::state::Fetching;
    use crate::source::TrailPart;

    #[test]
    fn the_progress_line_says_what_the_trail_answered_and_what_lookup_events_does() {
        let now = Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap();
        let mut state = crate::testing::fixtures::empty_state(now);
        state.ev.fetch = Some(Fetching {
            requests: vec![1],
            events: 1_250,
            trail_events: 1_200,
            pages: 1,
            trail: Some(TrailPart {
                source: "trails.org".into(),
                until: now - chrono::Duration::minutes(20),
            }),
            ..Default::default()
        });
        assert_eq!(
            progress_line(&state).unwrap(),
            "Fetching CloudTrail: 1200 from trails.org up to 11-20 11:40 UTC, then \
             LookupEvents: 50 events, 1 pages, starting, covering … UTC · Esc cancels"
        );
    }
}
