//! `glance-wizard export ansible`: the project written, or why not.

use std::io::Write;
use std::path::Path;

use crate::i18n::{Lang, Texts};
use crate::ops::exit;
use crate::ops::load::Loaded;

/// `glance-wizard export ansible`: the project written into `output`.
pub fn export_ansible(
    loaded: &Loaded,
    inventory: &Path,
    output: &Path,
    out: &mut dyn Write,
) -> i32 {
    use crate::export::{ExportError, Failure, write_project};
    let t = Texts::of(Lang::from_env());
    let written = write_project(
        &loaded.answers,
        &loaded.settings,
        &loaded.profile,
        inventory,
        output,
    );
    match written {
        Ok(done) => {
            say!(out, "{}", t.msg(&done));
            exit::OK
        }
        Err(e) => {
            eprintln!("glance-wizard: {}", e.render(t));
            match e {
                Failure::Export(ExportError::Write { .. }) => exit::ERROR,
                _ => exit::INVALID_ANSWERS,
            }
        }
    }
}

/// `glance-wizard export FORMAT`; its exit code.
pub fn run(format: super::ExportFormat, out: &mut dyn Write) -> i32 {
    match format {
        super::ExportFormat::Ansible {
            args,
            inventory,
            output,
        } => {
            let loaded = super::load_with_notes(&args);
            export_ansible(&loaded, &inventory, &output, out)
        }
    }
}
