//! Text that came from AWS (names, tags, descriptions, user agents) is untrusted: before it
//! reaches a terminal, control characters and escape sequences are made visible and inert.

use std::borrow::Cow;

/// Replaces every control character (C0, DEL, C1) with a visible, harmless form:
/// ESC becomes `\e`, other C0 controls their caret form (`^G`), C1 controls `\u{9b}`-style.
/// Bidirectional overrides are neutralised too, since they reorder what the operator reads.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_dangerous) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\u{1b}' => out.push_str("\\e"),
            '\t' => out.push(' '),
            c if (c as u32) < 0x20 => {
                out.push('^');
                out.push(char::from(b'@' + c as u8));
            }
            '\u{7f}' => out.push_str("^?"),
            c if is_dangerous(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn is_dangerous(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::neutralise;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        assert!(matches!(
            neutralise("/clarivum/prod/db"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn escape_sequences_cannot_reach_the_terminal() {
        let out = neutralise("evil\u{1b}]0;pwned\u{7}\u{1b}[2J");
        assert_eq!(out, "evil\\e]0;pwned^G\\e[2J");
        assert!(!out.chars().any(|c| c.is_control()));
    }

    #[test]
    fn c1_controls_and_bidi_overrides_are_shown_as_codes() {
        assert_eq!(neutralise("a\u{9b}31mb"), "a\\u{9b}31mb");
        assert_eq!(neutralise("x\u{202e}gpj.exe"), "x\\u{202e}gpj.exe");
        assert_eq!(neutralise("line\nbreak\r"), "line^Jbreak^M");
    }
}
