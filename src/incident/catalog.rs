//! Where runbooks come from: the team's procedures built into the binary, then `./runbooks` and
//! `<config dir>/runbooks`, a later file replacing an earlier one with the same id. A file that
//! does not validate is listed with its errors instead of being dropped silently.

use std::path::{Path, PathBuf};

use crate::runbook::{Runbook, RunbookError, validate};

/// The shipped runbooks, so a fresh install has them wherever it runs.
const BUILT_IN: &[(&str, &str)] = &[
    (
        "compromised-secret.toml",
        include_str!("../../runbooks/compromised-secret.toml"),
    ),
    (
        "quarterly-access-review.toml",
        include_str!("../../runbooks/quarterly-access-review.toml"),
    ),
    (
        "rotate-secret.toml",
        include_str!("../../runbooks/rotate-secret.toml"),
    ),
    (
        "dr-drill.toml",
        include_str!("../../runbooks/dr-drill.toml"),
    ),
    (
        "new-secret-onboarding-check.toml",
        include_str!("../../runbooks/new-secret-onboarding-check.toml"),
    ),
];

/// One runbook file and what became of it.
#[derive(Debug, Clone)]
pub struct Entry {
    /// `built-in:<file>` or the path it was read from.
    pub file: String,
    pub text: String,
    pub runbook: Result<Runbook, Vec<RunbookError>>,
}

impl Entry {
    fn read(file: String, text: String) -> Self {
        let runbook = validate(&text, &file);
        Entry {
            file,
            text,
            runbook,
        }
    }

    /// The runbook's id, or the file stem when it does not parse.
    pub fn id(&self) -> String {
        match &self.runbook {
            Ok(runbook) => runbook.meta.id.clone(),
            Err(_) => Path::new(&self.file)
                .file_stem()
                .map(|stem| stem.to_string_lossy().to_string())
                .unwrap_or_else(|| self.file.clone()),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// Sorted by id.
    pub entries: Vec<Entry>,
}

impl Catalog {
    /// The built-in runbooks, then every `*.toml` of `dirs` in order.
    pub fn load(dirs: &[PathBuf]) -> Self {
        let mut catalog = Catalog::default();
        for (file, text) in BUILT_IN {
            catalog.add(Entry::read(format!("built-in:{file}"), (*text).to_string()));
        }
        for dir in dirs {
            let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
                .map(|read| {
                    read.filter_map(Result::ok)
                        .map(|e| e.path())
                        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                        .collect()
                })
                .unwrap_or_default();
            files.sort();
            for path in files {
                catalog.add(read_path(&path));
            }
        }
        catalog
    }

    /// The usual places: `./runbooks` and `<config dir>/runbooks`.
    pub fn default_dirs(config_dir: Option<&Path>) -> Vec<PathBuf> {
        let mut dirs = vec![PathBuf::from("runbooks")];
        if let Some(config) = config_dir {
            dirs.push(config.join("runbooks"));
        }
        dirs
    }

    fn add(&mut self, entry: Entry) {
        let id = entry.id();
        match self.entries.iter_mut().find(|e| e.id() == id) {
            Some(existing) => *existing = entry,
            None => self.entries.push(entry),
        }
        self.entries.sort_by_key(Entry::id);
    }

    /// A runbook by id, or by the path of a file (read now).
    pub fn find(&self, name: &str) -> Result<Entry, String> {
        if let Some(entry) = self.entries.iter().find(|e| e.id() == name) {
            return Ok(entry.clone());
        }
        let path = Path::new(name);
        if path.extension().is_some_and(|x| x == "toml") || path.exists() {
            return Ok(read_path(path));
        }
        let known: Vec<String> = self.entries.iter().map(Entry::id).collect();
        Err(format!(
            "no runbook `{name}`; known: {} (or give a path to a .toml file)",
            known.join(", ")
        ))
    }
}

fn read_path(path: &Path) -> Entry {
    let file = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => Entry::read(file, text),
        Err(error) => Entry {
            file: file.clone(),
            text: String::new(),
            runbook: Err(vec![RunbookError {
                file,
                line: 0,
                field: "file".to_string(),
                message: format!("cannot read: {error}"),
            }]),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_runbooks_are_valid_and_a_local_file_replaces_one() {
        let catalog = Catalog::load(&[]);
        let ids: Vec<String> = catalog.entries.iter().map(Entry::id).collect();
        assert_eq!(
            ids,
            [
                "compromised-secret",
                "dr-drill",
                "new-secret-onboarding-check",
                "quarterly-access-review",
                "rotate-secret"
            ]
        );
        assert!(catalog.entries.iter().all(|e| e.runbook.is_ok()));

        let dir = tempfile::tempdir().unwrap();
        let text = include_str!("../../runbooks/rotate-secret.toml")
            .replace("title = \"", "title = \"Local: ");
        std::fs::write(dir.path().join("rotate.toml"), text).unwrap();
        std::fs::write(dir.path().join("broken.toml"), "[runbook]\nid = 3\n").unwrap();
        let catalog = Catalog::load(&[dir.path().to_path_buf()]);
        let rotate = catalog.find("rotate-secret").unwrap();
        assert!(rotate.file.ends_with("rotate.toml"));
        assert!(rotate.runbook.unwrap().meta.title.starts_with("Local: "));
        let broken = catalog.find("broken").unwrap();
        assert!(broken.runbook.is_err());
        let missing = catalog.find("nope").unwrap_err();
        assert!(
            missing.contains("known: broken, compromised-secret"),
            "{missing}"
        );
    }
}
