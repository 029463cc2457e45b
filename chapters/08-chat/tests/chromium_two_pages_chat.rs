//! Headless Chromium, the real thing: two pages (two tabs of one browser) open the chat
//! page from the server, join the same room as alice and bob, see each other in the
//! "online" list, and a message typed in one appears in the other. When bob leaves,
//! alice's page says so and drops him from the list.
//!
//! And the Origin policy against a real browser: a page served by one chat server
//! cannot open `/chat` on another (403, which the page sees as close code 1006), while
//! `/echo` (no policy) and its own server's `/chat` work.
#![allow(clippy::unwrap_used)] // in tests a panic is the failure report

mod common;

use common::start;
use wsbook_peers::run_in_chromium;

const TWO_PAGES: &str = r##"
  const context = await browser.newContext();
  const alice = await context.newPage();
  const bob = await context.newPage();
  watch(alice); watch(bob);
  const T = { timeout: 20000 };
  const lines = (page, selector) => page.$$eval(selector, (items) => items.map((li) => li.textContent));
  const someLine = (page, selector, text) => page.waitForFunction(
    ([s, t]) => [...document.querySelectorAll(s)].some((li) => li.textContent.startsWith(t)), [selector, text], T);

  for (const [page, nick] of [[alice, "alice"], [bob, "bob"]]) {
    await page.goto(process.env.PAGE_URL);
    await page.fill("#nick", nick);
    await page.fill("#room", "tabs");
    await page.click("#connect");
    await page.waitForSelector('#status[data-state="open"]', T);
  }
  await someLine(alice, "#online li", "bob");
  await someLine(bob, "#online li", "alice");

  await alice.fill("#text", "hello from alice");
  await alice.press("#text", "Enter");
  await someLine(bob, "#messages li.message", "alice: hello from alice");
  await bob.fill("#text", "hi alice <b>not bold</b>");
  await bob.click("#send");
  await someLine(alice, "#messages li.message", "bob: hi alice");

  const before = {
    alice: { protocol: await alice.textContent("#protocol"), online: await lines(alice, "#online li"),
             messages: await lines(alice, "#messages li.message"), bold: await alice.$$eval("#messages b", (b) => b.length) },
    bob: { protocol: await bob.textContent("#protocol"), online: await lines(bob, "#online li"),
           messages: await lines(bob, "#messages li.message") },
  };
  await alice.click("#who");
  await alice.waitForSelector("#who-table table", T);
  const who = await alice.$$eval("#who-table tr", (rows) => rows.map((r) => [...r.cells].map((c) => c.textContent)));
  await bob.click("#disconnect");
  await someLine(alice, "#messages li.notice", "bob left");
  await bob.waitForSelector('#status[data-state="closed"]', T);
  return {
    before, who,
    aliceAfter: { online: await lines(alice, "#online li"), notices: await lines(alice, "#messages li.notice") },
    bobStatus: await bob.textContent("#status"),
  };
"##;

#[test]
fn a_message_typed_in_one_page_appears_in_the_other() {
    let server = start(&[]);
    let result = run_in_chromium(
        TWO_PAGES,
        &[("PAGE_URL", format!("http://{}/", server.addr))],
    );
    let before = &result["before"];
    assert_eq!(before["alice"]["protocol"], "chat.v1");
    assert_eq!(before["bob"]["protocol"], "chat.v1");
    let online = |who: &str| -> Vec<String> {
        before[who]["online"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    assert!(
        online("alice")[0].starts_with("alice (you)"),
        "{:?}",
        online("alice")
    );
    assert!(
        online("alice")[1].starts_with("bob "),
        "{:?}",
        online("alice")
    );
    assert!(
        online("bob")[1].starts_with("bob (you)"),
        "{:?}",
        online("bob")
    );
    let expected = serde_json::json!(["alice: hello from alice", "bob: hi alice <b>not bold</b>"]);
    assert_eq!(before["alice"]["messages"], expected);
    assert_eq!(before["bob"]["messages"], expected);
    assert_eq!(
        before["alice"]["bold"], 0,
        "a message is text, never markup"
    );

    // The registry as the page shows it: a header row and one row per client.
    let who = result["who"].as_array().unwrap();
    assert_eq!(who.len(), 3, "{who:?}");
    assert_eq!(who[1][1], "alice");
    assert_eq!(who[1][2], "chat.v1");
    assert!(who[1][3].as_str().unwrap().starts_with("/chat?room=tabs"));
    assert!(
        who[2][5].as_str().unwrap().parse::<u64>().unwrap() > 0,
        "bob's bytes in"
    );

    let after = &result["aliceAfter"];
    assert_eq!(after["online"].as_array().unwrap().len(), 1, "{after}");
    assert!(
        after["notices"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n == "bob left (closed, 1000)"),
        "{after}"
    );
    assert!(
        result["bobStatus"]
            .as_str()
            .unwrap()
            .starts_with("closed 1000")
    );
    let log = server.log();
    assert!(log.contains("joined room tabs as \"alice\""), "{log}");
    assert!(log.contains("left room tabs (closed, 1000)"), "{log}");
    assert!(
        log.contains("Origin") || log.contains("/chat accepts pages from"),
        "{log}"
    );
}

const CROSS_ORIGIN: &str = r#"
  const page = await browser.newPage();
  watch(page);
  await page.goto(process.env.PAGE_URL);
  return await page.evaluate(async (other) => {
    const open = (url, protocols) => new Promise((resolve) => {
      const ws = protocols ? new WebSocket(url, protocols) : new WebSocket(url);
      ws.onopen = () => { resolve({ opened: true, protocol: ws.protocol }); ws.close(1000); };
      ws.onclose = (event) => resolve({ opened: false, code: event.code });
    });
    return {
      origin: location.origin,
      otherChat: await open(`ws://${other}/chat`, ["chat.v1"]),
      otherEcho: await open(`ws://${other}/echo`),
      ownChat: await open(`ws://${location.host}/chat`, ["chat.v1"]),
    };
  }, process.env.OTHER);
"#;

#[test]
fn a_page_from_another_origin_cannot_open_the_chat() {
    let home = start(&[]);
    let other = start(&[]);
    let result = run_in_chromium(
        CROSS_ORIGIN,
        &[
            ("PAGE_URL", format!("http://{}/", home.addr)),
            ("OTHER", other.addr.to_string()),
        ],
    );
    let origin = format!("http://{}", home.addr);
    assert_eq!(result["origin"], origin.as_str());
    assert_eq!(result["otherChat"]["opened"], false, "{result}");
    assert_eq!(
        result["otherChat"]["code"], 1006,
        "a refused handshake is 1006 to a page"
    );
    assert_eq!(
        result["otherEcho"]["opened"], true,
        "/echo has no Origin policy"
    );
    assert_eq!(result["ownChat"]["opened"], true);
    assert_eq!(result["ownChat"]["protocol"], "chat.v1");
    let log = other.log();
    assert!(
        log.contains(&format!(
            "403 Forbidden: Origin {origin} may not open /chat"
        )),
        "{log}"
    );
}
