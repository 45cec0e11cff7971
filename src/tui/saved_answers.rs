//! Where the answers were saved from the review screen: the review screen
//! saves them, the done and export screens read where.

use std::path::{Path, PathBuf};

/// The answers saved from the review screen, and where it proposes to.
pub struct SavedAnswers {
    /// The answers' and the secrets' paths, or why they were not saved;
    /// none until the review screen saved them.
    pub result: Option<Result<(PathBuf, PathBuf), String>>,
    /// The path the save prompt proposes (in the current directory).
    pub default_path: PathBuf,
}

impl Default for SavedAnswers {
    fn default() -> Self {
        SavedAnswers {
            result: None,
            default_path: PathBuf::from("glance-wizard-answers.toml"),
        }
    }
}

impl SavedAnswers {
    /// The answers file, once saved.
    pub fn answers_file(&self) -> Option<&Path> {
        match &self.result {
            Some(Ok((answers, _))) => Some(answers),
            _ => None,
        }
    }

    /// The directory of the answers file saved on the review screen, or of
    /// the one it proposes (the current directory).
    pub fn dir(&self) -> PathBuf {
        let file = self.answers_file().unwrap_or(&self.default_path);
        match file.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }
}
