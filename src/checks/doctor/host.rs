//! This machine's side: memcached answers, glance-api runs and answers
//! (and so do its endpoints), the image directory is usable, and Glance's
//! logs hold no known failure from the running glance-api.

use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::config::GlanceConf;
use super::identity::Endpoint;
use super::{CheckId, Finding, Options, Report, as_is};
use crate::checks::probes;
use crate::engine::runner::identity::direct_agent;
use crate::i18n::Message;
use crate::util::secret::Redactor;

pub fn memcached(conf: &GlanceConf, report: &mut Report) {
    let Some(servers) = conf.get("keystone_authtoken", "memcached_servers") else {
        report.not_checked(
            CheckId::Memcached,
            Message::new("doctor_msg.memcached_unset"),
        );
        return;
    };
    for server in servers.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let server = server.strip_prefix("inet:").unwrap_or(server);
        match probes::memcached_answers(server) {
            Ok(said) => report.pass(CheckId::Memcached, said),
            Err(e) => report.find(Finding {
                check: CheckId::Memcached,
                object: as_is(conf.api.at("keystone_authtoken", "memcached_servers")),
                problem: e,
                why: Message::new("doctor_msg.memcached_why"),
                fix: Message::new("doctor_msg.memcached_fix").arg("server", server),
                apply_fixes: false,
            }),
        }
    }
}

/// PIDs of glance-api's processes: the eventlet server and its workers,
/// or a uWSGI running Glance's WSGI application.
fn glance_api_pids() -> Vec<u32> {
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let args: Vec<String> = cmdline
            .split(|b| *b == 0)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        let program = |a: &String| a.rsplit('/').next() == Some("glance-api");
        let is_api = args.iter().take(2).any(program)
            || (args.first().is_some_and(|a| a.contains("uwsgi"))
                && args
                    .iter()
                    .any(|a| a.contains("glance-wsgi-api") || a.contains("glance-api-uwsgi")));
        if is_api {
            pids.push(pid);
        }
    }
    pids
}

/// Where glance-api listens, as a URL reachable from here.
fn api_base(conf: &GlanceConf) -> String {
    let host = conf
        .get("DEFAULT", "bind_host")
        .filter(|h| h != "0.0.0.0" && h != "::")
        .unwrap_or_else(|| "127.0.0.1".into());
    let port = conf
        .get("DEFAULT", "bind_port")
        .unwrap_or_else(|| "9292".into());
    format!("http://{}:{port}", crate::util::escape::url_host(&host))
}

/// glance-api runs and `/healthcheck` answers; then each endpoint answers.
pub fn glance_api(
    conf: &GlanceConf,
    options: &Options,
    endpoints: &[Endpoint],
    report: &mut Report,
) {
    let start = match options.init {
        crate::host::target::InitSystem::Systemd => {
            format!("systemctl start {}", options.api_service)
        }
        crate::host::target::InitSystem::SysV => format!("service {} start", options.api_service),
    };
    let url = format!("{}/healthcheck", api_base(conf));
    let running = !glance_api_pids().is_empty();
    let answer = direct_agent(Duration::from_secs(5)).get(&url).call();
    let problem = match (&answer, running) {
        (Ok(r), _) if r.status().as_u16() == 200 => {
            report.pass(
                CheckId::GlanceApi,
                Message::new("doctor_msg.api_ok").arg("url", &url),
            );
            endpoints_answer(endpoints, report);
            return;
        }
        (_, false) => Message::new("doctor_msg.api_not_running"),
        (Ok(r), true) => Message::new("doctor_msg.api_status")
            .arg("url", &url)
            .arg("status", r.status().as_u16()),
        (Err(e), true) => Message::new("doctor_msg.api_silent")
            .arg("url", &url)
            .arg("error", e),
    };
    report.find(Finding {
        check: CheckId::GlanceApi,
        object: Message::new("doctor_msg.api_object").arg("service", &options.api_service),
        problem,
        why: Message::new("doctor_msg.api_why"),
        fix: Message::new("doctor_msg.api_fix")
            .arg("start", start)
            .arg("log", options.log_dir.join("glance-api.log").display()),
        apply_fixes: !running,
    });
}

fn endpoints_answer(endpoints: &[Endpoint], report: &mut Report) {
    let agent = direct_agent(Duration::from_secs(5));
    for e in endpoints {
        match agent.get(&e.url).call() {
            Ok(r) if matches!(r.status().as_u16(), 200 | 300) => report.pass(
                CheckId::Endpoints,
                Message::new("doctor_msg.endpoint_ok")
                    .arg("interface", &e.interface)
                    .arg("url", &e.url),
            ),
            answer => {
                let said = match answer {
                    Ok(r) => format!("HTTP {}", r.status().as_u16()),
                    Err(err) => err.to_string(),
                };
                report.find(Finding {
                    check: CheckId::Endpoints,
                    object: Message::new("doctor_msg.endpoint_object")
                        .arg("interface", &e.interface),
                    problem: Message::new("doctor_msg.endpoint_not_glance")
                        .arg("url", &e.url)
                        .arg("error", said),
                    why: Message::new("doctor_msg.endpoint_not_glance_why")
                        .arg("interface", &e.interface),
                    fix: Message::new("doctor_msg.endpoint_not_glance_fix"),
                    apply_fixes: true,
                });
            }
        }
    }
}

/// The file store's directory, in the config's layout (`[glance_store]`
/// before 2023.2, the file backend's own section with enabled_backends).
fn data_dir(conf: &GlanceConf) -> (String, PathBuf) {
    if let Some(backends) = conf.get("DEFAULT", "enabled_backends") {
        for backend in backends.split(',') {
            if let Some((name, "file")) = backend.trim().split_once(':') {
                let name = name.trim();
                if let Some(dir) = conf.get(name, "filesystem_store_datadir") {
                    return (conf.api.at(name, "filesystem_store_datadir"), dir.into());
                }
            }
        }
    }
    let at = conf.api.at("glance_store", "filesystem_store_datadir");
    let dir = conf
        .get("glance_store", "filesystem_store_datadir")
        .unwrap_or_else(|| "/var/lib/glance/images/".into());
    (at, dir.into())
}

/// Less free space than this fails most image uploads.
const MIN_FREE_MIB: u64 = 1024;

pub fn image_directory(conf: &GlanceConf, report: &mut Report) {
    let (at, dir) = data_dir(conf);
    let shown = dir.display().to_string();
    let install = crate::plan::commands::display(&crate::plan::commands::image_dir(&shown));
    let said = |key: &'static str| Message::new(key).arg("dir", &shown);
    let problem = match std::fs::metadata(&dir) {
        Err(e) => Some(said("doctor_msg.dir_unusable").arg("error", e)),
        Ok(m) if !m.is_dir() => Some(said("doctor_msg.dir_not_dir")),
        Ok(m) if !glance_can_write(&m) => Some(
            said("doctor_msg.dir_not_writable")
                .arg("uid", m.uid())
                .arg("gid", m.gid())
                .arg("mode", format!("{:o}", m.mode() & 0o7777)),
        ),
        Ok(_) => None,
    };
    if let Some(problem) = problem {
        report.find(Finding {
            check: CheckId::ImageDirectory,
            object: as_is(at),
            problem,
            why: Message::new("doctor_msg.dir_why"),
            fix: Message::new("doctor_msg.dir_fix").arg("install", install),
            apply_fixes: false,
        });
        return;
    }
    match rustix::fs::statvfs(&dir) {
        Ok(s) if s.f_bavail * s.f_frsize / (1024 * 1024) < MIN_FREE_MIB => report.find(Finding {
            check: CheckId::ImageDirectory,
            object: as_is(at),
            problem: said("doctor_msg.dir_full")
                .arg("mib", s.f_bavail * s.f_frsize / (1024 * 1024)),
            why: Message::new("doctor_msg.dir_full_why"),
            fix: Message::new("doctor_msg.dir_full_fix"),
            apply_fixes: false,
        }),
        Ok(s) => report.pass(
            CheckId::ImageDirectory,
            said("doctor_msg.dir_ok").arg("mib", s.f_bavail * s.f_frsize / (1024 * 1024)),
        ),
        Err(e) => report.not_checked(
            CheckId::ImageDirectory,
            as_is(format!("statvfs {shown}: {e}")),
        ),
    }
}

/// The glance user (from /etc/passwd and /etc/group) may create files in
/// a directory with this owner and mode: the permission class that applies
/// to it (owner, else group, else others) has write and search.
fn glance_can_write(meta: &std::fs::Metadata) -> bool {
    let Some((uid, gids)) = user_ids("glance") else {
        return false;
    };
    let mode = meta.mode();
    let bits = if uid == 0 {
        return true;
    } else if meta.uid() == uid {
        mode >> 6
    } else if gids.contains(&meta.gid()) {
        mode >> 3
    } else {
        mode
    };
    bits & 0o3 == 0o3
}

/// A user's uid and every gid it has (primary and supplementary).
fn user_ids(name: &str) -> Option<(u32, Vec<u32>)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    let fields: Vec<&str> = passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.first() == Some(&name))?;
    let uid = fields.get(2)?.parse().ok()?;
    let mut gids = vec![fields.get(3)?.parse().ok()?];
    let group = std::fs::read_to_string("/etc/group").unwrap_or_default();
    for line in group.lines() {
        let f: Vec<&str> = line.split(':').collect();
        if f.get(3).is_some_and(|m| m.split(',').any(|u| u == name))
            && let Some(gid) = f.get(2).and_then(|g| g.parse().ok())
        {
            gids.push(gid);
        }
    }
    Some((uid, gids))
}

/// A failure glance-api writes in its log, and what it means: `why` and
/// `fix` are keys of assets/i18n.
struct Signature {
    needle: &'static str,
    check: CheckId,
    why: &'static str,
    fix: &'static str,
}

const SIGNATURES: [Signature; 6] = [
    Signature {
        needle: "Identity server rejected authorization",
        check: CheckId::ServiceUser,
        why: "doctor_msg.log_rejected_why",
        fix: "doctor_msg.log_rejected_fix",
    },
    Signature {
        needle: "Keystone service is temporarily unavailable",
        check: CheckId::ServiceUser,
        why: "doctor_msg.log_unavailable_why",
        fix: "doctor_msg.log_unavailable_fix",
    },
    Signature {
        needle: "Directory to write image files does not exist",
        check: CheckId::ImageDirectory,
        why: "doctor_msg.log_no_dir_why",
        fix: "doctor_msg.log_no_dir_fix",
    },
    Signature {
        needle: "Access denied for user",
        check: CheckId::DatabaseLogin,
        why: "doctor_msg.log_denied_why",
        fix: "doctor_msg.log_denied_fix",
    },
    Signature {
        needle: "NoSuchOptError",
        check: CheckId::DollarEscape,
        why: "doctor_msg.log_no_such_opt_why",
        fix: "doctor_msg.log_no_such_opt_fix",
    },
    Signature {
        needle: "Can't connect to MySQL server",
        check: CheckId::DatabaseLogin,
        why: "doctor_msg.log_no_mysql_why",
        fix: "doctor_msg.log_no_mysql_fix",
    },
];

/// How much of the end of each log is read.
const LOG_TAIL_BYTES: u64 = 4 << 20;

/// Known failures in Glance's logs, from the running glance-api's
/// processes (their PID is on each line); when none runs, from the last
/// lines written (what stopped it). Older lines are history: a fault
/// fixed since must not be reported again.
pub fn logs(dir: &Path, redactor: &Redactor, report: &mut Report) {
    let pids: Vec<String> = glance_api_pids().iter().map(u32::to_string).collect();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .collect();
    files.sort();
    let mut found = false;
    for file in &files {
        let lines = recent_lines(file, &pids);
        for sig in &SIGNATURES {
            let hits: Vec<&String> = lines.iter().filter(|l| l.contains(sig.needle)).collect();
            let Some(last) = hits.last() else { continue };
            found = true;
            let quoted: String = super::scrub_text(redactor, last)
                .chars()
                .take(300)
                .collect();
            report.find(Finding {
                check: sig.check,
                object: as_is(file.display()),
                problem: Message::new("doctor_msg.log_lines")
                    .arg("n", hits.len())
                    .arg("needle", sig.needle)
                    .arg("last", quoted),
                why: Message::new(sig.why),
                fix: Message::new(sig.fix),
                apply_fixes: false,
            });
        }
    }
    if !found {
        report.pass(
            CheckId::Logs,
            Message::new("doctor_msg.logs_ok")
                .arg("dir", dir.display())
                .arg("n", files.len()),
        );
    }
}

/// The lines of the running processes `pids` (oslo.log writes the PID
/// after the time), or without any, the last 100 lines.
pub(crate) fn recent_lines(file: &Path, pids: &[String]) -> Vec<String> {
    let Ok(mut f) = std::fs::File::open(file) else {
        return Vec::new();
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let mut bytes = Vec::new();
    // A log that cannot be read is a log with no signature to find (the
    // doctor reports what it can read; permissions are its own check).
    if f.seek(SeekFrom::Start(len.saturating_sub(LOG_TAIL_BYTES)))
        .and_then(|_| f.read_to_end(&mut bytes))
        .is_err()
    {
        return Vec::new();
    }
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<&str> = text.lines().collect();
    if pids.is_empty() {
        return lines[lines.len().saturating_sub(100)..]
            .iter()
            .map(|l| l.to_string())
            .collect();
    }
    lines
        .iter()
        .filter(|l| {
            l.split(' ')
                .nth(2)
                .is_some_and(|p| pids.iter().any(|x| x == p))
        })
        .map(|l| l.to_string())
        .collect()
}
