//! How the replication views write a failover, a version id and a drill outcome, shared by
//! the matrix and the lines under it.

use ratatui::style::Style;

use crate::domain::untrusted::neutralise;
use crate::drill::{Outcome, Row};
use crate::tui::theme::Theme;

/// The colour of a drill outcome.
pub fn outcome_style(theme: &Theme, outcome: Outcome) -> Style {
    match outcome {
        Outcome::Pass => theme.good(),
        Outcome::Warn => theme.warn(),
        Outcome::Fail => theme.bad(),
    }
}

/// The failover in a column: the version first, then whether it is the primary's.
pub fn failover_brief(row: &Row, dr: &str) -> String {
    let Some(f) = &row.failover else {
        return format!("failover: nothing to serve in {dr}");
    };
    let mut s = format!(
        "serves {}",
        short(f.version_id.as_deref().unwrap_or("(no AWSCURRENT)"))
    );
    if let Some(t) = f.last_changed {
        s.push_str(&format!(", changed {}", t.format("%Y-%m-%d")));
    }
    s.push_str(if f.parity_verified {
        ", the primary's"
    } else {
        ", parity unverified"
    });
    if let Some(t) = f.last_accessed {
        s.push_str(&format!(", read {}", t.format("%Y-%m-%d")));
    }
    neutralise(&s).into_owned()
}

/// What a failover to the DR region would serve for this row.
pub fn failover_text(row: &Row, dr: &str) -> String {
    let Some(f) = &row.failover else {
        return format!("nothing to serve in {dr}");
    };
    let mut s = format!(
        "{dr} serves {}",
        short(f.version_id.as_deref().unwrap_or("(no AWSCURRENT)"))
    );
    if let Some(t) = f.last_changed {
        s.push_str(&format!(", changed {}", t.format("%Y-%m-%d")));
    }
    if let Some(t) = f.last_accessed {
        s.push_str(&format!(", read {}", t.format("%Y-%m-%d")));
    }
    s.push_str(if f.parity_verified {
        " (the primary's AWSCURRENT)"
    } else {
        " (parity not verified)"
    });
    neutralise(&s).into_owned()
}

/// A version id's first 8 characters, enough to tell versions apart on screen.
pub fn short(version: &str) -> String {
    if version.chars().count() > 9 {
        format!("{}…", version.chars().take(8).collect::<String>())
    } else {
        version.to_string()
    }
}
