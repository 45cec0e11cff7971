//! The run lock as `apply` and `undo` take it on the command line.

use std::io::Write;
use std::path::Path;

use crate::engine::{self, lock::RunLock};
use crate::i18n::Texts;
use crate::ops::exit;

/// The run lock, saying in the language of `t` what it waits for and why
/// it is refused; [`exit::LOCKED`] when it is.
pub(super) fn take_lock(state_dir: &Path, t: &Texts, out: &mut dyn Write) -> Result<RunLock, i32> {
    RunLock::acquire_reporting(state_dir, engine::lock::ORPHAN_WAIT, &mut |line| {
        say!(out, "{}", t.msg(line));
        // Ignored on purpose, as in `report`.
        let _ = out.flush();
    })
    .map_err(|e| {
        say!(out, "{}", t.error(&e));
        exit::LOCKED
    })
}
