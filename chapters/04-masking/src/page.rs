//! The browser page every chapter server from here on serves at `GET /`.
//!
//! One self-contained HTML file ([`TEMPLATE`], no external assets) with a live event
//! log (connect, `onopen`, `onmessage` for text and binary with `binaryType` switchable
//! between `blob` and `arraybuffer`, `onerror`, `onclose` with code, reason and
//! `wasClean`), `readyState` shown live, and controls to send text, send binary and
//! close with a code and reason. A chapter fills its slots with a [`Page`]: a title,
//! an introduction, extra controls and a script that uses the page's small JavaScript
//! API (`wsbook.send`, `wsbook.log`, `wsbook.on("message", fn)`, ...; see the
//! template's first script).
//!
//! ```
//! use ch04_masking::page::Page;
//!
//! let html = Page {
//!     title: "Chapter 05: fragmentation",
//!     intro_html: "<p>Messages, not frames.</p>",
//!     ws_path: "/echo",
//!     controls_html: r#"<button id="big">send 100,000 characters</button>"#,
//!     script: r#"document.getElementById("big").onclick = () => wsbook.send("x".repeat(100000));"#,
//! }
//! .render();
//! assert!(html.contains("<title>wsbook — Chapter 05: fragmentation</title>"));
//! assert!(html.contains(r#"<button id="big">"#));
//! ```

/// The page, with `{{title}}`, `{{intro}}`, `{{ws_path}}`, `{{controls}}` and
/// `{{script}}` slots.
pub const TEMPLATE: &str = include_str!("page.html");

/// What a chapter puts into the [`TEMPLATE`]'s slots.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Page<'a> {
    /// Heading and `<title>`, e.g. `Chapter 04: masking` (plain text).
    pub title: &'a str,
    /// HTML shown under the heading: what this chapter's server does, and does not do yet.
    pub intro_html: &'a str,
    /// The WebSocket path the URL field starts with, e.g. `/echo`.
    pub ws_path: &'a str,
    /// HTML for extra controls (a `<fieldset>` is a good fit), placed above the log.
    pub controls_html: &'a str,
    /// JavaScript run after the page's own script; `wsbook` is in scope.
    pub script: &'a str,
}

impl Page<'_> {
    /// The whole HTML document. Slots are filled in one pass over the template, so
    /// text in one slot that looks like `{{slot}}` is left alone.
    pub fn render(&self) -> String {
        let mut out =
            String::with_capacity(TEMPLATE.len() + self.intro_html.len() + self.script.len());
        let mut rest = TEMPLATE;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find("}}") else {
                out.push_str(&rest[start..]);
                return out;
            };
            match self.slot(&after[..end]) {
                Some(value) => out.push_str(value),
                None => out.push_str(&rest[start..start + 2 + end + 2]),
            }
            rest = &after[end + 2..];
        }
        out.push_str(rest);
        out
    }

    fn slot(&self, name: &str) -> Option<&str> {
        match name {
            "title" => Some(self.title),
            "intro" => Some(self.intro_html),
            "ws_path" => Some(self.ws_path),
            "controls" => Some(self.controls_html),
            "script" => Some(self.script),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_slot_is_filled_once_and_nothing_is_left_over() {
        let html = Page {
            title: "T",
            intro_html: "<p>intro {{script}}</p>",
            ws_path: "/ws",
            controls_html: "<fieldset id=extra></fieldset>",
            script: "wsbook.log('info', 'hi');",
        }
        .render();
        assert!(html.contains("<title>wsbook — T</title>"));
        assert!(html.contains("<h1>T</h1>"));
        assert!(
            html.contains("<p>intro {{script}}</p>"),
            "slot text is not re-expanded"
        );
        assert!(html.contains("ws://${location.host}/ws"));
        assert!(html.contains("<fieldset id=extra></fieldset>"));
        assert!(html.contains("wsbook.log('info', 'hi');"));
        for slot in ["{{title}}", "{{intro}}", "{{ws_path}}", "{{controls}}"] {
            assert!(!html.contains(slot), "{slot} left in the page");
        }
    }

    #[test]
    fn the_page_has_every_control_the_chapters_rely_on_and_no_external_assets() {
        let html = Page::default().render();
        for id in [
            "url",
            "connect",
            "state",
            "buffered",
            "binary-type",
            "text",
            "send-text",
            "hex",
            "send-binary",
            "close-code",
            "close-reason",
            "close",
            "log",
        ] {
            assert!(html.contains(&format!("id=\"{id}\"")), "missing #{id}");
        }
        // The one link is the empty inline favicon, so the browser does not ask for /favicon.ico.
        assert!(html.contains(r#"<link rel="icon" href="data:,">"#));
        for external in ["src=", "http://", "https://", "@import", "url("] {
            assert!(!html.contains(external), "external asset: {external}");
        }
    }
}
