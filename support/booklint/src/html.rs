//! The checks on the site mdBook built (`target/book` by default).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Component, Path, PathBuf};

use crate::{Problem, files_with_extension};

/// Checks every `.html` file under `site`; returns every problem found (empty: all good).
///
/// - no `{{#` is left in a page: an include or other mdBook directive that did not expand;
/// - every relative `href="..."` and `src="..."` resolves to a file under `site` (a directory
///   means its `index.html`), and a `#fragment` to an element with that `id` in the target page.
///
/// Links with a scheme (`https:`, `mailto:`, `data:`...) and protocol-relative links are not
/// followed: this checks the book, not the internet.
pub fn check_html(site: &Path) -> Vec<Problem> {
    let mut problems = Vec::new();
    let pages = files_with_extension(site, "html");
    if pages.is_empty() {
        problems.push(Problem::new(
            site,
            None,
            "no HTML files: was the book built?",
        ));
        return problems;
    }
    let mut ids: BTreeMap<PathBuf, BTreeSet<String>> = BTreeMap::new();
    for page in &pages {
        let Ok(text) = fs::read_to_string(page) else {
            problems.push(Problem::new(page, None, "cannot be read as UTF-8"));
            continue;
        };
        // mdBook's 404 page sets <base href="/">: its relative links start at the site root.
        let base = if text.contains("<base href=\"/\"") {
            site.to_path_buf()
        } else {
            page.parent().unwrap_or(site).to_path_buf()
        };
        for (index, line) in text.lines().enumerate() {
            if line.contains("{{#") {
                problems.push(Problem::new(
                    page,
                    Some(index + 1),
                    "an mdBook directive `{{#...}}` was not expanded",
                ));
            }
            for link in attribute_values(line, "href")
                .into_iter()
                .chain(attribute_values(line, "src"))
            {
                if let Some(message) = check_link(site, page, &base, &link, &mut ids) {
                    problems.push(Problem::new(page, Some(index + 1), message));
                }
            }
        }
    }
    problems
}

/// The values of `name="..."` attributes on one line of HTML, with `&amp;` decoded.
fn attribute_values(line: &str, name: &str) -> Vec<String> {
    let pattern = format!("{name}=\"");
    let mut values = Vec::new();
    let mut rest = line;
    while let Some(start) = rest.find(&pattern) {
        // Only a whole attribute name: ` href="`, not `data-href="`.
        let preceded_by_space = start == 0 || rest.as_bytes()[start - 1].is_ascii_whitespace();
        let after = &rest[start + pattern.len()..];
        let Some(end) = after.find('"') else { break };
        if preceded_by_space {
            values.push(after[..end].replace("&amp;", "&"));
        }
        rest = &after[end + 1..];
    }
    values
}

fn is_external(link: &str) -> bool {
    if link.starts_with("//") {
        return true;
    }
    // A scheme: letters, digits, +, -, . before the first ':' (and before any '/').
    match link.find(':') {
        Some(colon) => {
            let scheme = &link[..colon];
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
                && !link[..colon].contains('/')
        }
        None => false,
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(byte) = text
                .get(i + 1..i + 3)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `base/relative` with `.` and `..` resolved; `None` if it climbs out of `site`.
fn resolve(site: &Path, base: &Path, relative: &str) -> Option<PathBuf> {
    let start = if relative.starts_with('/') {
        site
    } else {
        base
    };
    let mut path = start.to_path_buf();
    for component in Path::new(relative.trim_start_matches('/')).components() {
        match component {
            Component::ParentDir if !path.pop() => {
                return None;
            }
            Component::Normal(part) => path.push(part),
            _ => {}
        }
    }
    path.starts_with(site).then_some(path)
}

fn ids_of(page: &Path, ids: &mut BTreeMap<PathBuf, BTreeSet<String>>) -> BTreeSet<String> {
    ids.entry(page.to_path_buf())
        .or_insert_with(|| {
            let text = fs::read_to_string(page).unwrap_or_default();
            text.lines()
                .flat_map(|line| attribute_values(line, "id"))
                .collect()
        })
        .clone()
}

fn check_link(
    site: &Path,
    page: &Path,
    base: &Path,
    link: &str,
    ids: &mut BTreeMap<PathBuf, BTreeSet<String>>,
) -> Option<String> {
    if link.is_empty() || is_external(link) {
        return None;
    }
    let (without_fragment, fragment) = match link.split_once('#') {
        Some((path, fragment)) => (path, Some(fragment)),
        None => (link, None),
    };
    let path_part = without_fragment.split('?').next().unwrap_or_default();
    let target = if path_part.is_empty() {
        page.to_path_buf()
    } else {
        let Some(mut target) = resolve(site, base, &percent_decode(path_part)) else {
            return Some(format!("`{link}` points outside the book"));
        };
        if target.is_dir() {
            target.push("index.html");
        }
        if !target.is_file() {
            return Some(format!("`{link}` points to a file that does not exist"));
        }
        target
    };
    let fragment = fragment.map(percent_decode).unwrap_or_default();
    let is_html = target.extension().is_some_and(|ext| ext == "html");
    if !fragment.is_empty() && is_html && !ids_of(&target, ids).contains(&fragment) {
        return Some(format!(
            "`{link}`: the target page has no element with id `{fragment}`"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests_support::Fixture;

    fn site() -> Fixture {
        let fixture = Fixture::new();
        fixture.write(
            "index.html",
            "<a href=\"chapter.html#run-it\">run</a> <img src=\"img/f.svg\"> <a href=\"https://example.com/x\">x</a>\n\
             <a href=\"#top\">top</a> <h1 id=\"top\">T</h1> <a href=\"sub/\">sub</a> <a href=\"mailto:a@b\">m</a>\n",
        );
        fixture.write(
            "chapter.html",
            "<h2 id=\"run-it\">Run it</h2><a href=\"index.html?x=1&amp;y=2\">back</a>\n",
        );
        fixture.write("img/f.svg", "<svg/>");
        fixture.write("sub/index.html", "<a href=\"../chapter.html\">up</a>\n");
        fixture
    }

    #[test]
    fn a_site_whose_links_all_resolve_has_no_problems() {
        let fixture = site();
        assert_eq!(check_html(&fixture.root), []);
    }

    #[test]
    fn fails_on_a_dead_link_a_missing_image_and_a_missing_fragment() {
        let fixture = site();
        fixture.write(
            "chapter.html",
            "<h2 id=\"run-it\">Run it</h2>\n<a href=\"gone.html\">x</a>\n<img src=\"img/none.svg\">\n<a href=\"index.html#nowhere\">y</a>\n",
        );
        let problems = check_html(&fixture.root);
        let messages: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(problems.len(), 3, "{messages:?}");
        assert!(messages[0].contains(":2: `gone.html` points to a file that does not exist"));
        assert!(messages[1].contains(":3: `img/none.svg`"));
        assert!(messages[2].contains(
            ":4: `index.html#nowhere`: the target page has no element with id `nowhere`"
        ));
    }

    #[test]
    fn fails_on_an_unexpanded_directive() {
        let fixture = site();
        fixture.write(
            "chapter.html",
            "<h2 id=\"run-it\">R</h2><pre>{{#include ../x.rs:anchor}}</pre>\n",
        );
        let problems = check_html(&fixture.root);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].message.contains("not expanded"));
    }

    #[test]
    fn fails_on_a_link_out_of_the_site() {
        let fixture = site();
        fixture.write(
            "chapter.html",
            "<h2 id=\"run-it\">R</h2><a href=\"../../etc/passwd\">x</a>\n",
        );
        let problems = check_html(&fixture.root);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].message.contains("outside the book"));
    }

    #[test]
    fn fails_when_there_is_no_site() {
        let fixture = Fixture::new();
        assert_eq!(check_html(&fixture.root).len(), 1);
    }

    #[test]
    fn tells_external_links_from_relative_ones() {
        assert!(is_external("https://example.com"));
        assert!(is_external("mailto:x@y"));
        assert!(is_external("//cdn.example.com/x.js"));
        assert!(!is_external("chapter.html"));
        assert!(!is_external("a/b:c.html"));
        assert_eq!(percent_decode("a%20b%2"), "a b%2");
    }
}
