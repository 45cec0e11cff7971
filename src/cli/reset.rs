//! `glance-wizard reset [TASK]`: what the reset did, said in the locale's language.

use std::io::Write;
use std::path::Path;

use crate::i18n::{Lang, Message, Texts};
use crate::ops::exit;
use crate::ops::reset::{ResetOutcome, reset};
use crate::plan::TaskId;

pub fn run(state_dir: &Path, task: Option<TaskId>, out: &mut dyn Write) -> anyhow::Result<i32> {
    let t = Texts::of(Lang::from_env());
    match reset(state_dir, task)? {
        ResetOutcome::Locked(e) => {
            writeln!(out, "{}", t.error(&e))?;
            Ok(exit::LOCKED)
        }
        ResetOutcome::SetAside { error, aside } => {
            writeln!(out, "{}", t.error(&error))?;
            let moved = Message::new("reset_cli.moved").arg("path", aside.display());
            writeln!(out, "{}", t.msg(&moved))?;
            Ok(exit::OK)
        }
        ResetOutcome::NoJournal => {
            writeln!(out, "{}", t.t("reset_cli.no_journal"))?;
            Ok(exit::OK)
        }
        ResetOutcome::ForgotAll => {
            writeln!(out, "{}", t.t("reset_cli.forgot_all"))?;
            Ok(exit::OK)
        }
        ResetOutcome::Forgot(id) => {
            writeln!(out, "{}", t.f("reset_cli.forgot", &[("task", &id)]))?;
            Ok(exit::OK)
        }
        ResetOutcome::NoCheckpoint { task, known } => {
            let known: Vec<&str> = known.iter().map(|k| k.as_str()).collect();
            let none = Message::new("reset_cli.no_checkpoint")
                .arg("task", task)
                .arg("known", known.join(", "));
            writeln!(out, "{}", t.msg(&none))?;
            Ok(exit::ERROR)
        }
    }
}
