//! End-to-end: hostile passwords. One state directory, one run per pair of
//! new passwords (a database one, ASCII only, and a Keystone one): the
//! fingerprints rerun exactly the tasks that use them, and after each run
//! the new passwords are proven to work where they landed: oslo.config reads
//! them back from glance-api.conf, the glance account logs in to MariaDB,
//! the glance user logs in to Keystone, glance-api (restarted with them)
//! validates an admin token, and a freshly made image is uploaded and active.
//! The old passwords stop working. Characters that cannot work are refused
//! at input, through the CLI, with the reason, and nothing is written.

use crate::common;

use std::time::{Duration, Instant};

use common::leak::{ArgvSampler, Secrets};
use common::probe::{self, API_CONF};
use common::*;

const IMAGE: &str = "e2e-hostile";
const PRISTINE_CONF: &str = "/usr/share/glance-common/glance-api.conf";

/// Database passwords: ASCII only (PyMySQL sends Latin-1; see
/// `validate::db_password`), every character that needs escaping somewhere.
fn db_passwords() -> Vec<String> {
    let printable: String = (0x20u8..0x7f).map(char::from).collect();
    let long: String = "Aa0!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ "
        .chars()
        .cycle()
        .take(256)
        .collect();
    [
        " Db'p@ss/w$rd%#;\"x\\ ",
        "\"double-quoted whole\"",
        "'single-quoted whole'",
        "trailing-backslash\\",
        "$HOME $$ ${x} $(id) \\$y",
        "%(here)s %25 %2F %",
        "user@host/db?x=1#frag;port:3306",
        "#starts-with-hash ; and ; semicolons",
        "\\\\double\\\\backslash\\'quote",
        "  key = value with = signs  ",
        printable.as_str(),
        long.as_str(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Keystone passwords: any printable character, non-ASCII letters too.
fn service_passwords() -> Vec<String> {
    let long: String = "Ünï€ódé-密码-пароль-$'\"\\ @/%#;: "
        .chars()
        .cycle()
        .take(256)
        .collect();
    let mid: String = "ñandú $ 'q' \"dq\" \\ 中文 "
        .chars()
        .cycle()
        .take(80)
        .collect();
    [
        "Svc $HOME p@ss\"w'rd\\ 中文 ",
        "  Ünïcödé pässwörd  ",
        "пароль-$ecret'\"\\",
        "密码🔑 emoji-four-bytes",
        "\"ελληνικά κωδικός\"",
        "'日本語のパスワード'",
        "$ñame and $é ${ü}",
        "%(x)s ${y} $z \\$ \\\\$",
        "#; comment-like : @ / % start",
        "a\\b\\c\\ ends with a space ",
        mid.as_str(),
        long.as_str(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Tasks a run reports as run (`[done] id`), sorted: tasks run
/// concurrently, so the order they finish in is not fixed.
fn ran(output: &str) -> Vec<String> {
    let mut ran: Vec<String> = output
        .lines()
        .filter_map(|l| l.strip_prefix("[done] "))
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect();
    ran.sort_unstable();
    ran
}

#[test]
fn e2e_hostile_passwords_each_work_end_to_end() {
    let Some(_lab) = lab() else { return };
    let started = Instant::now();
    reset_glance(false);
    let dbs = db_passwords();
    let services = service_passwords();
    assert_eq!(dbs.len(), services.len());
    for p in &dbs {
        glance_wizard::answers::validate::db_password(p).expect("a valid DB password");
    }
    for p in &services {
        glance_wizard::answers::validate::new_password(p).expect("a valid password");
    }
    assert!(dbs.iter().any(|p| p.chars().count() >= 64));
    assert!(services.iter().any(|p| p.chars().count() >= 64));

    let mut s = scenario("hostile", &dbs[0], &services[0]);
    let secrets = Secrets::default();
    secrets.add("admin password", &probe::admin().password);
    for (i, (db, svc)) in dbs.iter().zip(&services).enumerate() {
        secrets.add(&format!("DB password #{i}"), db);
        secrets.add(&format!("Keystone password #{i}"), svc);
    }
    let sampler = ArgvSampler::start(secrets.clone(), Duration::from_millis(3));
    let pristine = std::fs::read_to_string(PRISTINE_CONF).unwrap();

    let mut outputs = Vec::new();
    let mut previous: Option<(String, String, String)> = None;
    for (i, (db, svc)) in dbs.iter().zip(&services).enumerate() {
        let run_started = Instant::now();
        s.set_passwords(db, svc);
        s.new_image_content(64 + i as u32);
        let (code, output) = s.apply_logged(i + 1);
        let context = format!("pair #{i}");
        assert_eq!(code, Some(0), "{context}: apply failed:\n{output}");
        if previous.is_some() {
            assert_eq!(
                ran(&output),
                [
                    "config.glance-api",
                    "db.metadefs",
                    "db.sync",
                    "identity.role",
                    "identity.user",
                    "service.restart",
                    "sql.database",
                    "verify.image"
                ],
                "{context}: exactly the tasks that use the passwords rerun"
            );
        }

        // oslo.config reads both back, and the file kept every comment.
        let (file_db, file_svc) = probe::oslo_passwords(std::path::Path::new(API_CONF))
            .unwrap_or_else(|e| panic!("{context}: oslo.config: {e}"));
        assert!(
            file_db == *db,
            "{context}: DB password as oslo + SQLAlchemy read it"
        );
        assert!(
            file_svc == *svc,
            "{context}: Keystone password as oslo reads it"
        );
        let conf = std::fs::read_to_string(API_CONF).unwrap();
        probe::comments_intact(&pristine, &conf).unwrap_or_else(|e| panic!("{context}: {e}"));

        // The database account and the Keystone user log in with them.
        probe::db_login(db).unwrap_or_else(|e| panic!("{context}: DB login: {e}"));
        probe::login("glance", svc, None)
            .unwrap_or_else(|st| panic!("{context}: Keystone login: HTTP {st}"));

        // glance-api validates a fresh admin token (with its own Keystone
        // credentials) and holds exactly one, freshly uploaded, test image.
        let token = probe::admin_token();
        let images = probe::images_named(&token, IMAGE);
        assert_eq!(images.len(), 1, "{context}: {images:?}");
        assert_eq!(images[0]["status"], "active", "{context}");
        assert_eq!(
            images[0]["os_hash_value"].as_str(),
            Some(probe::sha512(&s.image).as_str()),
            "{context}: the image is this run's file"
        );
        let id = images[0]["id"].as_str().unwrap().to_string();

        if let Some((old_db, old_svc, old_id)) = &previous {
            assert!(
                probe::db_login(old_db).is_err(),
                "{context}: old DB password still works"
            );
            assert_eq!(
                probe::login("glance", old_svc, None).err(),
                Some(401),
                "{context}: old Keystone password still works"
            );
            assert_ne!(&id, old_id, "{context}: a new upload");
        }
        println!(
            "pair #{i}: DB password of {} chars, Keystone password of {} chars: \
             oslo reads both, DB and Keystone logins, glance-api token validation, image {id} active ({:.1} s)",
            db.chars().count(),
            svc.chars().count(),
            run_started.elapsed().as_secs_f64()
        );
        outputs.push((format!("run {} output", i + 1), output));
        previous = Some((db.clone(), svc.clone(), id));
    }

    let stats = sampler.finish();
    let (scanned, hits) = secrets.scan(
        &[
            s.state_dir.as_path(),
            std::path::Path::new("/var/log/glance"),
        ],
        &outputs,
    );
    assert!(hits.is_empty(), "secrets found: {hits:#?}");
    assert!(stats.hits.is_empty(), "secrets in argv: {:#?}", stats.hits);
    let figures = format!(
        "passwords: {}/{} passed ({} DB, {} Keystone) in {} runs; files and outputs scanned: {scanned}, \
         secrets found: 0; argv samples: {} sweeps, {} cmdlines read, {} distinct processes, found: 0; \
         time: {:.0} s",
        dbs.len() + services.len(),
        dbs.len() + services.len(),
        dbs.len(),
        services.len(),
        dbs.len(),
        stats.sweeps,
        stats.reads,
        stats.processes,
        started.elapsed().as_secs_f64()
    );
    println!("{figures}");
    // The figures were printed above; the file is a copy for the
    // performance notes, so a failure to write it is only reported.
    if let Err(e) = std::fs::write(
        "/tmp/glance-wizard-e2e/figures-hostile.txt",
        format!("{figures}\n"),
    ) {
        eprintln!("cannot save the figures: {e}");
    }
}

/// Characters that cannot work are refused by `check` and `apply` with the
/// field and the reason, exit code 3, and nothing is written.
#[test]
fn e2e_unusable_passwords_are_refused_at_input() {
    let Some(_lab) = lab() else { return };
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "glance_db_password",
            "two\nlines-password".into(),
            "contains a control character",
        ),
        (
            "glance_db_password",
            "carriage\rreturn".into(),
            "contains a control character",
        ),
        (
            "glance_db_password",
            "with\ta-tab-inside".into(),
            "contains a control character",
        ),
        (
            "glance_db_password",
            "bell\u{7}-character".into(),
            "contains a control character",
        ),
        (
            "glance_db_password",
            "nul\u{0}-character".into(),
            "contains a control character",
        ),
        (
            "glance_service_password",
            "two\nlines-password".into(),
            "contains a control character",
        ),
        (
            "glance_service_password",
            "carriage\rreturn".into(),
            "contains a control character",
        ),
        (
            "glance_service_password",
            "delete\u{7f}-char".into(),
            "contains a control character",
        ),
        (
            "glance_service_password",
            "next-line\u{85}-char".into(),
            "contains a control character",
        ),
        (
            "glance_db_password",
            "pässwörd-non-ascii".into(),
            "contains a character outside ASCII: Glance's MySQL driver (PyMySQL) sends the password as Latin-1, so only ASCII characters work in the database password",
        ),
    ];
    let conf_before = std::fs::read(API_CONF).ok();
    let mut refused = 0;
    for (i, (field, value, reason)) in cases.iter().enumerate() {
        let (db, svc) = if *field == "glance_db_password" {
            (value.as_str(), "a-valid-service-password")
        } else {
            ("a-valid-db-password", value.as_str())
        };
        let s = scenario(&format!("refused-{i}"), db, svc);
        let secrets_file = s.dir.join("answers.secrets.toml");
        let secrets_before = std::fs::read(&secrets_file).unwrap();
        let files_before = leak_free_listing(&s.dir);
        for command in ["check", "apply"] {
            let out = wizard()
                .arg(command)
                .arg("--answers")
                .arg(&s.answers)
                .arg("--state-dir")
                .arg(&s.state_dir)
                .stdin(std::process::Stdio::null())
                .output()
                .unwrap();
            let said = text(&out);
            assert_eq!(
                out.status.code(),
                Some(3),
                "{command} {field}={value:?}:\n{said}"
            );
            assert!(
                said.contains(&format!("secrets.{field}: ")) && said.contains(reason),
                "{command} {field}={value:?} names the field and the reason:\n{said}"
            );
            assert!(
                !said.contains(value.as_str()),
                "the refused value is not echoed"
            );
            assert!(
                !s.state_dir.exists(),
                "{command} created the state directory"
            );
            assert_eq!(std::fs::read(&secrets_file).unwrap(), secrets_before);
            assert_eq!(
                leak_free_listing(&s.dir),
                files_before,
                "{command} wrote a file"
            );
            assert_eq!(std::fs::read(API_CONF).ok(), conf_before);
            refused += 1;
        }
    }
    println!(
        "unusable passwords refused: {refused} (check and apply, {} values)",
        cases.len()
    );
}

/// File names and sizes under `dir`.
fn leak_free_listing(dir: &std::path::Path) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = common::leak::walk(dir)
        .into_iter()
        .map(|p| {
            let len = std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
            (p.display().to_string(), len)
        })
        .collect();
    out.sort();
    out
}
