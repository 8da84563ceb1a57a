//! Help, generated from the keymap: every binding, by section, with its description.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::State;
use crate::tui::keymap::{Keymap, Section};
use crate::tui::theme::Theme;

pub const HINT: &str = "↑↓ scroll  Esc or ? close  q quit";

pub fn lines(keymap: &Keymap, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for section in [
        Section::Global,
        Section::Inventory,
        Section::Detail,
        Section::Audit,
        Section::Events,
        Section::Runbooks,
        Section::Run,
        Section::Replicas,
        Section::Review,
        Section::Registry,
        Section::Help,
    ] {
        let bindings: Vec<_> = keymap.section(section).collect();
        if bindings.is_empty() {
            continue;
        }
        out.push(Line::from(Span::styled(section.title(), theme.header())));
        for b in bindings {
            let keys = b
                .keys
                .iter()
                .map(|(_, name)| name.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            out.push(Line::from(vec![
                Span::styled(format!("  {keys:<24} "), theme.title()),
                Span::raw(b.desc.clone()),
            ]));
        }
        out.push(Line::default());
    }
    out.push(Line::from(Span::styled(
        "Keys come from assets/keymap.toml; put your own in the config directory's strongroom/keymap.toml.",
        theme.dim(),
    )));
    out
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, keymap: &Keymap, theme: &Theme) {
    let lines = lines(keymap, theme);
    let max = (lines.len() as u16).saturating_sub(area.height);
    frame.render_widget(
        Paragraph::new(lines).scroll((state.help_scroll.min(max), 0)),
        area,
    );
}
