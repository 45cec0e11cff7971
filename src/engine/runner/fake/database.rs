//! The database server test double.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::super::clients::{AccountQuery, AdminSession, Database, DbError, DbFault};
use crate::plan::{DbAccount, SqlSpec};

/// The quoted parts of an SQL statement: `'glance'@'%' ... 'pw'` →
/// glance, %, pw (the doubles' passwords have no quotes).
fn quoted(statement: &str) -> Vec<&str> {
    statement.split('\'').skip(1).step_by(2).collect()
}

fn backticked(statement: &str) -> Option<&str> {
    statement.split('`').nth(1)
}

/// What the test double of the database server holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct DbState {
    pub schemas: BTreeSet<String>,
    /// (user, host) → password.
    pub accounts: BTreeMap<(String, String), String>,
    /// (user, host, database).
    pub grants: BTreeSet<(String, String, String)>,
    /// Rows of the glance schema's `alembic_version`.
    pub schema_versions: u64,
    /// Rows of `metadef_namespaces` and `metadef_resource_types`.
    pub metadef_namespaces: u64,
    pub metadef_resource_types: u64,
    pub sql_mode: String,
}

/// Where the database test double fails when told to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum DbOp {
    AdminLogin,
    Execute,
    AccountLogin,
}

/// A test double of the database server.
#[derive(Default)]
pub(crate) struct FakeDatabase {
    pub state: RefCell<DbState>,
    failures: RefCell<HashMap<DbOp, DbError>>,
    /// Statements executed, in order.
    pub executed: RefCell<Vec<String>>,
}

impl FakeDatabase {
    pub fn fail(&self, op: DbOp, fault: DbFault, message: &str) {
        self.failures.borrow_mut().insert(
            op,
            DbError {
                fault,
                message: message.to_string(),
            },
        );
    }

    fn failure(&self, op: DbOp) -> Result<(), DbError> {
        self.failures.borrow().get(&op).cloned().map_or(Ok(()), Err)
    }

    fn apply(&self, statement: &str) {
        let mut state = self.state.borrow_mut();
        let q = quoted(statement);
        if statement.starts_with("CREATE DATABASE") {
            state
                .schemas
                .insert(backticked(statement).unwrap_or("").into());
        } else if statement.starts_with("CREATE USER IF NOT EXISTS") {
            let key = (q[0].to_string(), q[1].to_string());
            state.accounts.entry(key).or_insert_with(|| q[2].into());
        } else if statement.starts_with("ALTER USER") {
            state
                .accounts
                .insert((q[0].into(), q[1].into()), q[2].into());
        } else if statement.starts_with("GRANT") {
            let db = backticked(statement).unwrap_or("").to_string();
            state.grants.insert((q[0].into(), q[1].into(), db));
        } else if statement.starts_with("DROP USER IF EXISTS") {
            let (user, host) = (q[0].to_string(), q[1].to_string());
            state.accounts.remove(&(user.clone(), host.clone()));
            state.grants.retain(|g| g.0 != user || g.1 != host);
        } else if statement.starts_with("DROP DATABASE IF EXISTS") {
            let db = backticked(statement).unwrap_or("").to_string();
            state.schemas.remove(&db);
            state.schema_versions = 0;
            state.metadef_namespaces = 0;
            state.metadef_resource_types = 0;
        }
    }

    /// A TCP login from the controller: the `%` account (the fake's rule;
    /// MariaDB's is more involved).
    fn login(&self, account: &DbAccount) -> Result<(), DbError> {
        self.failure(DbOp::AccountLogin)?;
        let state = self.state.borrow();
        let key = (account.user.clone(), "%".to_string());
        let denied = || DbError {
            fault: DbFault::AccessDenied,
            message: format!(
                "ERROR 1045 (28000): Access denied for user '{}'",
                account.user
            ),
        };
        if state.accounts.get(&key) != Some(&account.password.expose().to_string()) {
            return Err(denied());
        }
        let granted = state
            .grants
            .contains(&(key.0, key.1, account.database.clone()));
        if !granted || !state.schemas.contains(&account.database) {
            return Err(denied());
        }
        Ok(())
    }
}

struct FakeSession<'f>(&'f FakeDatabase);

impl AdminSession for FakeSession<'_> {
    fn server(&mut self) -> Result<(String, String), DbError> {
        Ok((
            "10.11.6-MariaDB (test double)".into(),
            self.0.state.borrow().sql_mode.clone(),
        ))
    }

    fn schema_exists(&mut self, name: &str) -> Result<bool, DbError> {
        Ok(self.0.state.borrow().schemas.contains(name))
    }

    fn account_exists(&mut self, user: &str, host: &str) -> Result<bool, DbError> {
        let key = (user.to_string(), host.to_string());
        Ok(self.0.state.borrow().accounts.contains_key(&key))
    }

    fn execute(&mut self, statement: &str) -> Result<(), DbError> {
        self.0.failure(DbOp::Execute)?;
        self.0.executed.borrow_mut().push(statement.to_string());
        self.0.apply(statement);
        Ok(())
    }
}

impl Database for FakeDatabase {
    fn admin(&self, _spec: &SqlSpec) -> Result<Box<dyn AdminSession + '_>, DbError> {
        self.failure(DbOp::AdminLogin)?;
        Ok(Box::new(FakeSession(self)))
    }

    fn account_query(
        &self,
        account: &DbAccount,
        query: AccountQuery,
    ) -> Result<Option<u64>, DbError> {
        self.login(account)?;
        let state = self.state.borrow();
        Ok(Some(match query {
            AccountQuery::Login => 1,
            AccountQuery::SchemaVersions => state.schema_versions,
            AccountQuery::MetadefNamespaces => state.metadef_namespaces,
            AccountQuery::MetadefResourceTypes => state.metadef_resource_types,
        }))
    }
}
