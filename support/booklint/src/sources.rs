//! The checks on the book's sources (`book/src`) against the workspace.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::{Problem, chapters, files_with_extension, workspace_packages};

/// The cargo subcommands whose `-p NAME` must name a workspace package.
const CARGO_SUBCOMMANDS: &[&str] = &["run", "test", "bench", "build", "check", "clippy", "doc"];

/// Checks `book/src` under the workspace `root`; returns every problem found (empty: all good).
///
/// - `SUMMARY.md` exists, and every page it links exists;
/// - every chapter crate `chapters/<dir>` has the page `<dir>.md` in `SUMMARY.md`, and that
///   page names the chapter's package;
/// - every `{{#include path}}` / `{{#include path:anchor}}` in every page names a file that
///   exists and, for an anchor, a file with `ANCHOR: anchor` and `ANCHOR_END: anchor` lines;
/// - every `cargo <run|test|...> -p NAME` in every page names a workspace package.
pub fn check_sources(root: &Path) -> Vec<Problem> {
    let src = root.join("book").join("src");
    let summary_path = src.join("SUMMARY.md");
    let mut problems = Vec::new();
    let Ok(summary) = fs::read_to_string(&summary_path) else {
        problems.push(Problem::new(
            &summary_path,
            None,
            "the book has no SUMMARY.md",
        ));
        return problems;
    };

    let linked = summary_links(&summary);
    for (line, target) in &linked {
        if !src.join(target).is_file() {
            problems.push(Problem::new(
                &summary_path,
                Some(*line),
                format!("links {target}, which does not exist in book/src"),
            ));
        }
    }

    let linked_pages: BTreeSet<&str> = linked.iter().map(|(_, target)| target.as_str()).collect();
    for chapter in chapters(root) {
        let page = format!("{}.md", chapter.dir);
        if !linked_pages.contains(page.as_str()) {
            problems.push(Problem::new(
                &summary_path,
                None,
                format!(
                    "the chapter crate chapters/{} (package {}) has no page: write book/src/{page} and list it in SUMMARY.md",
                    chapter.dir, chapter.package
                ),
            ));
            continue;
        }
        if let Ok(text) = fs::read_to_string(src.join(&page))
            && !text.contains(&chapter.package)
        {
            problems.push(Problem::new(
                &src.join(&page),
                None,
                format!(
                    "the page of chapters/{} never names its package {}",
                    chapter.dir, chapter.package
                ),
            ));
        }
    }

    let packages = workspace_packages(root);
    for page in files_with_extension(&src, "md") {
        let Ok(text) = fs::read_to_string(&page) else {
            problems.push(Problem::new(&page, None, "cannot be read as UTF-8"));
            continue;
        };
        let base = page.parent().unwrap_or(&src).to_path_buf();
        for (line_index, line) in text.lines().enumerate() {
            let line_number = Some(line_index + 1);
            for include in includes(line) {
                if let Some(message) = check_include(&base, &include) {
                    problems.push(Problem::new(&page, line_number, message));
                }
            }
            for package in cargo_packages(line) {
                if !packages.contains_key(&package) {
                    problems.push(Problem::new(
                        &page,
                        line_number,
                        format!("`cargo ... -p {package}` names no package of the workspace"),
                    ));
                }
            }
        }
    }
    problems
}

/// The pages `SUMMARY.md` links to, with their line numbers. Draft chapters (`[Title]()`)
/// and external links are skipped.
fn summary_links(summary: &str) -> Vec<(usize, String)> {
    let mut links = Vec::new();
    for (index, line) in summary.lines().enumerate() {
        let mut rest = line;
        while let Some(start) = rest.find("](") {
            let after = &rest[start + 2..];
            let Some(end) = after.find(')') else { break };
            let target = after[..end].trim();
            let target = target.split('#').next().unwrap_or_default();
            if !target.is_empty() && !target.contains("://") {
                links.push((index + 1, target.to_string()));
            }
            rest = &after[end..];
        }
    }
    links
}

/// One `{{#include ...}}` (or `{{#rustdoc_include ...}}`) directive: the path and what follows
/// the first `:` (an anchor name, a line range, or nothing).
#[derive(Debug, PartialEq, Eq)]
struct Include {
    path: String,
    selector: Option<String>,
}

/// The include directives on one line. An escaped directive (`\{{#include ...}}`) is text,
/// not a directive, and is skipped.
fn includes(line: &str) -> Vec<Include> {
    let mut found = Vec::new();
    let mut offset = 0;
    while let Some(start) = line[offset..].find("{{#") {
        let start = offset + start;
        let escaped = start > 0 && line.as_bytes()[start - 1] == b'\\';
        let Some(len) = line[start..].find("}}") else {
            break;
        };
        let body = &line[start + 3..start + len];
        offset = start + len + 2;
        if escaped {
            continue;
        }
        let mut words = body.split_whitespace();
        let directive = words.next().unwrap_or_default();
        if directive != "include" && directive != "rustdoc_include" {
            continue;
        }
        let Some(argument) = words.next() else {
            found.push(Include {
                path: String::new(),
                selector: None,
            });
            continue;
        };
        let (path, selector) = match argument.split_once(':') {
            Some((path, selector)) => (path.to_string(), Some(selector.to_string())),
            None => (argument.to_string(), None),
        };
        found.push(Include { path, selector });
    }
    found
}

/// Whether an anchor line (`// ANCHOR: name`) names `name` after `marker`.
fn line_has_marker(line: &str, marker: &str, name: &str) -> bool {
    line.find(marker).is_some_and(|at| {
        let after = line[at + marker.len()..].trim_start();
        let word: String = after
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        word == name
    })
}

fn check_include(base: &Path, include: &Include) -> Option<String> {
    if include.path.is_empty() {
        return Some("an include directive without a path".to_string());
    }
    let target: PathBuf = base.join(&include.path);
    let Ok(text) = fs::read_to_string(&target) else {
        return Some(format!(
            "includes {}, which does not exist (or is not UTF-8)",
            include.path
        ));
    };
    let selector = include.selector.as_deref().unwrap_or_default();
    if selector.is_empty() || selector.chars().all(|c| c.is_ascii_digit() || c == ':') {
        return None; // the whole file, or a line range
    }
    let start = text
        .lines()
        .any(|line| line_has_marker(line, "ANCHOR:", selector));
    let end = text
        .lines()
        .any(|line| line_has_marker(line, "ANCHOR_END:", selector));
    match (start, end) {
        (true, true) => None,
        (false, _) => Some(format!(
            "includes anchor `{selector}` from {}, which has no `ANCHOR: {selector}` line",
            include.path
        )),
        (true, false) => Some(format!(
            "anchor `{selector}` in {} has no `ANCHOR_END: {selector}` line",
            include.path
        )),
    }
}

/// The package names given to `-p`/`--package` in the cargo commands on one line. A name with
/// an uppercase letter or angle brackets (`chNN-name`, `<package>`) is a placeholder, not a name.
fn cargo_packages(line: &str) -> Vec<String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let mut names = Vec::new();
    for (index, word) in words.iter().enumerate() {
        if word.trim_start_matches('`') != "cargo" {
            continue;
        }
        let Some(subcommand) = words.get(index + 1) else {
            continue;
        };
        if !CARGO_SUBCOMMANDS.contains(subcommand) {
            continue;
        }
        let mut next = index + 2;
        while let Some(word) = words.get(next) {
            if matches!(*word, "&&" | "||" | ";" | "|" | "#" | "--") || word.starts_with('#') {
                break;
            }
            let name = if *word == "-p" || *word == "--package" {
                next += 1;
                words.get(next).copied()
            } else if let Some(name) = word.strip_prefix("--package=") {
                Some(name)
            } else {
                word.strip_prefix("-p")
                    .filter(|name| !name.is_empty() && !name.starts_with('-'))
            };
            if let Some(name) = name {
                let name = name.trim_matches(|c: char| {
                    matches!(c, '`' | ',' | '.' | ';' | ')' | '(' | '"' | '\'')
                });
                let placeholder = name
                    .chars()
                    .any(|c| c.is_ascii_uppercase() || c == '<' || c == '>');
                if !name.is_empty() && !placeholder {
                    names.push(name.to_string());
                }
            }
            if words
                .get(next)
                .is_some_and(|consumed| consumed.contains('`'))
            {
                break; // the end of an inline code span
            }
            next += 1;
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests_support::Fixture;

    fn book_with_chapter_page(page: &str) -> Fixture {
        let fixture = Fixture::new();
        fixture.write(
            "Cargo.toml",
            "[workspace]\nmembers = [\"chapters/*\", \"support/*\"]\n",
        );
        fixture.write(
            "chapters/01-raw-tcp/Cargo.toml",
            "[package]\nname = \"ch01-raw-tcp\"\n",
        );
        fixture.write(
            "chapters/01-raw-tcp/src/lib.rs",
            "// ANCHOR: accept\nfn accept() {}\n// ANCHOR_END: accept\n",
        );
        fixture.write(
            "support/peers/Cargo.toml",
            "[package]\nname = \"wsbook-peers\"\n",
        );
        fixture.write(
            "book/src/SUMMARY.md",
            "# Summary\n\n- [Raw TCP](01-raw-tcp.md)\n",
        );
        fixture.write("book/src/01-raw-tcp.md", page);
        fixture
    }

    const GOOD_PAGE: &str = "# ch01-raw-tcp\n\n```rust\n{{#include ../../chapters/01-raw-tcp/src/lib.rs:accept}}\n```\n\n\
                             Run it: `cargo run -p ch01-raw-tcp -- --addr 127.0.0.1:8080`\n";

    #[test]
    fn a_complete_book_has_no_problems() {
        let fixture = book_with_chapter_page(GOOD_PAGE);
        assert_eq!(check_sources(&fixture.root), []);
    }

    #[test]
    fn fails_when_a_chapter_crate_has_no_page() {
        let fixture = book_with_chapter_page(GOOD_PAGE);
        fixture.write(
            "chapters/02-handshake/Cargo.toml",
            "[package]\nname = \"ch02-handshake\"\n",
        );
        let problems = check_sources(&fixture.root);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0]
                .message
                .contains("chapters/02-handshake (package ch02-handshake) has no page")
        );
    }

    #[test]
    fn fails_when_a_page_is_listed_but_missing() {
        let fixture = book_with_chapter_page(GOOD_PAGE);
        fixture.write(
            "book/src/SUMMARY.md",
            "- [Raw TCP](01-raw-tcp.md)\n- [Gone](gone.md)\n- [Draft]()\n",
        );
        let problems = check_sources(&fixture.root);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].line, Some(2));
        assert!(problems[0].message.contains("gone.md"));
    }

    #[test]
    fn fails_when_the_chapter_page_never_names_its_package() {
        let fixture = book_with_chapter_page("# Raw TCP\n");
        let problems = check_sources(&fixture.root);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0]
                .message
                .contains("never names its package ch01-raw-tcp")
        );
    }

    #[test]
    fn fails_on_a_missing_include_file_or_anchor() {
        let page = format!(
            "{GOOD_PAGE}{{{{#include ../../chapters/01-raw-tcp/src/gone.rs}}}}\n\
             {{{{#include ../../chapters/01-raw-tcp/src/lib.rs:renamed}}}}\n\
             {{{{#include ../../chapters/01-raw-tcp/src/lib.rs:2:3}}}}\n\
             \\{{{{#include not/a/directive.rs}}}}\n"
        );
        let fixture = book_with_chapter_page(&page);
        let problems = check_sources(&fixture.root);
        let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(problems.len(), 2, "{messages:?}");
        assert!(messages[0].contains("gone.rs, which does not exist"));
        assert!(messages[1].contains("anchor `renamed`"));
    }

    #[test]
    fn fails_on_an_anchor_without_its_end() {
        let fixture = book_with_chapter_page(GOOD_PAGE);
        fixture.write(
            "chapters/01-raw-tcp/src/lib.rs",
            "// ANCHOR: accept\nfn accept() {}\n",
        );
        let problems = check_sources(&fixture.root);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].message.contains("no `ANCHOR_END: accept`"));
    }

    #[test]
    fn fails_when_a_run_command_names_no_package() {
        let page = format!(
            "{GOOD_PAGE}\n```sh\ncargo test -p ch01-raw-tcp && cargo run -p ch09-missing -- --addr x\n```\n"
        );
        let fixture = book_with_chapter_page(&page);
        let problems = check_sources(&fixture.root);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].message.contains("-p ch09-missing"));
    }

    #[test]
    fn finds_package_names_in_all_the_spellings_of_a_cargo_command() {
        assert_eq!(
            cargo_packages("cargo run -p ch01-raw-tcp -- --addr 127.0.0.1:0"),
            ["ch01-raw-tcp"]
        );
        assert_eq!(
            cargo_packages("`cargo test -p ch02-handshake`, then"),
            ["ch02-handshake"]
        );
        assert_eq!(
            cargo_packages("cargo test --package=a -pb --package c"),
            ["a", "b", "c"]
        );
        assert_eq!(
            cargo_packages("cargo run --release -p ws-inspector -- decode x.pcap"),
            ["ws-inspector"]
        );
        assert_eq!(
            cargo_packages("cargo run -p chNN-name"),
            Vec::<String>::new()
        );
        assert_eq!(
            cargo_packages("cargo install mdbook -p x"),
            Vec::<String>::new()
        );
        assert_eq!(cargo_packages("git log -p"), Vec::<String>::new());
    }

    #[test]
    fn reads_include_directives() {
        assert_eq!(
            includes("{{#include ../a.rs:name}} and {{#rustdoc_include b.rs}} {{#title X}}"),
            [
                Include {
                    path: "../a.rs".into(),
                    selector: Some("name".into())
                },
                Include {
                    path: "b.rs".into(),
                    selector: None
                },
            ]
        );
        assert_eq!(includes("\\{{#include escaped.rs}}"), []);
    }
}
