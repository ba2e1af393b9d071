//! The certificate (SPEC §10): an in-toto Statement v1 whose predicate is a SLSA
//! Verification Summary v1, issued only when every gate holds, and its
//! verification against the files on disk.
//!
//! ```json
//! { "_type": "https://in-toto.io/Statement/v1",
//!   "subject": [ {"uri": "git+https://github.com/o/r", "digest": {"gitCommit": "<sha>"}},
//!                {"name": "dist/app.tar.gz", "digest": {"sha256": "…"}} ],
//!   "predicateType": "https://slsa.dev/verification_summary/v1",
//!   "predicate": {
//!     "verifier": {"id": "https://github.com/vital-rs/vital/cargo-vital@v0.1.0", "version": {"cargo-vital": "0.1.0"}},
//!     "timeVerified": "2026-12-05T04:09:00Z",
//!     "resourceUri": "git+https://github.com/o/r@<sha>",
//!     "policy": {"uri": "file:vital.toml", "digest": {"sha256": "…"}},
//!     "inputAttestations": [ {"name": "target/vital/coverage.json", "uri": "file:target/vital/coverage.json",
//!                             "digest": {"sha256": "…"}}, … ],
//!     "verificationResult": "PASSED",
//!     "verifiedLevels": ["VITAL_COVERAGE_CRITICAL", "VITAL_FAILURE_MODES", "VITAL_MUTATION"],
//!     "slsaVersion": "1.0" } }
//! ```
//!
//! `verifiedLevels` are computed from the report by one table, [`CLAIMS`]: a level
//! holds when some function is about it and every such function passes its part of
//! the gate. A new source of evidence is one more row. `inputAttestations` are every
//! evidence file the check read ([`Inputs::files_read`](crate::Inputs::files_read)).
//! A statement whose commit has uncommitted changes says so on its commit subject
//! (`annotations.uncommittedChanges`).
//!
//! vital does no cryptography beyond SHA-256 digests (the `sha2` crate): signing is
//! left to `actions/attest`, `cosign attest-blob` or any DSSE signer. The library
//! reads files and runs no process: the binary gives it the commit.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use crate::catalogue::Tier;
use crate::error::{Error, ErrorKind, Location, Result};
use crate::model::{Reason, Verdict};
use crate::report::{CheckKind, FunctionReport, Report};

/// The in-toto Statement v1 type.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// The SLSA Verification Summary v1 predicate type.
pub const VSA_TYPE: &str = "https://slsa.dev/verification_summary/v1";
/// The verifier's id: vital and its version.
pub const VERIFIER_ID: &str =
    concat!("https://github.com/vital-rs/vital/cargo-vital@v", env!("CARGO_PKG_VERSION"));
/// The annotation of the commit subject listing tracked files with uncommitted
/// changes (`--allow-dirty`).
pub const UNCOMMITTED: &str = "uncommittedChanges";

/// A level a certificate can state, the functions it is about, and whether it
/// held for one of them.
#[derive(Debug, Clone, Copy)]
pub struct Claim {
    /// The `verifiedLevels` value.
    pub level: &'static str,
    /// Whether the level is about this function of this report.
    pub about: fn(&Report, &FunctionReport) -> bool,
    /// Whether the function passes that part of the gate.
    pub held: fn(&FunctionReport) -> bool,
}

/// The levels a certificate states, in order. Adding a source of evidence is one
/// more row.
pub const CLAIMS: &[Claim] = &[
    Claim {
        level: "VITAL_COVERAGE_CRITICAL",
        about: |r, f| measured(r) && f.tier == Tier::Critical,
        held: coverage_held,
    },
    Claim {
        level: "VITAL_COVERAGE_ESSENTIAL",
        about: |r, f| measured(r) && f.tier == Tier::Essential,
        held: coverage_held,
    },
    Claim {
        level: "VITAL_COVERAGE_OPTIONAL",
        about: |r, f| measured(r) && f.tier == Tier::Optional,
        held: coverage_held,
    },
    Claim {
        level: "VITAL_FAILURE_MODES",
        about: |r, f| measured(r) && f.thresholds.failure_modes && !f.failure_modes.is_empty(),
        held: |f| !f.reasons.iter().any(|r| matches!(r, Reason::FailureMode(_) | Reason::CategoryMissing(_))),
    },
    Claim {
        level: "VITAL_MUTATION",
        about: |_, f| f.thresholds.mutation.is_some() && f.mutants.is_some(),
        held: |f| !f.reasons.iter().any(Reason::is_mutation),
    },
    Claim {
        level: "VITAL_FAILPOINTS",
        about: |r, f| {
            measured(r)
                && f.thresholds.failpoints != crate::catalogue::FailpointRule::None
                && !f.failpoints.is_empty()
        },
        held: |f| !f.reasons.iter().any(Reason::is_failpoint),
    },
];

/// A report of a full check (coverage measured, not a static or mutation check).
fn measured(report: &Report) -> bool {
    report.check == CheckKind::Coverage
}

fn coverage_held(f: &FunctionReport) -> bool {
    !f.reasons.iter().any(Reason::is_coverage)
}

/// The levels that held in `report` ([`CLAIMS`]).
pub fn verified_levels(report: &Report) -> Vec<String> {
    CLAIMS
        .iter()
        .filter(|claim| {
            let mut about = report.functions.iter().filter(|f| (claim.about)(report, f)).peekable();
            about.peek().is_some() && about.all(|f| (claim.held)(f))
        })
        .map(|claim| claim.level.to_string())
        .collect()
}

/// Why `report` may not be certified: empty when every gate holds on complete
/// evidence. A certificate needs a full check with the suite's results, every
/// function passing (a baseline accepts nothing here), and mutation results for
/// every function whose tier has a `mutation` key (SPEC §8).
pub fn refusals(report: &Report) -> Vec<String> {
    let mut why = Vec::new();
    if report.check != CheckKind::Coverage {
        why.push(format!(
            "this is a {} check: a certificate needs coverage, test results and all",
            report.check
        ));
    }
    match &report.tests {
        None => why.push("no test results were given: nothing shows the suite passed".into()),
        Some(tests) if tests.failed > 0 => why.push(format!(
            "{} test{} failed: {}",
            tests.failed,
            plural(tests.failed),
            tests.failed_tests.join(", ")
        )),
        Some(_) => {}
    }
    for f in &report.functions {
        if f.verdict == Verdict::Fail {
            why.push(format!("`{}` does not meet the {} tier", f.function, f.tier));
        }
    }
    let unmeasured: Vec<String> = report
        .functions
        .iter()
        .filter(|f| f.thresholds.mutation.is_some() && f.mutants.is_none())
        .map(|f| format!("`{}`", f.function))
        .collect();
    if !unmeasured.is_empty() {
        why.push(format!(
            "no mutation results were given, and the tiers of {} demand a mutation score: run `cargo vital mutants` \
             (or pass `--mutants DIR`)",
            unmeasured.join(", ")
        ));
    }
    why
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// An in-toto ResourceDescriptor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Resource {
    /// Its name: for a file, its path relative to the workspace root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Where it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Its digests by algorithm (`sha256`, `gitCommit`).
    #[serde(default)]
    pub digest: BTreeMap<String, String>,
    /// More about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<serde_json::Map<String, serde_json::Value>>,
}

/// The verifier of a VSA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verifier {
    /// Who verified.
    pub id: String,
    /// The versions of its parts.
    #[serde(default)]
    pub version: BTreeMap<String, String>,
}

/// A SLSA Verification Summary v1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerificationSummary {
    /// vital.
    pub verifier: Verifier,
    /// When (RFC 3339, UTC).
    pub time_verified: String,
    /// What was verified: the repository at the commit.
    pub resource_uri: String,
    /// The catalogue, by digest.
    pub policy: Resource,
    /// Every evidence file the check read, by digest.
    #[serde(default)]
    pub input_attestations: Vec<Resource>,
    /// `PASSED`: vital writes no statement otherwise.
    pub verification_result: String,
    /// What held ([`verified_levels`]).
    pub verified_levels: Vec<String>,
    /// `1.0`.
    #[serde(default)]
    pub slsa_version: Option<String>,
}

/// An in-toto Statement v1 with a VSA predicate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    /// [`STATEMENT_TYPE`].
    #[serde(rename = "_type")]
    pub statement_type: String,
    /// The commit and the artifacts given.
    pub subject: Vec<Resource>,
    /// [`VSA_TYPE`].
    #[serde(rename = "predicateType")]
    pub predicate_type: String,
    /// The summary.
    pub predicate: VerificationSummary,
}

impl Statement {
    /// Pretty JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a statement always serializes");
        text.push('\n');
        text
    }

    /// Reads a statement vital wrote; `display` names the file in messages.
    pub fn read(path: &Path, display: &Path) -> Result<Statement> {
        let text = crate::fsutil::read_input_string(path, display, ErrorKind::Io)?;
        let statement: Statement = serde_json::from_str(&text).map_err(|err| {
            Error::new(
                ErrorKind::Io,
                Some(Location::at(display, err.line(), err.column())),
                format!("not an in-toto statement of a verification summary ({err})"),
            )
            .with_help("pass a statement written by `cargo vital certify`")
        })?;
        if statement.statement_type != STATEMENT_TYPE || statement.predicate_type != VSA_TYPE {
            return Err(Error::new(
                ErrorKind::Io,
                Some(Location::file(display)),
                format!(
                    "not an in-toto Statement v1 of a SLSA verification summary v1 (`_type` {:?}, `predicateType` {:?})",
                    statement.statement_type, statement.predicate_type
                ),
            )
            .with_help("pass a statement written by `cargo vital certify`"));
        }
        Ok(statement)
    }
}

/// The commit a statement is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    /// Its full hash.
    pub sha: String,
    /// The repository's URI, as `git+https://…` (no credentials), when it has one.
    pub repository: Option<String>,
    /// Tracked files with uncommitted changes (`--allow-dirty`), workspace-relative.
    pub uncommitted: Vec<String>,
}

/// What a statement is made of, besides the report.
#[derive(Debug, Clone)]
pub struct Certificate<'a> {
    /// The workspace root: files are named relative to it.
    pub root: &'a Path,
    /// The catalogue.
    pub policy: &'a Path,
    /// Every evidence file the check read.
    pub evidence: &'a [PathBuf],
    /// Artifacts to name in the subject by digest (`--subject`).
    pub subjects: &'a [PathBuf],
    /// The commit.
    pub commit: &'a Commit,
    /// `resourceUri`; by default `<repository>@<sha>`.
    pub resource_uri: Option<&'a str>,
    /// Seconds since the Unix epoch of `timeVerified`.
    pub time: u64,
}

/// The statement of a report that [`refusals`] has nothing against: reads and
/// digests every file. An error when a file cannot be read.
pub fn statement(report: &Report, c: &Certificate<'_>) -> Result<Statement> {
    let mut commit = Resource {
        uri: c.commit.repository.clone(),
        digest: BTreeMap::from([("gitCommit".to_string(), c.commit.sha.clone())]),
        ..Resource::default()
    };
    if c.commit.repository.is_none() {
        commit.name = Some("source".into());
    }
    if !c.commit.uncommitted.is_empty() {
        let changed = c.commit.uncommitted.iter().cloned().map(serde_json::Value::String).collect();
        commit.annotations =
            Some(serde_json::Map::from_iter([(UNCOMMITTED.to_string(), serde_json::Value::Array(changed))]));
    }
    let mut subject = vec![commit];
    for file in c.subjects {
        subject.push(file_resource(c.root, file, false)?);
    }
    let mut evidence: Vec<&PathBuf> = c.evidence.iter().collect();
    evidence.sort();
    evidence.dedup();
    let input_attestations =
        evidence.into_iter().map(|f| file_resource(c.root, f, true)).collect::<Result<Vec<_>>>()?;
    let mut policy = file_resource(c.root, c.policy, true)?;
    policy.name = None;
    let resource_uri = match (c.resource_uri, &c.commit.repository) {
        (Some(uri), _) => uri.to_string(),
        (None, Some(repository)) => format!("{repository}@{}", c.commit.sha),
        (None, None) => format!("git+{}@{}", file_uri(c.root), c.commit.sha),
    };
    Ok(Statement {
        statement_type: STATEMENT_TYPE.into(),
        subject,
        predicate_type: VSA_TYPE.into(),
        predicate: VerificationSummary {
            verifier: Verifier {
                id: VERIFIER_ID.into(),
                version: BTreeMap::from([("cargo-vital".to_string(), env!("CARGO_PKG_VERSION").to_string())]),
            },
            time_verified: rfc3339(c.time),
            resource_uri,
            policy,
            input_attestations,
            verification_result: "PASSED".into(),
            verified_levels: verified_levels(report),
            slsa_version: Some("1.0".into()),
        },
    })
}

/// A file as a resource: its name (relative to `root` when inside), its `file:`
/// URI when `with_uri`, its SHA-256.
fn file_resource(root: &Path, file: &Path, with_uri: bool) -> Result<Resource> {
    let name = relative_name(root, file);
    let digest = sha256_file(file, Path::new(&name))?;
    let uri = with_uri.then(|| {
        if Path::new(&name).is_absolute() { file_uri(Path::new(&name)) } else { format!("file:{name}") }
    });
    Ok(Resource {
        name: Some(name),
        uri,
        digest: BTreeMap::from([("sha256".to_string(), digest)]),
        annotations: None,
    })
}

/// `path` relative to `root` with `/` separators when it is inside, else as given.
fn relative_name(root: &Path, path: &Path) -> String {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().map(|d| d.join(path)).unwrap_or_else(|_| path.to_path_buf())
    };
    let root = crate::fsutil::identity(root);
    let absolute = crate::fsutil::identity(&absolute);
    match absolute.strip_prefix(&root) {
        Ok(rel) => rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/"),
        Err(_) => absolute.display().to_string(),
    }
}

fn file_uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// The SHA-256 of a file, in lowercase hex.
pub fn sha256_file(path: &Path, display: &Path) -> Result<String> {
    let bytes = crate::fsutil::read_input(path, display, ErrorKind::Io)?;
    Ok(hex(&sha2::Sha256::digest(&bytes)))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `seconds` since the Unix epoch as an RFC 3339 UTC timestamp
/// (`2026-12-05T04:09:00Z`).
pub fn rfc3339(seconds: u64) -> String {
    let days = i64::try_from(seconds / 86_400).unwrap_or(i64::MAX);
    let rest = seconds % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rest / 3_600, rest % 3_600 / 60, rest % 60)
}

/// One digest of a statement, recomputed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// What it is: `subject`, `policy`, `input`.
    pub role: &'static str,
    /// The file or the commit.
    pub what: String,
    /// `sha256` or `gitCommit`.
    pub algorithm: String,
    /// What the statement says.
    pub expected: String,
    /// What is on disk now; `None` when it cannot be computed (the error).
    pub found: std::result::Result<String, String>,
}

impl Checked {
    /// Whether the digest matches.
    pub fn matches(&self) -> bool {
        self.found.as_ref().is_ok_and(|f| *f == self.expected)
    }
}

/// The tree as `certify --verify` sees it: the checked-out commit and whether
/// tracked files have uncommitted changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tree {
    /// `HEAD`, or why it is unknown.
    pub head: std::result::Result<String, String>,
    /// Tracked files with uncommitted changes.
    pub uncommitted: Vec<String>,
}

/// Recomputes every digest of `statement` against `root` and `tree`: each subject
/// file and the commit, the policy, each input attestation. A statement made of a
/// clean tree does not match a tree with uncommitted changes.
pub fn verify(statement: &Statement, root: &Path, tree: &Tree) -> Vec<Checked> {
    let mut checked = Vec::new();
    for subject in &statement.subject {
        if let Some(expected) = subject.digest.get("gitCommit") {
            let dirty_allowed = subject.annotations.as_ref().is_some_and(|a| a.contains_key(UNCOMMITTED));
            let found = match &tree.head {
                Ok(_) if !tree.uncommitted.is_empty() && !dirty_allowed => Err(format!(
                    "the tree has uncommitted changes to tracked files ({}): it is not the commit",
                    tree.uncommitted.join(", ")
                )),
                other => other.clone(),
            };
            checked.push(Checked {
                role: "subject",
                what: subject.uri.clone().or_else(|| subject.name.clone()).unwrap_or_else(|| "commit".into()),
                algorithm: "gitCommit".into(),
                expected: expected.clone(),
                found,
            });
        } else {
            checked.extend(verify_file(root, "subject", subject));
        }
    }
    checked.extend(verify_file(root, "policy", &statement.predicate.policy));
    for input in &statement.predicate.input_attestations {
        checked.extend(verify_file(root, "input", input));
    }
    checked
}

/// Each digest of a file resource, recomputed.
fn verify_file(root: &Path, role: &'static str, resource: &Resource) -> Vec<Checked> {
    let path = resource_path(root, resource);
    let what = match &path {
        Some(path) => relative_name(root, path),
        None => resource.uri.clone().or_else(|| resource.name.clone()).unwrap_or_default(),
    };
    resource
        .digest
        .iter()
        .map(|(algorithm, expected)| {
            let found = match (&path, algorithm.as_str()) {
                (None, _) => Err("not a file of this workspace".to_string()),
                (Some(path), "sha256") => sha256_file(path, path).map_err(|err| {
                    err.problems().first().map_or_else(|| err.to_string(), |p| p.message.clone())
                }),
                (Some(_), other) => Err(format!("vital does not compute `{other}` digests")),
            };
            Checked {
                role,
                what: what.clone(),
                algorithm: algorithm.clone(),
                expected: expected.clone(),
                found,
            }
        })
        .collect()
}

/// The file a resource names, on disk: its `file:` URI, else its name, relative to
/// `root` unless absolute.
fn resource_path(root: &Path, resource: &Resource) -> Option<PathBuf> {
    let named = match resource.uri.as_deref() {
        Some(uri) => uri.strip_prefix("file://").or_else(|| uri.strip_prefix("file:"))?.to_string(),
        None => resource.name.clone()?,
    };
    let path = Path::new(&named);
    Some(if path.is_absolute() { path.to_path_buf() } else { root.join(path) })
}

#[cfg(test)]
mod tests;
