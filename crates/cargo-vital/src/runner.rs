//! The user's own target runner, found the way cargo finds it, so that vital's runs
//! of a test (nextest's target runner, a test run alone) go through it as
//! `cargo test` would: `CARGO_TARGET_<TRIPLE>_RUNNER`, else `target.<triple>.runner`
//! of cargo's configuration, else the one `target.'cfg(…)'.runner` that matches the
//! host. A relative program with a `/` is relative to the directory holding the
//! `.cargo/` directory that set it (cargo's rule), or to the working directory for
//! the environment variable.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The user's runner of the host as a program and its arguments; `None` when they
/// have none.
pub fn user_runner(root: &Path, host: &str) -> Option<Vec<String>> {
    let var = env_var(host);
    if let Some(value) = std::env::var(&var).ok().filter(|v| !v.trim().is_empty()) {
        let words: Vec<String> = value.split_whitespace().map(str::to_string).collect();
        return Some(resolve(words, std::env::current_dir().ok().as_deref()));
    }
    let table = config_get(root, "target", &["--format", "json-value"])?;
    let table: serde_json::Value = serde_json::from_str(&table).ok()?;
    let table = table.as_object()?;
    let key = match table.get(host).and_then(|t| t.get("runner")) {
        Some(_) => host.to_string(),
        None => {
            let cfg = host_cfg()?;
            table
                .iter()
                .filter(|(key, value)| value.get("runner").is_some() && key.starts_with("cfg("))
                .find(|(key, _)| cfg_matches(key, &cfg))
                .map(|(key, _)| key.clone())?
        }
    };
    let words = match &table[&key]["runner"] {
        serde_json::Value::String(line) => line.split_whitespace().map(str::to_string).collect(),
        serde_json::Value::Array(words) => {
            words.iter().filter_map(|w| w.as_str().map(str::to_string)).collect()
        }
        _ => return None,
    };
    let origin = origin_of(root, &key);
    Some(resolve(words, origin.as_deref()))
}

/// `CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER` for `x86_64-unknown-linux-gnu`.
pub fn env_var(host: &str) -> String {
    format!("CARGO_TARGET_{}_RUNNER", host.to_uppercase().replace(['-', '.'], "_"))
}

/// Makes a relative program with a `/` absolute against `base`.
fn resolve(mut words: Vec<String>, base: Option<&Path>) -> Vec<String> {
    if let (Some(program), Some(base)) = (words.first_mut(), base)
        && program.contains('/')
        && Path::new(program.as_str()).is_relative()
    {
        *program = base.join(program.as_str()).to_string_lossy().into_owned();
    }
    words
}

fn config_get(root: &Path, key: &str, extra: &[&str]) -> Option<String> {
    let output = Command::new(crate::process::cargo())
        .args(["-Zunstable-options", "config", "get"])
        .args(extra)
        .arg(key)
        .current_dir(root)
        .env("RUSTC_BOOTSTRAP", "1")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    String::from_utf8(output.stdout).ok()
}

/// The directory a runner set under `target.<key>` is relative to: the parent of
/// the `.cargo/` directory of the configuration file that set it (cargo prints the
/// file after ` # `).
fn origin_of(root: &Path, key: &str) -> Option<PathBuf> {
    let quoted = if key.contains(['(', '.', '"', ' ']) { format!("\"{key}\"") } else { key.to_string() };
    let text = config_get(root, &format!("target.{quoted}.runner"), &["--show-origin"])?;
    let line = text.lines().find(|l| l.contains(" # "))?;
    let file = PathBuf::from(line.rsplit_once(" # ")?.1.trim());
    if !file.is_absolute() {
        // `environment variable …` or `--config cli option`: the working directory.
        return Some(root.to_path_buf());
    }
    Some(file.parent()?.parent()?.to_path_buf())
}

/// The host's `cfg` values (`rustc --print cfg`): `unix`, `target_os="linux"` …
fn host_cfg() -> Option<Vec<(String, Option<String>)>> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(rustc).args(["--print", "cfg"]).stderr(Stdio::null()).output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    Some(
        text.lines()
            .map(|line| match line.split_once('=') {
                Some((name, value)) => (name.to_string(), Some(value.trim_matches('"').to_string())),
                None => (line.to_string(), None),
            })
            .collect(),
    )
}

/// Whether `cfg(EXPR)` holds for `cfg`: `all(…)`, `any(…)`, `not(…)`, `name` and
/// `name = "value"`. A malformed expression holds for nothing.
pub fn cfg_matches(key: &str, cfg: &[(String, Option<String>)]) -> bool {
    let Some(expr) = key.trim().strip_prefix("cfg(").and_then(|rest| rest.strip_suffix(')')) else {
        return false;
    };
    let mut parser = Cfg { text: expr.as_bytes(), at: 0 };
    let Some(result) = parser.expr(cfg) else { return false };
    parser.skip_space();
    result && parser.at == parser.text.len()
}

struct Cfg<'a> {
    text: &'a [u8],
    at: usize,
}

impl Cfg<'_> {
    fn skip_space(&mut self) {
        while self.text.get(self.at).is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> bool {
        self.skip_space();
        let found = self.text.get(self.at) == Some(&byte);
        if found {
            self.at += 1;
        }
        found
    }

    fn ident(&mut self) -> Option<String> {
        self.skip_space();
        let start = self.at;
        while self.text.get(self.at).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_') {
            self.at += 1;
        }
        (self.at > start).then(|| String::from_utf8_lossy(&self.text[start..self.at]).into_owned())
    }

    fn string(&mut self) -> Option<String> {
        if !self.eat(b'"') {
            return None;
        }
        let start = self.at;
        while self.text.get(self.at).is_some_and(|b| *b != b'"') {
            self.at += 1;
        }
        let value = String::from_utf8_lossy(self.text.get(start..self.at)?).into_owned();
        self.eat(b'"').then_some(value)
    }

    fn list(&mut self, cfg: &[(String, Option<String>)]) -> Option<Vec<bool>> {
        if !self.eat(b'(') {
            return None;
        }
        let mut values = Vec::new();
        loop {
            if self.eat(b')') {
                return Some(values);
            }
            values.push(self.expr(cfg)?);
            if !self.eat(b',') {
                return self.eat(b')').then_some(values);
            }
        }
    }

    fn expr(&mut self, cfg: &[(String, Option<String>)]) -> Option<bool> {
        let name = self.ident()?;
        match name.as_str() {
            "all" => Some(self.list(cfg)?.iter().all(|v| *v)),
            "any" => Some(self.list(cfg)?.iter().any(|v| *v)),
            "not" => match self.list(cfg)?.as_slice() {
                [value] => Some(!value),
                _ => None,
            },
            _ if self.eat(b'=') => {
                let value = self.string()?;
                Some(cfg.iter().any(|(n, v)| *n == name && v.as_deref() == Some(value.as_str())))
            }
            _ => Some(cfg.iter().any(|(n, v)| *n == name && v.is_none())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn linux() -> Vec<(String, Option<String>)> {
        vec![
            ("unix".into(), None),
            ("target_os".into(), Some("linux".into())),
            ("target_arch".into(), Some("x86_64".into())),
        ]
    }

    #[test]
    fn cfg_expressions_are_evaluated_like_cargo() {
        let cfg = linux();
        for (expr, expected) in [
            ("cfg(unix)", true),
            ("cfg(windows)", false),
            ("cfg(target_os = \"linux\")", true),
            ("cfg(target_os=\"macos\")", false),
            ("cfg(all(unix, target_arch = \"x86_64\"))", true),
            ("cfg(all())", true),
            ("cfg(any())", false),
            ("cfg(any(windows, target_os = \"linux\"))", true),
            ("cfg(not(windows))", true),
            ("cfg(not(unix, windows))", false),
            ("cfg(all(unix)", false),
            ("cfg(unix) x", false),
            ("x86_64-unknown-linux-gnu", false),
        ] {
            assert_eq!(cfg_matches(expr, &cfg), expected, "{expr}");
        }
    }

    #[test]
    fn a_relative_program_with_a_slash_is_taken_from_the_config_dir() {
        let base = Path::new("/ws");
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(resolve(words(&["./run.sh", "-x"]), Some(base)), words(&["/ws/./run.sh", "-x"]));
        assert_eq!(resolve(words(&["qemu-x86_64", "-L"]), Some(base)), words(&["qemu-x86_64", "-L"]));
        assert_eq!(resolve(words(&["/usr/bin/env"]), Some(base)), words(&["/usr/bin/env"]));
    }

    #[test]
    fn the_environment_variable_is_named_after_the_triple() {
        assert_eq!(env_var("x86_64-unknown-linux-gnu"), "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER");
        assert_eq!(env_var("thumbv7em-none-eabihf"), "CARGO_TARGET_THUMBV7EM_NONE_EABIHF_RUNNER");
    }
}
