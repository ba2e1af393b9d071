//! vital's own gate inside `cargo test`: one test case per vital function of the
//! root `vital.toml` and per check, `vital::static::…` (the catalogue resolves, the
//! failure-mode tests exist and count) and `vital::coverage::…` (the full gate on
//! the last fresh export under `target/vital/`, ignored with the reason when there
//! is none). `cargo xtask vital-check` writes that export.

fn main() {
    vital::harness::main()
}
