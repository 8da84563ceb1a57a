//! Keys are data: the default keymap in `assets/keymap.toml` (embedded), with a user file merged
//! over it. Each entry names its keys (`on`), the `action`, and a `desc` that help shows.

use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;
use toml::Spanned;

use crate::app::{Action, View};

const DEFAULT: &str = include_str!("../../assets/keymap.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Global,
    Inventory,
    Detail,
    Audit,
    Events,
    Runbooks,
    Run,
    Replicas,
    Review,
    Registry,
    Help,
}

impl Section {
    pub fn of(view: View) -> Self {
        match view {
            View::Inventory => Self::Inventory,
            View::Detail => Self::Detail,
            View::Audit => Self::Audit,
            View::Events | View::WhoRead | View::Principal | View::Record => Self::Events,
            View::Help => Self::Help,
            View::Runbooks => Self::Runbooks,
            View::Run => Self::Run,
            View::Replicas | View::Replica => Self::Replicas,
            View::Registry => Self::Registry,
            View::Review => Self::Review,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Self::Global => "Everywhere",
            Self::Inventory => "Inventory",
            Self::Detail => "Secret detail",
            Self::Audit => "Audit findings",
            Self::Events => "Events, who read, principal, record",
            Self::Runbooks => "Runbooks and incidents",
            Self::Run => "Incident run",
            Self::Replicas => "Replicas (replication matrix, DR drill) and a replica's detail",
            Self::Review => "Access review (who may read against who did, decisions)",
            Self::Registry => "Registry (each key in each environment)",
            Self::Help => "Help",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    pub section: Section,
    pub keys: Vec<(Key, String)>,
    pub action: Action,
    pub desc: String,
}

#[derive(Debug, Clone, Default)]
pub struct Keymap {
    /// User bindings first: the first match wins.
    pub bindings: Vec<Binding>,
}

#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct KeymapError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    global: Vec<Entry>,
    #[serde(default)]
    inventory: Vec<Entry>,
    #[serde(default)]
    detail: Vec<Entry>,
    #[serde(default)]
    audit: Vec<Entry>,
    #[serde(default)]
    events: Vec<Entry>,
    #[serde(default)]
    runbooks: Vec<Entry>,
    #[serde(default)]
    run: Vec<Entry>,
    #[serde(default)]
    replicas: Vec<Entry>,
    #[serde(default)]
    review: Vec<Entry>,
    #[serde(default)]
    registry: Vec<Entry>,
    #[serde(default)]
    help: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    on: Vec<Spanned<String>>,
    action: Spanned<String>,
    #[serde(default)]
    desc: Option<String>,
}

impl Keymap {
    pub fn defaults() -> Self {
        // The embedded file is checked by a unit test; an error here is a build defect.
        parse(DEFAULT, "assets/keymap.toml").unwrap_or_default()
    }

    /// Defaults with the user's file (if it exists) merged over them.
    pub fn load(user_file: Option<&Path>) -> Result<Self, KeymapError> {
        let mut map = Self::defaults();
        if let Some(path) = user_file.filter(|p| p.exists()) {
            let text = std::fs::read_to_string(path).map_err(|e| KeymapError {
                file: path.display().to_string(),
                line: 0,
                message: e.to_string(),
            })?;
            let user = parse(&text, &path.display().to_string())?;
            map.merge(user);
        }
        Ok(map)
    }

    /// A user binding of a key replaces the default binding of that key in the same section.
    pub fn merge(&mut self, user: Keymap) {
        for b in &mut self.bindings {
            b.keys.retain(|(k, _)| {
                !user
                    .bindings
                    .iter()
                    .any(|u| u.section == b.section && u.keys.iter().any(|(uk, _)| uk == k))
            });
        }
        self.bindings.retain(|b| !b.keys.is_empty());
        let mut merged = user.bindings;
        merged.append(&mut self.bindings);
        self.bindings = merged;
    }

    /// The action a key triggers in a view: that view's bindings first, then global ones.
    /// A `pick` binding takes its number from the key (`3` picks 3).
    pub fn action(&self, view: View, key: KeyEvent) -> Option<Action> {
        let key = normalise(key);
        let pressed = match key.code {
            KeyCode::Char(c) => c,
            _ => ' ',
        };
        let section = Section::of(view);
        let find = |s: Section| {
            self.bindings
                .iter()
                .filter(|b| b.section == s)
                .find(|b| b.keys.iter().any(|(k, _)| *k == key))
                .map(|b| b.action.for_key(pressed))
        };
        find(section).or_else(|| find(Section::Global))
    }

    /// Bindings of one section, in file order, for help.
    pub fn section(&self, section: Section) -> impl Iterator<Item = &Binding> {
        self.bindings.iter().filter(move |b| b.section == section)
    }
}

fn parse(text: &str, file: &str) -> Result<Keymap, KeymapError> {
    let parsed: File = toml::from_str(text).map_err(|e| KeymapError {
        file: file.to_string(),
        line: e.span().map_or(0, |s| line_of(text, s.start)),
        message: e.message().to_string(),
    })?;
    let mut bindings = Vec::new();
    for (section, entries) in [
        (Section::Global, parsed.global),
        (Section::Inventory, parsed.inventory),
        (Section::Detail, parsed.detail),
        (Section::Audit, parsed.audit),
        (Section::Events, parsed.events),
        (Section::Runbooks, parsed.runbooks),
        (Section::Run, parsed.run),
        (Section::Replicas, parsed.replicas),
        (Section::Review, parsed.review),
        (Section::Registry, parsed.registry),
        (Section::Help, parsed.help),
    ] {
        for entry in entries {
            let err = |span: std::ops::Range<usize>, message: String| KeymapError {
                file: file.to_string(),
                line: line_of(text, span.start),
                message,
            };
            let action = Action::from_name(entry.action.get_ref()).ok_or_else(|| {
                err(
                    entry.action.span(),
                    format!(
                        "unknown action \"{}\" (known: {})",
                        entry.action.get_ref(),
                        Action::ALL
                            .iter()
                            .map(|a| a.name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?;
            let mut keys = Vec::new();
            for on in &entry.on {
                let key = parse_key(on.get_ref()).ok_or_else(|| {
                    err(on.span(), format!("cannot read key \"{}\"", on.get_ref()))
                })?;
                keys.push((key, on.get_ref().clone()));
            }
            bindings.push(Binding {
                section,
                keys,
                action,
                desc: entry
                    .desc
                    .unwrap_or_else(|| action.name().replace('_', " ")),
            });
        }
    }
    Ok(Keymap { bindings })
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// `j`, `G`, `?`, `<Down>`, `<C-c>`, `<A-x>`, `<F1>`.
pub fn parse_key(s: &str) -> Option<Key> {
    let mut modifiers = KeyModifiers::NONE;
    let code = if let Some(inner) = s.strip_prefix('<').and_then(|r| r.strip_suffix('>')) {
        let mut name = inner;
        loop {
            if let Some(rest) = name.strip_prefix("C-") {
                modifiers |= KeyModifiers::CONTROL;
                name = rest;
            } else if let Some(rest) = name.strip_prefix("A-") {
                modifiers |= KeyModifiers::ALT;
                name = rest;
            } else {
                break;
            }
        }
        match name {
            "Up" => KeyCode::Up,
            "Down" => KeyCode::Down,
            "Left" => KeyCode::Left,
            "Right" => KeyCode::Right,
            "PageUp" => KeyCode::PageUp,
            "PageDown" => KeyCode::PageDown,
            "Home" => KeyCode::Home,
            "End" => KeyCode::End,
            "Enter" => KeyCode::Enter,
            "Esc" => KeyCode::Esc,
            "Tab" => KeyCode::Tab,
            "BackTab" => KeyCode::BackTab,
            "Backspace" => KeyCode::Backspace,
            "Space" => KeyCode::Char(' '),
            f if f.starts_with('F') => KeyCode::F(f[1..].parse().ok()?),
            c if c.chars().count() == 1 => KeyCode::Char(c.chars().next()?),
            _ => return None,
        }
    } else {
        let mut chars = s.chars();
        let c = chars.next()?;
        if chars.next().is_some() {
            return None;
        }
        KeyCode::Char(c)
    };
    Some(normalise(KeyEvent::new(code, modifiers)))
}

/// Shift is part of the character ("G"), so it is dropped from character keys.
fn normalise(key: KeyEvent) -> Key {
    let mut modifiers = key.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
    let code = match key.code {
        KeyCode::Char(c) if modifiers.contains(KeyModifiers::CONTROL) => {
            KeyCode::Char(c.to_ascii_lowercase())
        }
        KeyCode::BackTab => {
            modifiers = KeyModifiers::NONE;
            KeyCode::BackTab
        }
        other => other,
    };
    Key { code, modifiers }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    #[test]
    fn embedded_defaults_parse() {
        let map = parse(DEFAULT, "assets/keymap.toml").unwrap();
        assert!(map.bindings.len() > 10);
        assert_eq!(
            map.action(
                View::Inventory,
                KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)
            ),
            Some(Action::Quit)
        );
        assert_eq!(map.action(View::Inventory, key('/')), Some(Action::Filter));
        assert_eq!(map.action(View::Detail, key('/')), None);
        assert_eq!(
            map.action(
                View::Inventory,
                KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT)
            ),
            Some(Action::Bottom)
        );
    }

    #[test]
    fn a_user_binding_replaces_the_default_for_that_key() {
        let mut map = Keymap::defaults();
        let user = parse(
            "[[inventory]]\non = [\"j\"]\naction = \"sort_next\"\n",
            "user.toml",
        )
        .unwrap();
        map.merge(user);
        assert_eq!(
            map.action(View::Inventory, key('j')),
            Some(Action::SortNext)
        );
        // Other keys of the default binding still work.
        assert_eq!(
            map.action(
                View::Inventory,
                KeyEvent::new(KeyCode::Down, KeyModifiers::NONE)
            ),
            Some(Action::Down)
        );
    }

    #[test]
    fn a_bad_binding_names_file_and_line() {
        let err = parse(
            "[[global]]\non = [\"q\"]\naction = \"quit\"\n\n[[global]]\non = [\"x\"]\naction = \"explode\"\n",
            "keys.toml",
        )
        .unwrap_err();
        assert_eq!(err.line, 7);
        assert!(
            err.to_string()
                .starts_with("keys.toml:7: unknown action \"explode\"")
        );
        let err = parse(
            "[[global]]\non = [\"<Nope>\"]\naction = \"quit\"\n",
            "k.toml",
        )
        .unwrap_err();
        assert_eq!(err.line, 2);
        let err = parse("[[global]]\nkeys = [\"q\"]\n", "k.toml").unwrap_err();
        assert_eq!(err.line, 2, "{err}");
    }
}
