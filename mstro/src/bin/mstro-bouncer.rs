fn main() {
    std::process::exit(mstro::bouncer::main());
}
