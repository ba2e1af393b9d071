//! A corpus of bad input: each case is exit 2 with a message naming the file and the
//! problem, never a panic, and leaves the `--output` file of an earlier run as it was.

use std::path::Path;

use crate::support::{shapes, vital};

struct Case {
    name: &'static str,
    /// Files to write under `corpus/` first.
    files: Vec<(&'static str, Vec<u8>)>,
    args: Vec<String>,
    /// What stderr must say.
    says: Vec<String>,
}

fn case(name: &'static str, files: Vec<(&'static str, Vec<u8>)>, args: &[&str], says: &[&str]) -> Case {
    Case {
        name,
        files,
        args: args.iter().map(|a| (*a).to_string()).collect(),
        says: says.iter().map(|s| (*s).to_string()).collect(),
    }
}

fn toml(name: &'static str, text: &str, says: &[&str]) -> Case {
    let file = format!("corpus/{name}.toml");
    let mut says: Vec<String> = says.iter().map(|s| (*s).to_string()).collect();
    says.push(file.clone());
    Case {
        name,
        files: vec![(leak(file.clone()), text.as_bytes().to_vec())],
        args: vec!["check".into(), "--static".into(), "--catalogue".into(), file],
        says,
    }
}

fn coverage(name: &'static str, bytes: Vec<u8>, says: &[&str]) -> Case {
    let file = format!("corpus/{name}.json");
    let mut says: Vec<String> = says.iter().map(|s| (*s).to_string()).collect();
    says.push(file.clone());
    Case {
        name,
        files: vec![(leak(file.clone()), bytes)],
        // Unstamped: each case is about what the export itself says.
        args: vec!["check".into(), "--unstamped".into(), "--coverage".into(), file],
        says,
    }
}

fn results(name: &'static str, bytes: Vec<u8>, says: &[&str]) -> Case {
    let file = format!("corpus/{name}.results");
    let mut says: Vec<String> = says.iter().map(|s| (*s).to_string()).collect();
    says.push(file.clone());
    Case {
        name,
        files: vec![(leak(file.clone()), bytes)],
        args: vec![
            "check".into(),
            "--coverage".into(),
            "target/vital/coverage.json".into(),
            "--tests".into(),
            file,
        ],
        says,
    }
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// An export around `functions` (a JSON array text).
fn export(functions: &str, version: &str) -> Vec<u8> {
    format!(r#"{{"data":[{{"files":[],"functions":{functions},"totals":{{}}}}],"type":"llvm.coverage.json.export","version":"{version}"}}"#)
        .into_bytes()
}

fn function(file: &str, regions: &str) -> String {
    format!(
        r#"[{{"name":"f","count":1,"filenames":["{file}"],"regions":{regions},"branches":[],"mcdc_records":[]}}]"#
    )
}

const ENTRY: &str = "[[vital]]\nfunction = \"shapes::config::parse_port\"\ntier = \"critical\"\n";

fn cases(dir: &Path) -> Vec<Case> {
    let config = dir.join("src/config.rs").display().to_string();
    let real = std::fs::read(dir.join("target/vital/coverage.json")).unwrap();
    let good = function("/w/src/lib.rs", "[[1,1,1,5,1,0,0,0]]");
    vec![
        // vital.toml
        toml("not_toml", "[[vital]\nfunction = 1", &["1:9:", "unclosed array table"]),
        toml("unknown_top_key", "[rules]\nx = 1\n", &["unknown field `rules`"]),
        toml(
            "unknown_entry_key",
            &format!("{ENTRY}teir = \"x\"\n"),
            &["4:1: unknown field `teir`", "did you mean `tier`?"],
        ),
        toml(
            "function_not_a_string",
            "[[vital]]\nfunction = 3\ntier = \"critical\"\n",
            &["2:12: invalid type: integer `3`"],
        ),
        toml("no_tier", "[[vital]]\nfunction = \"shapes::x\"\n", &["missing field `tier`"]),
        toml(
            "unknown_tier",
            "[[vital]]\nfunction = \"shapes::x\"\ntier = \"vital\"\n",
            &["3:8: unknown variant `vital`"],
        ),
        toml("threshold_over_100", "[tiers.critical]\nlines = 101\n", &["2:9:", "101 is not a percentage"]),
        toml("threshold_negative", "[tiers.essential]\nregions = -5\n", &["-5 is not a percentage"]),
        toml("threshold_three_decimals", "[tiers.optional]\nlines = 80.125\n", &["at most two decimals"]),
        toml(
            "threshold_a_word",
            "[tiers.critical]\nlines = \"all\"\n",
            &["2:9:", "a percentage from 0 to 100"],
        ),
        toml("branches_rule", "[tiers.critical]\nbranches = \"lines\"\n", &["is not a rule"]),
        toml("modes_rule", "[tiers.critical]\nfailure_modes = \"most\"\n", &["unknown variant `most`"]),
        toml("duplicate_entry", &format!("{ENTRY}\n{ENTRY}"), &["6:12:", "is listed twice", "line 2"]),
        toml(
            "mode_not_snake_case",
            &format!("{ENTRY}failure_modes = [\"DiskFull\"]\n"),
            &["4:18:", "not a failure-mode name"],
        ),
        toml(
            "mode_twice",
            &format!("{ENTRY}failure_modes = [\"empty\", \"empty\"]\n"),
            &["failure mode `empty` is listed twice"],
        ),
        toml(
            "tests_for_undeclared_mode",
            &format!("{ENTRY}failure_modes = [\"empty\"]\ntests = {{ full = \"t::x\" }}\n"),
            &["5:11:", "names failure mode `full`, which this entry does not declare"],
        ),
        toml(
            "empty_test_name",
            &format!("{ENTRY}failure_modes = [\"empty\"]\ntests = {{ empty = \"\" }}\n"),
            &["the test for `empty` is empty"],
        ),
        toml(
            "template_without_mode",
            "[conventions]\nfailure_test = [\"{fn}_fails\"]\n",
            &["does not contain `{mode}`"],
        ),
        toml(
            "template_unknown_placeholder",
            "[conventions]\nfailure_test = [\"{func}_{mode}\"]\n",
            &["unknown placeholder `{func}`"],
        ),
        toml("empty_function", "[[vital]]\nfunction = \"\"\ntier = \"critical\"\n", &["`function` is empty"]),
        toml(
            "path_not_a_path",
            "[[vital]]\nfunction = \"shapes::con-fig\"\ntier = \"critical\"\n",
            &["is not a function path"],
        ),
        toml(
            "unknown_crate",
            "[[vital]]\nfunction = \"shpaes::config::parse_port\"\ntier = \"critical\"\n",
            &["not a crate of this workspace", "did you mean `shapes`?"],
        ),
        toml(
            "names_nothing",
            "[[vital]]\nfunction = \"shapes::config::parse_prot\"\ntier = \"critical\"\n",
            &["names no function", "did you mean"],
        ),
        toml(
            "ambiguous",
            "[[vital]]\nfunction = \"shapes::Store::fmt\"\ntier = \"critical\"\n",
            &["names 2 functions", "write one of"],
        ),
        case(
            "catalogue_not_utf8",
            vec![("corpus/latin1.toml", b"[[vital]]\nfunction = \"caf\xe9\"\n".to_vec())],
            &["check", "--static", "--catalogue", "corpus/latin1.toml"],
            &["corpus/latin1.toml", "cannot read", "UTF-8"],
        ),
        case(
            "catalogue_missing",
            vec![],
            &["check", "--static", "--catalogue", "corpus/none.toml"],
            &["corpus/none.toml", "cannot read"],
        ),
        case(
            "catalogue_a_directory",
            vec![("corpus/dir.toml/x", Vec::new())],
            &["list", "--catalogue", "corpus/dir.toml"],
            &["corpus/dir.toml", "cannot read"],
        ),
        // coverage
        coverage("truncated", real[..real.len() * 2 / 3].to_vec(), &["the coverage file is truncated"]),
        coverage("zero_bytes", Vec::new(), &["the coverage file is empty"]),
        coverage("binary_garbage", (0u8..=255).cycle().take(4096).collect(), &["not valid JSON"]),
        coverage("plain_text", b"coverage: 87%\n".to_vec(), &["not valid JSON"]),
        coverage("json_array", b"[1, 2, 3]".to_vec(), &["not an llvm-cov export"]),
        coverage("json_nothing_of_an_export", b"{\"a\": 1}".to_vec(), &["no `type` and `version`"]),
        coverage(
            "lcov_type",
            String::from_utf8(export(&good, "3.1.0"))
                .unwrap()
                .replace("llvm.coverage.json.export", "lcov")
                .into_bytes(),
            &["of type `lcov`"],
        ),
        coverage("version_4", export(&good, "4.0.0"), &["format version `4.0.0` is not supported"]),
        coverage("version_1", export(&good, "1.0.0"), &["format version `1.0.0` is not supported"]),
        coverage(
            "empty_data",
            br#"{"data":[],"type":"llvm.coverage.json.export","version":"3.1.0"}"#.to_vec(),
            &["no per-function data"],
        ),
        coverage(
            "summary_only",
            br#"{"data":[{"files":[],"totals":{}}],"type":"llvm.coverage.json.export","version":"3.1.0"}"#
                .to_vec(),
            &["no per-function data", "--summary-only"],
        ),
        coverage(
            "regions_of_strings",
            export(&function("/w/src/lib.rs", r#"[["1","1","1","5","1","0","0","0"]]"#), "3.1.0"),
            &["invalid type: string"],
        ),
        coverage(
            "negative_count",
            export(&function("/w/src/lib.rs", "[[1,1,1,5,-7,0,0,0]]"), "3.1.0"),
            &["invalid value: integer `-7`"],
        ),
        coverage(
            "huge_count",
            export(&function("/w/src/lib.rs", "[[1,1,1,5,99999999999999999999999,0,0,0]]"), "3.1.0"),
            &["not an llvm-cov export"],
        ),
        coverage(
            "short_region",
            export(&function("/w/src/lib.rs", "[[1,1,1,5,1,0,0]]"), "3.1.0"),
            &["has 7 elements, expected at least 8"],
        ),
        coverage(
            "unknown_region_kind",
            export(&function("/w/src/lib.rs", "[[1,1,1,5,1,0,0,42]]"), "3.1.0"),
            &["unknown region kind 42"],
        ),
        coverage(
            "region_backwards",
            export(&function("/w/src/lib.rs", "[[9,1,2,5,1,0,0,0]]"), "3.1.0"),
            &["ends before it starts"],
        ),
        coverage(
            "region_in_no_file",
            export(&function("/w/src/lib.rs", "[[1,1,1,5,1,3,0,0]]"), "3.1.0"),
            &["region in file #3"],
        ),
        coverage(
            "zero_line",
            export(&function("/w/src/lib.rs", "[[0,1,1,5,1,0,0,0]]"), "3.1.0"),
            &["not 1-based"],
        ),
        coverage(
            "region_outside_the_file",
            export(&function(&config, "[[5,1,5,20,1,0,0,0],[9999,1,9999,3,0,0,0,0]]"), "3.1.0"),
            &["src/config.rs:9999:1", "outside the file"],
        ),
        coverage(
            "no_regions",
            export(
                r#"[{"name":"f","count":0,"filenames":["/w/src/lib.rs"],"regions":[],"branches":[]}]"#,
                "3.1.0",
            ),
            &["has no regions"],
        ),
        coverage(
            "non_utf8_path",
            {
                let mut bytes = export(&function("/w/src/lib.rs", "[[1,1,1,5,1,0,0,0]]"), "3.1.0");
                let at = bytes.windows(3).position(|w| w == b"lib").unwrap();
                bytes[at] = 0xff;
                bytes
            },
            &["not valid JSON"],
        ),
        coverage(
            "lone_surrogate_path",
            export(&function("/w/src/\\udc80.rs", "[[1,1,1,5,1,0,0,0]]"), "3.1.0"),
            &["not valid JSON"],
        ),
        case(
            "coverage_missing",
            vec![],
            &["check", "--coverage", "corpus/none.json"],
            &["corpus/none.json", "cannot read"],
        ),
        case(
            "coverage_a_directory",
            vec![("corpus/dir.json/x", Vec::new())],
            &["check", "--coverage", "corpus/dir.json"],
            &["corpus/dir.json", "cannot read"],
        ),
        // test reports
        results(
            "junit_truncated",
            b"<testsuites><testsuite name=\"shapes\"><testcase name=\"t\">".to_vec(),
            &["truncated"],
        ),
        results(
            "junit_mismatched",
            b"<testsuites><testsuite name=\"shapes\"></testcase></testsuites>".to_vec(),
            &["the JUnit XML is malformed"],
        ),
        results(
            "junit_nameless",
            b"<testsuites><testsuite name=\"shapes\"><testcase/></testsuite></testsuites>".to_vec(),
            &["has no name"],
        ),
        results("junit_empty", b"<testsuites></testsuites>".to_vec(), &["holds no test results"]),
        results(
            "junit_of_another_workspace",
            b"<testsuites><testsuite name=\"other-project\"><testcase name=\"tests::write_empty\"/></testsuite></testsuites>"
                .to_vec(),
            &["holds no results of this workspace's tests", "(other-project) are not of this workspace"],
        ),
        results(
            "libtest_of_another_workspace",
            b"     Running unittests src/lib.rs (target/debug/deps/elsewhere-0123abcd)\n{\"type\":\"test\",\"name\":\"t\",\"event\":\"ok\"}\n"
                .to_vec(),
            &["(elsewhere) are not of this workspace"],
        ),
        results(
            "libtest_bad_line",
            b"{\"type\":\"test\",\"name\":\"a\",\"event\":\"ok\"}\n{\"type\":\n".to_vec(),
            &[":2:1:", "not a libtest JSON event"],
        ),
        results(
            "libtest_nameless",
            b"{\"type\":\"test\",\"event\":\"failed\"}\n".to_vec(),
            &["has no `name`"],
        ),
        results("results_zero_bytes", Vec::new(), &["holds no test results"]),
        results("results_binary", vec![0x00, 0x9f, 0x92, 0x96, 0xff], &["cannot read"]),
        case(
            "results_missing",
            vec![],
            &["check", "--coverage", "target/vital/coverage.json", "--tests", "corpus/none.xml"],
            &["corpus/none.xml", "cannot read"],
        ),
        // command lines
        case("unknown_format", vec![], &["check", "--format", "yaml"], &["invalid value 'yaml'"]),
        case(
            "static_with_coverage",
            vec![],
            &["check", "--static", "--coverage", "target/vital/coverage.json"],
            &["cannot be used with"],
        ),
        case("unknown_command", vec![], &["verify"], &["unrecognized subcommand 'verify'"]),
        case("coverage_without_value", vec![], &["check", "--coverage"], &["a value is required"]),
        case(
            "manifest_nowhere",
            vec![],
            &["check", "--manifest-path", "corpus/nowhere/Cargo.toml"],
            &["`cargo metadata` failed", "corpus/nowhere/Cargo.toml"],
        ),
        case(
            "baseline_not_a_report",
            vec![("corpus/base.json", b"{\"schema_version\":1}".to_vec())],
            &["check", "--baseline", "corpus/base.json"],
            &["corpus/base.json:1:", "not a vital json report"],
        ),
        case(
            "baseline_missing",
            vec![],
            &["check", "--baseline", "corpus/none-base.json"],
            &["corpus/none-base.json", "cannot read"],
        ),
        case("unknown_runner", vec![], &["run", "--runner", "cargo-test"], &["invalid value 'cargo-test'"]),
        // nesting past the parsers' recursion limits: an error, never a stack overflow
        toml(
            "toml_nested_too_deep",
            &format!("x = {}{}\n", "[".repeat(20_000), "]".repeat(20_000)),
            &["max recursion depth"],
        ),
        coverage(
            "json_nested_too_deep",
            format!("{}{}", "[".repeat(200_000), "]".repeat(200_000)).into_bytes(),
            &["the coverage file is not an llvm-cov export"],
        ),
        case("suggest_nothing", vec![], &["suggest", "shapes::nope"], &["`shapes::nope` names no function"]),
        // inputs that are not regular files: refused at once, saying what they are
        case(
            "coverage_dev_zero",
            vec![],
            &["check", "--coverage", "/dev/zero"],
            &["/dev/zero: cannot read: it is a character device, not a regular file"],
        ),
        case(
            "catalogue_dev_urandom",
            vec![],
            &["check", "--static", "--catalogue", "/dev/urandom"],
            &["/dev/urandom: cannot read: it is a character device"],
        ),
        case(
            "tests_dev_zero",
            vec![],
            &["check", "--coverage", "target/vital/coverage.json", "--tests", "/dev/zero"],
            &["/dev/zero: cannot read: it is a character device"],
        ),
        case(
            "baseline_dev_zero",
            vec![],
            &["check", "--baseline", "/dev/zero"],
            &["/dev/zero: cannot read: it is a character device"],
        ),
        case(
            "stamp_dev_zero",
            vec![],
            &["check", "--coverage", "target/vital/coverage.json", "--stamp", "/dev/zero"],
            &["/dev/zero: cannot read: it is a character device"],
        ),
        case(
            "catalogue_a_directory",
            vec![("corpus/dir.toml/x", Vec::new())],
            &["check", "--static", "--catalogue", "corpus/dir.toml"],
            &["corpus/dir.toml: cannot read: it is a directory"],
        ),
        // coverage whose freshness cannot be shown
        case(
            "coverage_without_a_stamp",
            vec![("corpus/copy.json", real.clone())],
            &["check", "--coverage", "corpus/copy.json"],
            &["corpus/copy.json", "has no source stamp", "corpus/copy.sources.json", "cargo vital stamp"],
        ),
        case(
            "stamp_missing",
            vec![],
            &["check", "--coverage", "target/vital/coverage.json", "--stamp", "corpus/no-stamp.json"],
            &["corpus/no-stamp.json", "cannot read"],
        ),
        case(
            "stamp_not_a_stamp",
            vec![("corpus/bad-stamp.json", b"{\"files\": 1}".to_vec())],
            &["check", "--coverage", "target/vital/coverage.json", "--stamp", "corpus/bad-stamp.json"],
            &["corpus/bad-stamp.json:1:", "the source stamp is unreadable"],
        ),
        case(
            "stamp_of_other_sources",
            vec![("corpus/other.sources.json", b"{\"vital_source_stamp\": 1, \"files\": {}}".to_vec())],
            &["check", "--coverage", "target/vital/coverage.json", "--stamp", "corpus/other.sources.json"],
            &["is not in the stamp: it did not exist when the coverage run started"],
        ),
    ]
}

#[test]
fn every_bad_input_is_exit_2_with_a_message_and_no_half_written_output() {
    let dir = &shapes().dir;
    let corpus = dir.join("corpus");
    let _ = std::fs::remove_dir_all(&corpus);
    std::fs::create_dir_all(&corpus).unwrap();
    let cases = cases(dir);
    assert!(cases.len() >= 40, "{} cases", cases.len());
    let previous = b"{\"the report of an earlier run\": true}\n";
    let mut failures = Vec::new();
    for case in &cases {
        for (path, bytes) in &case.files {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
        std::fs::write(corpus.join("out.json"), previous).unwrap();
        let mut args: Vec<&str> = case.args.iter().map(String::as_str).collect();
        args.extend(["--output", "corpus/out.json"]);
        let out = vital(dir, &args);
        let mut wrong = Vec::new();
        if out.code != 2 {
            wrong.push(format!("exit {}", out.code));
        }
        if out.stderr.contains("panicked") {
            wrong.push("a panic".to_string());
        }
        for says in &case.says {
            if !out.stderr.contains(says.as_str()) {
                wrong.push(format!("no {says:?}"));
            }
        }
        if std::fs::read(corpus.join("out.json")).unwrap() != previous {
            wrong.push("the output file changed".to_string());
        }
        let leftovers: Vec<_> = std::fs::read_dir(&corpus)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        if !leftovers.is_empty() {
            wrong.push(format!("temporary files {leftovers:?}"));
        }
        if !wrong.is_empty() {
            failures.push(format!("{}: {}\n    stderr: {}", case.name, wrong.join(", "), out.stderr.trim()));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases:\n{}", failures.len(), cases.len(), failures.join("\n"));
}
