use super::*;
use crate::engine::ErrorClass;
use crate::engine::runner::clients::DbFault;
use crate::engine::runner::fake::{DbOp, FakeDatabase, FakeGlance, FakeKeystone, GlanceOp, in_ctx};
use crate::plan::{DbAccount, ServiceLogin};
use crate::util::secret::Secret;

struct World {
    glance: FakeGlance,
    database: FakeDatabase,
    keystone: FakeKeystone,
    image: tempfile::NamedTempFile,
}

/// A Glance with no image, a database and Keystone where the glance
/// account and user log in, and a local test image.
fn world() -> World {
    let database = FakeDatabase::default();
    {
        let mut db = database.state.borrow_mut();
        db.schemas.insert("glance".into());
        db.accounts
            .insert(("glance".into(), "%".into()), "db-password-1".into());
        db.grants
            .insert(("glance".into(), "%".into(), "glance".into()));
    }
    let keystone = FakeKeystone::default();
    keystone.state.borrow_mut().users.push((
        "u-glance".into(),
        "glance".into(),
        "default".into(),
        "svc-password".into(),
    ));
    let mut image = tempfile::NamedTempFile::new().unwrap();
    std::io::Write::write_all(&mut image, b"cirros, more or less").unwrap();
    World {
        glance: FakeGlance::default(),
        database,
        keystone,
        image,
    }
}

fn spec(w: &World) -> VerifySpec {
    VerifySpec {
        source: ImageSource::Path(w.image.path().to_path_buf()),
        name: "cirros".into(),
        disk_format: "qcow2".into(),
        container_format: "bare".into(),
        region: "RegionOne".into(),
        public_url: "http://controller:9292".into(),
        account: DbAccount {
            host: "controller".into(),
            port: 3306,
            database: "glance".into(),
            user: "glance".into(),
            password: Secret::new("db-password-1"),
        },
        login: ServiceLogin {
            auth_url: "http://controller:5000/v3".into(),
            user: "glance".into(),
            domain: "default".into(),
            project: "service".into(),
            password: Secret::new("svc-password"),
        },
    }
}

fn verifiers(w: &World) -> Verifiers<'_> {
    Verifiers {
        glance: &w.glance,
        database: &w.database,
        keystone: &w.keystone,
    }
}

fn run_in(w: &World, previous: Option<&TaskOutputs>) -> Result<TaskOutputs, TaskError> {
    let clients = verifiers(w);
    in_ctx(previous, false, |ctx| run(&spec(w), ctx, &clients)).0
}

/// The task's error when Glance hashes with `algo`, not sha512 (the
/// run screen's tests show it).
pub(crate) fn image_hashed_with(algo: &str) -> TaskError {
    let w = world();
    *w.glance.hash_algo.borrow_mut() = Some(algo.into());
    run_in(&w, None).unwrap_err()
}

fn probe_in(w: &World, previous: Option<&TaskOutputs>) -> Result<Message, String> {
    in_ctx(previous, false, |ctx| probe(&spec(w), ctx, &w.glance))
        .0
        .map_err(|m| m.english())
}

fn image(id: &str, origin: Origin, w: &World) -> TaskOutputs {
    TaskOutputs::Image(ImageOutputs {
        id: id.into(),
        origin,
        status: "active".into(),
        sha512: sha512_file(w.image.path()).unwrap(),
        name: Some(spec(w).name),
        replaced: Vec::new(),
    })
}

/// A changed `[image] name`: a new image is uploaded under it, and the
/// one uploaded under the old name stays (it holds data), recorded as
/// replaced until it is deleted; the name given again makes it the
/// task's own again.
#[test]
fn an_image_of_an_earlier_name_stays_recorded_as_replaced() {
    let w = world();
    let first = run_in(&w, None).unwrap();
    let renamed = VerifySpec {
        name: "cirros-renamed".into(),
        ..spec(&w)
    };
    let clients = verifiers(&w);
    let run_renamed =
        |previous: &TaskOutputs| in_ctx(Some(previous), false, |ctx| run(&renamed, ctx, &clients));
    let (second, said) = run_renamed(&first);
    let Some(second) = second.unwrap().image().cloned() else {
        panic!("no image record")
    };
    assert_ne!(second.id, "img-1");
    let kept = ReplacedImage {
        id: "img-1".into(),
        name: "cirros".into(),
    };
    assert_eq!(second.replaced, vec![kept.clone()]);
    assert!(
        said.iter().any(|l| l.contains("undo --replaced")),
        "{said:?}"
    );
    assert_eq!(w.glance.images.borrow().len(), 2);
    // The old name again, with its image still there: the task's own
    // again, and the renamed one is the replaced one.
    let (back, _) = in_ctx(Some(&TaskOutputs::Image(second.clone())), false, |ctx| {
        run(&spec(&w), ctx, &clients)
    });
    let back = back.unwrap().image().cloned().unwrap();
    assert_eq!((back.id.as_str(), back.origin), ("img-1", Origin::Created));
    let renamed_one = ReplacedImage {
        id: second.id.clone(),
        name: "cirros-renamed".into(),
    };
    assert_eq!(back.replaced, vec![renamed_one]);
    // Gone (deleted by hand): no longer recorded.
    w.glance.images.borrow_mut().retain(|i| i.id != kept.id);
    let (third, _) = run_renamed(&TaskOutputs::Image(second));
    assert_eq!(third.unwrap().image().unwrap().replaced, Vec::new());
}

/// Another project's public image named with a line break and a
/// terminal sequence is listed on one line, its name escaped (a debug
/// build would stop on a sentence-like second line).
#[test]
fn a_hostile_image_name_in_the_listing_stays_on_its_line() {
    let w = world();
    w.glance.images.borrow_mut().push(Image {
        id: "other-1".into(),
        name: "evil\nname\u{1b}[2J".into(),
        status: "active".into(),
        hash_algo: "sha512".into(),
        hash_value: String::new(),
        ours: false,
    });
    let clients = verifiers(&w);
    let (result, said) = in_ctx(None, false, |ctx| run(&spec(&w), ctx, &clients));
    result.unwrap();
    let row = said.iter().find(|l| l.contains("other-1")).unwrap();
    assert_eq!(row, "  other-1  evil\\nname\\u{1b}[2J  active");
}

#[test]
fn the_image_is_uploaded_then_reused() {
    let w = world();
    assert_eq!(
        probe_in(&w, None),
        Err("the journal records no image".into())
    );
    let first = run_in(&w, None).unwrap();
    assert_eq!(first, image("img-1", Origin::Created, &w));
    assert!(probe_in(&w, Some(&first)).is_ok());
    // A rerun reuses it: this wizard's image stays created by it.
    assert_eq!(run_in(&w, Some(&first)).unwrap(), first);
    assert_eq!(w.glance.images.borrow().len(), 1);
}

/// An active image of the name and hash that this wizard did not make
/// is found, not created, and left alone.
#[test]
fn an_image_someone_else_uploaded_is_found() {
    let w = world();
    w.glance.images.borrow_mut().push(Image {
        id: "theirs".into(),
        name: "cirros".into(),
        status: "active".into(),
        hash_algo: "sha512".into(),
        hash_value: sha512_file(w.image.path()).unwrap(),
        ours: false,
    });
    assert_eq!(
        run_in(&w, None).unwrap(),
        image("theirs", Origin::Found, &w)
    );
    assert_eq!(w.glance.images.borrow().len(), 1);
}

/// An upload a killed run left is deleted, then the image made again.
#[test]
fn an_unfinished_upload_of_ours_is_replaced() {
    let w = world();
    w.glance.images.borrow_mut().push(Image {
        id: "left".into(),
        name: "cirros".into(),
        status: "queued".into(),
        ours: true,
        ..Image::default()
    });
    assert_eq!(
        run_in(&w, None).unwrap(),
        image("img-1", Origin::Created, &w)
    );
    let ids: Vec<String> = w
        .glance
        .images
        .borrow()
        .iter()
        .map(|i| i.id.clone())
        .collect();
    assert_eq!(ids, ["img-1"]);
}

/// Glance's refusal names the task whose work is broken: the database
/// account's, the glance user's, or none.
#[test]
fn a_refusal_names_the_broken_task() {
    let refused =
        || TaskError::fatal("POST http://controller:9292/v2/images: Glance answered HTTP 401");
    let w = world();
    w.glance.fail(GlanceOp::Create, refused(), true);
    assert_eq!(
        run_in(&w, None).unwrap_err(),
        refused().with_cause(Cause::GlanceStale)
    );

    let w = world();
    w.glance.fail(GlanceOp::Create, refused(), true);
    w.database
        .fail(DbOp::AccountLogin, DbFault::AccessDenied, "ERROR 1045");
    let error = run_in(&w, None).unwrap_err();
    assert_eq!(
        (error.class, error.cause),
        (ErrorClass::Fatal, Some(Cause::DbAccessDenied))
    );

    let w = world();
    w.glance.fail(
        GlanceOp::Upload,
        TaskError::transient("PUT: HTTP 503"),
        true,
    );
    w.keystone.state.borrow_mut().users[0].3 = "changed".into();
    let error = run_in(&w, None).unwrap_err();
    assert_eq!(
        (error.class, error.cause),
        (ErrorClass::Retryable, Some(Cause::ServiceUserRefused))
    );

    // Not a refusal (a 404, say): no login is tried.
    let w = world();
    w.glance
        .fail(GlanceOp::Create, TaskError::fatal("HTTP 404"), false);
    w.database
        .fail(DbOp::AccountLogin, DbFault::AccessDenied, "ERROR 1045");
    assert_eq!(run_in(&w, None).unwrap_err().cause, None);
}

/// The connection's own errors pass unchanged: a missing endpoint names
/// the endpoints task; an unreachable Keystone is retried.
#[test]
fn connection_errors_keep_their_class_and_cause() {
    for injected in [
        TaskError::fatal("the service catalog has no public image endpoint in region RegionOne")
            .with_cause(Cause::EndpointMissing),
        TaskError::transient("cannot reach Keystone at http://controller:5000/v3/auth/tokens"),
    ] {
        let w = world();
        w.glance.fail(GlanceOp::Connect, injected.clone(), false);
        assert_eq!(run_in(&w, None).unwrap_err(), injected);
        assert!(w.glance.images.borrow().is_empty());
    }
}

/// Glance not serving yet is retried within the first call.
#[test]
fn glance_not_serving_yet_is_waited_for() {
    let w = world();
    w.glance
        .fail_once(GlanceOp::Named, TaskError::transient("HTTP 503"));
    let clients = Verifiers {
        glance: &w.glance,
        database: &w.database,
        keystone: &w.keystone,
    };
    let (result, said) = in_ctx(None, false, |ctx| run(&spec(&w), ctx, &clients));
    assert_eq!(result.unwrap(), image("img-1", Origin::Created, &w));
    assert!(
        said.iter()
            .any(|l| l.contains("Glance is not serving yet (HTTP 503)")),
        "{said:?}"
    );
    // A refusal is not waited for.
    let w = world();
    w.glance
        .fail(GlanceOp::Named, TaskError::fatal("HTTP 403"), false);
    assert_eq!(run_in(&w, None).unwrap_err(), TaskError::fatal("HTTP 403"));
}

#[test]
fn an_image_hashed_otherwise_is_refused() {
    let error = image_hashed_with("md5");
    assert_eq!(error.class, ErrorClass::Fatal);
    assert!(
        error
            .message
            .english()
            .contains("not sha512 ([DEFAULT] hashing_algorithm)"),
        "{}",
        error.message.english()
    );
}

#[test]
fn the_probe_checks_the_image_and_the_local_file() {
    let w = world();
    let first = run_in(&w, None).unwrap();
    w.glance.images.borrow_mut()[0].status = "deactivated".into();
    assert_eq!(
        probe_in(&w, Some(&first)),
        Err("image img-1 is deactivated".into())
    );
    w.glance.images.borrow_mut()[0].status = "active".into();
    std::fs::write(w.image.path(), "another image").unwrap();
    let changed = probe_in(&w, Some(&first)).unwrap_err();
    assert!(
        changed.ends_with("changed since it was uploaded"),
        "{changed}"
    );
    w.glance.fail(
        GlanceOp::Get,
        TaskError::transient("cannot reach Glance"),
        false,
    );
    std::fs::write(w.image.path(), "cirros, more or less").unwrap();
    assert_eq!(
        probe_in(&w, Some(&first)),
        Err("cannot reach Glance".into())
    );
}
