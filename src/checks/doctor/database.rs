//! `[database] connection`: the account logs in, the schema is at the head
//! of the packaged migrations, the metadata definitions are loaded, and
//! binary logging does not stop `db_sync`.

use mysql::prelude::Queryable;
use mysql::{Conn, OptsBuilder};

use super::config::{GlanceConf, Value};
use super::{CheckId, Finding, Report, as_is};
use crate::checks::probes::{binary_logging, describe_mysql_error as describe};
use crate::i18n::Message;
use crate::util::secret::Secret;

const SYNC: &str = "su -s /bin/sh -c \"glance-manage db_sync\" glance";

/// What `[database] connection` names.
pub(crate) struct DbUrl {
    pub user: String,
    pub password: Secret,
    pub host: String,
    pub port: u16,
    pub name: String,
}

/// The URL's parts, percent-decoded as SQLAlchemy decodes them; `Err`
/// says why it is not a MySQL URL glance-wizard can follow.
pub(crate) fn parse_url(url: &str) -> Result<DbUrl, Message> {
    let parsed = url::Url::parse(url)
        .map_err(|e| Message::new("doctor_msg.db_url_invalid").arg("error", e))?;
    if !parsed.scheme().starts_with("mysql") {
        return Err(Message::new("doctor_msg.db_url_backend").arg("scheme", parsed.scheme()));
    }
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    Ok(DbUrl {
        user: decode(parsed.username()),
        password: Secret::new(decode(parsed.password().unwrap_or(""))),
        host: parsed.host_str().unwrap_or("localhost").to_string(),
        port: parsed.port().unwrap_or(3306),
        name: parsed.path().trim_start_matches('/').to_string(),
    })
}

fn mysql_code(e: &mysql::Error) -> Option<u16> {
    match e {
        mysql::Error::MySqlError(m) => Some(m.code),
        _ => None,
    }
}

pub fn check(conf: &GlanceConf, report: &mut Report) {
    let at = conf.api.at("database", "connection");
    let url = match conf.value("database", "connection") {
        // The `$` check already says so.
        Value::Placeholder => return,
        Value::Missing => Err(Message::new("doctor_msg.db_url_unset")),
        Value::Set(url) => parse_url(&url),
    };
    let url = match url {
        Ok(url) => url,
        Err(problem) => {
            report.find(Finding {
                check: CheckId::DatabaseUrl,
                object: as_is(at),
                problem,
                why: Message::new("doctor_msg.db_url_why"),
                fix: Message::new("doctor_msg.db_url_fix"),
                apply_fixes: true,
            });
            return;
        }
    };
    let Some(mut conn) = login(&url, &at, report) else {
        return;
    };
    schema(&mut conn, report);
    metadefs(&mut conn, report);
    match binary_logging(&mut conn) {
        Ok(None) => report.pass(CheckId::BinaryLogging, Message::new("doctor_msg.binlog_ok")),
        Ok(Some(problem)) => report.find(binary_logging_finding(problem, &url.host)),
        Err(e) => report.not_checked(CheckId::BinaryLogging, as_is(e)),
    }
}

/// Logs in as Glance does (over TCP, to the URL's database).
fn login(url: &DbUrl, at: &str, report: &mut Report) -> Option<Conn> {
    let opts = OptsBuilder::new()
        .ip_or_hostname(Some(url.host.clone()))
        .tcp_port(url.port)
        .user(Some(url.user.clone()))
        .pass(Some(url.password.expose().to_string()))
        .db_name(Some(url.name.clone()))
        .prefer_socket(false)
        .tcp_connect_timeout(Some(std::time::Duration::from_secs(5)));
    let shown = format!("{}@{}:{}/{}", url.user, url.host, url.port, url.name);
    match Conn::new(opts) {
        Ok(conn) => {
            report.pass(
                CheckId::DatabaseLogin,
                Message::new("doctor_msg.db_login_ok").arg("account", &shown),
            );
            Some(conn)
        }
        Err(e) => {
            let (why, fix) = match mysql_code(&e) {
                Some(1045) => (
                    Message::new("doctor_msg.db_denied_why"),
                    Message::new("doctor_msg.db_denied_fix").arg("user", &url.user),
                ),
                Some(1044 | 1049) => (
                    Message::new("doctor_msg.db_missing_why"),
                    Message::new("doctor_msg.db_missing_fix")
                        .arg("database", &url.name)
                        .arg("user", &url.user)
                        .arg("sync", SYNC),
                ),
                _ => (
                    Message::new("doctor_msg.db_unreachable_why"),
                    Message::new("doctor_msg.db_unreachable_fix"),
                ),
            };
            report.find(Finding {
                check: CheckId::DatabaseLogin,
                object: as_is(at),
                problem: Message::new("doctor_msg.db_login_failed")
                    .arg("account", &shown)
                    .arg("error", describe(&e)),
                why,
                fix,
                apply_fixes: true,
            });
            None
        }
    }
}

/// The schema's recorded revision against the packaged migrations' head.
fn schema(conn: &mut Conn, report: &mut Report) {
    let recorded: Vec<String> = match conn.query("SELECT version_num FROM alembic_version") {
        Ok(rows) => rows,
        Err(e) if mysql_code(&e) == Some(1146) => Vec::new(),
        Err(e) => {
            report.not_checked(CheckId::Schema, as_is(describe(&e)));
            return;
        }
    };
    let head = packaged_head();
    let at_head = match (&head, recorded.as_slice()) {
        (_, []) => false,
        (Some(head), [one]) => one == head,
        (Some(_), _) => false,
        (None, _) => true,
    };
    if at_head {
        let key = if head.is_none() {
            "doctor_msg.schema_ok_unknown_head"
        } else {
            "doctor_msg.schema_ok"
        };
        report.pass(
            CheckId::Schema,
            Message::new(key).arg("revision", recorded.join(", ")),
        );
        return;
    }
    let found = if recorded.is_empty() {
        Message::new("doctor_msg.schema_none")
    } else {
        Message::new("doctor_msg.schema_behind")
            .arg("revision", recorded.join(", "))
            .arg("head", head.as_deref().unwrap_or("?"))
    };
    report.find(Finding {
        check: CheckId::Schema,
        object: Message::new("doctor_msg.schema_object"),
        problem: found,
        why: Message::new("doctor_msg.schema_why"),
        fix: Message::new("doctor_msg.schema_fix").arg("sync", SYNC),
        apply_fixes: recorded.is_empty(),
    });
}

/// The revision a full `db_sync` ends at: among the migrations that no
/// other names as its parent, the one the others lead to (Glance's
/// contract branch `depends_on` its expand branch).
fn packaged_head() -> Option<String> {
    head_of(&glance_package_dir()?.join("db/sqlalchemy/alembic_migrations/versions"))
}

/// The head of the migrations in `dir` (see [`packaged_head`]).
pub(crate) fn head_of(dir: &std::path::Path) -> Option<String> {
    let mut revisions = Vec::new();
    let mut parents = Vec::new();
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let Ok(text) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        for line in text.lines() {
            let quoted = |prefix: &str| {
                line.strip_prefix(prefix)
                    .map(|rest| rest.trim().trim_matches(['\'', '"']).to_string())
            };
            if let Some(r) = quoted("revision = ") {
                revisions.push(r);
            } else if let Some(p) = quoted("down_revision = ").or_else(|| quoted("depends_on = ")) {
                parents.push(p);
            }
        }
    }
    let heads: Vec<String> = revisions
        .into_iter()
        .filter(|r| !parents.contains(r))
        .collect();
    match heads.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// Where the installed `glance` Python package is (Debian's dist-packages,
/// RDO's site-packages).
fn glance_package_dir() -> Option<std::path::PathBuf> {
    let mut candidates = vec![std::path::PathBuf::from("/usr/lib/python3/dist-packages")];
    for root in ["/usr/lib", "/usr/lib64", "/usr/local/lib"] {
        for entry in std::fs::read_dir(root).into_iter().flatten().flatten() {
            if entry.file_name().to_string_lossy().starts_with("python3") {
                candidates.push(entry.path().join("site-packages"));
                candidates.push(entry.path().join("dist-packages"));
            }
        }
    }
    candidates
        .into_iter()
        .map(|c| c.join("glance"))
        .find(|c| c.join("db/sqlalchemy/alembic_migrations").is_dir())
}

fn metadefs(conn: &mut Conn, report: &mut Report) {
    match conn.query_first::<u64, _>("SELECT COUNT(*) FROM metadef_resource_types") {
        Ok(Some(n)) if n > 0 => report.pass(
            CheckId::Metadefs,
            Message::new("doctor_msg.metadefs_ok").arg("n", n),
        ),
        Ok(_) => report.find(Finding {
            check: CheckId::Metadefs,
            object: Message::new("doctor_msg.metadefs_object"),
            problem: Message::new("doctor_msg.metadefs_none"),
            why: Message::new("doctor_msg.metadefs_why"),
            fix: Message::new("doctor_msg.metadefs_fix"),
            apply_fixes: true,
        }),
        Err(e) => report.not_checked(CheckId::Metadefs, as_is(describe(&e))),
    }
}

/// Why binary logging breaks `db_sync`, and the fix (for the database
/// server at `host`).
pub(crate) fn binary_logging_finding(problem: Message, host: &str) -> Finding {
    Finding {
        check: CheckId::BinaryLogging,
        object: Message::new("doctor_msg.binlog_object").arg("host", host),
        problem,
        why: Message::new("doctor_msg.binlog_why"),
        fix: Message::new("doctor_msg.binlog_fix").arg("host", host),
        apply_fixes: false,
    }
}
