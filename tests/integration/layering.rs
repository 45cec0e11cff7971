//! The layers of `src/`, and the one rule between them: a module uses its own layer or one
//! below it, never one above. docs/architecture.md describes the same order, one paragraph a
//! layer; this list is the one the build holds the code to.

use std::path::{Path, PathBuf};

/// Bottom first. Each is a top-level module of the library (`src/<name>.rs` or `src/<name>/`).
const LAYERS: &[&str] = &[
    "i18n", "ini", "util", "host", "answers", "plan", "engine", "undo", "export", "checks", "ops",
    "cli", "tui",
];

/// A use of a module of another layer, found in a file of `src/`.
#[derive(Debug, PartialEq, Eq)]
struct Arrow {
    file: String,
    line: usize,
    from: &'static str,
    to: String,
}

fn layer_rank(name: &str) -> Option<usize> {
    LAYERS.iter().position(|l| *l == name)
}

/// The module path of a file under `src/` (`host/http.rs` → `[host, http]`, `tui/mod.rs` →
/// `[tui]`).
fn module_path(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .with_extension("")
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|last| last == "mod") {
        parts.pop();
    }
    parts
}

/// The text with comments, string and character literals blanked (lines kept), so that a
/// doc link or a message naming `crate::x` is not taken for a use.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < chars.len() {
        let rest = &chars[i..];
        if rest.starts_with(&['/', '/']) {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if rest.starts_with(&['/', '*']) {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i..].starts_with(&['/', '*']) {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i..].starts_with(&['*', '/']) {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if let Some(end) = raw_string_end(&chars, i) {
            chars[i..end].iter().for_each(|c| out.push(blank(*c)));
            i = end;
        } else if chars[i] == '"' {
            out.push(' ');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < chars.len() {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if let Some(end) = char_literal_end(&chars, i) {
            (i..end).for_each(|_| out.push(' '));
            i = end;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// Where a raw string (`r"…"`, `r#"…"#`, `br"…"`) that starts at `i` ends.
fn raw_string_end(chars: &[char], i: usize) -> Option<usize> {
    let prefix_ok = i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
    let mut j = i;
    if chars.get(j) == Some(&'b') {
        j += 1;
    }
    if !prefix_ok || chars.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let hashes = chars[j..].iter().take_while(|c| **c == '#').count();
    j += hashes;
    if chars.get(j) != Some(&'"') {
        return None;
    }
    j += 1;
    while j < chars.len() {
        if chars[j] == '"'
            && chars[j + 1..]
                .iter()
                .take(hashes)
                .filter(|c| **c == '#')
                .count()
                == hashes
        {
            return Some(j + 1 + hashes);
        }
        j += 1;
    }
    Some(chars.len())
}

/// Where a character literal (`'a'`, `'\n'`, `'\u{85}'`) that starts at `i` ends; a lifetime
/// (`'a` with no closing quote) is not one.
fn char_literal_end(chars: &[char], i: usize) -> Option<usize> {
    if chars[i] != '\'' {
        return None;
    }
    if chars.get(i + 1) == Some(&'\\') {
        let close = chars[i + 2..].iter().position(|c| *c == '\'')?;
        return Some(i + 2 + close + 1);
    }
    (chars.get(i + 2) == Some(&'\'')).then_some(i + 3)
}

/// The top-level modules a path starting at `at` names: `crate::x::…` → `[x]`,
/// `crate::{x::…, y}` → `[x, y]`, and `super::super::x` when the supers climb out of the file's
/// top-level module (`depth` = the length of the file's module path).
fn named_modules(code: &str, at: usize, depth: usize) -> Vec<String> {
    let rest = &code[at..];
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    if let Some(after) = rest.strip_prefix("crate::") {
        if let Some(group) = after.strip_prefix('{') {
            return top_names_of_group(group);
        }
        return vec![ident(after)];
    }
    let mut after = rest;
    let mut supers = 0;
    while let Some(next) = after.strip_prefix("super::") {
        supers += 1;
        after = next;
    }
    if supers >= depth && supers > 0 {
        return vec![ident(after)];
    }
    Vec::new()
}

/// The first name of each item of a `{ … }` group (the text after its `{`), at its top level.
fn top_names_of_group(group: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut depth = 0;
    let mut item_start = true;
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => item_start = true,
            c if item_start && (c.is_alphanumeric() || c == '_') => {
                let name: String = group[i..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                names.push(name);
                item_start = false;
            }
            _ => {}
        }
    }
    names
}

/// Every use in `text` (a file at `relative` under `src/`) of a layer above the file's own.
fn upward_arrows(relative: &Path, text: &str) -> Vec<Arrow> {
    let path = module_path(relative);
    let Some(from) = path.first().and_then(|m| LAYERS.iter().find(|l| **l == m)) else {
        return Vec::new();
    };
    let from_rank = layer_rank(from).unwrap_or(0);
    let code = code_only(text);
    let mut arrows = Vec::new();
    for (at, _) in code
        .match_indices("crate::")
        .chain(code.match_indices("super::"))
    {
        let starts_path =
            at == 0 || !code[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':');
        if !starts_path {
            continue;
        }
        for to in named_modules(&code, at, path.len()) {
            if layer_rank(&to).is_some_and(|rank| rank > from_rank) {
                arrows.push(Arrow {
                    file: relative.display().to_string(),
                    line: code[..at].matches('\n').count() + 1,
                    from,
                    to,
                });
            }
        }
    }
    arrows
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src/") {
        let path = entry.expect("read src/").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_arrow_between_layers_points_down() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut arrows = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&src).unwrap();
        arrows.extend(upward_arrows(
            relative,
            &std::fs::read_to_string(file).unwrap(),
        ));
    }
    let shown: Vec<String> = arrows
        .iter()
        .map(|a| {
            format!(
                "src/{}:{}: {} uses crate::{}, a layer above it",
                a.file, a.line, a.from, a.to
            )
        })
        .collect();
    assert!(
        shown.is_empty(),
        "arrows that point up (layers, bottom first: {}):\n{}",
        LAYERS.join(" < "),
        shown.join("\n")
    );
    assert!(files.len() > 50, "read {} files of src/", files.len());
}

/// Every module lib.rs declares has its place in the order: a new top-level module cannot
/// slip past the rule.
#[test]
fn every_top_level_module_has_a_layer() {
    let lib =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    let declared: Vec<&str> = lib
        .lines()
        .filter_map(|l| {
            l.trim()
                .strip_prefix("pub mod ")
                .or_else(|| l.trim().strip_prefix("mod "))
        })
        .map(|l| l.trim_end_matches(';'))
        .collect();
    let mut sorted_layers: Vec<&str> = LAYERS.to_vec();
    sorted_layers.sort_unstable();
    let mut sorted_declared = declared.clone();
    sorted_declared.sort_unstable();
    assert_eq!(sorted_declared, sorted_layers);
}

/// The reader finds what it must: an upward use in each form the code writes, and nothing in
/// comments, strings or a use of a lower layer.
#[test]
fn the_reader_finds_upward_uses_in_every_form() {
    let found = |file: &str, text: &str| -> Vec<String> {
        upward_arrows(Path::new(file), text)
            .into_iter()
            .map(|a| format!("{}:{}", a.line, a.to))
            .collect()
    };
    assert_eq!(
        found("host/http.rs", "use crate::engine::TaskError;\n"),
        ["1:engine"]
    );
    assert_eq!(
        found("util/fs.rs", "fn f() {\n    crate::plan::hex(b)\n}\n"),
        ["2:plan"]
    );
    assert_eq!(
        found("answers/mod.rs", "use crate::{host::target, tui::App};\n"),
        ["1:tui"]
    );
    assert_eq!(
        found("plan/mod.rs", "use super::engine::Run;\n"),
        ["1:engine"]
    );
    assert_eq!(
        found("plan/config.rs", "use super::engine::Run;\n"),
        Vec::<String>::new()
    );
    assert_eq!(
        found("plan/config.rs", "use super::super::engine::Run;\n"),
        ["1:engine"]
    );
    assert_eq!(
        found(
            "i18n.rs",
            "// crate::tui in a comment\nconst S: &str = \"crate::tui\";\nconst R: &str = r#\"crate::ops\"#;\nfn f<'a>(c: char) { let q = '\"'; }\n"
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        found(
            "tui/mod.rs",
            "use crate::engine::Run;\nuse crate::i18n::Texts;\n"
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        found(
            "engine/mod.rs",
            "use glance_crate::tui;\nmy_crate::tui::x();\n"
        ),
        Vec::<String>::new()
    );
}
