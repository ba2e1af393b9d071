//! The llvm-cov export reader, and the record merge and LLVM's segment builder on
//! whatever it accepts: never a panic, whatever the counts and positions.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let keep: &dyn Fn(&str) -> bool = &|_| true;
    if let Ok(export) = vital::evidence::coverage::Export::from_slice(data, std::path::Path::new("cov.json"), keep) {
        for record in &export.functions {
            let evidence = vital::evidence::coverage::record_evidence(&export, record);
            assert!(evidence.lines.covered <= evidence.lines.total);
            assert!(evidence.regions.covered <= evidence.regions.total);
            assert!(evidence.branches.covered <= evidence.branches.total);
        }
    }
});
