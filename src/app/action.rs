//! What a key asks for, named in the operator's words. The keymap maps keys to these.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    Back,
    Filter,
    ClearFilter,
    Command,
    Help,
    Refresh,
    SortNext,
    SortPrevious,
    SortReverse,
    GroupNext,
    WhoRead,
    Pivot,
    WindowNext,
    ErrorsOnly,
    WritesOnly,
    /// Runbooks and incidents, for the selected secret.
    Runbooks,
    /// Tick or untick the checklist item under the cursor.
    Toggle,
    /// A number key: tick checklist item N, select decision option N, or choose the events
    /// views' time window N (1-based; the keymap fills N from the key pressed).
    Pick(u8),
    /// Write the note of a manual step.
    Note,
    /// The next pane of the view.
    NextPane,
    /// The replication matrix (from the inventory or a secret's detail).
    Replicas,
    /// The cell to the left / right (the replication matrix's regions).
    Left,
    Right,
    /// Check the next region as the DR region.
    DrRegionNext,
    /// Run the DR drill's checks again on freshly listed cells, with a stopwatch.
    Drill,
    /// The access review (from the inventory or a secret's detail).
    Review,
    /// Review decisions on the selected secret, each asking for a note.
    Keep,
    /// Revoke the principal under the cursor.
    Revoke,
    ChangeOwner,
    FollowUp,
    /// Leak triage on the selected secret (or the listed ones): a masked prompt for the value.
    LeakCheck,
}

impl Action {
    pub const ALL: &'static [Action] = &[
        Action::Quit,
        Action::Up,
        Action::Down,
        Action::PageUp,
        Action::PageDown,
        Action::Top,
        Action::Bottom,
        Action::Open,
        Action::Back,
        Action::Filter,
        Action::ClearFilter,
        Action::Command,
        Action::Help,
        Action::Refresh,
        Action::SortNext,
        Action::SortPrevious,
        Action::SortReverse,
        Action::GroupNext,
        Action::WhoRead,
        Action::Pivot,
        Action::WindowNext,
        Action::ErrorsOnly,
        Action::WritesOnly,
        Action::Runbooks,
        Action::Toggle,
        Action::Pick(0),
        Action::Note,
        Action::NextPane,
        Action::Replicas,
        Action::Left,
        Action::Right,
        Action::DrRegionNext,
        Action::Drill,
        Action::Review,
        Action::Keep,
        Action::Revoke,
        Action::ChangeOwner,
        Action::FollowUp,
        Action::LeakCheck,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Up => "up",
            Action::Down => "down",
            Action::PageUp => "page_up",
            Action::PageDown => "page_down",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::Open => "open",
            Action::Back => "back",
            Action::Filter => "filter",
            Action::ClearFilter => "clear_filter",
            Action::Command => "command",
            Action::Help => "help",
            Action::Refresh => "refresh",
            Action::SortNext => "sort_next",
            Action::SortPrevious => "sort_previous",
            Action::SortReverse => "sort_reverse",
            Action::GroupNext => "group_next",
            Action::WhoRead => "who_read",
            Action::Pivot => "pivot",
            Action::WindowNext => "window_next",
            Action::ErrorsOnly => "errors_only",
            Action::WritesOnly => "writes_only",
            Action::Runbooks => "runbooks",
            Action::Toggle => "toggle",
            Action::Pick(_) => "pick",
            Action::Note => "note",
            Action::NextPane => "next_pane",
            Action::Replicas => "replicas",
            Action::Left => "left",
            Action::Right => "right",
            Action::DrRegionNext => "dr_region_next",
            Action::Drill => "drill",
            Action::Review => "review",
            Action::Keep => "keep",
            Action::Revoke => "revoke",
            Action::ChangeOwner => "change_owner",
            Action::FollowUp => "follow_up",
            Action::LeakCheck => "leak_check",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|a| a.name() == name)
    }

    /// `pick` takes its number from the key that triggered it (`3` picks 3); others are as is.
    pub fn for_key(self, key: char) -> Self {
        match (self, key.to_digit(10)) {
            (Action::Pick(_), Some(n)) => u8::try_from(n).map_or(self, Action::Pick),
            (action, _) => action,
        }
    }
}
