//! The database task: database, both accounts and grants, idempotent, in
//! syntax MariaDB and MySQL 8 both accept (MySQL 8 removed
//! `GRANT ... IDENTIFIED BY`), through the `mysql` crate.

use mysql::prelude::Queryable;
use mysql::{Conn, OptsBuilder};

use super::TaskContext;
use super::clients::{AccountQuery, AdminSession, Database, DbError, DbFault};
use crate::answers::DbAdmin;
use crate::answers::types::SqlIdentifier;
use crate::engine::outputs::{
    AccountOutput, AccountsElsewhere, Origin, Replaced, SqlOutputs, TaskOutputs, sql_server,
};
use crate::engine::{ErrorClass, TaskError};
use crate::i18n::Message;
use crate::plan::{DbAccount, SqlSpec, masked_literal, sql_statements};
use crate::util::escape::sql_string_literal;

/// Connects as the database administrator.
pub fn admin_connection(spec_admin: &DbAdmin, host: &str, port: u16) -> Result<Conn, DbError> {
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
        .map_err(|e| db_error(&e))
}

/// The rows a counting query finds, as the glance account.
pub fn count_rows(
    db: &dyn Database,
    account: &DbAccount,
    query: AccountQuery,
) -> Result<u64, DbError> {
    db.account_query(account, query).map(|n| n.unwrap_or(0))
}

/// db.metadefs' probe: the definitions are in the database (namespaces and
/// the resource types they apply to).
pub fn probe_metadefs(account: &DbAccount, db: &dyn Database) -> Result<Message, Message> {
    let count = |query: AccountQuery| {
        count_rows(db, account, query).map_err(|e| {
            Message::new("recheck.cannot_count")
                .arg("sql", query.sql())
                .arg("user", &account.user)
                .arg("error", e)
        })
    };
    match (
        count(AccountQuery::MetadefNamespaces)?,
        count(AccountQuery::MetadefResourceTypes)?,
    ) {
        (0, _) => Err(Message::new("recheck.no_namespaces")),
        (_, 0) => Err(Message::new("recheck.no_resource_types")),
        (namespaces, _) => Ok(Message::new("run_skip.metadefs").arg("count", namespaces)),
    }
}

/// Logs in as an account over TCP and runs one query: its first value.
fn account_query(account: &DbAccount, query: &str) -> Result<Option<u64>, DbError> {
    let opts = OptsBuilder::new()
        .ip_or_hostname(Some(account.host.clone()))
        .tcp_port(account.port)
        .user(Some(account.user.clone()))
        .pass(Some(account.password.expose().to_string()))
        .db_name(Some(account.database.clone()))
        .prefer_socket(false)
        .tcp_connect_timeout(Some(std::time::Duration::from_secs(10)));
    let mut conn = Conn::new(opts).map_err(|e| db_error(&e))?;
    conn.query_first(query).map_err(|e| db_error(&e))
}

/// The database server reached with the `mysql` crate.
pub struct MySql;

impl Database for MySql {
    fn admin(&self, spec: &SqlSpec) -> Result<Box<dyn AdminSession + '_>, DbError> {
        Ok(Box::new(admin_connection(
            &spec.admin,
            &spec.host,
            spec.port,
        )?))
    }

    fn account_query(
        &self,
        account: &DbAccount,
        query: AccountQuery,
    ) -> Result<Option<u64>, DbError> {
        account_query(account, query.sql())
    }
}

impl AdminSession for Conn {
    fn server(&mut self) -> Result<(String, String), DbError> {
        let version: Option<String> = self
            .query_first("SELECT VERSION()")
            .map_err(|e| db_error(&e))?;
        let sql_mode: Option<String> = self
            .query_first("SELECT @@SESSION.sql_mode")
            .map_err(|e| db_error(&e))?;
        Ok((version.unwrap_or_default(), sql_mode.unwrap_or_default()))
    }

    fn schema_exists(&mut self, name: &str) -> Result<bool, DbError> {
        count(
            self,
            "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
            vec![name],
        )
    }

    fn account_exists(&mut self, user: &str, host: &str) -> Result<bool, DbError> {
        count(
            self,
            "SELECT COUNT(*) FROM mysql.user WHERE User = ? AND Host = ?",
            vec![user, host],
        )
    }

    fn execute(&mut self, statement: &str) -> Result<(), DbError> {
        self.query_drop(statement).map_err(|e| db_error(&e))
    }
}

fn count(conn: &mut Conn, query: &str, params: Vec<&str>) -> Result<bool, DbError> {
    let n: Option<u64> = conn.exec_first(query, params).map_err(|e| db_error(&e))?;
    Ok(n.unwrap_or(0) > 0)
}

/// MySQL's error, described and classed by what fixes it.
fn db_error(e: &mysql::Error) -> DbError {
    // 1044: no access to the database; 1045: wrong password or no such
    // account; 1049: unknown database; 1698: no password login (socket
    // authentication only).
    let (fault, message) = match e {
        mysql::Error::MySqlError(m) => (
            if matches!(m.code, 1044 | 1045 | 1049 | 1698) {
                DbFault::AccessDenied
            } else {
                DbFault::Other
            },
            format!("ERROR {} ({}): {}", m.code, m.state, m.message),
        ),
        mysql::Error::IoError(_) => (DbFault::Unreachable, e.to_string()),
        mysql::Error::DriverError(
            mysql::DriverError::ConnectTimeout | mysql::DriverError::CouldNotConnect(_),
        ) => (DbFault::Unreachable, e.to_string()),
        other => (DbFault::Other, other.to_string()),
    };
    DbError { fault, message }
}

/// Logs in as an account over TCP, as Glance will.
pub fn account_login(db: &dyn Database, account: &DbAccount) -> Result<(), DbError> {
    db.account_query(account, AccountQuery::Login).map(|_| ())
}

/// The database task's probe: the glance account logs in to its database
/// over TCP with the answers' password, as Glance will.
pub fn probe(spec: &SqlSpec, db: &dyn Database) -> Result<Message, Message> {
    let at = format!("{}:{}/{}", spec.host, spec.port, spec.database);
    account_login(db, &spec.account())
        .map(|()| logs_in(spec))
        .map_err(|e| {
            Message::new("recheck.db_login")
                .arg("user", &spec.user)
                .arg("at", at)
                .arg("error", e)
        })
}

/// What the database task's probe found when the account logs in.
pub fn logs_in(spec: &SqlSpec) -> Message {
    Message::new("run_skip.db_login")
        .arg("user", &spec.user)
        .arg(
            "at",
            format!("{}:{}/{}", spec.host, spec.port, spec.database),
        )
}

/// db.sync's probe: the schema's migration record is there, read as the
/// glance account (one query).
pub fn probe_schema(account: &DbAccount, db: &dyn Database) -> Result<Message, Message> {
    let rows = db
        .account_query(account, AccountQuery::SchemaVersions)
        .map_err(|e| {
            Message::new("recheck.schema_unreadable")
                .arg("user", &account.user)
                .arg("error", e)
        })?;
    match rows {
        Some(n) if n > 0 => Ok(Message::new("run_skip.schema")),
        _ => Err(Message::new("recheck.schema_empty")),
    }
}

/// What the task observes before its first attempt under these names runs
/// any statement, kept in the state directory until its outputs hold it: a
/// rerun after a kill between `CREATE DATABASE` and the record must not take
/// what that attempt created for what was there.
const BEFORE_FILE: &str = "sql.database.before.json";

/// What existed before this task's statements ran, under `spec`'s names:
/// as the first attempt kept it (see [`BEFORE_FILE`]), else observed now and
/// kept.
fn before_first_run(
    session: &mut dyn AdminSession,
    spec: &SqlSpec,
    ctx: &TaskContext<'_>,
) -> Result<SqlOutputs, TaskError> {
    super::kept_observation(
        ctx.state_dir,
        BEFORE_FILE,
        |before: &SqlOutputs| {
            before.server.as_deref() == Some(sql_server(spec).as_str())
                && before.name.as_deref() == Some(spec.database.as_str())
                && before.user.as_deref() == Some(spec.user.as_str())
        },
        || existing(session, spec, ctx.previous_outputs),
        "failure.run.keep_database",
    )
}

/// What exists before the statements run: the database, and each account
/// of `spec.account_hosts`; an object a finished run of this task recorded
/// as created, under the same server and names, stays created. The
/// databases earlier runs created on this server under other names that
/// still exist stay recorded as replaced.
fn existing(
    session: &mut dyn AdminSession,
    spec: &SqlSpec,
    previous: Option<&TaskOutputs>,
) -> Result<SqlOutputs, TaskError> {
    // A record of another server is of other objects.
    let previous = match previous {
        Some(TaskOutputs::Sql(sql)) if sql.on_server_of(spec) => Some(sql),
        _ => None,
    };
    // `None`: recorded by an older glance-wizard, whose answers these are.
    let same =
        |recorded: &Option<SqlIdentifier>, now: &str| recorded.as_deref().is_none_or(|r| r == now);
    let looking = |e: DbError| e.error_after(Message::new("failure.db_looking"));
    let had_database = session.schema_exists(&spec.database).map_err(looking)?;
    let created_before = previous.is_some_and(|p| {
        (p.database.created() && same(&p.name, &spec.database))
            || p.replaced.iter().any(|r| **r == spec.database)
    });
    let mut accounts = Vec::new();
    for host in &spec.account_hosts {
        let had = session.account_exists(&spec.user, host).map_err(looking)?;
        let created_before = previous.is_some_and(|p| {
            same(&p.user, &spec.user)
                && p.accounts
                    .iter()
                    .any(|a| &a.host == host && a.origin.created())
        });
        accounts.push(AccountOutput {
            host: host.clone(),
            origin: Origin::of(!had || created_before),
        });
    }
    let mut replaced = Vec::new();
    for name in previous.map_or_else(Vec::new, |p| p.replaced_by(spec)) {
        if session.schema_exists(&name).map_err(looking)? {
            replaced.push(name);
        }
    }
    Ok(SqlOutputs {
        database: Origin::of(!had_database || created_before),
        accounts,
        server: Some(sql_server(spec)),
        // The answers' names are SqlIdentifiers already.
        name: spec.database.parse().ok(),
        user: spec.user.parse().ok(),
        replaced,
    })
}

/// The accounts an earlier run created for a user the answers no longer
/// name, dropped now that the new user's log in (they hold no data; an
/// account already gone counts as dropped). Glance's config names the new
/// user by the time it restarts.
fn drop_old_accounts(
    spec: &SqlSpec,
    ctx: &mut TaskContext<'_>,
    session: &mut dyn AdminSession,
) -> Result<(), TaskError> {
    let old = match ctx.previous_outputs {
        Some(TaskOutputs::Sql(sql)) => AccountsElsewhere::of(sql, spec),
        _ => None,
    };
    for account in old.iter().flat_map(AccountsElsewhere::accounts) {
        let statement = format!("DROP USER IF EXISTS {account}");
        ctx.tell(
            Message::new("narration.drop_old_account")
                .arg("statement", &statement)
                .arg("user", &spec.user),
        );
        session.execute(&statement).map_err(|e| {
            e.error_after(Message::new("failure.db_statement").arg("statement", &statement))
        })?;
    }
    Ok(())
}

/// How the task logs in as the database's administrator.
fn connecting(spec: &SqlSpec) -> Message {
    match &spec.admin {
        DbAdmin::Socket { path, user } => Message::new("narration.connecting_socket")
            .arg("user", user)
            .arg("path", path),
        DbAdmin::Tcp { user, .. } => Message::new("narration.connecting_tcp")
            .arg("user", user)
            .arg("at", format!("{}:{}", spec.host, spec.port)),
    }
}

pub fn run(
    spec: &SqlSpec,
    ctx: &mut TaskContext<'_>,
    db: &dyn Database,
) -> Result<TaskOutputs, TaskError> {
    let (mut session, sql_mode) = admin_session(spec, ctx, db)?;
    let outputs = before_first_run(session.as_mut(), spec, ctx)?;
    for name in &outputs.replaced {
        ctx.tell(
            Replaced::Database {
                name: name.to_string(),
            }
            .msg(),
        );
    }
    create_database_and_accounts(spec, ctx, session.as_mut(), &sql_mode)?;
    prove_account_login(spec, ctx, db)?;
    drop_old_accounts(spec, ctx, session.as_mut())?;
    // Gone or not, the outputs say it now.
    let _ = std::fs::remove_file(ctx.state_dir.join(BEFORE_FILE));
    Ok(TaskOutputs::Sql(outputs))
}

/// Logs in as the database's administrator and says which server it is;
/// returns the session and the session's sql_mode.
fn admin_session<'d>(
    spec: &SqlSpec,
    ctx: &mut TaskContext<'_>,
    db: &'d dyn Database,
) -> Result<(Box<dyn AdminSession + 'd>, String), TaskError> {
    ctx.tell(connecting(spec));
    let mut session = db
        .admin(spec)
        .map_err(|e| e.error_after(Message::new("failure.db_admin_login")))?;
    let (version, sql_mode) = session
        .server()
        .map_err(|e| e.error_after(Message::new("failure.db_version")))?;
    ctx.tell(
        Message::new("narration.db_server")
            .arg("version", &version)
            .arg("sql_mode", &sql_mode),
    );
    Ok((session, sql_mode))
}

/// Runs the task's statements (the database, its accounts, their grants),
/// each shown with the password masked, then flushes the privileges.
fn create_database_and_accounts(
    spec: &SqlSpec,
    ctx: &mut TaskContext<'_>,
    session: &mut dyn AdminSession,
    sql_mode: &str,
) -> Result<(), TaskError> {
    // `IDENTIFIED BY ?` cannot be a placeholder (ERROR 1064), so the
    // password is a literal escaped for the session's sql_mode.
    let no_backslash_escapes = sql_mode.contains("NO_BACKSLASH_ESCAPES");
    let literal = sql_string_literal(spec.password.expose(), no_backslash_escapes);
    let shown = sql_statements(spec, &masked_literal(&spec.password));
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
        ctx.trace(format!("SQL> {display};"));
        session.execute(statement).map_err(|e| {
            let e = DbError {
                message: ctx.redactor.redact(&e.message),
                ..e
            };
            e.error_after(Message::new("failure.db_statement").arg("statement", &display))
        })?;
    }
    session.execute("FLUSH PRIVILEGES").map_err(|e| {
        e.error_after(Message::new("failure.db_statement").arg("statement", "FLUSH PRIVILEGES"))
    })
}

/// Proves the account works the way Glance will use it.
fn prove_account_login(
    spec: &SqlSpec,
    ctx: &mut TaskContext<'_>,
    db: &dyn Database,
) -> Result<(), TaskError> {
    account_login(db, &spec.account()).map_err(|e| {
        let message = Message::new("failure.db_account_login")
            .arg("account", format!("{}@{}", spec.user, spec.host))
            .arg("error", ctx.redactor.redact(&e.message));
        let class = match e.fault {
            DbFault::Unreachable => ErrorClass::Retryable,
            DbFault::AccessDenied | DbFault::Other => ErrorClass::Fatal,
        };
        TaskError::new(class, message)
    })?;
    ctx.tell(
        Message::new("run_skip.db_login")
            .arg("user", &spec.user)
            .arg(
                "at",
                format!("{}:{}/{}", spec.host, spec.port, spec.database),
            ),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ErrorClass;
    use crate::engine::runner::fake::{DbOp, FakeDatabase, in_ctx, in_ctx_at};
    use crate::util::secret::Secret;

    fn spec() -> SqlSpec {
        SqlSpec::example("db-password-1")
    }

    fn all(origin: Origin) -> SqlOutputs {
        SqlOutputs {
            database: origin,
            accounts: ["localhost", "%"]
                .map(|host| AccountOutput {
                    host: host.into(),
                    origin,
                })
                .to_vec(),
            server: Some("controller:3306".into()),
            name: "glance".parse().ok(),
            user: "glance".parse().ok(),
            replaced: Vec::new(),
        }
    }

    fn run_on(db: &FakeDatabase, previous: Option<&TaskOutputs>) -> Result<TaskOutputs, TaskError> {
        in_ctx(previous, false, |ctx| run(&spec(), ctx, db)).0
    }

    #[test]
    fn from_nothing_it_creates_the_database_and_both_accounts() {
        let db = FakeDatabase::default();
        let (result, said) = in_ctx(None, false, |ctx| run(&spec(), ctx, &db));
        assert_eq!(result.unwrap(), TaskOutputs::Sql(all(Origin::Created)));
        let state = db.state.borrow();
        assert!(state.schemas.contains("glance"));
        for host in ["localhost", "%"] {
            let key = ("glance".to_string(), host.to_string());
            assert_eq!(state.accounts[&key], "db-password-1");
            assert!(state.grants.contains(&(key.0, key.1, "glance".into())));
        }
        assert!(
            said.iter().all(|l| !l.contains("db-password-1")),
            "{said:?}"
        );
        assert!(
            said.iter()
                .any(|l| l.contains("logs in to controller:3306/glance"))
        );
        assert_eq!(probe(&spec(), &db).map(|_| ()), Ok(()));
    }

    /// A rerun changes nothing it did not make and keeps what the first
    /// run created recorded as created; without that record, what is
    /// there is found.
    #[test]
    fn a_rerun_creates_nothing_and_keeps_its_origins() {
        let db = FakeDatabase::default();
        let first = run_on(&db, None).unwrap();
        let left = db.state.borrow().clone();
        assert_eq!(run_on(&db, Some(&first)).unwrap(), first);
        assert_eq!(*db.state.borrow(), left);
        assert_eq!(
            run_on(&db, None).unwrap(),
            TaskOutputs::Sql(all(Origin::Found))
        );
        assert_eq!(*db.state.borrow(), left);
    }

    /// A changed `[database] name`: a database made by hand under the new
    /// name is found, not taken for the wizard's (undo would drop it), and
    /// the wizard's old one stays, recorded as replaced, while it exists.
    /// So with a changed `user`: its accounts made by hand are found.
    #[test]
    fn a_changed_name_finds_the_new_database_and_keeps_the_old_one_recorded() {
        let db = FakeDatabase::default();
        let first = run_on(&db, None).unwrap();
        db.state.borrow_mut().schemas.insert("glance_two".into());
        let renamed = SqlSpec {
            database: "glance_two".into(),
            ..spec()
        };
        let (second, said) = in_ctx(Some(&first), false, |ctx| run(&renamed, ctx, &db));
        let TaskOutputs::Sql(second) = second.unwrap() else {
            panic!("not a database record")
        };
        assert_eq!(second.database, Origin::Found);
        let glance: SqlIdentifier = "glance".parse().unwrap();
        assert_eq!(second.replaced, vec![glance]);
        assert!(
            said.iter().any(|l| l.contains("undo --replaced")),
            "{said:?}"
        );
        // Dropped by hand since: no longer recorded.
        db.state.borrow_mut().schemas.remove("glance");
        let (third, _) = in_ctx(Some(&TaskOutputs::Sql(second)), false, |ctx| {
            run(&renamed, ctx, &db)
        });
        let TaskOutputs::Sql(third) = third.unwrap() else {
            panic!("not a database record")
        };
        assert!(third.replaced.is_empty(), "{third:?}");

        let other_user = SqlSpec {
            user: "glance_two".into(),
            ..spec()
        };
        let db = FakeDatabase::default();
        let first = run_on(&db, None).unwrap();
        for host in ["localhost", "%"] {
            let key = ("glance_two".to_string(), host.to_string());
            db.state.borrow_mut().accounts.insert(key, "theirs".into());
        }
        let (second, _) = in_ctx(Some(&first), false, |ctx| run(&other_user, ctx, &db));
        let TaskOutputs::Sql(second) = second.unwrap() else {
            panic!("not a database record")
        };
        assert!(
            second.accounts.iter().all(|a| a.origin == Origin::Found),
            "{second:?}"
        );
        // The accounts the first run created for glance are dropped.
        let users: Vec<String> = db
            .state
            .borrow()
            .accounts
            .keys()
            .map(|k| k.0.clone())
            .collect();
        assert_eq!(users, ["glance_two", "glance_two"], "{users:?}");
    }

    /// A run under a changed `[database] name` killed after its
    /// `CREATE DATABASE` (here: failing after its statements): the rerun
    /// still records the database as the wizard's, from what the first
    /// attempt observed and kept; once recorded, the kept file goes.
    #[test]
    fn a_failed_attempt_under_new_names_keeps_what_it_created() {
        let db = FakeDatabase::default();
        let first = run_on(&db, None).unwrap();
        let renamed = SqlSpec {
            database: "glance_two".into(),
            ..spec()
        };
        let state = tempfile::tempdir().unwrap();
        db.fail(
            DbOp::AccountLogin,
            DbFault::Unreachable,
            "connection refused",
        );
        let (failed, _) = in_ctx_at(state.path(), Some(&first), false, |ctx| {
            run(&renamed, ctx, &db)
        });
        assert!(failed.is_err());
        assert!(db.state.borrow().schemas.contains("glance_two"));
        let healed = FakeDatabase::default();
        *healed.state.borrow_mut() = db.state.borrow().clone();
        let (rerun, _) = in_ctx_at(state.path(), Some(&first), false, |ctx| {
            run(&renamed, ctx, &healed)
        });
        let TaskOutputs::Sql(rerun) = rerun.unwrap() else {
            panic!("not a database record")
        };
        assert_eq!(rerun.database, Origin::Created, "{rerun:?}");
        let glance: SqlIdentifier = "glance".parse().unwrap();
        assert_eq!(rerun.replaced, vec![glance]);
        assert!(!state.path().join(BEFORE_FILE).exists());
    }

    /// A changed database server (`[database] host`): the record is of the
    /// other server's objects, so a database and accounts of the same names
    /// found on this one are not the wizard's, none is recorded as
    /// replaced, and no account is dropped here.
    #[test]
    fn a_record_of_another_server_is_not_this_ones() {
        let db = FakeDatabase::default();
        let first = run_on(&db, None).unwrap();
        let moved = SqlSpec {
            host: "db2.example".into(),
            user: "glance_two".into(),
            ..spec()
        };
        db.executed.borrow_mut().clear();
        let (second, _) = in_ctx(Some(&first), false, |ctx| run(&moved, ctx, &db));
        let TaskOutputs::Sql(second) = second.unwrap() else {
            panic!("not a database record")
        };
        assert_eq!(second.database, Origin::Found, "{second:?}");
        assert!(second.replaced.is_empty(), "{second:?}");
        assert_eq!(second.server.as_deref(), Some("db2.example:3306"));
        let executed = db.executed.borrow();
        assert!(
            executed.iter().all(|s| !s.starts_with("DROP")),
            "{executed:?}"
        );
    }

    /// A password changed behind the wizard's back is set again.
    #[test]
    fn a_changed_password_is_set_again() {
        let db = FakeDatabase::default();
        run_on(&db, None).unwrap();
        let key = ("glance".to_string(), "%".to_string());
        db.state
            .borrow_mut()
            .accounts
            .insert(key.clone(), "other".into());
        let probed = probe(&spec(), &db).unwrap_err().english();
        assert!(probed.contains("Access denied"), "{probed}");
        run_on(&db, None).unwrap();
        assert_eq!(db.state.borrow().accounts[&key], "db-password-1");
    }

    #[test]
    fn errors_are_classed_by_what_fixes_them() {
        let cases = [
            (
                DbOp::AdminLogin,
                DbFault::Unreachable,
                ErrorClass::Retryable,
                "cannot log in to the database as administrator",
            ),
            (
                DbOp::AdminLogin,
                DbFault::AccessDenied,
                ErrorClass::Fatal,
                "cannot log in to the database as administrator",
            ),
            (
                DbOp::Execute,
                DbFault::Other,
                ErrorClass::Fatal,
                "`CREATE DATABASE IF NOT EXISTS `glance` CHARACTER SET utf8` failed",
            ),
            (
                DbOp::Execute,
                DbFault::Unreachable,
                ErrorClass::Retryable,
                "failed: ",
            ),
            (
                DbOp::AccountLogin,
                DbFault::AccessDenied,
                ErrorClass::Fatal,
                "was created but cannot log in over TCP",
            ),
            (
                DbOp::AccountLogin,
                DbFault::Unreachable,
                ErrorClass::Retryable,
                "was created but cannot log in over TCP",
            ),
        ];
        for (op, fault, class, message) in cases {
            let db = FakeDatabase::default();
            db.fail(op, fault, "ERROR 9999: the injected failure db-password-1");
            let error = run_on(&db, None).unwrap_err();
            assert_eq!(error.class, class, "{op:?} {fault:?}: {error:?}");
            assert!(
                error.message.english().contains(message),
                "{op:?}: {}",
                error.message.english()
            );
            assert!(
                error.message.english().contains("injected"),
                "{}",
                error.message.english()
            );
            assert_eq!(error.cause, None);
        }
    }

    /// A password in the server's message is masked (it echoes the
    /// statement).
    #[test]
    fn a_failed_statement_does_not_show_the_password() {
        let db = FakeDatabase::default();
        db.fail(DbOp::Execute, DbFault::Other, "near 'db-password-1'");
        let (result, _) = in_ctx(None, false, |ctx| {
            ctx.redactor.add(&Secret::new("db-password-1"));
            run(&spec(), ctx, &db)
        });
        let message = result.unwrap_err().message.english();
        assert!(!message.contains("db-password-1"), "{message}");
    }

    #[test]
    fn the_schema_probe_reads_the_migration_record() {
        let db = FakeDatabase::default();
        run_on(&db, None).unwrap();
        let account = spec().account();
        let empty = probe_schema(&account, &db).unwrap_err().english();
        assert!(empty.contains("alembic_version"), "{empty}");
        db.state.borrow_mut().schema_versions = 1;
        assert!(probe_schema(&account, &db).is_ok());
        db.fail(DbOp::AccountLogin, DbFault::AccessDenied, "ERROR 1045");
        let denied = probe_schema(&account, &db).unwrap_err().english();
        assert!(denied.contains("ERROR 1045"), "{denied}");
    }
}
