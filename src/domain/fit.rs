//! Text cut to a column's width with a visible mark, so a long value never shifts the columns
//! after it and the operator can see that something was cut. Widths are terminal cells.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

const ELLIPSIS: char = '…';

/// `text` in at most `width` cells: the head kept, `…` at the end when cut.
pub fn cut_end(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push(ELLIPSIS);
    out
}

/// `text` in at most `width` cells: the tail kept, `…` at the start when cut. For secret names,
/// where `/clarivum/prod/payments/...` differ at the end.
pub fn cut_start(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut tail: Vec<char> = Vec::new();
    let mut used = 0;
    for c in text.chars().rev() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        used += w;
        tail.push(c);
    }
    std::iter::once(ELLIPSIS)
        .chain(tail.into_iter().rev())
        .collect()
}

/// `text` cut with [`cut_end`] and padded with spaces to exactly `width` cells.
pub fn pad_end(text: &str, width: usize) -> String {
    let cut = cut_end(text, width);
    let pad = width.saturating_sub(cut.width());
    format!("{cut}{}", " ".repeat(pad))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_untouched() {
        assert_eq!(cut_end("AccessDenied", 12), "AccessDenied");
        assert_eq!(cut_start("/a/b", 10), "/a/b");
    }

    #[test]
    fn a_cut_is_marked_and_fits() {
        assert_eq!(cut_end("AccessDeniedException", 8), "AccessD…");
        assert_eq!(
            cut_start("/clarivum/prod/payments/ledger-db-password", 20),
            "…/ledger-db-password"
        );
        assert_eq!(cut_end("abc", 0), "");
    }

    #[test]
    fn wide_characters_count_as_two_cells() {
        let cut = cut_end("秘密秘密秘密", 5);
        assert_eq!(cut, "秘密…");
        assert!(cut.width() <= 5);
        assert_eq!(pad_end("秘密", 6), "秘密  ");
    }
}
