//! The crate's files as modules: which file holds which module path, which files are test-only,
//! and what each non-test file refers to (`use` trees and inline paths, test items skipped).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// A module path from the crate root: `["app", "update", "events"]`; the root is empty.
pub type ModPath = Vec<String>;

pub struct Crate {
    /// Module path of every file, with the file it lives in (relative to the crate).
    pub files: BTreeMap<ModPath, PathBuf>,
    /// Modules compiled only for tests (`#[cfg(test)] mod x;`, and everything under them).
    pub test_only: BTreeSet<ModPath>,
    /// Per module: re-exported names (`pub use a::b as c` gives `c -> crate path of b`).
    pub reexports: BTreeMap<ModPath, BTreeMap<String, ModPath>>,
    /// Per non-test module: every crate path it names, made absolute.
    pub references: BTreeMap<ModPath, BTreeSet<ModPath>>,
    /// Child modules each module declares, for resolving `use child::x`.
    children: BTreeMap<ModPath, BTreeSet<String>>,
}

pub fn load(root: &Path) -> Crate {
    let mut krate = Crate {
        files: BTreeMap::new(),
        test_only: BTreeSet::new(),
        reexports: BTreeMap::new(),
        references: BTreeMap::new(),
        children: BTreeMap::new(),
    };
    let src = root.join("src");
    let mut parsed: BTreeMap<ModPath, syn::File> = BTreeMap::new();
    for file in rust_files(&src) {
        let rel = file.strip_prefix(root).unwrap_or(&file).to_path_buf();
        let module = module_path(file.strip_prefix(&src).unwrap_or(&file));
        let text = std::fs::read_to_string(&file).expect("read source");
        let ast = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", rel.display()));
        krate.files.insert(module.clone(), rel);
        parsed.insert(module, ast);
    }
    // Declarations first: children, test-only modules, and inline modules' own items.
    for (module, ast) in &parsed {
        declare(&mut krate, module, &ast.items, false);
    }
    let test_roots: Vec<ModPath> = krate.test_only.iter().cloned().collect();
    for module in krate.files.keys() {
        if test_roots.iter().any(|t| module.starts_with(t)) {
            krate.test_only.insert(module.clone());
        }
    }
    for (module, ast) in &parsed {
        if krate.test_only.contains(module) {
            continue;
        }
        let mut refs = Refs {
            krate: &krate,
            module: module.clone(),
            found: BTreeSet::new(),
            reexports: BTreeMap::new(),
            bindings: BTreeMap::new(),
        };
        // Bindings first: a path may use a name that a later `use` binds.
        for item in &ast.items {
            if let syn::Item::Use(u) = item
                && !is_test(&u.attrs)
            {
                let mut paths = Vec::new();
                flatten(&u.tree, Vec::new(), &mut paths);
                for (path, alias) in paths {
                    if let (Some(abs), Some(alias)) = (refs.absolute(&path), alias) {
                        refs.bindings.insert(alias, abs);
                    }
                }
            }
        }
        for item in &ast.items {
            refs.item(item);
        }
        let Refs {
            found, reexports, ..
        } = refs;
        krate.references.insert(module.clone(), found);
        krate.reexports.insert(module.clone(), reexports);
    }
    krate
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read src")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
    out
}

/// `app/update/mod.rs` -> app::update; `lib.rs` -> root; `main.rs` -> the binary, `main`.
fn module_path(rel: &Path) -> ModPath {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|l| l == "mod" || l == "lib") {
        parts.pop();
    }
    parts
}

fn is_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg") && {
            let text = a
                .meta
                .require_list()
                .map(|l| l.tokens.to_string())
                .unwrap_or_default();
            text == "test" || (text.starts_with("any") && text.contains("test"))
        }
    })
}

fn path_attr(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().find_map(|a| {
        let syn::Meta::NameValue(nv) = &a.meta else {
            return None;
        };
        if !nv.path.is_ident("path") {
            return None;
        }
        match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.value()),
            _ => None,
        }
    })
}

fn declare(krate: &mut Crate, module: &ModPath, items: &[syn::Item], in_test: bool) {
    for item in items {
        if let syn::Item::Mod(m) = item {
            let mut child = module.clone();
            child.push(m.ident.to_string());
            krate
                .children
                .entry(module.clone())
                .or_default()
                .insert(m.ident.to_string());
            let test = in_test || is_test(&m.attrs);
            if test {
                krate.test_only.insert(child.clone());
                // `#[path = "x_tests.rs"] mod tests;` keeps a sibling file out too.
                if let Some(file) = path_attr(&m.attrs) {
                    let mut sibling = module.clone();
                    let declared_in_mod_rs = krate
                        .files
                        .get(module)
                        .is_some_and(|f| f.ends_with("mod.rs") || f.ends_with("lib.rs"));
                    if !declared_in_mod_rs {
                        sibling.pop();
                    }
                    sibling.push(file.trim_end_matches(".rs").to_string());
                    krate.test_only.insert(sibling);
                }
            }
            if let Some((_, inner)) = &m.content {
                declare(krate, &child, inner, test);
            }
        }
    }
}

struct Refs<'a> {
    krate: &'a Crate,
    module: ModPath,
    found: BTreeSet<ModPath>,
    reexports: BTreeMap<String, ModPath>,
    /// Names the file's `use` items bind to crate paths (`use crate::report;` binds `report`).
    bindings: BTreeMap<String, ModPath>,
}

impl Refs<'_> {
    fn item(&mut self, item: &syn::Item) {
        let attrs = match item {
            syn::Item::Fn(i) => &i.attrs,
            syn::Item::Impl(i) => &i.attrs,
            syn::Item::Mod(i) => &i.attrs,
            syn::Item::Use(i) => &i.attrs,
            syn::Item::Struct(i) => &i.attrs,
            syn::Item::Enum(i) => &i.attrs,
            syn::Item::Const(i) => &i.attrs,
            syn::Item::Static(i) => &i.attrs,
            syn::Item::Trait(i) => &i.attrs,
            syn::Item::Type(i) => &i.attrs,
            _ => return self.visit_item(item),
        };
        if is_test(attrs) {
            return;
        }
        match item {
            syn::Item::Use(u) => {
                let public = !matches!(u.vis, syn::Visibility::Inherited);
                let mut paths = Vec::new();
                flatten(&u.tree, Vec::new(), &mut paths);
                for (path, alias) in paths {
                    if let Some(abs) = self.absolute(&path) {
                        if public && let Some(alias) = alias {
                            self.reexports.insert(alias, abs.clone());
                        }
                        self.found.insert(abs);
                    }
                }
            }
            // Inline modules count as part of this file.
            syn::Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    for i in inner {
                        self.item(i);
                    }
                }
            }
            other => self.visit_item(other),
        }
    }

    /// A path as written, made absolute from the crate root; None for other crates and std.
    fn absolute(&self, path: &[String]) -> Option<ModPath> {
        let first = path.first()?;
        let mut base: ModPath = match first.as_str() {
            "crate" | "strongroom" => Vec::new(),
            "self" => self.module.clone(),
            "super" => {
                let mut m = self.module.clone();
                let mut rest = path;
                while rest.first().is_some_and(|s| s == "super") {
                    m.pop();
                    rest = &rest[1..];
                }
                m.extend(rest.iter().cloned());
                return Some(m);
            }
            name if self
                .krate
                .children
                .get(&self.module)
                .is_some_and(|c| c.contains(name)) =>
            {
                let mut m = self.module.clone();
                m.extend(path.iter().cloned());
                return Some(m);
            }
            name if self.bindings.contains_key(name) => {
                let mut m = self.bindings[name].clone();
                m.extend(path[1..].iter().cloned());
                return Some(m);
            }
            _ => return None,
        };
        // The binary names the library by its crate name.
        if first == "strongroom" && self.module != ["main"] {
            return None;
        }
        base.extend(path[1..].iter().cloned());
        Some(base)
    }
}

impl<'ast> Visit<'ast> for Refs<'_> {
    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        if segs.len() > 1
            && let Some(abs) = self.absolute(&segs)
        {
            self.found.insert(abs);
        }
        syn::visit::visit_path(self, path);
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if !is_test(&m.attrs) {
            syn::visit::visit_item_mod(self, m);
        }
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if !is_test(&f.attrs) {
            syn::visit::visit_item_fn(self, f);
        }
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if !is_test(&f.attrs) {
            syn::visit::visit_impl_item_fn(self, f);
        }
    }
}

/// Every leaf of a `use` tree: the path and, for a name or rename, the name it binds.
fn flatten(tree: &syn::UseTree, prefix: Vec<String>, out: &mut Vec<(Vec<String>, Option<String>)>) {
    match tree {
        syn::UseTree::Path(p) => {
            let mut next = prefix;
            next.push(p.ident.to_string());
            flatten(&p.tree, next, out);
        }
        syn::UseTree::Name(n) => {
            let name = n.ident.to_string();
            let mut path = prefix;
            if name == "self" {
                let bound = path.last().cloned();
                out.push((path, bound));
            } else {
                path.push(name.clone());
                out.push((path, Some(name)));
            }
        }
        syn::UseTree::Rename(r) => {
            let mut path = prefix;
            path.push(r.ident.to_string());
            out.push((path, Some(r.rename.to_string())));
        }
        syn::UseTree::Glob(_) => out.push((prefix, None)),
        syn::UseTree::Group(g) => {
            for t in &g.items {
                flatten(t, prefix.clone(), out);
            }
        }
    }
}
