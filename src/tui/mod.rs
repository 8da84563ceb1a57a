//! The terminal adapter: guard, runtime loop, keymap, theme, and one file per view.

pub mod keymap;
pub mod runtime;
pub mod terminal;
pub mod theme;
pub mod views;
pub mod widgets;
