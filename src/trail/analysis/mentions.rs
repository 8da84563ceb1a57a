//! The secrets an event names, for a person to read: inventory secrets by name, and every
//! reference the inventory lacks as the record wrote it (a deleted secret, another account's,
//! a batch filter), marked so nobody mistakes it for a loaded secret.

use super::index::EventIndex;
use crate::trail::SecretRef;
use crate::trail::secret_ref::{name_in, short_name};

/// One secret an event names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    /// The inventory name, or the reference as written (name, partial or full ARN, filter).
    pub text: String,
    pub in_inventory: bool,
    /// A ListSecrets / BatchGetSecretValue filter (`filter name=prod/*`): enumeration, no secret.
    pub filter: bool,
}

impl Mention {
    /// A reference the inventory lacks (a filter names no secret, so it is not one).
    pub fn missing(&self) -> bool {
        !self.in_inventory && !self.filter
    }

    /// Spelled out, for exports and records.
    pub fn spelled(&self) -> String {
        if self.missing() {
            format!("{} (not in inventory)", self.text)
        } else {
            self.text.clone()
        }
    }
}

impl EventIndex {
    /// Every secret event `i` names: inventory secrets first, by name (a primary and its
    /// replica once), then references the inventory lacks and batch filters, as written.
    pub fn mentions(&self, i: usize) -> Vec<Mention> {
        let mut out: Vec<Mention> = Vec::new();
        let mut push = |text: String, in_inventory: bool, filter: bool| {
            if !out.iter().any(|m| m.text == text) {
                out.push(Mention {
                    text,
                    in_inventory,
                    filter,
                });
            }
        };
        for arn in self.arns.get(i).into_iter().flatten() {
            push(short_name(arn).to_string(), true, false);
        }
        for &s in self.touched(i) {
            if !self.in_inventory[s as usize] {
                push(self.secrets.get(s).to_string(), false, false);
            }
        }
        for r in self.events.get(i).map(|e| &e.secrets).into_iter().flatten() {
            if let SecretRef::Filter { key, values } = r {
                push(format!("filter {key}={}", values.join("|")), false, true);
            }
        }
        out
    }

    /// References the inventory lacks that `id` names, as the records wrote them: the same
    /// text, or an ARN (partial or full) of that name, or a name that `id`'s ARN carries.
    /// So a deleted secret can still be asked about by name or ARN.
    pub fn references_to(&self, id: &str) -> Vec<String> {
        let wanted = name_in(id);
        (0..self.secrets.len() as u32)
            .filter(|&s| !self.in_inventory[s as usize])
            .map(|s| self.secrets.get(s))
            .filter(|written| *written == id || name_in(written) == wanted)
            .map(str::to_string)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    fn index() -> EventIndex {
        EventIndex::build(
            vec![
                Rec::read("2026-11-20T09:00:00Z").secret("prod/db").event(),
                Rec::read("2026-11-20T10:00:00Z")
                    .secret("arn:aws:secretsmanager:us-east-1:111122223333:secret:gone/key-AbCdEf")
                    .event(),
                Rec::read("2026-11-20T11:00:00Z").secret("gone/key").event(),
            ],
            &inventory(),
        )
    }

    #[test]
    fn a_reference_the_inventory_lacks_is_shown_as_written_and_marked() {
        let index = index();
        // Newest first: 11:00 by name, 10:00 by full ARN, 09:00 the inventory secret.
        assert_eq!(
            index.mentions(0),
            [Mention {
                text: "gone/key".into(),
                in_inventory: false,
                filter: false,
            }]
        );
        let by_arn = &index.mentions(1)[0];
        assert_eq!(
            by_arn.spelled(),
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:gone/key-AbCdEf (not in inventory)"
        );
        assert!(!index.mentions(2)[0].missing());
        assert_eq!(index.mentions(2)[0].spelled(), "prod/db");
    }

    #[test]
    fn a_deleted_secret_is_found_by_name_and_by_arn() {
        let index = index();
        let mut by_name = index.references_to("gone/key");
        by_name.sort();
        assert_eq!(
            by_name,
            [
                "arn:aws:secretsmanager:us-east-1:111122223333:secret:gone/key-AbCdEf",
                "gone/key"
            ]
        );
        assert_eq!(
            index
                .references_to(
                    "arn:aws:secretsmanager:us-east-1:111122223333:secret:gone/key-AbCdEf"
                )
                .len(),
            2
        );
        assert!(
            index.references_to("prod/db").is_empty(),
            "in the inventory"
        );
    }
}
