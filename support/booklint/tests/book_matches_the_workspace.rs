//! The real book against the real workspace: every chapter crate has a page in SUMMARY.md
//! that names its package, every include and anchor exists, and every `cargo ... -p NAME`
//! in the book names a package that exists. Adding a chapter crate without its page fails here.

use std::path::Path;

#[test]
fn every_chapter_has_a_page_and_every_include_and_command_resolves() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap();
    let chapters = wsbook_booklint::chapters(&root);
    assert!(
        chapters.iter().any(|c| c.package == "ch01-raw-tcp"),
        "found no chapter crates under {}: {chapters:?}",
        root.display()
    );
    let problems = wsbook_booklint::check_sources(&root);
    let report: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert!(
        problems.is_empty(),
        "the book does not match the workspace:\n{}",
        report.join("\n")
    );
}

#[test]
fn knows_every_workspace_package_the_book_may_name() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap();
    let packages = wsbook_booklint::workspace_packages(&root);
    for name in ["ch01-raw-tcp", "wsbook-peers", "wsbook-booklint"] {
        assert!(
            packages.contains_key(name),
            "{name} missing from {:?}",
            packages.keys()
        );
    }
}
