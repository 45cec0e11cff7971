//! Saving answers from the wizard. A file that exists is edited in place
//! (toml_edit), not written afresh: the admin's comments, order and
//! formatting stay, and only the values that changed are touched.

use std::io::{self, Read};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use toml_edit::{DocumentMut, Item, Table};

use super::{Answers, Secrets};
use crate::util::fs::{self as fsutil, Owner};

impl Answers {
    /// Saves the answers to `path` and the secrets to a 0600 file beside it
    /// (`NAME.secrets.toml`, named in `[secrets] file`), so that
    /// `glance-wizard apply --answers PATH` replays them. Both files are
    /// replaced atomically; an answers file that exists keeps its comments,
    /// order, owner and mode (only the values that changed are edited).
    /// Returns the secrets file's path.
    pub fn save(&self, path: &Path, secrets: &Secrets) -> io::Result<PathBuf> {
        let mut answers = self.clone();
        answers.secrets.file = secrets_file_name(path);
        let secrets_path = answers.secrets_path(path);
        // Read first: an answers path that is refused (a link) leaves
        // nothing written.
        let (text, mode, owner) = match existing(path)? {
            Some((old, meta)) => (
                edited_text(&old, &answers).unwrap_or_else(|| fresh_text(&answers, path)),
                meta.mode() & 0o7777,
                Some(Owner::of(&meta)),
            ),
            None => (fresh_text(&answers, path), 0o600, None),
        };
        secrets.save(&secrets_path)?;
        fsutil::write_atomically(path, text.as_bytes(), mode, owner)?;
        Ok(secrets_path)
    }
}

/// The secrets file saved answers name: `NAME.secrets.toml` beside
/// `NAME.toml`.
pub fn secrets_file_name(answers_path: &Path) -> String {
    let stem = answers_path
        .file_stem()
        .and_then(|s| s.to_str())
        .filter(|s| !s.is_empty())
        .unwrap_or("answers");
    format!("{stem}.secrets.toml")
}

/// The answers file's text and metadata when there is one (a link or
/// anything but a regular file is refused).
fn existing(path: &Path) -> io::Result<Option<(String, std::fs::Metadata)>> {
    match fsutil::open_regular(path) {
        Ok((mut file, meta)) => {
            let mut text = String::new();
            file.read_to_string(&mut text)?;
            Ok(Some((text, meta)))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// A new answers file. Its comment is English whatever the locale: the
/// file is kept, passed on and replayed on other machines (and in bug
/// reports), so the same answers make the same bytes for everyone.
fn fresh_text(answers: &Answers, path: &Path) -> String {
    format!(
        "# glance-wizard answers: replay with `glance-wizard apply --answers {}`\n{}",
        path.display(),
        answers.to_toml()
    )
}

/// `old` (an answers file's text) edited to hold `answers`: a key is set
/// where its value differs from what `old` meant (defaults included), and
/// removed where it became unset; everything else (comments, order,
/// quoting, keys written with their default value) stays as it was. `None`
/// when `old` is not an answers file: it is then written afresh, as before.
fn edited_text(old: &str, answers: &Answers) -> Option<String> {
    let meant = Answers::from_toml(old).ok()?;
    let mut doc: DocumentMut = old.parse().ok()?;
    let before = canonical(&meant);
    let after = canonical(answers);
    merge(doc.as_table_mut(), before.as_table(), after.as_table());
    Some(doc.to_string())
}

/// Answers as a document, every field written the one way serde writes it,
/// so that two of them compare value by value.
fn canonical(answers: &Answers) -> DocumentMut {
    answers
        .to_toml()
        .parse()
        .expect("the answers' own TOML always parses")
}

/// Edits `doc` where `after` differs from `before` (both canonical).
fn merge(doc: &mut Table, before: &Table, after: &Table) {
    let empty = Table::new();
    for (key, new) in after.iter() {
        let old = before.get(key);
        let old_table = old.and_then(Item::as_table).unwrap_or(&empty);
        match (new, doc.get_mut(key)) {
            (Item::Table(new), Some(Item::Table(table))) => merge(table, old_table, new),
            (Item::Table(new), None) => {
                let mut table = Table::new();
                merge(&mut table, old_table, new);
                if !table.is_empty() {
                    doc.insert(key, Item::Table(table));
                }
            }
            _ if same(old, new) => {}
            (Item::Value(value), Some(Item::Value(written))) => {
                let decor = written.decor().clone();
                *written = value.clone();
                *written.decor_mut() = decor;
            }
            _ => {
                doc.insert(key, new.clone());
            }
        }
    }
    let unset: Vec<String> = doc
        .iter()
        .filter(|(key, _)| !after.contains_key(key))
        .map(|(key, _)| key.to_string())
        .collect();
    for key in unset {
        doc.remove(&key);
    }
}

/// Two canonical items hold the same value (their layout aside).
fn same(old: Option<&Item>, new: &Item) -> bool {
    let shown = |item: &Item| match item {
        Item::Value(v) => v.clone().decorated("", "").to_string(),
        other => other.to_string(),
    };
    old.is_some_and(|old| shown(old) == shown(new))
}

#[cfg(test)]
mod tests;
