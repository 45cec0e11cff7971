//! The database task: database, both accounts and grants, idempotent, in
//! syntax MariaDB and MySQL 8 both accept (MySQL 8 removed
//! `GRANT ... IDENTIFIED BY`), through the `mysql` crate.

use mysql::prelude::Queryable;
use mysql::{Conn, OptsBuilder};

use super::{Outputs, TaskContext};
use crate::answers::DbAdmin;
use crate::engine::TaskError;
use crate::escape::sql_string_literal;
use crate::plan::{SqlSpec, masked_literal, sql_statements};
use crate::secret::Secret;

/// Connects as the database administrator.
pub fn admin_connection(spec_admin: &DbAdmin, host: &str, port: u16) -> Result<Conn, String> {
    let opts = match spec_admin {
        DbAdmin::Socket { path, user } => OptsBuilder::new()
            .socket(Some(path.clone()))
            .user(Some(user.clone()))
            .prefer_socket(true),
        DbAdmin::Tcp { user, password } => OptsBuilder::new()
            .ip_or_hostname(Some(host.to_string()))
            .tcp_port(port)
            .user(Some(user.clone()))
            .pass(Some(password.expose().to_string()))
            .prefer_socket(false),
    };
    Conn::new(opts.tcp_connect_timeout(Some(std::time::Duration::from_secs(10))))
        .map_err(|e| describe_error(&e))
}

/// Logs in as an account over TCP, as Glance will.
pub fn account_login(
    host: &str,
    port: u16,
    user: &str,
    password: &Secret,
    database: &str,
) -> Result<(), String> {
    account_query(host, port, user, password, database, "SELECT 1").map(|_| ())
}

/// Logs in as an account over TCP and runs one query: its first value.
fn account_query(
    host: &str,
    port: u16,
    user: &str,
    password: &Secret,
    database: &str,
    query: &str,
) -> Result<Option<u64>, String> {
    let opts = OptsBuilder::new()
        .ip_or_hostname(Some(host.to_string()))
        .tcp_port(port)
        .user(Some(user.to_string()))
        .pass(Some(password.expose().to_string()))
        .db_name(Some(database.to_string()))
        .prefer_socket(false)
        .tcp_connect_timeout(Some(std::time::Duration::from_secs(10)));
    let mut conn = Conn::new(opts).map_err(|e| describe_error(&e))?;
    conn.query_first(query).map_err(|e| describe_error(&e))
}

/// The database task's probe: the glance account logs in to its database
/// over TCP with the answers' password, as Glance will.
pub fn probe(spec: &SqlSpec) -> Result<String, String> {
    let at = format!("{}:{}/{}", spec.host, spec.port, spec.database);
    account_login(
        &spec.host,
        spec.port,
        &spec.user,
        &spec.password,
        &spec.database,
    )
    .map(|()| format!("{} logs in to {at} with its password", spec.user))
    .map_err(|e| format!("{} cannot log in to {at}: {e}", spec.user))
}

/// db.sync's probe: the schema's migration record is there, read as the
/// glance account (one query).
pub fn probe_schema(settings: &crate::answers::Settings) -> Result<String, String> {
    let db = &settings.db;
    let rows = account_query(
        &db.host,
        db.port.get(),
        &db.user,
        &db.password,
        &db.name,
        "SELECT COUNT(*) FROM alembic_version",
    )
    .map_err(|e| format!("cannot read the schema's version as {}: {e}", db.user))?;
    match rows {
        Some(n) if n > 0 => Ok("the schema has its migration record".to_string()),
        _ => Err("the schema's migration record (alembic_version) is empty".to_string()),
    }
}

fn describe_error(e: &mysql::Error) -> String {
    match e {
        mysql::Error::MySqlError(m) => format!("ERROR {} ({}): {}", m.code, m.state, m.message),
        other => other.to_string(),
    }
}

pub fn run(spec: &SqlSpec, ctx: &mut TaskContext<'_>) -> Result<Outputs, TaskError> {
    ctx.say(match &spec.admin {
        DbAdmin::Socket { path, user } => format!("connecting as {user} over {path}"),
        DbAdmin::Tcp { user, .. } => {
            format!("connecting as {user} to {}:{}", spec.host, spec.port)
        }
    });
    let mut conn = admin_connection(&spec.admin, &spec.host, spec.port).map_err(|e| {
        TaskError::fatal(format!(
            "cannot log in to the database as administrator: {e}"
        ))
    })?;
    let version: String = conn.query_first("SELECT VERSION()")?.unwrap_or_default();
    let sql_mode: String = conn
        .query_first("SELECT @@SESSION.sql_mode")?
        .unwrap_or_default();
    ctx.say(format!("server {version}, sql_mode={sql_mode}"));
    // `IDENTIFIED BY ?` cannot be a placeholder (ERROR 1064), so the
    // password is a literal escaped for the session's sql_mode.
    let no_backslash_escapes = sql_mode.contains("NO_BACKSLASH_ESCAPES");
    let literal = sql_string_literal(spec.password.expose(), no_backslash_escapes);
    let shown = sql_statements(spec, &masked_literal());
    let first_host = spec.account_hosts.first().map(|h| format!("@'{h}'"));
    for (statement, display) in sql_statements(spec, &literal).iter().zip(shown) {
        if display.starts_with("CREATE USER")
            && first_host
                .as_ref()
                .is_some_and(|h| !display.contains(h.as_str()))
        {
            // The first account is done, the second not yet.
            crate::engine::pause::point("during:sql.database");
        }
        ctx.say(format!("SQL> {display};"));
        conn.query_drop(statement).map_err(|e| {
            TaskError::fatal(format!(
                "`{display}` failed: {}",
                ctx.redactor.redact(&describe_error(&e))
            ))
        })?;
    }
    conn.query_drop("FLUSH PRIVILEGES")?;
    // Prove the account works the way Glance will use it.
    account_login(
        &spec.host,
        spec.port,
        &spec.user,
        &spec.password,
        &spec.database,
    )
    .map_err(|e| {
        TaskError::fatal(format!(
            "the account {}@{} was created but cannot log in over TCP: {}",
            spec.user,
            spec.host,
            ctx.redactor.redact(&e)
        ))
    })?;
    ctx.say(format!(
        "{} logs in to {}:{}/{} with its password",
        spec.user, spec.host, spec.port, spec.database
    ));
    Ok(Outputs::new())
}
