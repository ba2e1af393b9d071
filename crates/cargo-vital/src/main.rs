fn main() -> std::process::ExitCode {
    cargo_vital::main_with_args(std::env::args_os())
}
