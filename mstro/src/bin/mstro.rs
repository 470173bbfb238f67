//! `mstro`: the remote workspace (see `mstro --help`).

fn main() {
    std::process::exit(mstro::commands::main());
}
