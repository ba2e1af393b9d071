//! The syn floor of `bench/monorepo.sh`: reads every `.rs` file under the directories
//! given and parses each with `syn::parse_file`, on as many threads as vital's scan
//! uses (or `THREADS`), and nothing else: no walk of the trees, no index, no cache.
//! What vital's scan of the same files cannot beat.
//! `cargo run --release -p vital --example bare_syn -- DIR…`

use std::path::PathBuf;
use std::sync::Mutex;

fn main() -> std::process::ExitCode {
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in std::env::args_os().skip(1) {
        for entry in walkdir::WalkDir::new(dir).sort_by_file_name().into_iter().flatten() {
            if entry.file_type().is_file() && entry.path().extension().is_some_and(|e| e == "rs") {
                files.push(entry.into_path());
            }
        }
    }
    if files.is_empty() {
        return std::process::ExitCode::from(2);
    }
    let queue = Mutex::new(files);
    let parsed = Mutex::new(0usize);
    let threads = std::env::var("THREADS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let work = || {
                while let Some(path) = queue.lock().expect("not poisoned").pop() {
                    let Ok(text) = std::fs::read_to_string(&path) else { continue };
                    if syn::parse_file(&text).is_ok() {
                        *parsed.lock().expect("not poisoned") += 1;
                    }
                    // As vital's scan does: the file's spans are gone with its tree.
                    proc_macro2::extra::invalidate_current_thread_spans();
                }
            };
            std::thread::Builder::new().stack_size(64 << 20).spawn_scoped(scope, work).expect("a thread");
        }
    });
    let parsed = parsed.into_inner().expect("not poisoned");
    std::process::ExitCode::from(u8::from(parsed == 0))
}
