//! `booklint`: checks the book's sources against the workspace, or the site mdBook built.
//!
//! ```text
//! booklint sources [--root DIR]   # book/src: pages for every chapter, includes, anchors, cargo -p names
//! booklint html DIR               # the built site: no unexpanded {{#...}}, no dead relative links
//! ```
//!
//! Prints one line per problem on stdout (`path:line: message`) and exits 1 if there was any,
//! 0 if there was none, 2 on a usage error.

use std::path::PathBuf;
use std::process::ExitCode;

use wsbook_booklint::{Problem, check_html, check_sources};

const USAGE: &str =
    "usage: booklint sources [--root DIR]   check book/src against the workspace (default root: .)
       booklint html DIR               check the site mdBook built in DIR";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    let (what, problems): (&str, Vec<Problem>) = match words.as_slice() {
        ["-h" | "--help"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        ["sources"] => ("book/src", check_sources(&PathBuf::from("."))),
        ["sources", "--root", root] => ("book/src", check_sources(&PathBuf::from(root))),
        ["html", site] => ("the built book", check_html(&PathBuf::from(site))),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    for problem in &problems {
        println!("{problem}");
    }
    if problems.is_empty() {
        eprintln!("booklint: {what}: no problems");
        ExitCode::SUCCESS
    } else {
        eprintln!("booklint: {what}: {} problem(s)", problems.len());
        ExitCode::FAILURE
    }
}
