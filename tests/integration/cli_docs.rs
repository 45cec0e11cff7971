//! `glance-wizard man` and `glance-wizard completions SHELL`: what the
//! packages install, made from the clap definition (src/cli.rs). The man page
//! is formatted by man-db's `man`; the bash completion is loaded in a real
//! bash and asked to complete a subcommand.

use std::process::Command;

fn glance_wizard(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_glance-wizard"))
        .args(args)
        .output()
        .expect("run glance-wizard");
    assert!(out.status.success(), "glance-wizard {args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_man_page_formats_and_lists_the_subcommands() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("glance-wizard.1");
    std::fs::write(&page, glance_wizard(&["man"])).unwrap();
    let out = Command::new("man")
        .arg("-l")
        .arg(&page)
        .env("MANWIDTH", "80")
        .env("MANPAGER", "cat")
        .output()
        .expect("man (man-db) runs");
    assert!(out.status.success(), "man -l: {out:?}");
    // Words only: man justifies the lines with extra spaces.
    let text = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for words in [
        "NAME glance-wizard - Installs and configures",
        "SUBCOMMANDS",
    ] {
        assert!(
            text.contains(words),
            "`{words}` not in the man page:\n{text}"
        );
    }
    for sub in SUBCOMMANDS {
        assert!(
            text.contains(&format!("glance-wizard-{sub}(1)")),
            "`{sub}` not in the man page:\n{text}"
        );
    }
    assert!(
        !text.contains("bench-run-screen"),
        "a hidden command shows:\n{text}"
    );
}

/// The subcommands a user sees, each with its own page.
const SUBCOMMANDS: [&str; 12] = [
    "answers",
    "check",
    "plan",
    "apply",
    "export",
    "doctor",
    "bundle",
    "status",
    "reset",
    "undo",
    "man",
    "completions",
];

#[test]
fn man_dir_writes_the_pages_the_main_page_names() {
    let dir = tempfile::tempdir().unwrap();
    glance_wizard(&["man", "--dir", dir.path().to_str().unwrap()]);
    let mut written: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    let mut expected: Vec<String> = SUBCOMMANDS
        .iter()
        .map(|s| format!("glance-wizard-{s}.1"))
        // A subcommand's own subcommands have pages too.
        .chain([
            "glance-wizard.1".into(),
            "glance-wizard-export-ansible.1".into(),
        ])
        .collect();
    expected.sort();
    assert_eq!(written, expected);
    let main = std::fs::read_to_string(dir.path().join("glance-wizard.1")).unwrap();
    assert_eq!(main, glance_wizard(&["man"]), "one main page");
}

/// What bash completes after `glance-wizard WORD`, with the completion loaded.
fn bash_completes(script: &std::path::Path, word: &str) -> Vec<String> {
    let program = r#"source "$1" || exit 1
spec=$(complete -p glance-wizard) || exit 1
function=$(sed -n 's/.* -F \([^ ]*\) .*/\1/p' <<<"$spec")
COMP_WORDS=(glance-wizard "$2"); COMP_CWORD=1
COMP_LINE="glance-wizard $2"; COMP_POINT=${#COMP_LINE}
"$function" glance-wizard "$2" glance-wizard
printf '%s\n' "${COMPREPLY[@]}""#;
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", program, "bash"])
        .arg(script)
        .arg(word)
        .output()
        .unwrap();
    assert!(out.status.success(), "bash: {out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completes_the_subcommands() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("glance-wizard");
    std::fs::write(&script, glance_wizard(&["completions", "bash"])).unwrap();
    assert_eq!(bash_completes(&script, "c"), ["check", "completions"]);
    assert_eq!(bash_completes(&script, "ap"), ["apply"]);
}

#[test]
fn zsh_and_fish_completions_name_the_subcommands() {
    let zsh = glance_wizard(&["completions", "zsh"]);
    assert!(zsh.starts_with("#compdef glance-wizard"), "{zsh}");
    let fish = glance_wizard(&["completions", "fish"]);
    for sub in ["check", "plan", "apply", "man"] {
        assert!(zsh.contains(&format!("'{sub}:")), "zsh lacks {sub}");
        assert!(
            fish.contains(&format!("-a \"{sub}\"")),
            "fish lacks {sub}:\n{fish}"
        );
    }
}
