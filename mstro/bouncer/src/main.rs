fn main() {
    std::process::exit(mstro_bouncer::main());
}
