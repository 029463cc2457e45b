//! Checks that the book (`book/`) stays true to the code it teaches.
//!
//! mdBook happily builds a page whose `{{#include}}` names a file that has moved (it logs an
//! error and leaves the directive in the page) or an anchor that was renamed (it includes
//! nothing), and it never checks links between pages. A learner who meets an empty listing,
//! a dead link or a `cargo run -p` for a package that does not exist stops trusting the book.
//! This crate checks what mdBook does not:
//!
//! - [`check_sources`] reads `book/src` and the workspace: every chapter crate (`chapters/*`)
//!   has a page listed in `SUMMARY.md` that names its package; every page listed in
//!   `SUMMARY.md` exists; every `{{#include path:anchor}}` names a file that exists and an
//!   anchor that file defines; every `cargo run|test|bench|build -p NAME` in a page names a
//!   package of the workspace.
//! - [`check_html`] reads the site mdBook built: no `{{#` left unexpanded, and every relative
//!   `href`/`src` resolves to a file (and, with a `#fragment`, to an element with that id).
//!
//! `scripts/book.sh` runs both through the `booklint` binary after `mdbook build`; the test in
//! `tests/book_matches_the_workspace.rs` runs [`check_sources`] on the real repository as part
//! of every `cargo test`, so a new chapter crate without a page fails the build.
//!
//! # Layout
//! - `lib.rs`: [`Problem`], and reading the workspace (its packages and chapter crates).
//! - `sources.rs`: [`check_sources`], the checks on `book/src`.
//! - `html.rs`: [`check_html`], the checks on the built site.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

mod html;
mod sources;

pub use html::check_html;
pub use sources::check_sources;

/// One thing wrong with the book: where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file the problem is in.
    pub path: PathBuf,
    /// The 1-based line, when the problem is on one line.
    pub line: Option<usize>,
    /// What is wrong, and what to do about it.
    pub message: String,
}

impl Problem {
    fn new(path: &Path, line: Option<usize>, message: impl Into<String>) -> Problem {
        Problem {
            path: path.to_path_buf(),
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.path.display(), self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

/// A chapter crate: `chapters/01-raw-tcp` with package `ch01-raw-tcp`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chapter {
    /// The directory name under `chapters/`, e.g. `01-raw-tcp`; its page is `book/src/<dir>.md`.
    pub dir: String,
    /// The package name from its `Cargo.toml`.
    pub package: String,
}

/// The `name` in the `[package]` table of a `Cargo.toml`, if there is one.
fn package_name(manifest: &str) -> Option<String> {
    let mut in_package = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_package = line == "[package]";
            continue;
        }
        if in_package && let Some(rest) = line.strip_prefix("name") {
            let value = rest.trim_start().strip_prefix('=')?.trim();
            return Some(value.trim_matches('"').to_string());
        }
    }
    None
}

/// The member patterns of the root `Cargo.toml`: `members = ["chapters/*", "inspector", ...]`.
fn member_patterns(manifest: &str) -> Vec<String> {
    let Some(start) = manifest.find("members") else {
        return Vec::new();
    };
    let rest = &manifest[start..];
    let (Some(open), Some(close)) = (rest.find('['), rest.find(']')) else {
        return Vec::new();
    };
    if close < open {
        return Vec::new();
    }
    rest[open + 1..close]
        .split(',')
        .map(|item| item.trim().trim_matches('"').to_string())
        .filter(|item| !item.is_empty())
        .collect()
}

fn sorted_subdirs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| path.is_dir())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs
}

/// Every package of the workspace rooted at `root`, by name, with its directory. Member
/// patterns may end in `/*` (every subdirectory with a `Cargo.toml`).
pub fn workspace_packages(root: &Path) -> BTreeMap<String, PathBuf> {
    let mut packages = BTreeMap::new();
    let Ok(manifest) = fs::read_to_string(root.join("Cargo.toml")) else {
        return packages;
    };
    if let Some(name) = package_name(&manifest) {
        packages.insert(name, root.to_path_buf());
    }
    for pattern in member_patterns(&manifest) {
        let dirs = match pattern.strip_suffix("/*") {
            Some(parent) => sorted_subdirs(&root.join(parent)),
            None => vec![root.join(&pattern)],
        };
        for dir in dirs {
            if let Ok(text) = fs::read_to_string(dir.join("Cargo.toml"))
                && let Some(name) = package_name(&text)
            {
                packages.insert(name, dir);
            }
        }
    }
    packages
}

/// The chapter crates: every directory under `chapters/` that has a `Cargo.toml` with a package.
pub fn chapters(root: &Path) -> Vec<Chapter> {
    sorted_subdirs(&root.join("chapters"))
        .into_iter()
        .filter_map(|dir| {
            let manifest = fs::read_to_string(dir.join("Cargo.toml")).ok()?;
            let package = package_name(&manifest)?;
            let name = dir.file_name()?.to_str()?.to_string();
            Some(Chapter { dir: name, package })
        })
        .collect()
}

/// Every file under `dir` whose name ends with `extension`, sorted, recursively.
fn files_with_extension(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        let Ok(entries) = fs::read_dir(&current) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|ext| ext == extension) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

#[cfg(test)]
pub(crate) mod tests_support {
    use std::fs;
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A scratch directory tree for one test, removed when dropped.
    pub(crate) struct Fixture {
        pub(crate) root: PathBuf,
    }

    impl Fixture {
        pub(crate) fn new() -> Fixture {
            static COUNTER: AtomicUsize = AtomicUsize::new(0);
            let n = COUNTER.fetch_add(1, Ordering::SeqCst);
            let root = std::env::temp_dir().join(format!("booklint-{}-{n}", std::process::id()));
            let _ = fs::remove_dir_all(&root);
            fs::create_dir_all(&root).unwrap();
            Fixture { root }
        }

        pub(crate) fn write(&self, relative: &str, text: &str) {
            let path = self.root.join(relative);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
    }

    impl Drop for Fixture {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.root);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_package_name_only_from_the_package_table() {
        let manifest = "[workspace]\nname = \"not-this\"\n\n[package]\nname = \"ch01-raw-tcp\"\nversion = \"1\"\n";
        assert_eq!(package_name(manifest).as_deref(), Some("ch01-raw-tcp"));
        assert_eq!(package_name("[workspace]\nmembers = []\n"), None);
    }

    #[test]
    fn reads_member_patterns() {
        let manifest = "[workspace]\nresolver = \"3\"\nmembers = [\"chapters/*\", \"inspector\",\n  \"support/*\"]\n";
        assert_eq!(
            member_patterns(manifest),
            ["chapters/*", "inspector", "support/*"]
        );
    }

    #[test]
    fn problems_print_as_path_line_message() {
        let problem = Problem::new(Path::new("book/src/x.md"), Some(3), "broken");
        assert_eq!(problem.to_string(), "book/src/x.md:3: broken");
        let problem = Problem::new(Path::new("book/src/x.md"), None, "broken");
        assert_eq!(problem.to_string(), "book/src/x.md: broken");
    }
}
