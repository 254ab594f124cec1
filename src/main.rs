//! The `orch` binary: parse, run, turn the result into an exit code.

// A server answering many small requests and a worker running many processes allocate
// and free small JSON trees all the time; mimalloc does that markedly faster than the
// system allocator (see BENCHMARKS.md, line 12).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    orch::main_entry()
}
