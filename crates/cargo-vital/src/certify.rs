//! `cargo vital certify` (SPEC §10): a full check of the evidence, then, only when
//! every gate holds, an in-toto statement of a SLSA verification summary for the
//! commit; `certify --verify FILE` recomputes every digest of one. The statement
//! is made by [`vital::certify`]; here are the files, git and the exit codes.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use vital::catalogue::FILE_NAME;
use vital::certify::{Certificate, Commit, Statement, Tree, refusals, statement, verify};
use vital::pipeline::{MUTANT_LIST, default_mutants_dir};
use vital::report::{Format, Style};
use vital::workspace::Workspace;
use vital::{Error, ErrorKind, Location, Session};

use crate::cli::{CertifyArgs, Common, EXIT_FAIL, EXIT_PASS, Protected, evidence};
use crate::process;

/// Where the statement goes without `--output`.
pub(crate) fn default_statement_path(workspace: &Workspace) -> PathBuf {
    workspace.vital_dir().join("vital.intoto.json")
}

/// `cargo vital certify`.
pub(crate) fn run_certify(common: &Common, session: &Session, mut args: CertifyArgs) -> Result<u8, Error> {
    if let Some(option) = args.evidence.not_for_certify() {
        return Err(Error::new(ErrorKind::Io, None, format!("`certify` does not take {option}"))
            .with_help("certify the whole catalogue on the evidence of a full `cargo vital run`"));
    }
    session.require_entries()?;
    let workspace = session.workspace();
    let root = &workspace.root;
    // The commit first: a certificate of the wrong tree is refused before any work.
    let sha = process::git_head(root)?.map_err(|why| {
        Error::new(
            ErrorKind::Tool,
            Some(Location::file(root)),
            format!("the workspace has no git commit to certify: {why}"),
        )
        .with_help("a certificate names the commit it is about: commit the workspace in a git repository")
    })?;
    let catalogue = common.catalogue.clone().unwrap_or_else(|| root.join(FILE_NAME));
    if !process::git_tracks(root, &catalogue)? {
        return Err(Error::new(
            ErrorKind::Catalogue,
            Some(Location::file(&catalogue)),
            "the catalogue is not committed: the commit would not hold the policy the certificate names",
        )
        .with_help("commit it, then certify"));
    }
    let uncommitted = process::git_uncommitted(root)?;
    if !uncommitted.is_empty() && !args.allow_dirty {
        return Err(Error::new(
            ErrorKind::Io,
            None,
            format!(
                "tracked files have uncommitted changes, so the statement would not describe commit {}: {}",
                short(&sha),
                uncommitted.join(", ")
            ),
        )
        .with_help("commit them, or pass `--allow-dirty` (the statement then lists them)"));
    }
    // The results of `cargo vital mutants`, unless others are given.
    let mutants = default_mutants_dir(workspace);
    if !args.evidence.has_mutants() && mutants.join(MUTANT_LIST).is_file() {
        args.evidence.add_mutants(mutants.clone(), mutants.join(MUTANT_LIST));
    }
    let evidence = evidence(workspace, args.evidence)?;
    if evidence.mutation_only {
        return Err(Error::new(ErrorKind::Coverage, None, "no coverage: a certificate needs a full check")
            .with_help("run `cargo vital run` first, or pass `--coverage FILE`"));
    }
    let report = evidence.check(session)?;
    let why = refusals(&report);
    let mut stderr = anstream::stderr();
    if !why.is_empty() {
        let style =
            Style { color: anstream::AutoStream::choice(&std::io::stderr()) != anstream::ColorChoice::Never };
        let _ = write!(stderr, "{}", report.render(Format::Human, &style));
        let _ = writeln!(stderr, "\nerror: not certified, nothing written:");
        for reason in &why {
            let _ = writeln!(stderr, "  - {reason}");
        }
        return Ok(EXIT_FAIL);
    }
    let protected = Protected::of(common, session, &evidence.inputs);
    let output = common.output.clone().unwrap_or_else(|| default_statement_path(workspace));
    let to_stdout = output == Path::new("-");
    if !to_stdout && let Some(why) = protected.refuses(&output) {
        return Err(Error::new(
            ErrorKind::Io,
            Some(Location::file(&output)),
            format!("refusing to write the statement over it: {why}"),
        )
        .with_help("choose another `--output` file, or `-` for standard output"));
    }
    // Every file the check read, as it is now; the mutant list vital made for this
    // check is gone with it, and its source is the commit.
    let files: Vec<PathBuf> = evidence
        .inputs
        .files_read()
        .into_iter()
        .filter(|f| Some(f) != evidence.listed.as_ref() && f.is_file())
        .collect();
    let commit = Commit { sha: sha.clone(), repository: process::git_origin(root)?, uncommitted };
    let statement = statement(
        &report,
        &Certificate {
            root,
            policy: &catalogue,
            evidence: &files,
            subjects: &args.subjects,
            commit: &commit,
            resource_uri: args.resource_uri.as_deref(),
            time: now(),
        },
    )?;
    let text = statement.to_json();
    if to_stdout {
        let mut stdout = std::io::stdout().lock();
        if let Err(err) = stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush())
            && err.kind() != std::io::ErrorKind::BrokenPipe
        {
            return Err(Error::new(ErrorKind::Io, None, format!("cannot write to standard output: {err}")));
        }
    } else {
        vital::fsutil::write_output(&output, text.as_bytes(), &protected.files)?;
    }
    let levels = &statement.predicate.verified_levels;
    let _ = writeln!(
        stderr,
        "certified commit {}{}: {} vital function{} hold ({}); {} evidence file{} by digest{}",
        short(&sha),
        if commit.uncommitted.is_empty() { "" } else { " with uncommitted changes" },
        report.functions.len(),
        if report.functions.len() == 1 { "" } else { "s" },
        levels.join(", "),
        files.len(),
        if files.len() == 1 { "" } else { "s" },
        if to_stdout { String::new() } else { format!("; wrote {}", output.display()) }
    );
    Ok(EXIT_PASS)
}

/// `cargo vital certify --verify FILE`: every digest of the statement recomputed.
pub(crate) fn run_verify(workspace: &Workspace, file: &Path) -> Result<u8, Error> {
    let statement = Statement::read(file, file)?;
    let root = &workspace.root;
    let tree = Tree {
        head: process::git_head(root)?,
        uncommitted: process::git_uncommitted(root).unwrap_or_default(),
    };
    let checked = verify(&statement, root, &tree);
    let mut out = String::new();
    for c in &checked {
        match &c.found {
            Ok(_) if c.matches() => {
                out.push_str(&format!("ok       {:<7} {} {}\n", c.role, c.algorithm, c.what))
            }
            Ok(found) => out.push_str(&format!(
                "CHANGED  {:<7} {} {}: the statement says {}, it is {} now\n",
                c.role, c.algorithm, c.what, c.expected, found
            )),
            Err(why) => {
                out.push_str(&format!("MISMATCH {:<7} {} {}: {why}\n", c.role, c.algorithm, c.what));
            }
        }
    }
    let failed = checked.iter().filter(|c| !c.matches()).count();
    if failed == 0 {
        out.push_str(&format!("vital: all {} digests of {} match\n", checked.len(), file.display()));
    } else {
        out.push_str(&format!(
            "vital: {failed} of {} digests of {} do not match the tree and evidence on disk\n",
            checked.len(),
            file.display()
        ));
    }
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(out.as_bytes()).and_then(|()| stdout.flush());
    Ok(if failed == 0 { EXIT_PASS } else { EXIT_FAIL })
}

/// `timeVerified`: now, or `SOURCE_DATE_EPOCH` when set (reproducible output).
fn now() -> u64 {
    std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|s| s.trim().parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
    })
}

fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}
