//! Colours and emphasis. With NO_COLOR set, meaning is carried by text and bold/reverse alone.

use ratatui::style::{Color, Modifier, Style};

use crate::domain::{CellHealth, RotationStatus};

#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    pub fn new(color: bool) -> Self {
        Self { color }
    }

    /// Colour unless NO_COLOR is set (to anything non-empty), per no-color.org.
    pub fn from_env() -> Self {
        Self::new(std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()))
    }

    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    pub fn title(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    pub fn header(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }
    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }
    pub fn dim(&self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new()
        }
    }
    pub fn good(&self) -> Style {
        self.fg(Color::Green)
    }
    pub fn warn(&self) -> Style {
        self.fg(Color::Yellow)
    }
    pub fn bad(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }
    pub fn badge(&self) -> Style {
        if self.color {
            Style::new()
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        }
    }

    pub fn rotation(&self, status: &RotationStatus) -> Style {
        match status {
            RotationStatus::Ok { .. } => self.good(),
            RotationStatus::DueSoon { .. }
            | RotationStatus::Disabled
            | RotationStatus::Unscheduled => self.warn(),
            RotationStatus::PendingDeletion => self.dim(),
            RotationStatus::Stuck
            | RotationStatus::Overdue { .. }
            | RotationStatus::NeverRotated => self.bad(),
        }
    }

    pub fn health(&self, health: &CellHealth) -> Style {
        match health {
            CellHealth::Ok => self.good(),
            CellHealth::Loading => self.dim(),
            CellHealth::Throttled(_) => self.warn(),
            _ => self.bad(),
        }
    }
}
