//! Regenerates `completions/` and `man/`: `cargo run --bin gen-docs [OUTDIR]`.

fn main() -> std::io::Result<()> {
    let out = std::env::args_os().nth(1).map_or_else(
        || std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")),
        std::path::PathBuf::from,
    );
    for path in rpod::cli::docs::generate(&out)? {
        println!("{}", path.display());
    }
    Ok(())
}
