//! `ws-inspector`: see `ws-inspector --help` and the library's `cli` module.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    ws_inspector::cli::main()
}
