//! The layer map in ARCHITECTURE.md, held: every import between top-level modules goes where
//! the map allows, and no two files (nor two top-level modules) import each other in a circle.
//! Test code is left out: `#[cfg(test)]` items and modules are not part of the architecture.

mod graph;
mod layers;
mod modules;

use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_import_between_top_level_modules_follows_the_map() {
    let krate = modules::load(root());
    let map = layers::read(&root().join("ARCHITECTURE.md"));
    let graph = graph::Graph::of(&krate);
    let mut wrong = Vec::new();
    for top in graph.tops() {
        if !map.contains_key(&top) {
            wrong.push(format!("`{top}` is not in ARCHITECTURE.md's map"));
        }
    }
    for ((from, to), why) in graph.top_edges() {
        let allowed = map.get(&from).is_some_and(|m| m.contains(&to));
        if !allowed {
            wrong.push(format!("{from} -> {to} ({why})"));
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against ARCHITECTURE.md (change the map first, then the code):\n  {}",
        wrong.join("\n  ")
    );
}

#[test]
fn no_circle_between_files() {
    let krate = modules::load(root());
    let graph = graph::Graph::of(&krate);
    let circles = graph.file_circles();
    assert!(
        circles.is_empty(),
        "{} circle(s) between files:\n  {}",
        circles.len(),
        circles.join("\n  ")
    );
}

#[test]
fn no_circle_between_top_level_modules() {
    let krate = modules::load(root());
    let graph = graph::Graph::of(&krate);
    let circles = graph.top_circles();
    assert!(
        circles.is_empty(),
        "top-level modules in a circle:\n  {}",
        circles
            .iter()
            .map(|c| c.join(" <-> "))
            .collect::<Vec<_>>()
            .join("\n  ")
    );
}

#[test]
fn the_analysis_sees_imports_and_skips_test_code() {
    let krate = modules::load(root());
    let graph = graph::Graph::of(&krate);
    // A known edge of the pure core: the inventory update reads domain types.
    let edges = graph.top_edges();
    assert!(edges.keys().any(|(f, t)| f == "app" && t == "domain"));
    // Test modules are known and left out.
    assert!(!krate.test_only.is_empty());
    assert!(
        krate
            .references
            .keys()
            .all(|m| !krate.test_only.contains(m))
    );
}
