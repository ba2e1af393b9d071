//! The test-results reader (nextest JUnit XML, libtest JSON lines).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let workspace = vital::workspace::Workspace {
            root: "/w".into(),
            target_dir: "/w/target".into(),
            packages: Vec::new(),
        };
        if let Ok(results) = vital::evidence::tests::TestResults::parse(text, std::path::Path::new("results"), &workspace) {
            let _ = results.failed();
            let _ = results.counts();
        }
    }
});
