//! Time windows already fetched, as closed intervals: merging them and finding what is missing.

use chrono::{DateTime, Utc};

pub type Window = (DateTime<Utc>, DateTime<Utc>);

/// Sorts and joins overlapping or touching windows; drops inverted ones.
pub fn merge(mut windows: Vec<Window>) -> Vec<Window> {
    windows.retain(|(a, b)| a <= b);
    windows.sort();
    let mut out: Vec<Window> = Vec::with_capacity(windows.len());
    for (a, b) in windows {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// The parts of `[start, end]` that `covered` does not cover, newest first: what still needs
/// fetching. Gaps are closed and include the instants where a covered window starts or ends,
/// because LookupEvents' bounds are inclusive and events at a window's edge may have been split
/// across pages; fetching such an instant twice costs nothing (the store ignores duplicates).
pub fn missing(covered: &[Window], start: DateTime<Utc>, end: DateTime<Utc>) -> Vec<Window> {
    if start > end {
        return Vec::new();
    }
    let mut gaps = Vec::new();
    let mut cursor = end;
    for &(a, b) in merge(covered.to_vec()).iter().rev() {
        if b < start {
            break;
        }
        if b < cursor {
            gaps.push((b.max(start), cursor));
        }
        cursor = cursor.min(a);
        if cursor <= start {
            return gaps;
        }
    }
    if start < cursor || (gaps.is_empty() && start == end && cursor == end) {
        gaps.push((start, cursor));
    }
    gaps
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, h, 0, 0).unwrap()
    }

    fn w(a: u32, b: u32) -> Window {
        (t(a), t(b))
    }

    #[test]
    fn merge_joins_overlapping_and_touching_windows() {
        assert_eq!(
            merge(vec![w(5, 8), w(1, 2), w(2, 3), w(7, 9), w(4, 3)]),
            [w(1, 3), w(5, 9)]
        );
    }

    #[test]
    fn nothing_covered_means_the_whole_range() {
        assert_eq!(missing(&[], t(0), t(10)), [w(0, 10)]);
    }

    #[test]
    fn gaps_come_newest_first_and_include_the_edges() {
        assert_eq!(missing(&[w(3, 5)], t(0), t(10)), [w(5, 10), w(0, 3)]);
        assert_eq!(
            missing(&[w(1, 2), w(6, 7)], t(0), t(10)),
            [w(7, 10), w(2, 6), w(0, 1)]
        );
    }

    #[test]
    fn a_covered_range_needs_nothing() {
        assert!(missing(&[w(0, 10)], t(2), t(8)).is_empty());
        assert!(missing(&[w(0, 5), w(5, 10)], t(0), t(10)).is_empty());
        assert!(missing(&[w(0, 10)], t(0), t(10)).is_empty());
    }

    #[test]
    fn only_the_newer_part_after_a_previous_run() {
        assert_eq!(missing(&[w(0, 6)], t(0), t(9)), [w(6, 9)]);
        assert_eq!(missing(&[w(4, 6)], t(5), t(9)), [w(6, 9)]);
        assert_eq!(missing(&[w(4, 6)], t(1), t(5)), [w(1, 4)]);
    }

    #[test]
    fn windows_outside_the_range_change_nothing() {
        assert_eq!(missing(&[w(0, 1), w(9, 10)], t(3), t(5)), [w(3, 5)]);
    }

    #[test]
    fn an_inverted_range_needs_nothing() {
        assert!(missing(&[], t(5), t(4)).is_empty());
    }

    #[test]
    fn a_single_instant_is_fetched_unless_covered() {
        assert_eq!(missing(&[], t(5), t(5)), [w(5, 5)]);
        assert!(missing(&[w(4, 6)], t(5), t(5)).is_empty());
    }
}
