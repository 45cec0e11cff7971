//! Probes of the services Glance needs that both the prechecks (before an
//! install) and the doctor (of a Glance that exists) run: each says what it
//! found, and the caller words the check or the finding.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use mysql::prelude::Queryable;

use crate::i18n::Message;

/// memcached at `server` (`host:port`) answers `version`: in English,
/// for the doctor.
pub(crate) fn memcached_answers(server: &str) -> Result<Message, Message> {
    let failed = |key: &'static str, e: &dyn std::fmt::Display| {
        Message::new(key).arg("server", server).arg("error", e)
    };
    let addr = server
        .to_socket_addrs()
        .map_err(|e| failed("precheck.memcached_unresolved", &e))?
        .next()
        .ok_or_else(|| failed("precheck.memcached_no_address", &""))?;
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(3))
        .map_err(|e| failed("precheck.memcached_connect", &e))?;
    stream.set_read_timeout(Some(Duration::from_secs(3))).ok();
    stream
        .write_all(b"version\r\n")
        .map_err(|e| failed("precheck.memcached_silent", &e))?;
    let mut buf = [0u8; 64];
    let n = stream
        .read(&mut buf)
        .map_err(|e| failed("precheck.memcached_silent", &e))?;
    let answer = String::from_utf8_lossy(&buf[..n]);
    answer
        .strip_prefix("VERSION ")
        .map(|v| {
            Message::new("precheck.memcached_ok")
                .arg("server", server)
                .arg("version", v.trim())
        })
        .ok_or_else(|| failed("precheck.memcached_other", &""))
}

/// Binary logging is on and `log_bin_trust_function_creators` off: the
/// server refuses the triggers Glance's migrations create to an account
/// without SUPER (ERROR 1419, launchpad bug 1748347). `Ok(Some(..))` says
/// what was found. Any account may read these variables.
pub fn binary_logging(conn: &mut mysql::Conn) -> Result<Option<Message>, String> {
    let row: Option<(u64, u64)> = conn
        .query_first("SELECT @@GLOBAL.log_bin, @@GLOBAL.log_bin_trust_function_creators")
        .map_err(|e| describe_mysql_error(&e))?;
    Ok(match row {
        Some((1, 0)) => Some(Message::new("doctor_msg.binlog_on")),
        _ => None,
    })
}

/// A MySQL error as the server worded it (`ERROR 1045 (28000): ...`), any
/// other error as it displays.
pub fn describe_mysql_error(e: &mysql::Error) -> String {
    match e {
        mysql::Error::MySqlError(m) => format!("ERROR {} ({}): {}", m.code, m.state, m.message),
        other => other.to_string(),
    }
}
