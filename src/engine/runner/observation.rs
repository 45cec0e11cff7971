//! What a task saw before it changed anything, kept across attempts.

use super::fatal;
use crate::engine::TaskError;
use crate::i18n::Message;

/// What a task observed before its first attempt changed anything, kept
/// in the state directory (`file`, 0600) until its outputs hold it, so a
/// retry or a rerun after a kill does not take that attempt's work for what
/// was there: the kept observation when `accept` takes it, else `observe`'s,
/// kept now. `unkeepable` names the failure to keep it. The task removes the
/// file once its outputs say it.
pub(crate) fn kept_observation<T: serde::Serialize + serde::de::DeserializeOwned>(
    state_dir: &std::path::Path,
    file: &str,
    accept: impl Fn(&T) -> bool,
    observe: impl FnOnce() -> Result<T, TaskError>,
    unkeepable: &'static str,
) -> Result<T, TaskError> {
    let kept = state_dir.join(file);
    if let Ok(text) = crate::util::fs::read_regular(&kept)
        && let Ok(before) = serde_json::from_str::<T>(&text)
        && accept(&before)
    {
        return Ok(before);
    }
    let before = observe()?;
    let text = serde_json::to_string(&before).expect("plain data serialises");
    crate::util::fs::write_atomically(&kept, text.as_bytes(), 0o600, None).map_err(|e| {
        fatal(
            Message::new(unkeepable)
                .arg("path", kept.display())
                .arg("error", e),
        )
    })?;
    Ok(before)
}
