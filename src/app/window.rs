//! Time windows typed by operators: `1h`, `24h`, `7d`, `90d`, `30m`, or an RFC 3339 time.

use chrono::{DateTime, Duration, Utc};

/// A moment from `24h`-style text (that long before `now`) or an RFC 3339 timestamp.
pub fn parse_time(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let t = text.trim();
    if let Some(d) = parse_duration(t) {
        return Ok(now - d);
    }
    DateTime::parse_from_rfc3339(t)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|_| {
            format!("cannot read time \"{t}\": use 30m, 24h, 7d, 90d or an RFC 3339 time like 2026-11-20T09:00:00Z")
        })
}

/// `30m`, `24h`, `7d`, `2w`.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let (number, unit) = text.split_at(text.len().checked_sub(1)?);
    let n: i64 = number.parse().ok().filter(|n| *n >= 0)?;
    match unit {
        "m" => Some(Duration::minutes(n)),
        "h" => Some(Duration::hours(n)),
        "d" => Some(Duration::days(n)),
        "w" => Some(Duration::weeks(n)),
        _ => None,
    }
}

/// The presets the events view cycles through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    Hour,
    Day,
    Week,
    Month,
    Quarter,
    /// Beyond LookupEvents' 90 days: answered by the organization trail when there is one.
    Year,
}

impl Preset {
    pub const ALL: [Preset; 6] = [
        Preset::Hour,
        Preset::Day,
        Preset::Week,
        Preset::Month,
        Preset::Quarter,
        Preset::Year,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Preset::Hour => "1h",
            Preset::Day => "24h",
            Preset::Week => "7d",
            Preset::Month => "30d",
            Preset::Quarter => "90d",
            Preset::Year => "365d",
        }
    }

    pub fn duration(self) -> Duration {
        match self {
            Preset::Hour => Duration::hours(1),
            Preset::Day => Duration::hours(24),
            Preset::Week => Duration::days(7),
            Preset::Month => Duration::days(30),
            Preset::Quarter => Duration::days(90),
            Preset::Year => Duration::days(365),
        }
    }

    pub fn next(self) -> Self {
        let i = Self::ALL.iter().position(|p| *p == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }
}

/// The window after `window` in the cycle `w` walks: 1h, 24h, 7d, 30d, 90d, 365d, then all
/// loaded.
pub fn next_window(window: Option<Preset>) -> Option<Preset> {
    match window {
        None => Some(Preset::Hour),
        Some(Preset::Year) => None,
        Some(p) => Some(p.next()),
    }
}

/// The window number key `n` chooses directly: 1 is 1h, 2 24h, 3 7d, 4 30d, 5 90d, 6 365d,
/// 7 all loaded (`Some(None)`); other numbers choose nothing.
pub fn numbered_window(n: u8) -> Option<Option<Preset>> {
    match n {
        7 => Some(None),
        n => Preset::ALL
            .get(usize::from(n).checked_sub(1)?)
            .map(|p| Some(*p)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn durations_and_timestamps() {
        let now = Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap();
        assert_eq!(parse_time("24h", now).unwrap(), now - Duration::hours(24));
        assert_eq!(parse_time("7d", now).unwrap(), now - Duration::days(7));
        assert_eq!(
            parse_time("2026-11-20T10:00:00+02:00", now).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 20, 8, 0, 0).unwrap()
        );
        let err = parse_time("yesterday", now).unwrap_err();
        assert!(err.contains("30m, 24h, 7d"), "{err}");
        assert!(parse_duration("-3d").is_none());
        assert!(parse_duration("").is_none());
    }

    #[test]
    fn w_cycles_through_all_and_number_keys_jump() {
        let mut window = None;
        let mut seen = Vec::new();
        for _ in 0..7 {
            window = next_window(window);
            seen.push(window.map_or("all", Preset::label));
        }
        assert_eq!(seen, ["1h", "24h", "7d", "30d", "90d", "365d", "all"]);
        assert_eq!(numbered_window(2), Some(Some(Preset::Day)));
        assert_eq!(numbered_window(6), Some(Some(Preset::Year)));
        assert_eq!(numbered_window(7), Some(None));
        assert_eq!(numbered_window(0), None);
        assert_eq!(numbered_window(8), None);
    }
}
