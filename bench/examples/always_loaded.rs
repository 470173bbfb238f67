//! Lists the shipped rules the hook compiles for every Bash call, whatever the command
//! (their `when` does not name a program), with the size of their compact form. These
//! set the floor of the hook's start-up cost; see `bench/README.md`.
//!
//! `cargo run --release -p mstro-bench --example always_loaded`

use mstro_engine::pack::{RuleGate, builtin_packs};

fn main() {
    let mut total = 0;
    for pack in builtin_packs() {
        for rule in pack.rules {
            if matches!(rule.gate, RuleGate::Always) {
                println!("{:<45} {:>6} bytes", rule.id, rule.json.len());
                total += 1;
            }
        }
    }
    println!("{total} rules are compiled for every Bash call");
}
