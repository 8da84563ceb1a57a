//! Imports resolved to files (through re-exports), then circles found with Tarjan's algorithm.

use std::collections::{BTreeMap, BTreeSet};

use super::modules::{Crate, ModPath};

pub struct Graph {
    /// File module -> file modules it imports (itself excluded).
    edges: BTreeMap<ModPath, BTreeSet<ModPath>>,
    /// (from, to) -> the first path written in `from` that leads to `to`.
    why: BTreeMap<(ModPath, ModPath), ModPath>,
}

fn name(m: &ModPath) -> String {
    if m.is_empty() {
        "lib".into()
    } else {
        m.join("::")
    }
}

fn top(m: &ModPath) -> Option<String> {
    m.first().cloned()
}

impl Graph {
    pub fn of(krate: &Crate) -> Self {
        let mut edges: BTreeMap<ModPath, BTreeSet<ModPath>> = BTreeMap::new();
        let mut why = BTreeMap::new();
        for (from, refs) in &krate.references {
            let out = edges.entry(from.clone()).or_default();
            for r in refs {
                if let Some(to) = resolve(krate, r, 0)
                    && &to != from
                {
                    why.entry((from.clone(), to.clone()))
                        .or_insert_with(|| r.clone());
                    out.insert(to);
                }
            }
        }
        Self { edges, why }
    }

    pub fn tops(&self) -> BTreeSet<String> {
        self.edges.keys().filter_map(top).collect()
    }

    /// (from, to) -> one file-level example of the import.
    pub fn top_edges(&self) -> BTreeMap<(String, String), String> {
        let mut out = BTreeMap::new();
        for (from, tos) in &self.edges {
            for to in tos {
                if let (Some(a), Some(b)) = (top(from), top(to))
                    && a != b
                {
                    out.entry((a, b))
                        .or_insert_with(|| format!("{} uses {}", name(from), name(to)));
                }
            }
        }
        out
    }

    /// Each circle of files, with the imports inside it (`a -> b via crate::b::Item`), so
    /// whoever breaks it sees where to cut.
    pub fn file_circles(&self) -> Vec<String> {
        let nodes: Vec<ModPath> = self.edges.keys().cloned().collect();
        let adj = |n: &ModPath| self.edges.get(n).cloned().unwrap_or_default();
        sccs(&nodes, adj)
            .into_iter()
            .map(|c| {
                let members: Vec<String> = c.iter().map(name).collect();
                let inside: Vec<String> = self
                    .why
                    .iter()
                    .filter(|((a, b), _)| c.contains(a) && c.contains(b))
                    .map(|((a, b), p)| format!("{} -> {} via {}", name(a), name(b), p.join("::")))
                    .collect();
                format!(
                    "{}\n      {}",
                    members.join(" <-> "),
                    inside.join("\n      ")
                )
            })
            .collect()
    }

    pub fn top_circles(&self) -> Vec<Vec<String>> {
        let mut adj: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (a, b) in self.top_edges().into_keys() {
            adj.entry(a).or_default().insert(b);
        }
        let nodes: Vec<String> = self.tops().into_iter().collect();
        sccs(&nodes, |n| adj.get(n).cloned().unwrap_or_default())
    }
}

/// The file a crate path lives in, following `pub use` re-exports to where the item is defined.
fn resolve(krate: &Crate, path: &ModPath, depth: usize) -> Option<ModPath> {
    let module = (0..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|m| krate.files.contains_key(m))?;
    if depth < 8
        && let Some(next) = path.get(module.len())
        && let Some(target) = krate.reexports.get(&module).and_then(|r| r.get(next))
        && target != path
    {
        let mut followed = target.clone();
        followed.extend(path[module.len() + 1..].iter().cloned());
        if let Some(file) = resolve(krate, &followed, depth + 1) {
            return Some(file);
        }
    }
    Some(module)
}

/// Strongly connected components with more than one node (Tarjan, iterative over a small graph).
fn sccs<N, F>(nodes: &[N], adj: F) -> Vec<Vec<N>>
where
    N: Ord + Clone,
    F: Fn(&N) -> BTreeSet<N>,
{
    struct Walk<N> {
        index: BTreeMap<N, usize>,
        low: BTreeMap<N, usize>,
        stack: Vec<N>,
        on_stack: BTreeSet<N>,
        next: usize,
        out: Vec<Vec<N>>,
    }
    fn visit<N: Ord + Clone, F: Fn(&N) -> BTreeSet<N>>(w: &mut Walk<N>, v: &N, adj: &F) {
        w.index.insert(v.clone(), w.next);
        w.low.insert(v.clone(), w.next);
        w.next += 1;
        w.stack.push(v.clone());
        w.on_stack.insert(v.clone());
        for u in adj(v) {
            if !w.index.contains_key(&u) {
                visit(w, &u, adj);
                let low = w.low[v].min(w.low[&u]);
                w.low.insert(v.clone(), low);
            } else if w.on_stack.contains(&u) {
                let low = w.low[v].min(w.index[&u]);
                w.low.insert(v.clone(), low);
            }
        }
        if w.low[v] == w.index[v] {
            let mut component = Vec::new();
            while let Some(u) = w.stack.pop() {
                w.on_stack.remove(&u);
                let done = &u == v;
                component.push(u);
                if done {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                w.out.push(component);
            }
        }
    }
    let mut w = Walk {
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    for n in nodes {
        if !w.index.contains_key(n) {
            visit(&mut w, n, &adj);
        }
    }
    w.out
}
