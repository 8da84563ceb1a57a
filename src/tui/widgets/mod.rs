//! Pieces shared by views: the title line, the status bar, the prompt line.

pub mod bottom_line;
pub mod status_bar;
pub mod title;
