//! The suspected value as the responder gives it. Only its SHA-256 is kept, in memory zeroed on
//! drop; the bytes it came from are zeroed at once. It has no `Display`, and `Debug` hides it.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

/// A SecretString or SecretBinary holds at most 64 KiB; anything longer is not one value.
pub const MAX_BYTES: usize = 65_536;

pub struct Suspect {
    digest: Zeroizing<[u8; 32]>,
}

impl PartialEq for Suspect {
    fn eq(&self, other: &Self) -> bool {
        self.matches_digest(&other.digest)
    }
}

/// A value being typed into a masked prompt: never shown (`Debug` hides it), held in a buffer
/// that never grows (so no copy is left behind by a reallocation) and is zeroed on drop.
#[derive(Clone, PartialEq)]
pub struct Masked(Zeroizing<String>);

impl Default for Masked {
    fn default() -> Self {
        Self(Zeroizing::new(String::with_capacity(MAX_BYTES)))
    }
}

impl std::fmt::Debug for Masked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Masked(<hidden>)")
    }
}

impl Masked {
    /// Adds a character; refused (false) past the most a secret can hold.
    pub fn push(&mut self, c: char) -> bool {
        if self.0.len() + c.len_utf8() > MAX_BYTES {
            return false;
        }
        self.0.push(c);
        true
    }

    pub fn pop(&mut self) {
        self.0.pop();
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Hashes what was typed (exactly: a prompt adds no line break) and empties the buffer.
    pub fn take_suspect(&mut self) -> Result<Suspect, SuspectError> {
        let mut bytes = Zeroizing::new(Vec::with_capacity(self.0.len()));
        bytes.extend_from_slice(self.0.as_bytes());
        self.0.zeroize();
        self.0.clear();
        Suspect::from_bytes(bytes, true)
    }
}

impl std::fmt::Debug for Suspect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Suspect(<hidden>)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SuspectError {
    #[error("the suspected value is empty (nothing was read from standard input or the file)")]
    Empty,
    #[error(
        "the suspected value is longer than {MAX_BYTES} bytes, the most a secret can hold: give \
         the one leaked value, not a whole file"
    )]
    TooLong,
}

impl Suspect {
    /// Hashes `bytes` and zeroes them. Unless `exact`, one trailing line break (`\n` or `\r\n`)
    /// is dropped first: `echo`, editors and terminals add one that the secret does not hold.
    pub fn from_bytes(mut bytes: Zeroizing<Vec<u8>>, exact: bool) -> Result<Self, SuspectError> {
        if !exact && bytes.last() == Some(&b'\n') {
            bytes.pop();
            if bytes.last() == Some(&b'\r') {
                bytes.pop();
            }
        }
        if bytes.is_empty() {
            return Err(SuspectError::Empty);
        }
        if bytes.len() > MAX_BYTES {
            bytes.zeroize();
            return Err(SuspectError::TooLong);
        }
        let mut digest = Zeroizing::new([0u8; 32]);
        let mut hashed = Sha256::digest(&bytes[..]);
        digest.copy_from_slice(&hashed);
        hashed.zeroize();
        Ok(Self { digest })
    }

    /// Whether `value` is the suspected value (its SHA-256 compared in constant time).
    pub fn matches(&self, value: &[u8]) -> bool {
        let mut hashed = Sha256::digest(value);
        let same: bool = hashed.as_slice().ct_eq(&self.digest[..]).into();
        hashed.zeroize();
        same
    }

    /// Whether a value whose SHA-256 is `digest` is the suspected value (the demo's shipped
    /// fingerprints).
    pub fn matches_digest(&self, digest: &[u8; 32]) -> bool {
        digest.ct_eq(&*self.digest).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suspect(s: &str, exact: bool) -> Result<Suspect, SuspectError> {
        Suspect::from_bytes(Zeroizing::new(s.as_bytes().to_vec()), exact)
    }

    #[test]
    fn one_trailing_line_break_is_dropped_unless_exact() {
        let s = suspect("hunter2\n", false).unwrap();
        assert!(s.matches(b"hunter2"));
        let s = suspect("hunter2\r\n", false).unwrap();
        assert!(s.matches(b"hunter2"));
        // Only one: a value that ends in a line break of its own keeps it.
        let s = suspect("hunter2\n\n", false).unwrap();
        assert!(s.matches(b"hunter2\n"));
        let s = suspect("hunter2\n", true).unwrap();
        assert!(!s.matches(b"hunter2"));
        assert!(s.matches(b"hunter2\n"));
    }

    #[test]
    fn empty_and_oversized_values_are_refused() {
        assert_eq!(suspect("\n", false).unwrap_err(), SuspectError::Empty);
        assert_eq!(suspect("", true).unwrap_err(), SuspectError::Empty);
        let long = "x".repeat(MAX_BYTES + 1);
        assert_eq!(suspect(&long, true).unwrap_err(), SuspectError::TooLong);
    }

    #[test]
    fn a_masked_prompt_hides_what_is_typed_and_empties_into_a_suspect() {
        let mut m = Masked::default();
        for c in "hunter2".chars() {
            assert!(m.push(c));
        }
        assert_eq!(format!("{m:?}"), "Masked(<hidden>)");
        let s = m.take_suspect().unwrap();
        assert!(s.matches(b"hunter2"));
        assert!(m.is_empty());
        assert_eq!(m.take_suspect().unwrap_err(), SuspectError::Empty);
        let mut full = Masked::default();
        for _ in 0..MAX_BYTES {
            assert!(full.push('x'));
        }
        assert!(!full.push('x'), "a secret holds at most 64 KiB");
    }

    #[test]
    fn debug_never_shows_the_value_or_its_hash() {
        let s = suspect("hunter2", true).unwrap();
        let shown = format!("{s:?}");
        assert_eq!(shown, "Suspect(<hidden>)");
        let digest: [u8; 32] = Sha256::digest(b"hunter2").into();
        assert!(s.matches_digest(&digest));
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        assert!(!shown.contains(&hex[..8]));
    }
}
