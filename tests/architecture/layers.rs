//! The map as ARCHITECTURE.md writes it: a table whose rows read
//! `| `module` | what it owns | `a`, `b` |`, the last cell naming what the module may import.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

pub fn read(path: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e} (the layer map lives there)", path.display()));
    let mut map = BTreeMap::new();
    for line in text.lines() {
        let cells: Vec<&str> = line.trim().trim_matches('|').split('|').collect();
        if cells.len() < 3 {
            continue;
        }
        let Some(module) = ticked(cells[0]).into_iter().next() else {
            continue;
        };
        let may = ticked(cells[cells.len() - 1]).into_iter().collect();
        map.insert(module, may);
    }
    assert!(!map.is_empty(), "{}: no map rows found", path.display());
    map
}

/// The `ticked` words of a cell.
fn ticked(cell: &str) -> Vec<String> {
    cell.split('`')
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, w)| w.trim().to_string())
        .filter(|w| !w.is_empty())
        .collect()
}
