//! The edges a gate can be fooled or hurt at (issue "fail closed at every edge"):
//! outputs that would destroy something, inputs that would hang or exhaust the
//! machine, deeply nested source, coverage whose freshness cannot be shown.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::{Outcome, command, shapes, vital};

const PUT_ONLY: &str = "[tiers.critical]\ncategories = []\n\n[[vital]]\nfunction = \"shapes::Store::put\"\ntier = \"critical\"\n";

/// `cargo vital ARGS` in `dir` through `sh`, with `umask` set first.
fn vital_with_umask(dir: &Path, umask: &str, args: &[&str]) -> Outcome {
    let exe = env!("CARGO_BIN_EXE_cargo-vital");
    let script = format!("umask {umask}; exec \"$0\" vital \"$@\"");
    let output = command("sh", dir).arg("-c").arg(script).arg(exe).args(args).output().unwrap();
    Outcome {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn outputs_get_the_umask_mode_and_keep_an_existing_one() {
    let ran = shapes();
    std::fs::write(ran.dir.join("put.toml"), PUT_ONLY).unwrap();
    let new = ran.dir.join("out/new-report.json");
    let _ = std::fs::remove_file(&new);
    let out = vital_with_umask(
        &ran.dir,
        "022",
        &["check", "--catalogue", "put.toml", "--output", "out/new-report.json"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(mode(&new), 0o644, "a new file gets what a plain open gives under umask 022");
    let out = vital_with_umask(
        &ran.dir,
        "077",
        &["check", "--catalogue", "put.toml", "--output", "out/new-report.json"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(mode(&new), 0o644, "an existing file keeps its mode");
    std::fs::set_permissions(&new, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = vital_with_umask(
        &ran.dir,
        "022",
        &["check", "--catalogue", "put.toml", "--output", "out/new-report.json"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(mode(&new), 0o600);
}

#[test]
fn outputs_through_symlinks_devices_and_dash_replace_nothing() {
    let ran = shapes();
    std::fs::write(ran.dir.join("put.toml"), PUT_ONLY).unwrap();
    let check = |output: &str| {
        vital(&ran.dir, &["check", "--catalogue", "put.toml", "--format", "json", "--output", output])
    };
    // A symlink: written through, the link kept.
    std::fs::create_dir_all(ran.dir.join("out")).unwrap();
    std::fs::write(ran.dir.join("out/real.json"), "").unwrap();
    let _ = std::fs::remove_file(ran.dir.join("out/link.json"));
    std::os::unix::fs::symlink("real.json", ran.dir.join("out/link.json")).unwrap();
    assert_eq!(check("out/link.json").code, 0);
    assert!(std::fs::symlink_metadata(ran.dir.join("out/link.json")).unwrap().file_type().is_symlink());
    assert!(
        std::fs::read_to_string(ran.dir.join("out/real.json")).unwrap().contains("\"schema_version\": 1")
    );
    // A device: written through, never replaced by a file.
    assert_eq!(check("/dev/null").code, 0);
    let null = std::fs::metadata("/dev/null").unwrap();
    assert!(std::os::unix::fs::FileTypeExt::is_char_device(&null.file_type()), "/dev/null is still a device");
    // `/dev/stdout` is our pipe: the report arrives on it.
    let out = check("/dev/stdout");
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("\"schema_version\": 1"), "{out:?}");
    // `-` is standard output.
    let out = check("-");
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("\"schema_version\": 1"), "{out:?}");
    assert!(!ran.dir.join("-").exists());
    // A FIFO with a reader: the report goes through it.
    let fifo = ran.dir.join("out/report.fifo");
    let _ = std::fs::remove_file(&fifo);
    assert!(command("mkfifo", &ran.dir).arg(&fifo).status().unwrap().success());
    let reader = command("cat", &ran.dir).arg(&fifo).stdout(Stdio::piped()).spawn().unwrap();
    assert_eq!(check("out/report.fifo").code, 0);
    let read = reader.wait_with_output().unwrap();
    assert!(String::from_utf8_lossy(&read.stdout).contains("\"schema_version\": 1"));
    // A parent that is a file is named as such.
    let out = check("put.toml/report.json");
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("put.toml is not a directory"), "{}", out.stderr);
}

#[test]
fn an_output_never_replaces_an_input_or_a_source_file() {
    let ran = shapes();
    std::fs::write(ran.dir.join("put.toml"), PUT_ONLY).unwrap();
    for (args, output) in [
        (vec!["check", "--catalogue", "put.toml"], "put.toml"),
        (vec!["check", "--static"], "vital.toml"),
        (vec!["check", "--catalogue", "put.toml"], "src/lib.rs"),
        (vec!["check", "--catalogue", "put.toml"], "./src/../src/store.rs"),
        (vec!["check", "--catalogue", "put.toml"], "Cargo.toml"),
        (vec!["check", "--catalogue", "put.toml"], "target/vital/coverage.json"),
        (vec!["check", "--catalogue", "put.toml"], "target/vital/coverage.sources.json"),
        (vec!["check", "--catalogue", "put.toml"], "target/vital/tests.jsonl"),
        (vec!["list"], "src/config.rs"),
        (vec!["suggest", "shapes::Store::put"], "src/store.rs"),
        (vec!["stamp"], "build.rs"),
    ] {
        let path = ran.dir.join(output);
        let before = std::fs::read(&path).ok();
        let mut all = args.clone();
        all.extend(["--output", output]);
        let out = vital(&ran.dir, &all);
        assert_eq!(out.code, 2, "{all:?}: {out:?}");
        assert!(out.stderr.contains("refusing to write the report over it"), "{all:?}: {}", out.stderr);
        assert_eq!(std::fs::read(&path).ok(), before, "{output} was touched");
    }
    // A hard link to an input is that input.
    std::fs::create_dir_all(ran.dir.join("out")).unwrap();
    let _ = std::fs::remove_file(ran.dir.join("out/linked.toml"));
    std::fs::hard_link(ran.dir.join("put.toml"), ran.dir.join("out/linked.toml")).unwrap();
    let out = vital(&ran.dir, &["check", "--catalogue", "put.toml", "--output", "out/linked.toml"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(std::fs::read_to_string(ran.dir.join("put.toml")).unwrap(), PUT_ONLY);
    // A baseline may be refreshed in place.
    let out =
        vital(&ran.dir, &["check", "--catalogue", "put.toml", "--format", "json", "--output", "base.json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let out = vital(
        &ran.dir,
        &[
            "check",
            "--catalogue",
            "put.toml",
            "--baseline",
            "base.json",
            "--format",
            "json",
            "--output",
            "base.json",
        ],
    );
    assert_eq!(out.code, 0, "{out:?}");
}

/// Runs `cargo vital` and kills it if it runs longer than `limit`.
fn vital_within(dir: &Path, args: &[&str], limit: Duration) -> Outcome {
    let mut child = command(env!("CARGO_BIN_EXE_cargo-vital"), dir)
        .arg("vital")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            child.kill().unwrap();
            panic!("`cargo vital {}` still ran after {limit:?}", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    Outcome {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[test]
fn a_fifo_with_no_writer_is_refused_not_waited_on() {
    let ran = shapes();
    let fifo = ran.dir.join("input.fifo");
    let _ = std::fs::remove_file(&fifo);
    assert!(command("mkfifo", &ran.dir).arg(&fifo).status().unwrap().success());
    for args in [
        vec!["check", "--coverage", "input.fifo"],
        vec!["check", "--static", "--catalogue", "input.fifo"],
        vec!["check", "--coverage", "target/vital/coverage.json", "--tests", "input.fifo"],
        vec!["check", "--baseline", "input.fifo"],
    ] {
        let out = vital_within(&ran.dir, &args, Duration::from_secs(60));
        assert_eq!(out.code, 2, "{args:?}: {out:?}");
        assert!(out.stderr.contains("input.fifo: cannot read: it is a FIFO (named pipe)"), "{}", out.stderr);
    }
}

#[test]
fn an_input_larger_than_memory_is_refused_not_read() {
    let ran = shapes();
    // Sparse: a terabyte that takes no disk.
    let huge = std::fs::File::create(ran.dir.join("huge.json")).unwrap();
    huge.set_len(1 << 40).unwrap();
    for args in [
        vec!["check", "--coverage", "huge.json"],
        vec!["check", "--coverage", "target/vital/coverage.json", "--tests", "huge.json"],
        vec!["check", "--static", "--catalogue", "huge.json"],
    ] {
        let out = vital_within(&ran.dir, &args, Duration::from_secs(60));
        assert_eq!(out.code, 2, "{args:?}: {out:?}");
        assert!(out.stderr.contains("huge.json: cannot read: it is 1099511627776 bytes"), "{}", out.stderr);
    }
    std::fs::remove_file(ran.dir.join("huge.json")).unwrap();
}

#[test]
fn deeply_nested_source_is_indexed_or_skipped_never_a_crash() {
    let dir = crate::support::fixture("shapes", "shapes-deep");
    let sum = vec!["1u64"; 5_000].join(" + ");
    let parens = format!("{}1{}", "(".repeat(1_000), ")".repeat(1_000));
    let blocks = format!("{}1{}", "{".repeat(200_000), "}".repeat(200_000));
    std::fs::write(
        dir.join("src/deep.rs"),
        format!("pub fn sum() -> u64 {{ {sum} }}\n\npub fn nested() -> u64 {{ {parens} }}\n"),
    )
    .unwrap();
    std::fs::write(dir.join("src/deeper.rs"), format!("pub fn too_deep() -> u64 {blocks}\n")).unwrap();
    let lib = std::fs::read_to_string(dir.join("src/lib.rs")).unwrap();
    // rustc never reads `deeper.rs` (`cfg(any())` is false); vital indexes it.
    std::fs::write(dir.join("src/lib.rs"), format!("{lib}\npub mod deep;\n#[cfg(any())]\npub mod deeper;\n"))
        .unwrap();
    let catalogue = "[[vital]]\nfunction = \"shapes::deep::sum\"\ntier = \"optional\"\n\n\
                     [[vital]]\nfunction = \"shapes::deep::nested\"\ntier = \"optional\"\n";
    std::fs::write(dir.join("deep.toml"), catalogue).unwrap();
    for args in
        [vec!["check", "--static", "--catalogue", "deep.toml"], vec!["list", "--catalogue", "deep.toml"]]
    {
        let out = vital_within(&dir, &args, Duration::from_secs(120));
        assert_eq!(out.code, 0, "{args:?}: {out:?}");
        let said = format!("{}{}", out.stdout, out.stderr);
        assert!(said.contains("src/deeper.rs nests too deeply to be parsed safely"), "{out:?}");
    }
    // A catalogue naming a function of the skipped file says why it is not found.
    std::fs::write(
        dir.join("too-deep.toml"),
        "[[vital]]\nfunction = \"shapes::deeper::too_deep\"\ntier = \"optional\"\n",
    )
    .unwrap();
    let out =
        vital_within(&dir, &["check", "--static", "--catalogue", "too-deep.toml"], Duration::from_secs(120));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("src/deeper.rs nests too deeply"), "{}", out.stderr);
    // The coverage run under way compiles the deep file too, and the join reads it.
    let run = vital_within(
        &dir,
        &["run", "--catalogue", "deep.toml", "--runner", "libtest"],
        Duration::from_secs(600),
    );
    assert_eq!(run.code, 1, "`sum` and `nested` are never run: {run:?}");
    assert!(run.stdout.contains("shapes::deep::sum"), "{run:?}");
}

/// A loop of symbolic links is neither read nor replaced: exit 2 saying so.
#[test]
fn a_symlink_loop_is_refused_as_an_input_and_as_an_output() {
    let ran = shapes();
    let dir = ran.dir.join("loops");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::os::unix::fs::symlink("b.json", dir.join("a.json")).unwrap();
    std::os::unix::fs::symlink("a.json", dir.join("b.json")).unwrap();
    let read = vital(&ran.dir, &["check", "--unstamped", "--coverage", "loops/a.json"]);
    assert_eq!(read.code, 2, "{read:?}");
    assert!(
        read.stderr.contains("loops/a.json: cannot read: Too many levels of symbolic links"),
        "{}",
        read.stderr
    );
    let written = vital(&ran.dir, &["check", "--output", "loops/a.json"]);
    assert_eq!(written.code, 2, "{written:?}");
    assert!(
        written.stderr.contains("loops/a.json: cannot write: it is a loop of symbolic links"),
        "{}",
        written.stderr
    );
    assert!(
        std::fs::symlink_metadata(dir.join("a.json")).unwrap().file_type().is_symlink(),
        "the link stays"
    );
}
