//! A snapshot cut short (a full disk, an interrupted copy, an attachment size limit) still holds
//! every record written before the cut. This reads the top-level object value by value and each
//! list element by element, and stops at the first byte it cannot read, keeping what came before.

use serde_json::{Map, Value};

/// Where the file stops being JSON, and what was being read there.
#[derive(Debug, Clone, PartialEq)]
pub struct Break {
    pub line: usize,
    pub column: usize,
    /// What was read there: `secrets[57]`, `"events"`, the top level.
    pub at: String,
    pub reason: String,
}

/// The top-level fields read whole, lists holding their whole elements up to the break.
pub struct Salvaged {
    pub root: Map<String, Value>,
    pub brk: Break,
}

/// Reads `text` as far as it is well formed. `None` when the file holds no break (it is valid
/// JSON, or broken in a way that is not about where it stops, such as a non-object top level).
pub fn salvage(text: &str) -> Option<Salvaged> {
    let mut r = Reader { text, pos: 0 };
    let mut root = Map::new();
    r.skip_ws();
    if !r.eat(b'{') {
        return None;
    }
    loop {
        r.skip_ws();
        if r.eat(b'}') {
            return None;
        }
        let key = match r.value() {
            Ok(Value::String(key)) => key,
            Ok(_) => return Some(r.broken(root, "the top level", "expected a field name")),
            Err(why) => return Some(r.broken(root, "the top level", &why)),
        };
        r.skip_ws();
        if !r.eat(b':') {
            return Some(r.broken(root, &format!("\"{key}\""), "expected `:`"));
        }
        r.skip_ws();
        if r.peek() == Some(b'[') {
            r.pos += 1;
            let mut items = Vec::new();
            let outcome = r.list(&key, &mut items);
            root.insert(key, Value::Array(items));
            if let Err((at, why)) = outcome {
                return Some(r.broken(root, &at, &why));
            }
        } else {
            match r.value() {
                Ok(v) => {
                    root.insert(key, v);
                }
                Err(why) => return Some(r.broken(root, &format!("\"{key}\""), &why)),
            }
        }
        r.skip_ws();
        if r.eat(b',') {
            continue;
        }
        if r.eat(b'}') {
            return None;
        }
        return Some(r.broken(root, "the top level", "expected `,` or `}`"));
    }
}

struct Reader<'a> {
    text: &'a str,
    pos: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        let hit = self.peek() == Some(b);
        if hit {
            self.pos += 1;
        }
        hit
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.pos += 1;
        }
    }

    /// One whole JSON value from here; the position moves past it only when it is whole.
    fn value(&mut self) -> Result<Value, String> {
        let rest = self.text.get(self.pos..).unwrap_or("");
        let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<Value>();
        match stream.next() {
            Some(Ok(v)) => {
                self.pos += stream.byte_offset();
                Ok(v)
            }
            Some(Err(e)) if e.is_eof() => Err("the file ends in the middle of a value".into()),
            Some(Err(e)) => Err(e.to_string()),
            None => Err("the file ends here".into()),
        }
    }

    /// The elements of a list whose `[` was read; on a break, the element it was in.
    fn list(&mut self, key: &str, items: &mut Vec<Value>) -> Result<(), (String, String)> {
        self.skip_ws();
        if self.eat(b']') {
            return Ok(());
        }
        loop {
            self.skip_ws();
            let at = format!("{key}[{}]", items.len());
            items.push(self.value().map_err(|why| (at.clone(), why))?);
            self.skip_ws();
            if self.eat(b',') {
                continue;
            }
            if self.eat(b']') {
                return Ok(());
            }
            let why = if self.peek().is_none() {
                "the file ends here".to_string()
            } else {
                "expected `,` or `]`".to_string()
            };
            return Err((format!("{key}[{}]", items.len()), why));
        }
    }

    fn broken(&self, root: Map<String, Value>, at: &str, reason: &str) -> Salvaged {
        let before = self.text.get(..self.pos).unwrap_or(self.text);
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        Salvaged {
            root,
            brk: Break {
                line,
                column,
                at: at.to_string(),
                reason: reason.to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::salvage;

    #[test]
    fn whole_records_before_the_cut_are_kept() {
        let text = "{\"a\": 1,\n \"list\": [{\"x\": 1}, {\"x\": 2},\n {\"x\": 3, \"y\"";
        let s = salvage(text).expect("a break");
        assert_eq!(s.root["a"], 1);
        assert_eq!(s.root["list"].as_array().map(Vec::len), Some(2));
        assert_eq!(s.brk.at, "list[2]");
        assert_eq!((s.brk.line, s.brk.column), (3, 2));
    }

    #[test]
    fn a_cut_between_records_keeps_them_all() {
        let s = salvage("{\"list\": [1, 2, 3").expect("a break");
        assert_eq!(s.root["list"].as_array().map(Vec::len), Some(3));
        assert_eq!(s.brk.reason, "the file ends here");
    }

    #[test]
    fn valid_json_has_no_break() {
        assert!(salvage("{\"a\": [1, 2], \"b\": {\"c\": 3}}").is_none());
        assert!(salvage("[1, 2]").is_none());
    }
}
