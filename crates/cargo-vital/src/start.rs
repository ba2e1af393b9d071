//! Starting a catalogue: `cargo vital inventory` (the functions that look vital and
//! are not catalogued), `cargo vital init` (a starter `vital.toml` made of them) and
//! `cargo vital schema` (the JSON Schema editors check `vital.toml` with).

use std::io::Write as _;
use std::path::PathBuf;

use vital::catalogue::schema::{SCHEMA_URL, json_schema_text};
use vital::catalogue::{Catalogue, FILE_NAME};
use vital::inventory::{Inventory, inventory, starter_catalogue};
use vital::source::SourceIndex;
use vital::workspace::Workspace;
use vital::{Error, Session};

use crate::cli::{Common, EXIT_PASS, FormatArg, Protected, emit, to_json};

/// `cargo vital inventory`: the functions that look vital and are not in the
/// catalogue (all of them when there is none yet), ranked.
pub(crate) fn run_inventory(common: &Common, workspace: Workspace) -> Result<u8, Error> {
    let (path, display) = catalogue_path(common, &workspace);
    let protected = Protected { root: Some(workspace.root.clone()), files: vec![path.clone()] };
    let found = if std::fs::symlink_metadata(&path).is_ok() {
        // Every crate, not only those that can matter to the catalogue.
        let session = Session::open_whole(workspace, Some(&path))?;
        let catalogued: Vec<_> = session.entries().map(|(_, f)| f).collect();
        inventory(session.index(), session.catalogue(), &catalogued)
    } else {
        let index = SourceIndex::scan(&workspace);
        inventory(&index, &Catalogue::parse(&display, "")?, &[])
    };
    let text = match common.format() {
        FormatArg::Json => to_json(&found),
        _ => inventory_text(&found),
    };
    emit(common, &text, &protected)?;
    Ok(EXIT_PASS)
}

/// `cargo vital init`: a starter `vital.toml` (never over an existing file).
pub(crate) fn run_init(
    common: &Common,
    workspace: Workspace,
    max: usize,
    schema: Option<&str>,
) -> Result<u8, Error> {
    let (path, display) = catalogue_path(common, &workspace);
    if std::fs::symlink_metadata(&path).is_ok() {
        return Err(Error::new(
            vital::ErrorKind::Catalogue,
            Some(vital::Location::file(&display)),
            "refusing to overwrite it: the workspace has a catalogue already",
        )
        .with_help(
            "`cargo vital inventory` lists the functions that look vital and are not in it; \
             `cargo vital suggest FUNCTION` writes an entry for one",
        ));
    }
    let index = SourceIndex::scan(&workspace);
    let found = inventory(&index, &Catalogue::parse(&display, "")?, &[]);
    let text = starter_catalogue(&found, max, schema.unwrap_or(SCHEMA_URL));
    vital::fsutil::write_new(&path, text.as_bytes())?;
    let written = found.candidates.len().min(max);
    let mut stderr = anstream::stderr();
    let _ = writeln!(
        stderr,
        "wrote {}: {written} function{} that look{} vital{}; next: `cargo vital check --static` names the tests to add",
        display.display(),
        if written == 1 { "" } else { "s" },
        if written == 1 { "s" } else { "" },
        match found.candidates.len().saturating_sub(max) {
            0 => String::new(),
            more => format!(" ({more} more in `cargo vital inventory`)"),
        }
    );
    Ok(EXIT_PASS)
}

/// `cargo vital schema`: the JSON Schema of `vital.toml`.
pub(crate) fn run_schema(common: &Common) -> Result<u8, Error> {
    emit(common, &json_schema_text(), &Protected::default())?;
    Ok(EXIT_PASS)
}

/// The catalogue's path, and how messages show it.
fn catalogue_path(common: &Common, workspace: &Workspace) -> (PathBuf, PathBuf) {
    match &common.catalogue {
        Some(path) => (path.clone(), path.clone()),
        None => (workspace.root.join(FILE_NAME), PathBuf::from(FILE_NAME)),
    }
}

/// The inventory for a terminal.
fn inventory_text(found: &Inventory) -> String {
    let mut out = String::new();
    if found.candidates.is_empty() {
        out.push_str("vital: no function that is not in the catalogue looks vital\n");
    } else {
        let n = found.candidates.len();
        out.push_str(&format!(
            "vital: {n} function{} look{} vital and {} not in the catalogue, most vital first\n",
            if n == 1 { "" } else { "s" },
            if n == 1 { "s" } else { "" },
            if n == 1 { "is" } else { "are" }
        ));
    }
    for c in &found.candidates {
        out.push_str(&format!("\n{} ({}) — {}, score {}\n", c.function, c.location, c.tier, c.score));
        let why: Vec<&str> = c.signs.iter().map(|s| s.why()).collect();
        out.push_str(&format!("  why: {}\n", why.join("; ")));
        if !c.failure_modes.is_empty() {
            let modes: Vec<String> =
                c.failure_modes.iter().map(|m| format!("{} ({})", m.mode, m.test)).collect();
            out.push_str(&format!("  failure modes: {}\n", modes.join(", ")));
        }
        if let Some(file) = &c.file {
            out.push_str(&format!("  file: {file} (its path alone names several functions)\n"));
        }
    }
    if !found.unnamed.is_empty() {
        out.push_str(&format!(
            "\n{} more look vital but have no catalogue path that names them: {}\n",
            found.unnamed.len(),
            found.unnamed.join(", ")
        ));
    }
    if !found.candidates.is_empty() {
        out.push_str(
            "\n`cargo vital suggest FUNCTION` writes an entry to paste; `cargo vital init` starts a catalogue from these.\n",
        );
    }
    out
}
