//! Our client against Autobahn|Testsuite's fuzzing server (`wstest -m
//! fuzzingserver`): ask how many cases there are, run each one by echoing every
//! message until the server closes, then ask for the report.
//!
//! The protocol is Autobahn's: `/getCaseCount` sends the count as one text
//! message; `/runCase?case=N&agent=A` is case N, whose messages an echo client
//! sends back; `/updateReports?agent=A` writes the reports.

use std::fmt;

use ch06_ping_pong::HandshakeError;

use crate::client::connect_to;
use crate::connection::{CloseInfo, Config, Event};

/// Why a run stopped early.
#[derive(Debug)]
pub enum AutobahnError {
    /// A connection could not be opened.
    Connect(HandshakeError),
    /// `/getCaseCount` did not send a number.
    NoCaseCount(String),
    /// A connection ended without a `Closed` event (a bug in the driver).
    NoClose(String),
}

impl fmt::Display for AutobahnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AutobahnError::Connect(error) => write!(f, "{error}"),
            AutobahnError::NoCaseCount(got) => {
                write!(f, "/getCaseCount sent {got:?}, not a number")
            }
            AutobahnError::NoClose(url) => write!(f, "{url}: ended without a Closed event"),
        }
    }
}

impl std::error::Error for AutobahnError {}

/// Echoes every message on `url` until the connection closes; returns how it closed.
pub fn echo_until_closed(url: &str, config: Config) -> Result<CloseInfo, AutobahnError> {
    let mut ws = connect_to(url, config).map_err(AutobahnError::Connect)?;
    loop {
        match ws.read() {
            Some(Event::Message(message)) => {
                let _ = ws.with(|connection| connection.send_owned(message));
            }
            Some(Event::Closed(info)) => return Ok(info),
            Some(_) => {}
            None => return Err(AutobahnError::NoClose(url.to_string())),
        }
    }
}

/// Runs every case of the fuzzing server at `base` (`ws://127.0.0.1:9001`) as
/// `agent`, calling `progress(case, count, &close)` after each, then updates the
/// reports. Returns the number of cases run.
pub fn run_all(
    base: &str,
    agent: &str,
    config: Config,
    mut progress: impl FnMut(usize, usize, &CloseInfo),
) -> Result<usize, AutobahnError> {
    let base = base.trim_end_matches('/');
    let mut ws =
        connect_to(&format!("{base}/getCaseCount"), config).map_err(AutobahnError::Connect)?;
    let mut count = None;
    while let Some(event) = ws.read() {
        if let Event::Message(message) = event {
            let text = message.as_text().unwrap_or_default().trim().to_string();
            count = Some(
                text.parse::<usize>()
                    .map_err(|_| AutobahnError::NoCaseCount(text))?,
            );
        }
    }
    let count = count.ok_or_else(|| AutobahnError::NoCaseCount(String::new()))?;
    for case in 1..=count {
        let url = format!("{base}/runCase?case={case}&agent={agent}");
        let close = echo_until_closed(&url, config)?;
        progress(case, count, &close);
    }
    echo_until_closed(&format!("{base}/updateReports?agent={agent}"), config)?;
    Ok(count)
}
