//! One broken rule of RFC 6455, in a shape every chapter shares.
//!
//! Each chapter has its own error enum whose variants name the rule they check
//! (`UnmaskedClientFrame`, `InvalidUtf8`, ...). They all convert into this one
//! struct so that a server can pick the close code and the inspector can print
//! the rule and its section without knowing which chapter found it.

use std::fmt;

/// A rule of RFC 6455 that some bytes break.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The rule's name, e.g. `"UnmaskedClientFrame"`.
    pub rule: &'static str,
    /// The RFC section that states the rule, e.g. `"5.1"`.
    pub section: &'static str,
    /// The close code an endpoint sends when it fails the connection for this rule
    /// (1002 protocol error, 1007 invalid data, 1009 too big).
    pub close_code: u16,
    /// A sentence for humans.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "§{} {} ({})",
            self.section, self.message, self.close_code
        )
    }
}

impl std::error::Error for Violation {}
