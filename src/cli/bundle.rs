//! `glance-wizard bundle`: the support bundle written, and its list of files in the locale's
//! language.

use std::io::Write;
use std::path::Path;

use crate::i18n::{Message, Texts};

/// `glance-wizard bundle`'s list of what it wrote, in the locale's
/// language.
pub fn bundle_written(
    manifest: &crate::ops::bundle::Manifest,
    output: &Path,
    t: &Texts,
    out: &mut dyn Write,
) {
    let wrote = Message::new("bundle.wrote")
        .arg("path", output.display())
        .arg("count", manifest.files.len() + 1);
    say!(out, "{}", t.msg(&wrote));
    for f in &manifest.files {
        say!(out, "  {:<40} {}", f.path, t.msg(&f.description));
    }
    for m in &manifest.missing {
        let left_out = Message::new("bundle.left_out").msg("what", m.clone());
        say!(out, "  {}", t.msg(&left_out));
    }
}

/// `glance-wizard bundle`; its exit code.
pub fn run(
    output: std::path::PathBuf,
    answers: Option<std::path::PathBuf>,
    secrets: Option<std::path::PathBuf>,
    state_dir: &Path,
) -> i32 {
    let options = crate::ops::bundle::Options {
        output: output.clone(),
        state_dir: state_dir.to_path_buf(),
        answers: answers.map(|answers| crate::ops::load::LoadOptions {
            answers,
            secrets,
            distro: None,
            release: None,
            generate_passwords: false,
            ask_secret: None,
        }),
        doctor: crate::checks::doctor::Options::detected(),
    };
    super::code_or_error(
        crate::ops::bundle::build(&options)
            .map(|manifest| {
                let texts = Texts::of(crate::i18n::Lang::from_env());
                bundle_written(&manifest, &output, texts, &mut std::io::stdout());
                crate::ops::exit::OK
            })
            .map_err(anyhow::Error::msg),
    )
}
