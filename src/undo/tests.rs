//! Undo's steps against the runners' test doubles (`runner::fake`): what
//! was created is taken back, what was found stays, what is gone already
//! counts as taken back, and each error keeps its class; and the run's
//! checkpoints (a stopped undo resumes, a finished one leaves nothing).

use std::path::Path;

use super::execute::{self, Clients};
use super::items::{self, Context, Item};
use super::*;
use crate::engine::outputs::{
    AccountOutput, ConfigOutputs, EndpointOutput, ImageOutputs, ObjectOutput, Origin,
    PackagesOutputs, ServicesOutputs, SqlOutputs, WrittenFile,
};
use crate::engine::runner::clients::{DbFault, Endpoint, Image};
use crate::engine::runner::fake::{
    DbOp, FakeDatabase, FakeGlance, FakeKeystone, FakePackages, FakeServices, GlanceOp, KeystoneOp,
    PackageOp, ServiceOp, in_ctx,
};
use crate::engine::{ErrorClass, TaskRecord, TaskStatus};
use crate::plan::{FingerprintKey, Interface, TaskKind, build_plan};

fn plan() -> Plan {
    let (settings, profile) = crate::engine::runner::tests::settings();
    build_plan(&settings, &profile)
}

fn kind(plan: &Plan, id: TaskId) -> TaskKind {
    plan.task(id).expect("the task is planned").kind.clone()
}

/// The doubles of every client, in their fresh state.
#[derive(Default)]
pub(crate) struct World {
    pub(crate) keystone: FakeKeystone,
    database: FakeDatabase,
    packages: FakePackages,
    services: FakeServices,
    glance: FakeGlance,
}

impl World {
    pub(crate) fn clients(&self) -> Clients<'_> {
        Clients {
            keystone: &self.keystone,
            database: &self.database,
            packages: &self.packages,
            services: &self.services,
            glance: &self.glance,
        }
    }

    /// Takes back every item of a task; what each said.
    fn undo(&self, kind: &TaskKind, outputs: &TaskOutputs, context: Context) -> Vec<String> {
        items::items(kind, outputs, context)
            .iter()
            .map(|item| self.execute(item).expect("taken back"))
            .collect()
    }

    /// Takes `item` back; what it said, in English.
    fn execute(&self, item: &Item) -> Result<String, TaskError> {
        in_ctx(None, false, |ctx| {
            execute::execute(item, ctx, &self.clients())
        })
        .0
        .map(|said| said.english())
    }
}

fn created() -> Context {
    Context {
        purge_packages: false,
        database_created: true,
    }
}

#[test]
fn the_test_image_created_is_deleted_and_one_found_stays() {
    let (plan, world) = (plan(), World::default());
    world.glance.images.borrow_mut().push(Image {
        id: "img-1".into(),
        ours: true,
        ..Image::default()
    });
    let verify = kind(&plan, TaskId::VerifyImage);
    let image = |origin| {
        TaskOutputs::Image(ImageOutputs {
            id: "img-1".into(),
            origin,
            status: "active".into(),
            sha512: "ab".into(),
            name: None,
            replaced: Vec::new(),
        })
    };
    let found = items::items(&verify, &image(Origin::Found), created());
    assert!(matches!(found.as_slice(), [Item::Keep(_)]), "{found:?}");
    assert_eq!(
        world
            .undo(&verify, &image(Origin::Created), created())
            .len(),
        1
    );
    assert!(world.glance.images.borrow().is_empty());
    // Gone already (Glance answers 404, which is no error).
    world.undo(&verify, &image(Origin::Created), created());

    let item = &items::items(&verify, &image(Origin::Created), created())[0];
    world
        .glance
        .fail(GlanceOp::Delete, TaskError::transient("HTTP 503"), true);
    assert_eq!(
        world.execute(item).unwrap_err().class,
        ErrorClass::Retryable
    );
    world
        .glance
        .fail(GlanceOp::Connect, TaskError::fatal("HTTP 401"), true);
    assert_eq!(world.execute(item).unwrap_err().class, ErrorClass::Fatal);
}

fn services_outputs(restarted: &[&str], answering_before: Option<bool>) -> TaskOutputs {
    TaskOutputs::Services(ServicesOutputs {
        restarted: restarted.iter().map(|s| s.to_string()).collect(),
        answering_before,
        enabled_before: None,
    })
}

fn enabled_before(outputs: TaskOutputs, enabled: &[&str]) -> TaskOutputs {
    let TaskOutputs::Services(o) = outputs else {
        panic!("not services")
    };
    TaskOutputs::Services(ServicesOutputs {
        enabled_before: Some(enabled.iter().map(|s| s.to_string()).collect()),
        ..o
    })
}

/// Stopped only when nothing answered before the wizard started it;
/// otherwise (or when not known) left running. Disabled at boot only when
/// it did not start at boot before (not recorded: with the stop).
#[test]
fn services_are_stopped_only_when_the_wizard_started_them() {
    let (plan, world) = (plan(), World::default());
    let restart = kind(&plan, TaskId::ServiceRestart);
    let enable = |world: &World| {
        world.services.answering.set(true);
        world
            .services
            .enabled
            .borrow_mut()
            .insert("glance-api".into());
    };
    enable(&world);
    for kept in [
        services_outputs(&["glance-api"], Some(true)),
        services_outputs(&["glance-api"], None),
        services_outputs(&[], Some(false)),
    ] {
        let said = world.undo(&restart, &kept, created());
        assert!(said[0].starts_with("stays: "), "{said:?}");
        assert!(said[0].contains("left running"), "{said:?}");
        assert!(world.services.answering.get());
        assert!(!world.services.enabled.borrow().is_empty(), "{said:?}");
    }
    // An older journal: disabled with the stop.
    let started = services_outputs(&["glance-api"], Some(false));
    let said = world.undo(&restart, &started, created());
    assert_eq!(said, ["stopped glance-api", "disabled glance-api at boot"]);
    assert!(!world.services.answering.get());
    assert!(world.services.enabled.borrow().is_empty());
    // Stopping a stopped service is no error.
    world.undo(&restart, &started, created());

    // Installed stopped but enabled at boot (Debian's package): stopped,
    // left enabled.
    enable(&world);
    let packaged = enabled_before(started.clone(), &["glance-api"]);
    let said = world.undo(&restart, &packaged, created());
    assert_eq!(said[0], "stopped glance-api");
    assert!(
        said[1].contains("started at boot before glance-wizard"),
        "{said:?}"
    );
    assert!(!world.services.answering.get());
    assert!(world.services.enabled.borrow().contains("glance-api"));
    // Running but not enabled at boot before: left running, disabled.
    enable(&world);
    let running = enabled_before(services_outputs(&["glance-api"], Some(true)), &[]);
    let said = world.undo(&restart, &running, created());
    assert_eq!(said[1], "disabled glance-api at boot");
    assert!(world.services.answering.get());
    assert!(world.services.enabled.borrow().is_empty());

    let item = &items::items(&restart, &started, created())[1];
    world
        .services
        .child_fails(ServiceOp::Disable, 1, "update-rc.d: error");
    let error = world.execute(item).unwrap_err();
    assert_eq!(error.class, ErrorClass::Fatal);
    assert_eq!(
        error.message.english(),
        "cannot disable glance-api: update-rc.d: error"
    );
}

/// The schema and the definitions go with a database the wizard created;
/// in one it found they stay (Glance's schema has no downgrade).
#[test]
fn the_schema_goes_only_with_a_database_the_wizard_created() {
    let plan = plan();
    let sync = kind(&plan, TaskId::DbSync);
    let outputs = TaskOutputs::DbSync(crate::engine::outputs::DbSyncOutputs { synced: true });
    let gone = items::items(&sync, &outputs, created());
    assert!(matches!(&gone[..], [Item::Note(n)] if n.english().contains("goes with the database")));
    let found = Context {
        database_created: false,
        ..created()
    };
    let stays = items::items(&sync, &outputs, found);
    assert!(
        matches!(&stays[..], [Item::Keep(k)] if k.english().contains("no downgrade")),
        "{stays:?}"
    );
}

/// The glance user, its role, the service and the endpoints the wizard
/// created go, the endpoint it pointed elsewhere gets its URL back, and
/// what it found stays.
#[test]
fn keystone_objects_created_go_and_found_ones_stay() {
    let (plan, world) = (plan(), World::default());
    {
        let mut state = world.keystone.state.borrow_mut();
        state
            .users
            .push(("u-1".into(), "glance".into(), "default".into(), "pw".into()));
        state.services.push(("s-1".into(), "image".into()));
        state.services.push(("s-2".into(), "image".into()));
        for (id, interface, url) in [
            ("e-1", "public", "http://controller:9292"),
            ("e-2", "internal", "http://controller:9292"),
            ("e-3", "admin", "http://controller:9292"),
        ] {
            let endpoint = Endpoint {
                id: id.into(),
                interface: interface.into(),
                region: "RegionOne".into(),
                url: url.into(),
            };
            state.endpoints.push(("s-1".into(), endpoint));
        }
        let role = ("u-1".into(), "p-service".into(), "r-admin".into());
        state.assignments.insert(role);
    }
    let endpoint = |interface, id: &str, origin, previous: Option<&str>| EndpointOutput {
        interface,
        id: id.into(),
        origin,
        previous_url: previous.map(str::to_string),
        region: Some("RegionOne".into()),
    };
    let endpoints = TaskOutputs::Endpoints {
        endpoints: vec![
            endpoint(Interface::Public, "e-1", Origin::Created, None),
            endpoint(
                Interface::Internal,
                "e-2",
                Origin::Found,
                Some("http://old:9292"),
            ),
            endpoint(Interface::Admin, "e-3", Origin::Found, None),
        ],
    };
    let said = world.undo(
        &kind(&plan, TaskId::IdentityEndpoints),
        &endpoints,
        created(),
    );
    assert_eq!(said[0], "deleted the public endpoint e-1");
    assert_eq!(
        said[1],
        "pointed the internal endpoint e-2 back at http://old:9292"
    );
    assert!(
        said[2].starts_with("stays: the admin endpoint e-3"),
        "{said:?}"
    );
    let urls: Vec<(String, String)> = world
        .keystone
        .state
        .borrow()
        .endpoints
        .iter()
        .map(|(_, e)| (e.id.clone(), e.url.clone()))
        .collect();
    assert_eq!(
        urls,
        [
            ("e-2".to_string(), "http://old:9292".to_string()),
            ("e-3".to_string(), "http://controller:9292".to_string())
        ]
    );

    let object = |id: &str, origin| ObjectOutput {
        id: id.into(),
        origin,
        name: None,
    };
    let service = TaskOutputs::Service(object("s-2", Origin::Created));
    world.undo(&kind(&plan, TaskId::IdentityService), &service, created());
    let role = TaskOutputs::Role {
        origin: Origin::Created,
        user_id: None,
        project: None,
    };
    assert_eq!(
        world.undo(&kind(&plan, TaskId::IdentityRole), &role, created()),
        ["removed the admin role of glance on project service"]
    );
    let found_user = TaskOutputs::User(object("u-1", Origin::Found));
    world.undo(&kind(&plan, TaskId::IdentityUser), &found_user, created());
    {
        let state = world.keystone.state.borrow();
        assert_eq!(state.services, [("s-1".to_string(), "image".to_string())]);
        assert!(state.assignments.is_empty());
        assert_eq!(state.users.len(), 1, "the user found stays");
    }
    let user = TaskOutputs::User(object("u-1", Origin::Created));
    assert_eq!(
        world.undo(&kind(&plan, TaskId::IdentityUser), &user, created()),
        ["deleted user glance (u-1)"]
    );
    // Everything gone already: each counts as taken back (an endpoint's
    // URL put back again changes nothing).
    for (id, outputs) in [
        (TaskId::IdentityUser, &user),
        (TaskId::IdentityRole, &role),
        (TaskId::IdentityService, &service),
        (TaskId::IdentityEndpoints, &endpoints),
    ] {
        let said = world.undo(&kind(&plan, id), outputs, created());
        assert!(
            said.iter().all(|s| s.contains("gone already")
                || s.starts_with("stays: ")
                || s.ends_with("back at http://old:9292")),
            "{id}: {said:?}"
        );
    }
}

#[test]
fn keystone_errors_keep_their_class() {
    let (plan, world) = (plan(), World::default());
    let user = TaskOutputs::User(ObjectOutput {
        id: "u-1".into(),
        origin: Origin::Created,
        name: Some("glance".into()),
    });
    let item = &items::items(&kind(&plan, TaskId::IdentityUser), &user, created())[0];
    for error in [
        TaskError::transient("Keystone answered HTTP 503"),
        TaskError::fatal("Keystone answered HTTP 403"),
    ] {
        world.keystone.fail(KeystoneOp::Delete, error.clone());
        assert_eq!(world.execute(item), Err(error));
    }
    let endpoints = TaskOutputs::Endpoints {
        endpoints: vec![EndpointOutput {
            interface: Interface::Public,
            id: "e-1".into(),
            origin: Origin::Found,
            previous_url: Some("http://old".into()),
            region: Some("RegionOne".into()),
        }],
    };
    let kind = kind(&plan, TaskId::IdentityEndpoints);
    let item = &items::items(&kind, &endpoints, created())[0];
    world
        .keystone
        .fail(KeystoneOp::SetEndpoint, TaskError::transient("HTTP 502"));
    assert_eq!(
        world.execute(item).unwrap_err().class,
        ErrorClass::Retryable
    );
}

fn sql_outputs(database: Origin, accounts: &[(&str, Origin)]) -> TaskOutputs {
    TaskOutputs::Sql(SqlOutputs {
        database,
        accounts: accounts
            .iter()
            .map(|(host, origin)| AccountOutput {
                host: host.to_string(),
                origin: *origin,
            })
            .collect(),
        server: Some("controller:3306".into()),
        name: "glance".parse().ok(),
        user: "glance".parse().ok(),
        replaced: Vec::new(),
    })
}

fn sql_world() -> World {
    let world = World::default();
    {
        let mut db = world.database.state.borrow_mut();
        db.schemas.insert("glance".into());
        for host in ["localhost", "%"] {
            db.accounts
                .insert(("glance".into(), host.into()), "pw".into());
        }
    }
    world
}

#[test]
fn database_and_accounts_are_dropped_only_when_created() {
    let plan = plan();
    let sql = kind(&plan, TaskId::SqlDatabase);
    let world = sql_world();
    let mixed = sql_outputs(
        Origin::Found,
        &[("localhost", Origin::Found), ("%", Origin::Created)],
    );
    world.undo(&sql, &mixed, created());
    {
        let db = world.database.state.borrow();
        assert!(db.schemas.contains("glance"), "a database found stays");
        let left: Vec<_> = db.accounts.keys().cloned().collect();
        assert_eq!(left, [("glance".to_string(), "localhost".to_string())]);
    }
    assert_eq!(
        world.database.executed.borrow().as_slice(),
        ["DROP USER IF EXISTS 'glance'@'%'"]
    );
    let all = sql_outputs(
        Origin::Created,
        &[("localhost", Origin::Created), ("%", Origin::Created)],
    );
    world.undo(&sql, &all, created());
    world.undo(&sql, &all, created());
    let db = world.database.state.borrow();
    assert!(db.schemas.is_empty() && db.accounts.is_empty(), "{db:?}");
}

#[test]
fn database_errors_keep_their_class() {
    let plan = plan();
    let sql = kind(&plan, TaskId::SqlDatabase);
    let all = sql_outputs(Origin::Created, &[("%", Origin::Created)]);
    let item = &items::items(&sql, &all, created())[0];
    let world = sql_world();
    world
        .database
        .fail(DbOp::AdminLogin, DbFault::Unreachable, "Connection refused");
    assert_eq!(
        world.execute(item).unwrap_err().class,
        ErrorClass::Retryable
    );
    let world = sql_world();
    world
        .database
        .fail(DbOp::Execute, DbFault::AccessDenied, "ERROR 1227");
    let error = world.execute(item).unwrap_err();
    assert_eq!(error.class, ErrorClass::Fatal);
    assert!(
        error.message.english().contains("ERROR 1227"),
        "{}",
        error.message.english()
    );
}

#[test]
fn packages_go_only_with_purge_and_only_those_installed() {
    let plan = plan();
    let packages = kind(&plan, TaskId::PackagesInstall);
    let world = World {
        packages: FakePackages::with(&["glance-api", "glance-common", "python3-keystone"]),
        ..World::default()
    };
    let outputs = TaskOutputs::Packages(PackagesOutputs {
        installed: vec!["glance-api".into(), "glance-common".into()],
        found: vec!["python3-keystone".into()],
        proxy_config: None,
    });
    let said = world.undo(&packages, &outputs, created());
    assert!(said.iter().all(|s| s.starts_with("stays: ")), "{said:?}");
    assert_eq!(world.packages.installed.borrow().len(), 3);
    let purge = Context {
        purge_packages: true,
        ..created()
    };
    world.undo(&packages, &outputs, purge);
    let left: Vec<String> = world.packages.installed.borrow().iter().cloned().collect();
    assert_eq!(left, ["python3-keystone"]);

    let item = &items::items(&packages, &outputs, purge)[0];
    world
        .packages
        .child_fails(PackageOp::Remove, 100, "E: Could not get lock");
    let error = world.execute(item).unwrap_err();
    assert_eq!(error.class, ErrorClass::Fatal);
    assert!(
        error.message.english().contains("Could not get lock"),
        "{}",
        error.message.english()
    );
}

/// The persisted proxy: a file written where there was none is deleted,
/// one that existed gets its backup back.
#[test]
fn the_persisted_proxy_file_is_taken_back() {
    let plan = plan();
    let packages = kind(&plan, TaskId::PackagesInstall);
    let dir = tempfile::tempdir().unwrap();
    let written = dir.path().join("95glance-wizard-proxy");
    let yum = dir.path().join("yum.conf");
    let yum_backup = dir.path().join("yum.conf.glance-wizard.orig");
    std::fs::write(&written, "Acquire::http::Proxy \"http://p:3128\";\n").unwrap();
    std::fs::write(&yum, "[main]\nproxy=http://p:3128\n").unwrap();
    std::fs::write(&yum_backup, "[main]\n").unwrap();
    let world = World::default();
    let outputs = |path: &Path, backup: Option<&Path>| {
        TaskOutputs::Packages(PackagesOutputs {
            installed: vec![],
            found: vec!["glance-api".into()],
            proxy_config: Some(WrittenFile {
                path: path.display().to_string(),
                backup: backup.map(|b| b.display().to_string()),
                sha256: Some(crate::util::fs::sha256_hex(&std::fs::read(path).unwrap())),
            }),
        })
    };
    // Edited since glance-wizard wrote it: refused, left as it is.
    for (path, backup) in [(&written, None), (&yum, Some(&yum_backup))] {
        let recorded = outputs(path, backup.map(|b| b.as_path()));
        let edited = format!(
            "{}# the admin's line\n",
            std::fs::read_to_string(path).unwrap()
        );
        std::fs::write(path, &edited).unwrap();
        let item = &items::items(&packages, &recorded, created())[0];
        let refused = world.execute(item).unwrap_err();
        assert_eq!(refused.class, ErrorClass::NeedsUser, "{refused:?}");
        assert!(
            refused.message.english().contains("edited since"),
            "{refused:?}"
        );
        assert_eq!(std::fs::read_to_string(path).unwrap(), edited);
    }
    for (path, backup) in [(&written, None), (&yum, Some(&yum_backup))] {
        let recorded = outputs(path, backup.map(|b| b.as_path()));
        world.undo(&packages, &recorded, created());
        world.undo(&packages, &recorded, created());
    }
    assert!(!written.exists());
    assert_eq!(std::fs::read_to_string(&yum).unwrap(), "[main]\n");
}

const SECRET: &str = "hunter2-Secret";

/// A config file glance-wizard wrote, with the backup of the original:
/// (its kind, its outputs, the original's bytes).
fn configured(dir: &Path) -> (TaskKind, TaskOutputs, Vec<u8>) {
    use crate::plan::{ConfigEdit, ConfigFile, ConfigSpec, ConfigValue};
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("glance-api.conf");
    let original = b"[DEFAULT]\n# packaged\n[database]\n#connection = <None>\n".to_vec();
    std::fs::write(&path, &original).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let spec = ConfigSpec {
        file: ConfigFile::GlanceApi,
        path: path.display().to_string(),
        edits: vec![ConfigEdit {
            section: "keystone_authtoken".into(),
            key: "password".into(),
            value: ConfigValue::Secret {
                shown: "********".into(),
                secret: crate::util::secret::Secret::new(SECRET),
            },
        }],
        comment_out_except: None,
    };
    let (outputs, _) = in_ctx(None, false, |ctx| {
        crate::engine::runner::config::run(&spec, ctx)
    });
    (TaskKind::Config(spec), outputs.unwrap(), original)
}

#[test]
fn a_config_file_is_restored_byte_for_byte_and_its_backup_removed() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().unwrap();
    let (config, outputs, original) = configured(dir.path());
    let path = dir.path().join("glance-api.conf");
    let backup = dir.path().join("glance-api.conf.glance-wizard.orig");
    assert_ne!(std::fs::read(&path).unwrap(), original);
    let items = items::items(&config, &outputs, created());
    let world = World::default();
    assert!(world.execute(&items[0]).unwrap().starts_with("restored "));
    assert_eq!(std::fs::read(&path).unwrap(), original);
    assert_eq!(std::fs::metadata(&path).unwrap().mode() & 0o7777, 0o640);
    // Killed before its checkpoint: run again, it is the backup already.
    assert!(
        world
            .execute(&items[0])
            .unwrap()
            .ends_with("is its backup already")
    );
    assert!(backup.exists(), "kept until the checkpoint is saved");
    execute::after_checkpoint(&items[0]);
    assert!(!backup.exists());
}

/// A long diff (a packaged config file replaced by a short one) is one
/// block of the refusal, not one level of nesting per line: rendering it
/// stays flat and quick in either language.
#[test]
fn a_long_diff_is_one_block_of_the_refusal() {
    let dir = tempfile::tempdir().unwrap();
    let (config, outputs, _) = configured(dir.path());
    let path = dir.path().join("glance-api.conf");
    let edited: String = (0..5000).map(|i| format!("# note {i}\n")).collect();
    std::fs::write(&path, &edited).unwrap();
    let items = items::items(&config, &outputs, created());
    let error = World::default().execute(&items[0]).unwrap_err();
    fn depth(m: &Message) -> usize {
        1 + m
            .args
            .iter()
            .filter_map(|(_, arg)| match arg {
                crate::i18n::Arg::Message(inner) => Some(depth(inner)),
                crate::i18n::Arg::Text(_) => None,
            })
            .max()
            .unwrap_or(0)
    }
    assert!(depth(&error.message) < 20, "{}", depth(&error.message));
    for lang in crate::i18n::Lang::ALL {
        let shown = crate::i18n::Texts::of(lang).msg(&error.message);
        assert!(shown.contains("-# note 4999"), "{shown}");
    }
}

/// A file edited by hand since glance-wizard wrote it is refused with a
/// diff of what restoring would lose, every secret masked (the answers'
/// and a new one typed by hand); nothing changes.
#[test]
fn a_config_file_edited_since_is_refused_with_a_masked_diff() {
    let dir = tempfile::tempdir().unwrap();
    let (config, outputs, _) = configured(dir.path());
    let path = dir.path().join("glance-api.conf");
    let edited = std::fs::read_to_string(&path).unwrap()
        + "[oslo_messaging]\ntransport_url = rabbit://u:Typed-By-Hand@mq\nkey_pw = Typed-By-Hand\n";
    std::fs::write(&path, &edited).unwrap();
    let items = items::items(&config, &outputs, created());
    let error = World::default().execute(&items[0]).unwrap_err();
    assert_eq!(error.class, ErrorClass::NeedsUser);
    let message = &error.message.english();
    assert!(
        message.contains("was edited since glance-wizard wrote it"),
        "{message}"
    );
    assert!(message.contains("-[oslo_messaging]"), "{message}");
    assert!(
        message.contains("glance-wizard reset config.glance-api"),
        "{message}"
    );
    for secret in [SECRET, "Typed-By-Hand"] {
        assert!(!message.contains(secret), "{secret} shown:\n{message}");
    }
    assert_eq!(std::fs::read_to_string(&path).unwrap(), edited);
    // The preview says the same.
    let step = Step {
        id: TaskId::Config(crate::plan::ConfigFile::GlanceApi),
        scope: super::Scope::Record,
        items,
        refusal: None,
    };
    let shown = |lang| -> Vec<String> {
        let t = crate::i18n::Texts::of(lang);
        let lines = preview(
            std::slice::from_ref(&step),
            &crate::util::secret::Redactor::new(),
        );
        lines.iter().map(|l| t.msg(l)).collect()
    };
    let preview = shown(crate::i18n::Lang::En).join("\n");
    assert!(preview.contains("REFUSED"), "{preview}");
    assert!(
        !preview.contains(SECRET) && !preview.contains("Typed-By-Hand"),
        "{preview}"
    );
    // In Chinese every line of ours is Chinese; the diff (the file's own
    // lines, and the diff's headers) stays as it is.
    let zh = shown(crate::i18n::Lang::ZhCn);
    let ours: Vec<&String> = zh
        .iter()
        .filter(|l| !l.trim_start().starts_with(['-', '+', '@']) && l.starts_with("    "))
        .collect();
    let english: Vec<String> = ours
        .iter()
        .flat_map(|l| crate::i18n::english_sentences(l))
        .collect();
    assert!(english.is_empty(), "English: {english:?} in:\n{zh:#?}");
    assert!(ours.iter().any(|l| l.contains("已拒绝")), "{zh:#?}");
}

fn record(fingerprint: &str, outputs: TaskOutputs) -> TaskRecord {
    TaskRecord {
        status: TaskStatus::Done,
        fingerprint: fingerprint.to_string(),
        started_at: "2026-11-30T00:00:00Z".into(),
        finished_at: Some("2026-11-30T00:00:01Z".into()),
        duration_ms: Some(1000),
        attempts: 1,
        outputs: Some(outputs),
        error: None,
        unverified: false,
    }
}

/// A journal of a whole apply that created everything (config files found
/// as answered, so no file of this machine is touched), and the world it
/// left in the test doubles.
pub(crate) fn applied(plan: &Plan, fingerprints: &[String]) -> (Journal, World) {
    let world = sql_world();
    world.glance.images.borrow_mut().push(Image {
        id: "img-1".into(),
        ours: true,
        ..Image::default()
    });
    world.services.answering.set(true);
    {
        let mut state = world.keystone.state.borrow_mut();
        state
            .users
            .push(("u-1".into(), "glance".into(), "default".into(), "pw".into()));
        state.services.push(("s-1".into(), "image".into()));
    }
    let mut journal = Journal::new("test");
    for (task, fingerprint) in plan.tasks.iter().zip(fingerprints) {
        let object = |id: &str| ObjectOutput {
            id: id.into(),
            origin: Origin::Created,
            name: None,
        };
        let outputs = match &task.kind {
            TaskKind::Sql(_) => sql_outputs(
                Origin::Created,
                &[("localhost", Origin::Created), ("%", Origin::Created)],
            ),
            TaskKind::IdentityUser(_) => TaskOutputs::User(object("u-1")),
            TaskKind::IdentityRole(_) => TaskOutputs::Role {
                origin: Origin::Found,
                user_id: None,
                project: None,
            },
            TaskKind::IdentityService(_) => TaskOutputs::Service(object("s-1")),
            TaskKind::IdentityEndpoints(_) => TaskOutputs::Endpoints { endpoints: vec![] },
            TaskKind::Packages(_) => TaskOutputs::Packages(PackagesOutputs {
                installed: vec!["glance-api".into()],
                found: vec![],
                proxy_config: None,
            }),
            TaskKind::Config(_) => TaskOutputs::Config(ConfigOutputs {
                sha256: "00".into(),
                changed: false,
                backup: None,
            }),
            TaskKind::DbSync(_) => {
                TaskOutputs::DbSync(crate::engine::outputs::DbSyncOutputs { synced: true })
            }
            TaskKind::Metadefs(_) => {
                TaskOutputs::Metadefs(crate::engine::outputs::MetadefsOutputs {
                    namespaces_before: 0,
                    namespaces_after: 30,
                })
            }
            TaskKind::Services(_) => services_outputs(&["glance-api"], Some(false)),
            TaskKind::Verify(_) => TaskOutputs::Image(ImageOutputs {
                id: "img-1".into(),
                origin: Origin::Created,
                status: "active".into(),
                sha512: "ab".into(),
                name: None,
                replaced: Vec::new(),
            }),
        };
        journal.tasks.insert(task.id, record(fingerprint, outputs));
    }
    (journal, world)
}

/// Runs `steps` against the doubles; every line said, in order: undo's
/// own and the runners' (`SQL> …`, as they are), as `machine` gives them.
pub(crate) fn run_all(
    steps: &[Step],
    journal: &mut Journal,
    state: &Path,
    world: &World,
) -> (Outcome, Vec<Message>) {
    use crate::engine::runner::Reach;
    let retry = RetryPolicy {
        attempts: 1,
        ..RetryPolicy::default()
    };
    let (settings, _) = crate::engine::runner::tests::settings();
    let reach = Reach::of(&settings);
    let redactor = crate::util::secret::Redactor::new();
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let said = std::cell::RefCell::new(Vec::new());
    let mut runner_line = |line: crate::engine::runner::Said<'_>| {
        said.borrow_mut().push(match line {
            crate::engine::runner::Said::Trace(text) => Message::verbatim(text),
            crate::engine::runner::Said::Sentence(sentence) => sentence,
        })
    };
    let mut ctx = TaskContext {
        reach: &reach,
        state_dir: state,
        redactor: &redactor,
        cancel: &cancel,
        previous_outputs: None,
        lock: None,
        recheck: false,
        log: &mut runner_line,
    };
    let clients = world.clients();
    let mut tell = |line: Message| said.borrow_mut().push(line);
    let outcome = run(steps, journal, state, &mut ctx, &clients, &retry, &mut tell);
    (outcome, said.take())
}

/// Lines in English, for the assertions.
fn english(said: &[Message]) -> Vec<String> {
    said.iter().map(Message::english).collect()
}

/// Reverse plan order, each step checkpointed as it is done: an undo
/// stopped by a failure resumes where it stopped, and once it finished the
/// journal records nothing and a second undo has nothing to do.
#[test]
fn undo_is_checkpointed_resumable_and_done_once() {
    let plan = plan();
    let fingerprints = plan.fingerprints(&FingerprintKey::new([7; 32]));
    let (mut journal, mut world) = applied(&plan, &fingerprints);
    let state = tempfile::tempdir().unwrap();
    let steps = steps(&plan, &mut journal, &fingerprints, &Options::default());
    let order: Vec<TaskId> = steps.iter().map(|s| s.id).collect();
    let mut reversed: Vec<TaskId> = plan.tasks.iter().map(|t| t.id).collect();
    reversed.reverse();
    assert_eq!(order, reversed);

    world
        .keystone
        .fail(KeystoneOp::Delete, TaskError::fatal("HTTP 403"));
    let (outcome, said) = run_all(&steps, &mut journal, state.path(), &world);
    let said = english(&said);
    assert_eq!(
        outcome,
        Outcome::Failed {
            task: TaskId::IdentityService,
            error: Message::verbatim("HTTP 403")
        },
        "{said:?}"
    );
    let saved = Journal::load(state.path()).unwrap().unwrap();
    let left: Vec<TaskId> = saved.tasks.keys().copied().collect();
    assert_eq!(
        left,
        [
            TaskId::SqlDatabase,
            TaskId::IdentityUser,
            TaskId::IdentityRole,
            TaskId::IdentityService,
            TaskId::PackagesInstall,
        ],
        "the packages kept stay recorded"
    );
    assert!(world.glance.images.borrow().is_empty());
    assert!(!world.services.answering.get());
    let kept = "packages glance-api: installed by glance-wizard, kept";
    assert!(said.iter().any(|l| l.contains(kept)), "{said:?}");

    let healed = FakeKeystone::default();
    *healed.state.borrow_mut() = world.keystone.state.borrow().clone();
    world.keystone = healed;
    let mut journal = saved;
    let steps = super::steps(&plan, &mut journal, &fingerprints, &Options::default());
    let (outcome, said) = run_all(&steps, &mut journal, state.path(), &world);
    assert_eq!(outcome, Outcome::Done { steps: 5 }, "{said:?}");
    let left = Journal::load(state.path()).unwrap().unwrap().tasks;
    assert_eq!(left.keys().collect::<Vec<_>>(), [&TaskId::PackagesInstall]);
    {
        let keystone = world.keystone.state.borrow();
        assert!(keystone.users.is_empty() && keystone.services.is_empty());
        let db = world.database.state.borrow();
        assert!(db.schemas.is_empty() && db.accounts.is_empty());
    }
    // Again: only the packages kept, which changes nothing; with
    // --purge-packages they go, and then the journal is empty.
    let again = super::steps(&plan, &mut journal, &fingerprints, &Options::default());
    assert!(again.iter().all(Step::inert), "{again:?}");
    let purge = Options {
        purge_packages: true,
        ..Options::default()
    };
    let purging = super::steps(&plan, &mut journal, &fingerprints, &purge);
    world
        .packages
        .installed
        .borrow_mut()
        .insert("glance-api".into());
    let (outcome, said) = run_all(&purging, &mut journal, state.path(), &world);
    assert_eq!(outcome, Outcome::Done { steps: 1 }, "{said:?}");
    assert!(world.packages.installed.borrow().is_empty());
    assert!(
        Journal::load(state.path())
            .unwrap()
            .unwrap()
            .tasks
            .is_empty()
    );
    assert!(super::steps(&plan, &mut journal, &fingerprints, &purge).is_empty());
}

/// A task recorded with other inputs than the plan's is refused (the
/// specs may not name what it made), and `only` takes back just the tasks
/// named.
#[test]
fn changed_answers_are_refused_and_only_named_tasks_are_undone() {
    let plan = plan();
    let fingerprints = plan.fingerprints(&FingerprintKey::new([7; 32]));
    let (mut journal, world) = applied(&plan, &fingerprints);
    journal
        .tasks
        .get_mut(&TaskId::SqlDatabase)
        .unwrap()
        .fingerprint = "other".into();
    let only = Options {
        only: vec![TaskId::SqlDatabase, TaskId::VerifyImage],
        ..Options::default()
    };
    let steps = steps(&plan, &mut journal, &fingerprints, &only);
    let ids: Vec<TaskId> = steps.iter().map(|s| s.id).collect();
    assert_eq!(ids, [TaskId::VerifyImage, TaskId::SqlDatabase]);
    let state = tempfile::tempdir().unwrap();
    let (outcome, _) = run_all(&steps, &mut journal, state.path(), &world);
    let Outcome::Failed { task, error } = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(task, TaskId::SqlDatabase);
    let error = error.english();
    assert!(error.contains("ran with other answers"), "{error}");
    assert!(world.database.state.borrow().schemas.contains("glance"));
    assert!(world.glance.images.borrow().is_empty());
}

/// A retryable failure is tried again; a fatal one is not.
#[test]
fn retryable_failures_are_tried_again() {
    let retry = RetryPolicy {
        attempts: 3,
        first_wait: std::time::Duration::ZERO,
        ..RetryPolicy::default()
    };
    for (error, tries) in [
        (TaskError::transient("HTTP 503"), 3),
        (TaskError::fatal("HTTP 403"), 1),
    ] {
        let mut tried = 0;
        let (result, _) = in_ctx(None, false, |ctx| {
            with_retries(&retry, ctx, &mut |_| {}, |_| -> Result<(), TaskError> {
                tried += 1;
                Err(error.clone())
            })
        });
        assert_eq!(result, Err(error));
        assert_eq!(tried, tries);
    }
}

/// `undo --replaced` takes back only the databases and test images earlier
/// runs created under other names (recorded as replaced): the install
/// stays, its records stay without them, and a second one has nothing to
/// do. A whole undo takes them back too.
#[test]
fn undo_replaced_takes_back_only_what_answers_replaced() {
    let plan = plan();
    let fingerprints = plan.fingerprints(&FingerprintKey::new([7; 32]));
    let (mut journal, world) = applied(&plan, &fingerprints);
    world
        .database
        .state
        .borrow_mut()
        .schemas
        .insert("glance_old".into());
    let record = journal.tasks.get_mut(&TaskId::SqlDatabase).unwrap();
    let Some(TaskOutputs::Sql(sql)) = record.outputs.as_mut() else {
        panic!("no database record")
    };
    // "glance", the answers' name again, is left for the next apply.
    sql.replaced = vec!["glance_old".parse().unwrap(), "glance".parse().unwrap()];
    let whole = steps(
        &plan,
        &mut journal.clone(),
        &fingerprints,
        &Options::default(),
    );
    let drops: Vec<String> = whole
        .iter()
        .flat_map(|s| &s.items)
        .map(|item| item.describe().english())
        .filter(|d| d.starts_with("DROP DATABASE"))
        .collect();
    assert_eq!(drops.len(), 2, "{drops:?}");
    assert!(
        drops.iter().any(|d| d.contains("`glance_old`")),
        "{drops:?}"
    );

    let replaced = Options {
        replaced: true,
        ..Options::default()
    };
    let state = tempfile::tempdir().unwrap();
    let only = steps(&plan, &mut journal, &fingerprints, &replaced);
    let ids: Vec<TaskId> = only.iter().map(|s| s.id).collect();
    assert_eq!(ids, [TaskId::SqlDatabase]);
    let (outcome, said) = run_all(&only, &mut journal, state.path(), &world);
    assert_eq!(outcome, Outcome::Done { steps: 1 }, "{said:?}");
    let schemas = world.database.state.borrow().schemas.clone();
    assert!(!schemas.contains("glance_old"), "{schemas:?}");
    assert!(schemas.contains("glance"), "the install's database stays");
    let saved = Journal::load(state.path()).unwrap().unwrap();
    assert_eq!(saved.tasks.len(), plan.tasks.len(), "every record stays");
    assert!(matches!(
        saved.tasks[&TaskId::SqlDatabase].outputs.as_ref(),
        Some(TaskOutputs::Sql(sql)) if sql.replaced.is_empty()
    ));
    let mut saved = saved;
    assert!(steps(&plan, &mut saved, &fingerprints, &replaced).is_empty());
}
