//! The report of a check ([`schema`]: the `json` format) and its renderings: one
//! module per format, each a `match` over the typed [`Reason`](crate::model::Reason)s
//! through [`gaps`]. Renderers see the report only: no source index, no evidence.
//! [`baseline`] compares a report with an earlier one.

pub mod baseline;
pub mod gaps;
pub mod github;
pub mod html;
pub mod human;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod schema;
#[cfg(test)]
mod tests;

pub use schema::{
    AcknowledgedMutant, BranchGap, Change, CheckKind, CoverageInput, FunctionReport, FunctionSpan,
    MutationReport, Reasons, Report, SCHEMA_VERSION, Source, SourceSpan, Summary, TestSummary, Thresholds,
    Trend, Waiver, by_risk,
};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// rustc-style diagnostics and a summary table.
    Human,
    /// [`Report`] as JSON.
    Json,
    /// The gap report in markdown (PR comments, `$GITHUB_STEP_SUMMARY`).
    Markdown,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// SARIF 2.1.0 (code scanning).
    Sarif,
    /// JUnit XML, one test case per vital function.
    Junit,
    /// One self-contained HTML page: the evidence matrix, coverage bars, sources.
    Html,
}

impl Format {
    /// Every format, in the order `--format` lists them.
    pub const ALL: [Format; 7] = [
        Format::Human,
        Format::Json,
        Format::Markdown,
        Format::Github,
        Format::Sarif,
        Format::Junit,
        Format::Html,
    ];

    /// The name `--format` takes.
    pub fn name(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Markdown => "markdown",
            Format::Github => "github",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Html => "html",
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL.into_iter().find(|f| f.name() == s).ok_or_else(|| {
            let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
            format!("unknown format `{s}` (expected one of {})", names.join(", "))
        })
    }
}

/// How the human format looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Style {
    /// ANSI colours.
    pub color: bool,
}

impl Report {
    /// Renders the report in `format`.
    pub fn render(&self, format: Format, style: &Style) -> String {
        match format {
            Format::Human => human::render(self, style),
            Format::Json => self.to_json(),
            Format::Markdown => markdown::render(self),
            Format::Github => github::render(self),
            Format::Sarif => sarif::render(self),
            Format::Junit => junit::render(self),
            Format::Html => html::render(self),
        }
    }
}
