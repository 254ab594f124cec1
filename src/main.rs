//! The `orch` binary: parse, run, turn the result into an exit code.

fn main() -> std::process::ExitCode {
    orch::main_entry()
}
