use super::*;
use crate::engine::ErrorClass;
use crate::engine::runner::clients::DbFault;
use crate::engine::runner::fake::{
    DbOp, FakeDatabase, FakeServices, MetadefFiles, ServiceOp, in_ctx, in_ctx_at,
};
use crate::engine::runner::sql;
use crate::host::target::{InitSystem, PackageManager};

fn sync_spec(check: bool) -> DbSyncSpec {
    DbSyncSpec {
        release: "zed".into(),
        check,
        account: crate::plan::DbAccount {
            host: "controller".into(),
            port: 3306,
            database: "glance".into(),
            user: "glance".into(),
            password: crate::util::secret::Secret::new("db-password-1"),
        },
    }
}

fn service_spec() -> ServiceSpec {
    ServiceSpec {
        services: vec!["glance-api".into()],
        init: InitSystem::Systemd,
        manager: PackageManager::Apt,
        health_url: "http://controller:9292/".into(),
        image_dir: "/var/lib/glance/images".into(),
        api_log: "/var/log/glance/glance-api.log".into(),
    }
}

fn sync(services: &FakeServices, check: bool, recheck: bool) -> Result<TaskOutputs, TaskError> {
    in_ctx(None, recheck, |ctx| {
        db_sync(&sync_spec(check), ctx, services)
    })
    .0
}

fn synced(synced: bool) -> TaskOutputs {
    TaskOutputs::DbSync(DbSyncOutputs { synced })
}

#[test]
fn the_schema_is_synced_and_checked() {
    let services = FakeServices::default();
    assert_eq!(sync(&services, true, false), Ok(synced(true)));
    assert_eq!(services.syncs.get(), 1);
    // A recheck finds it at head and syncs nothing.
    assert_eq!(sync(&services, true, true), Ok(synced(false)));
    assert_eq!(services.syncs.get(), 1);
    // A release without `db check` syncs each time it runs.
    assert_eq!(sync(&services, false, true), Ok(synced(true)));
    assert_eq!(services.syncs.get(), 2);
}

/// A refused database names the database task as the one to repair.
#[test]
fn access_denied_names_the_database_task() {
    let services = FakeServices::default();
    services.child_fails(
        ServiceOp::Sync,
        1,
        "sqlalchemy.exc.OperationalError: (1045, \"Access denied for user 'glance'@'controller'\")",
    );
    let error = sync(&services, true, false).unwrap_err();
    assert_eq!(error.class, ErrorClass::Fatal);
    assert_eq!(error.cause, Some(Cause::DbAccessDenied));
    assert!(
        error.message.english().contains("password or grants"),
        "{}",
        error.message.english()
    );

    let services = FakeServices::default();
    services.child_fails(
        ServiceOp::Sync,
        1,
        "alembic.util.exc.CommandError: Can't locate revision",
    );
    let error = sync(&services, true, false).unwrap_err();
    assert_eq!((error.class, error.cause), (ErrorClass::Fatal, None));
}

#[test]
fn a_schema_not_at_head_after_the_sync_fails() {
    let services = FakeServices::default();
    services.child_fails(ServiceOp::Check, 4, "");
    let error = sync(&services, true, false).unwrap_err();
    assert_eq!(error.class, ErrorClass::Fatal);
    assert!(
        error
            .message
            .english()
            .ends_with("a data migration is still needed"),
        "{}",
        error.message.english()
    );
    // An error of the runner's own (glance-manage cannot start) passes
    // unchanged.
    let services = FakeServices::default();
    services.fail(
        ServiceOp::Sync,
        TaskError::fatal("cannot start glance-manage"),
    );
    assert_eq!(
        sync(&services, true, false).unwrap_err(),
        TaskError::fatal("cannot start glance-manage")
    );
}

fn restart_on(services: &FakeServices, recheck: bool) -> Result<TaskOutputs, TaskError> {
    in_ctx(None, recheck, |ctx| restart(&service_spec(), ctx, services)).0
}

fn restarted(services: &[&str], answering_before: bool, enabled: &[&str]) -> TaskOutputs {
    let names = |list: &[&str]| list.iter().map(|s| s.to_string()).collect();
    TaskOutputs::Services(ServicesOutputs {
        restarted: names(services),
        answering_before: Some(answering_before),
        enabled_before: Some(names(enabled)),
    })
}

#[test]
fn services_are_enabled_restarted_and_answer() {
    let services = FakeServices::default();
    assert!(probe(&service_spec(), &services).is_err());
    assert_eq!(
        restart_on(&services, false),
        Ok(restarted(&["glance-api"], false, &[]))
    );
    assert!(services.enabled.borrow().contains("glance-api"));
    assert_eq!(
        probe(&service_spec(), &services).map(|m| m.english()),
        Ok("glance-api answers at http://controller:9292/ (HTTP 300)".into())
    );
    // A recheck of a Glance that answers restarts nothing.
    assert_eq!(
        restart_on(&services, true),
        Ok(restarted(&[], true, &["glance-api"]))
    );
    assert_eq!(services.restarts.borrow().len(), 1);
    // A plain rerun (its inputs changed) restarts.
    assert_eq!(
        restart_on(&services, false),
        Ok(restarted(&["glance-api"], true, &["glance-api"]))
    );
    assert_eq!(services.restarts.borrow().len(), 2);
}

/// Whether glance-api answered and started at boot before is what the
/// task's first run saw: a rerun finds it answering and enabled because
/// the wizard made it so, and keeps the record (undo then stops and
/// disables it); a recheck that restarts nothing keeps what was
/// restarted; an older record that does not say is asked anew.
#[test]
fn a_rerun_keeps_what_glance_was_before_the_first_run() {
    let services = FakeServices::default();
    services.answering.set(true);
    services.enabled.borrow_mut().insert("glance-api".into());
    let first = restarted(&["glance-api"], false, &[]);
    for recheck in [false, true] {
        let (again, _) = in_ctx(Some(&first), recheck, |ctx| {
            restart(&service_spec(), ctx, &services)
        });
        assert_eq!(again.as_ref(), Ok(&first), "recheck: {recheck}");
    }
    // An older record says nothing: asking now would take what the
    // wizard did for what was there, so it stays unknown.
    let older = TaskOutputs::Services(ServicesOutputs {
        restarted: vec!["glance-api".into()],
        answering_before: None,
        enabled_before: None,
    });
    let (again, _) = in_ctx(Some(&older), false, |ctx| {
        restart(&service_spec(), ctx, &services)
    });
    assert_eq!(again, Ok(older));
}

/// A first attempt that fails after enabling and starting glance-api
/// leaves no outputs; the next attempt (a retry, a rerun after the
/// failure or a kill) still records what was there before the first.
#[test]
fn a_failed_first_attempt_keeps_what_was_there_before_it() {
    let services = FakeServices::default();
    services.never_answers.set(true);
    let state = tempfile::tempdir().unwrap();
    let (failed, _) = in_ctx_at(state.path(), None, false, |ctx| {
        restart(&service_spec(), ctx, &services)
    });
    assert!(failed.is_err());
    assert!(services.enabled.borrow().contains("glance-api"));
    services.never_answers.set(false);
    services.answering.set(true);
    let (again, _) = in_ctx_at(state.path(), None, false, |ctx| {
        restart(&service_spec(), ctx, &services)
    });
    assert_eq!(again, Ok(restarted(&["glance-api"], false, &[])));
    assert!(
        !state.path().join(BEFORE_FILE).exists(),
        "kept past the outputs"
    );
}

/// Debian's SysV boot state is the start links update-rc.d makes.
#[test]
fn a_start_link_in_rc2_to_rc5_means_enabled_at_boot() {
    let etc = tempfile::tempdir().unwrap();
    for level in ["rc0.d", "rc2.d", "rc3.d"] {
        std::fs::create_dir(etc.path().join(level)).unwrap();
    }
    let link = |level: &str, name: &str| {
        std::os::unix::fs::symlink("../init.d/x", etc.path().join(level).join(name)).unwrap();
    };
    link("rc0.d", "K01glance-api");
    link("rc3.d", "S01glance-api-extra");
    assert!(!has_rc_start_link(etc.path(), "glance-api"));
    link("rc3.d", "K01glance-api");
    assert!(!has_rc_start_link(etc.path(), "glance-api"));
    link("rc2.d", "S01glance-api");
    assert!(has_rc_start_link(etc.path(), "glance-api"));
    assert!(!has_rc_start_link(etc.path(), "glance"));
}

#[test]
fn service_failures_are_fatal_with_what_failed() {
    let cases = [
        (ServiceOp::ImageDir, "cannot create the image directory"),
        (
            ServiceOp::Enable,
            "cannot enable glance-api: Failed to enable unit",
        ),
        (
            ServiceOp::Restart,
            "cannot restart glance-api: Failed to enable unit",
        ),
    ];
    for (op, message) in cases {
        let services = FakeServices::default();
        services.child_fails(op, 1, "Failed to enable unit");
        let error = restart_on(&services, false).unwrap_err();
        assert_eq!(error.class, ErrorClass::Fatal);
        assert_eq!(error.message.english(), message);
    }
}

#[test]
fn a_glance_that_never_answers_quotes_its_log() {
    let services = FakeServices::default();
    services.never_answers.set(true);
    let error = restart_on(&services, false).unwrap_err();
    assert_eq!(error.class, ErrorClass::Fatal);
    assert!(
        error
            .message
            .english()
            .contains("did not answer at http://controller:9292/ within 90 s"),
        "{}",
        error.message.english()
    );
    assert!(
        error.message.english().contains("cannot bind"),
        "{}",
        error.message.english()
    );
}

/// A database test double where the glance account logs in, and the
/// package's definitions (30 namespaces over 20 resource types).
fn metadefs_world() -> (std::rc::Rc<FakeDatabase>, FakeServices) {
    let database = std::rc::Rc::new(FakeDatabase::default());
    {
        let mut db = database.state.borrow_mut();
        db.schemas.insert("glance".into());
        db.accounts
            .insert(("glance".into(), "%".into()), "db-password-1".into());
        db.grants
            .insert(("glance".into(), "%".into(), "glance".into()));
    }
    let services = FakeServices::loading_metadefs(MetadefFiles {
        database: database.clone(),
        namespaces: 30,
        resource_types: 20,
    });
    (database, services)
}

fn metadefs_spec() -> MetadefsSpec {
    MetadefsSpec {
        dir: "/etc/glance/metadefs".into(),
        account: sync_spec(true).account,
    }
}

fn load(
    services: &FakeServices,
    database: &FakeDatabase,
) -> (Result<TaskOutputs, TaskError>, Vec<String>) {
    in_ctx(None, false, |ctx| {
        ctx.redactor
            .add(&crate::util::secret::Secret::new("db-password-1"));
        load_metadefs(&metadefs_spec(), ctx, services, database)
    })
}

fn loaded(before: u64, after: u64) -> TaskOutputs {
    TaskOutputs::Metadefs(MetadefsOutputs {
        namespaces_before: before,
        namespaces_after: after,
    })
}

#[test]
fn metadefs_are_loaded_then_found() {
    let (database, services) = metadefs_world();
    let account = metadefs_spec().account;
    assert!(sql::probe_metadefs(&account, &*database).is_err());
    let (result, said) = load(&services, &database);
    assert_eq!(result, Ok(loaded(0, 30)));
    assert_eq!(*services.metadef_loads.borrow(), ["/etc/glance/metadefs"]);
    assert!(
        said.iter()
            .any(|l| l == "30 metadata namespaces loaded, 0 there already"),
        "{said:?}"
    );
    assert_eq!(
        sql::probe_metadefs(&account, &*database).map(|m| m.english()),
        Ok("30 metadata namespaces are loaded".into())
    );
    // A rerun adds nothing and says what was there.
    assert_eq!(load(&services, &database).0, Ok(loaded(30, 30)));
}

#[test]
fn the_metadefs_probe_wants_namespaces_and_resource_types() {
    let (database, _) = metadefs_world();
    let account = metadefs_spec().account;
    database.state.borrow_mut().metadef_namespaces = 3;
    let none = sql::probe_metadefs(&account, &*database)
        .unwrap_err()
        .english();
    assert_eq!(none, "the database has no metadata resource types");
    database.fail(DbOp::AccountLogin, DbFault::AccessDenied, "ERROR 1045");
    let denied = sql::probe_metadefs(&account, &*database)
        .unwrap_err()
        .english();
    assert_eq!(
        denied,
        "cannot run SELECT COUNT(*) FROM metadef_namespaces as glance: ERROR 1045"
    );
}

#[test]
fn an_empty_definitions_directory_fails() {
    let (database, _) = metadefs_world();
    let services = FakeServices::loading_metadefs(MetadefFiles {
        database: database.clone(),
        namespaces: 0,
        resource_types: 0,
    });
    let error = load(&services, &database).0.unwrap_err();
    assert_eq!(error.class, ErrorClass::Fatal);
    assert_eq!(
        error.message.english(),
        "glance-manage db_load_metadefs loaded nothing: is /etc/glance/metadefs empty?"
    );
}

#[test]
fn metadefs_failures_are_classed() {
    // glance-manage fails: fatal, with its last lines.
    let (database, services) = metadefs_world();
    services.child_fails(ServiceOp::LoadMetadefs, 1, "No such file or directory");
    let error = load(&services, &database).0.unwrap_err();
    assert_eq!((error.class, error.cause), (ErrorClass::Fatal, None));
    assert_eq!(
        error.message.english(),
        "glance-manage db_load_metadefs failed: No such file or directory"
    );
    // The glance account refused: the database task's to repair, and
    // nothing was loaded.
    let (database, services) = metadefs_world();
    database.fail(
        DbOp::AccountLogin,
        DbFault::AccessDenied,
        "ERROR 1045 (28000): Access denied for user 'glance' (using password db-password-1)",
    );
    let error = load(&services, &database).0.unwrap_err();
    assert_eq!(error.cause, Some(Cause::DbAccessDenied));
    assert!(
        !error.message.english().contains("db-password-1"),
        "{}",
        error.message.english()
    );
    assert!(services.metadef_loads.borrow().is_empty());
    // The server does not answer: time may fix it.
    let (database, services) = metadefs_world();
    database.fail(
        DbOp::AccountLogin,
        DbFault::Unreachable,
        "Connection refused",
    );
    let error = load(&services, &database).0.unwrap_err();
    assert_eq!(
        (error.class, error.cause),
        (ErrorClass::Retryable, None),
        "{}",
        error.message.english()
    );
}
