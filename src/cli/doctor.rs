//! `glance-wizard doctor`: the report as text in the locale's language or as JSON in English
//! (docs/json.md), and `--write-answers`.

use std::path::PathBuf;

use super::Format;
use crate::checks::doctor;
use crate::i18n::{Lang, Texts};
use crate::ops::exit;

pub fn run(
    format: Format,
    config_dir: PathBuf,
    admin_openrc: Option<PathBuf>,
    write_answers: Option<PathBuf>,
) -> i32 {
    let mut options = doctor::Options::detected();
    options.config_dir = config_dir;
    if admin_openrc.is_some() {
        options.admin_openrc = admin_openrc;
    }
    let report = doctor::run(&options);
    match format {
        Format::Text => print!(
            "{}",
            doctor::render_text(&report, Texts::of(Lang::from_env()))
        ),
        Format::Json => print!("{}", doctor::render_json(&report)),
    }
    if let Some(path) = write_answers {
        // Standard error: standard output stays the report (JSON parses).
        // In the locale's language, whatever the report's format.
        let t = Texts::of(Lang::from_env());
        match doctor::write_answers(&options, &path) {
            Ok(lines) => lines.iter().for_each(|line| eprintln!("{}", t.msg(line))),
            Err(e) => {
                eprintln!("{}", t.msg(&e));
                return exit::ERROR;
            }
        }
    }
    if report.healthy {
        exit::OK
    } else {
        exit::DOCTOR_FOUND
    }
}
