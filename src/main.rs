fn main() -> std::process::ExitCode {
    rpod::cli::main()
}
