//! A tiny command-line parser, std only, shared by every chapter's server.
//!
//! The chapters may depend on nothing but `std`, `sha1`, `base64` and `getrandom`, so
//! instead of `clap` they share this ~200-line parser. It knows three things:
//! options with a value (`--addr 127.0.0.1:0` or `--addr=127.0.0.1:0`), boolean flags
//! (`--verbose`), and positionals. `--help`/`-h` prints a usage text.
//!
//! ```
//! use ch01_raw_tcp::cli::Cli;
//!
//! let cli = Cli::new("ch01-raw-tcp", "Echoes bytes over raw TCP.")
//!     .option("--addr", "HOST:PORT", "127.0.0.1:8080", "address to listen on (port 0: any free port)")
//!     .flag("--verbose", "log more");
//! let args = ["--addr", "127.0.0.1:0"].map(String::from);
//! let parsed = cli.parse_from(args).unwrap();
//! assert_eq!(parsed.get("--addr"), "127.0.0.1:0");
//! assert!(!parsed.is_set("--verbose"));
//! ```

use std::fmt::{self, Write as _};
use std::str::FromStr;

/// Declares a program's options; turns argument lists into a [`Parsed`].
#[derive(Debug, Clone)]
pub struct Cli {
    program: String,
    about: String,
    options: Vec<Spec>,
    positionals: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
struct Spec {
    name: &'static str,
    /// `None` for a flag, `Some("HOST:PORT")` for an option that takes a value.
    value_name: Option<String>,
    default: String,
    help: String,
}

/// The result of parsing: every declared option has a value (its default if not given).
#[derive(Debug, Clone)]
pub struct Parsed {
    values: Vec<(&'static str, String)>,
    /// Every value given, in order, for options that may repeat (see [`Parsed::get_all`]).
    given: Vec<(&'static str, String)>,
    flags: Vec<(&'static str, bool)>,
    positionals: Vec<String>,
    usage: String,
}

/// Why an argument list was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CliError {
    /// `--help` or `-h` was given; the value is the usage text.
    HelpRequested(String),
    /// An option that was never declared, e.g. `--adr`.
    UnknownOption(String),
    /// An option that takes a value came last, with nothing after it.
    MissingValue(String),
    /// A flag was given a value (`--verbose=yes`).
    UnexpectedValue(String),
    /// A value that does not parse as the type the program asked for.
    InvalidValue {
        /// The option, e.g. `--addr`.
        option: String,
        /// What was given.
        value: String,
        /// Why it was refused (the `FromStr` error).
        reason: String,
    },
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::HelpRequested(usage) => f.write_str(usage),
            CliError::UnknownOption(name) => write!(f, "unknown option {name}"),
            CliError::MissingValue(name) => write!(f, "option {name} needs a value"),
            CliError::UnexpectedValue(name) => write!(f, "flag {name} takes no value"),
            CliError::InvalidValue {
                option,
                value,
                reason,
            } => {
                write!(f, "invalid value {value:?} for {option}: {reason}")
            }
        }
    }
}

impl std::error::Error for CliError {}

impl Cli {
    /// A parser for `program`; `about` is the first paragraph of `--help`.
    /// Every parser knows `--help` and `-h`.
    pub fn new(program: &str, about: &str) -> Self {
        Cli {
            program: program.to_string(),
            about: about.to_string(),
            options: Vec::new(),
            positionals: Vec::new(),
        }
    }

    /// Declares an option that takes a value: `name` is the long form (`"--addr"`),
    /// `value_name` what `--help` shows for its value (`"HOST:PORT"`), `default` the value
    /// when it is not given (`""` for "none").
    pub fn option(
        mut self,
        name: &'static str,
        value_name: &str,
        default: &str,
        help: &str,
    ) -> Self {
        self.options.push(Spec {
            name,
            value_name: Some(value_name.to_string()),
            default: default.to_string(),
            help: help.to_string(),
        });
        self
    }

    /// Declares the option every chapter server takes: `--addr HOST:PORT`, the address to
    /// listen on, [`DEFAULT_ADDR`](crate::DEFAULT_ADDR) when not given; port 0 picks any
    /// free port (tests use that, then read the `listening on` line).
    pub fn addr_option(self) -> Self {
        self.option(
            "--addr",
            "HOST:PORT",
            crate::DEFAULT_ADDR,
            "address to listen on (port 0: any free port)",
        )
    }

    /// Declares a boolean flag (`--verbose`); [`Parsed::is_set`] says whether it was given.
    pub fn flag(mut self, name: &'static str, help: &str) -> Self {
        self.options.push(Spec {
            name,
            value_name: None,
            default: String::new(),
            help: help.to_string(),
        });
        self
    }

    /// Documents a positional argument in `--help` (positionals are always collected,
    /// declared or not; see [`Parsed::positionals`]).
    pub fn positional(mut self, value_name: &str, help: &str) -> Self {
        self.positionals
            .push((value_name.to_string(), help.to_string()));
        self
    }

    /// The `--help` text.
    pub fn usage(&self) -> String {
        // Writing into a String cannot fail, so the fmt::Results are ignored.
        let mut usage = format!("{}\n\nUsage: {} [OPTIONS]", self.about, self.program);
        for (value_name, _) in &self.positionals {
            let _ = write!(usage, " {value_name}");
        }
        usage.push('\n');
        if !self.positionals.is_empty() {
            usage.push_str("\nArguments:\n");
            for (value_name, help) in &self.positionals {
                let _ = writeln!(usage, "  {value_name:<26} {help}");
            }
        }
        usage.push_str("\nOptions:\n");
        for spec in &self.options {
            let left = match &spec.value_name {
                Some(value_name) => format!("{} {value_name}", spec.name),
                None => spec.name.to_string(),
            };
            let default = if spec.value_name.is_some() && !spec.default.is_empty() {
                format!(" [default: {}]", spec.default)
            } else {
                String::new()
            };
            let _ = writeln!(usage, "  {left:<26} {}{default}", spec.help);
        }
        let _ = writeln!(usage, "  {:<26} print this help", "-h, --help");
        usage
    }

    /// Parses `std::env::args()` (without the program name). On `--help` prints the usage
    /// to stdout and exits 0; on any other error prints it and the usage to stderr and
    /// exits 2.
    pub fn parse_env(&self) -> Parsed {
        match self.parse_from(std::env::args().skip(1)) {
            Ok(parsed) => parsed,
            Err(error) => exit_with(&error, &self.usage()),
        }
    }

    /// Parses an argument list that does **not** start with the program name
    /// (`["--addr", "127.0.0.1:0"]`). Later occurrences of an option win.
    /// `--` ends the options: everything after it is positional.
    pub fn parse_from(&self, args: impl IntoIterator<Item = String>) -> Result<Parsed, CliError> {
        let mut values: Vec<(&'static str, String)> = self
            .options
            .iter()
            .filter(|spec| spec.value_name.is_some())
            .map(|spec| (spec.name, spec.default.clone()))
            .collect();
        let mut flags: Vec<(&'static str, bool)> = self
            .options
            .iter()
            .filter(|spec| spec.value_name.is_none())
            .map(|spec| (spec.name, false))
            .collect();
        let mut given = Vec::new();
        let mut positionals = Vec::new();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            if arg == "--" {
                positionals.extend(args.by_ref());
                break;
            }
            if arg == "--help" || arg == "-h" {
                return Err(CliError::HelpRequested(self.usage()));
            }
            if !arg.starts_with('-') || arg == "-" {
                positionals.push(arg);
                continue;
            }
            // `--name=value` or `--name value`.
            let (name, inline_value) = match arg.split_once('=') {
                Some((name, value)) => (name.to_string(), Some(value.to_string())),
                None => (arg.clone(), None),
            };
            let Some(spec) = self.options.iter().find(|spec| spec.name == name) else {
                return Err(CliError::UnknownOption(name));
            };
            if spec.value_name.is_none() {
                if inline_value.is_some() {
                    return Err(CliError::UnexpectedValue(name));
                }
                if let Some(flag) = flags.iter_mut().find(|(n, _)| *n == spec.name) {
                    flag.1 = true;
                }
                continue;
            }
            let value = match inline_value {
                Some(value) => value,
                None => args
                    .next()
                    .ok_or_else(|| CliError::MissingValue(name.clone()))?,
            };
            given.push((spec.name, value.clone()));
            if let Some(slot) = values.iter_mut().find(|(n, _)| *n == spec.name) {
                slot.1 = value;
            }
        }
        Ok(Parsed {
            values,
            given,
            flags,
            positionals,
            usage: self.usage(),
        })
    }
}

/// Prints `error` (and the usage, unless it *is* the usage) and exits: 0 for `--help`, 2 otherwise.
fn exit_with(error: &CliError, usage: &str) -> ! {
    if let CliError::HelpRequested(usage) = error {
        print!("{usage}");
        std::process::exit(0);
    }
    eprintln!("error: {error}\n\n{usage}");
    std::process::exit(2);
}

fn normalise(name: &str) -> String {
    if name.starts_with('-') {
        name.to_string()
    } else {
        format!("--{name}")
    }
}

impl Parsed {
    /// The value of an option (`"--addr"`; `"addr"` works too): what was given, else its default.
    ///
    /// # Panics
    /// If the option was never declared: that is a bug in the program, not bad input.
    pub fn get(&self, name: &str) -> &str {
        let name = normalise(name);
        match self.values.iter().find(|(n, _)| *n == name) {
            Some((_, value)) => value,
            None => panic!("option {name} was not declared with Cli::option"),
        }
    }

    /// Every value given for an option, in order, for options that may be repeated
    /// (`--allow-origin A --allow-origin B`); empty if it was not given (the default is
    /// not included). [`Parsed::get`] returns only the last one.
    ///
    /// # Panics
    /// If the option was never declared: that is a bug in the program, not bad input.
    pub fn get_all(&self, name: &str) -> Vec<&str> {
        let name = normalise(name);
        assert!(
            self.values.iter().any(|(n, _)| *n == name),
            "option {name} was not declared with Cli::option"
        );
        self.given
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, value)| value.as_str())
            .collect()
    }

    /// The value of an option parsed as `T` (a number, a `SocketAddr`, ...).
    pub fn get_parsed<T>(&self, name: &str) -> Result<T, CliError>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        let value = self.get(name);
        value
            .parse()
            .map_err(|error: T::Err| CliError::InvalidValue {
                option: normalise(name),
                value: value.to_string(),
                reason: error.to_string(),
            })
    }

    /// Like [`Parsed::get_parsed`], but an invalid value prints the error and the usage
    /// to stderr and exits 2 — what a `main` usually wants.
    pub fn get_parsed_or_exit<T>(&self, name: &str) -> T
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        match self.get_parsed(name) {
            Ok(value) => value,
            Err(error) => exit_with(&error, &self.usage),
        }
    }

    /// Whether a flag was given.
    ///
    /// # Panics
    /// If the flag was never declared with [`Cli::flag`].
    pub fn is_set(&self, flag: &str) -> bool {
        let flag = normalise(flag);
        match self.flags.iter().find(|(n, _)| *n == flag) {
            Some((_, set)) => *set,
            None => panic!("flag {flag} was not declared with Cli::flag"),
        }
    }

    /// The arguments that were not options, in order.
    pub fn positionals(&self) -> &[String] {
        &self.positionals
    }

    /// The `--help` text of the parser that produced this.
    pub fn usage(&self) -> &str {
        &self.usage
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a panic is the failure report
mod tests {
    use super::*;

    fn cli() -> Cli {
        Cli::new("demo", "A demo.")
            .option("--addr", "HOST:PORT", "127.0.0.1:8080", "where to listen")
            .option("--timeout", "SECONDS", "30", "read timeout")
            .flag("--verbose", "log more")
    }

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_string()).collect()
    }

    #[test]
    fn defaults_apply_when_nothing_is_given() {
        let parsed = cli().parse_from(args(&[])).unwrap();
        assert_eq!(parsed.get("--addr"), "127.0.0.1:8080");
        assert_eq!(parsed.get("addr"), "127.0.0.1:8080");
        assert_eq!(parsed.get_parsed::<u64>("--timeout"), Ok(30));
        assert!(!parsed.is_set("--verbose"));
        assert!(parsed.positionals().is_empty());
    }

    #[test]
    fn both_value_forms_flags_and_positionals() {
        let parsed = cli()
            .parse_from(args(&[
                "--addr",
                "0.0.0.0:1",
                "file.pcap",
                "--timeout=5",
                "--verbose",
            ]))
            .unwrap();
        assert_eq!(parsed.get("--addr"), "0.0.0.0:1");
        assert_eq!(parsed.get_parsed::<u64>("--timeout"), Ok(5));
        assert!(parsed.is_set("--verbose"));
        assert_eq!(parsed.positionals(), ["file.pcap"]);
    }

    #[test]
    fn last_occurrence_wins_and_double_dash_ends_options() {
        let parsed = cli()
            .parse_from(args(&["--addr", "a:1", "--addr", "b:2", "--", "--verbose"]))
            .unwrap();
        assert_eq!(parsed.get("--addr"), "b:2");
        assert_eq!(parsed.get_all("--addr"), ["a:1", "b:2"]);
        assert!(
            parsed.get_all("--timeout").is_empty(),
            "defaults are not given values"
        );
        assert!(!parsed.is_set("--verbose"));
        assert_eq!(parsed.positionals(), ["--verbose"]);
    }

    #[test]
    fn errors_name_the_problem() {
        assert_eq!(
            cli().parse_from(args(&["--adr", "x"])).unwrap_err(),
            CliError::UnknownOption("--adr".into())
        );
        assert_eq!(
            cli().parse_from(args(&["--addr"])).unwrap_err(),
            CliError::MissingValue("--addr".into())
        );
        assert_eq!(
            cli().parse_from(args(&["--verbose=yes"])).unwrap_err(),
            CliError::UnexpectedValue("--verbose".into())
        );
        let parsed = cli().parse_from(args(&["--timeout", "soon"])).unwrap();
        let error = parsed.get_parsed::<u64>("--timeout").unwrap_err();
        assert!(
            matches!(&error, CliError::InvalidValue { option, value, .. } if option == "--timeout" && value == "soon")
        );
        assert!(
            error
                .to_string()
                .contains("invalid value \"soon\" for --timeout")
        );
    }

    #[test]
    fn help_lists_every_option_with_its_default() {
        let error = cli().parse_from(args(&["-h"])).unwrap_err();
        let CliError::HelpRequested(usage) = error else {
            panic!("expected help, got {error:?}")
        };
        assert!(usage.starts_with("A demo.\n\nUsage: demo [OPTIONS]"));
        assert!(usage.contains("--addr HOST:PORT"));
        assert!(usage.contains("[default: 127.0.0.1:8080]"));
        assert!(usage.contains("--verbose"));
        assert!(usage.contains("-h, --help"));
        assert_eq!(
            cli().parse_from(args(&["--help"])).unwrap_err(),
            CliError::HelpRequested(usage)
        );
    }
}
