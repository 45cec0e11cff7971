//! The identity runners against a Keystone test double.

use super::role::RoleIds;
use super::*;
use crate::engine::ErrorClass;
use crate::engine::TaskError;
use crate::engine::outputs::{EndpointOutput, ObjectOutput, Origin, ProjectRef, TaskOutputs};
use crate::engine::runner::TaskContext;
use crate::engine::runner::clients::{Endpoint, Keystone};
use crate::engine::runner::fake::{FakeKeystone, KeystoneOp, in_ctx};
use crate::plan::Interface;
use crate::plan::{
    EndpointSpec, EndpointsSpec, RoleSpec, ServiceEntitySpec, ServiceLogin, UserSpec,
};
use crate::util::secret::Secret;

fn login() -> ServiceLogin {
    ServiceLogin {
        auth_url: "http://controller:5000/v3".into(),
        user: "glance".into(),
        domain: "default".into(),
        project: "service".into(),
        password: Secret::new("svc-password"),
    }
}

fn user_spec() -> UserSpec {
    UserSpec { login: login() }
}

fn role_spec() -> RoleSpec {
    RoleSpec {
        login: login(),
        role: "admin".into(),
    }
}

fn service_spec() -> ServiceEntitySpec {
    ServiceEntitySpec {
        auth_url: "http://controller:5000/v3".into(),
        name: "glance".into(),
        service_type: "image".into(),
        description: "OpenStack Image".into(),
    }
}

fn endpoints_spec() -> EndpointsSpec {
    EndpointsSpec {
        auth_url: "http://controller:5000/v3".into(),
        service_type: "image".into(),
        region: "RegionOne".into(),
        endpoints: Interface::ALL
            .map(|interface| EndpointSpec {
                interface,
                url: "http://controller:9292".into(),
            })
            .to_vec(),
    }
}

/// The endpoints task's error when `openstack` exits 0 but creates
/// nothing (the run screen's tests show it).
pub(crate) fn endpoints_left_missing() -> TaskError {
    let keystone = FakeKeystone::default();
    run_on(service, &service_spec(), &keystone, None).unwrap();
    keystone.endpoint_fixes_ignored.set(true);
    run_on(endpoints, &endpoints_spec(), &keystone, None).unwrap_err()
}

type Runner<S> = fn(&S, &mut TaskContext<'_>, &dyn Keystone) -> Result<TaskOutputs, TaskError>;

fn run_on<S>(
    runner: Runner<S>,
    spec: &S,
    keystone: &FakeKeystone,
    previous: Option<&TaskOutputs>,
) -> Result<TaskOutputs, TaskError> {
    in_ctx(previous, false, |ctx| runner(spec, ctx, keystone)).0
}

/// Runs `runner` on an empty Keystone, then again on what it left, with
/// and without the first run's record: the second and third runs
/// change nothing; what the first made stays created only with its
/// record. Returns the three outputs.
fn twice<S>(runner: Runner<S>, spec: &S, keystone: &FakeKeystone) -> [TaskOutputs; 3] {
    let first = run_on(runner, spec, keystone, None).unwrap();
    let (left, changes) = (keystone.state.borrow().clone(), keystone.changes.get());
    assert!(changes > 0, "the first run changed nothing");
    let again = run_on(runner, spec, keystone, Some(&first)).unwrap();
    let unrecorded = run_on(runner, spec, keystone, None).unwrap();
    assert_eq!(*keystone.state.borrow(), left);
    assert_eq!(keystone.changes.get(), changes, "a rerun changed something");
    [first, again, unrecorded]
}

#[test]
fn the_user_is_created_then_found() {
    let keystone = FakeKeystone::default();
    assert!(probe_user(&user_spec(), &keystone).is_err());
    let [first, again, unrecorded] = twice(user, &user_spec(), &keystone);
    let id = keystone.state.borrow().users[0].0.clone();
    let object = |origin| {
        TaskOutputs::User(ObjectOutput {
            id: id.clone(),
            origin,
            name: Some("glance".into()),
        })
    };
    assert_eq!(first, object(Origin::Created));
    assert_eq!(again, object(Origin::Created));
    assert_eq!(unrecorded, object(Origin::Found));
    assert!(probe_user(&user_spec(), &keystone).is_ok());
}

/// A password changed behind the wizard's back is set again; the user
/// is found, not created.
#[test]
fn a_changed_password_is_set_again() {
    let keystone = FakeKeystone::default();
    let first = run_on(user, &user_spec(), &keystone, None).unwrap();
    keystone.state.borrow_mut().users[0].3 = "changed".into();
    let probed = probe_user(&user_spec(), &keystone).unwrap_err().english();
    assert!(probed.contains("HTTP 401"), "{probed}");
    assert_eq!(
        run_on(user, &user_spec(), &keystone, Some(&first)).unwrap(),
        first
    );
    assert_eq!(keystone.state.borrow().users[0].3, "svc-password");
    assert_eq!(keystone.state.borrow().users.len(), 1);
}

#[test]
fn the_role_is_assigned_then_found() {
    let keystone = FakeKeystone::default();
    run_on(user, &user_spec(), &keystone, None).unwrap();
    let error = probe_role(&role_spec(), &keystone).unwrap_err().english();
    assert!(error.contains("no longer true"), "{error}");
    let [first, again, unrecorded] = twice(role, &role_spec(), &keystone);
    let user_id = keystone.state.borrow().users[0].0.clone();
    let project = keystone
        .state
        .borrow()
        .projects
        .iter()
        .find(|p| p.1 == "service")
        .map(|p| p.0.clone())
        .unwrap();
    let role_output = |origin| TaskOutputs::Role {
        origin,
        user_id: Some(user_id.clone()),
        project: Some(ProjectRef {
            id: project.clone(),
            name: "service".into(),
        }),
    };
    assert_eq!(first, role_output(Origin::Created));
    assert_eq!(again, role_output(Origin::Created));
    assert_eq!(unrecorded, role_output(Origin::Found));
    assert!(probe_role(&role_spec(), &keystone).is_ok());
    // Without the user's login the probe cannot tell.
    keystone.state.borrow_mut().users[0].3 = "changed".into();
    let error = probe_role(&role_spec(), &keystone).unwrap_err().english();
    assert!(error.contains("cannot check"), "{error}");
}

/// A changed `[keystone] service_project`: the role is given on the new
/// project, and the assignment the wizard made on the old one is taken
/// back (the plan says so first); one made by hand there would stay.
#[test]
fn a_changed_project_moves_the_role_the_wizard_gave() {
    let keystone = FakeKeystone::default();
    run_on(user, &user_spec(), &keystone, None).unwrap();
    let first = run_on(role, &role_spec(), &keystone, None).unwrap();
    keystone
        .state
        .borrow_mut()
        .projects
        .push(("p-other".into(), "other".into(), "default".into()));
    let mut moved_spec = role_spec();
    moved_spec.login.project = "other".into();
    let planned = first.left_behind(&crate::plan::TaskKind::IdentityRole(moved_spec.clone()));
    assert_eq!(planned.len(), 1, "{planned:?}");
    assert!(
        planned[0]
            .to_string()
            .starts_with("removes the role it gave on project service (p-service)"),
        "{}",
        planned[0]
    );
    let moved = run_on(role, &moved_spec, &keystone, Some(&first)).unwrap();
    let projects: Vec<String> = keystone
        .state
        .borrow()
        .assignments
        .iter()
        .map(|a| a.1.clone())
        .collect();
    assert_eq!(projects, ["p-other"]);
    assert!(
        moved
            .left_behind(&crate::plan::TaskKind::IdentityRole(moved_spec))
            .is_empty()
    );
    // Found on the old project (not recorded as created): it stays.
    let found = TaskOutputs::Role {
        origin: Origin::Found,
        user_id: None,
        project: Some(ProjectRef {
            id: "p-service".into(),
            name: "service".into(),
        }),
    };
    assert!(
        found
            .left_behind(&crate::plan::TaskKind::IdentityRole(role_spec()))
            .is_empty()
    );
}

#[test]
fn the_service_is_created_then_found() {
    let keystone = FakeKeystone::default();
    let [first, again, unrecorded] = twice(service, &service_spec(), &keystone);
    let id = keystone.state.borrow().services[0].0.clone();
    let object = |origin| {
        TaskOutputs::Service(ObjectOutput {
            id: id.clone(),
            origin,
            name: None,
        })
    };
    assert_eq!(first, object(Origin::Created));
    assert_eq!(again, object(Origin::Created));
    assert_eq!(unrecorded, object(Origin::Found));
    let (probed, _) = in_ctx(Some(&first), false, |ctx| {
        probe_service(&service_spec(), ctx, &keystone.catalog())
    });
    assert!(probed.is_ok(), "{probed:?}");
    // A second image service: the task cannot tell which one is meant.
    keystone
        .state
        .borrow_mut()
        .services
        .push(("s-other".into(), "image".into()));
    let error = run_on(service, &service_spec(), &keystone, None).unwrap_err();
    assert_eq!(error.class, ErrorClass::Fatal);
    assert!(
        error.message.english().contains("openstack service delete"),
        "{}",
        error.message.english()
    );
    let (probed, _) = in_ctx(Some(&first), false, |ctx| {
        probe_service(&service_spec(), ctx, &keystone.catalog())
    });
    assert_eq!(
        probed.map_err(|m| m.english()),
        Err("the catalog has 2 image services".into())
    );
}

fn endpoint_outputs(keystone: &FakeKeystone, origin: Origin) -> TaskOutputs {
    let state = keystone.state.borrow();
    TaskOutputs::Endpoints {
        endpoints: state
            .endpoints
            .iter()
            .map(|(_, e)| EndpointOutput {
                interface: serde_json::from_value(e.interface.clone().into()).unwrap(),
                id: e.id.clone(),
                origin,
                previous_url: None,
                region: Some(e.region.clone()),
            })
            .collect(),
    }
}

#[test]
fn the_endpoints_are_created_then_found() {
    let keystone = FakeKeystone::default();
    let error = run_on(endpoints, &endpoints_spec(), &keystone, None).unwrap_err();
    assert!(
        error
            .message
            .english()
            .contains("run identity.service first"),
        "{}",
        error.message.english()
    );
    run_on(service, &service_spec(), &keystone, None).unwrap();
    let probed = probe_endpoints_task(&endpoints_spec(), &keystone.catalog())
        .unwrap_err()
        .english();
    assert_eq!(probed, "the public image endpoint is missing");
    let [first, again, unrecorded] = twice(endpoints, &endpoints_spec(), &keystone);
    assert_eq!(first, endpoint_outputs(&keystone, Origin::Created));
    assert_eq!(again, first);
    assert_eq!(unrecorded, endpoint_outputs(&keystone, Origin::Found));
    assert!(probe_endpoints_task(&endpoints_spec(), &keystone.catalog()).is_ok());
}

/// An endpoint found pointing elsewhere is pointed at the answers' URL
/// and recorded as found, with its earlier URL; a deleted one is made
/// again.
#[test]
fn a_wrong_or_missing_endpoint_is_repaired() {
    let keystone = FakeKeystone::default();
    run_on(service, &service_spec(), &keystone, None).unwrap();
    let first = run_on(endpoints, &endpoints_spec(), &keystone, None).unwrap();
    {
        let mut state = keystone.state.borrow_mut();
        state.endpoints[0].1.url = "http://elsewhere:9292".into();
        state.endpoints.remove(1);
    }
    let probed = probe_endpoints_task(&endpoints_spec(), &keystone.catalog())
        .unwrap_err()
        .english();
    assert_eq!(probed, "the public image endpoint points elsewhere");
    let TaskOutputs::Endpoints { endpoints: after } =
        run_on(endpoints, &endpoints_spec(), &keystone, None).unwrap()
    else {
        panic!("not endpoints");
    };
    let TaskOutputs::Endpoints { endpoints: before } = first else {
        panic!("not endpoints");
    };
    assert_eq!(after[0].id, before[0].id);
    assert_eq!(after[0].origin, Origin::Found);
    assert_eq!(
        after[0].previous_url.as_deref(),
        Some("http://elsewhere:9292")
    );
    assert_ne!(after[1].id, before[1].id);
    assert_eq!(after[1].origin, Origin::Created);
    assert!(probe_endpoints_task(&endpoints_spec(), &keystone.catalog()).is_ok());
}

fn endpoints_in(keystone: &FakeKeystone) -> Vec<(String, String, String)> {
    let state = keystone.state.borrow();
    let all = state
        .endpoints
        .iter()
        .map(|(_, e)| (e.id.clone(), e.interface.clone(), e.region.clone()));
    all.collect()
}

/// A changed region moves the endpoints the task created (their ids
/// stay) instead of adding three more; the plan says so from the record.
#[test]
fn a_changed_region_moves_the_endpoints_it_created() {
    let keystone = FakeKeystone::default();
    run_on(service, &service_spec(), &keystone, None).unwrap();
    let first = run_on(endpoints, &endpoints_spec(), &keystone, None).unwrap();
    let before = endpoints_in(&keystone);
    let two = EndpointsSpec {
        region: "RegionTwo".into(),
        ..endpoints_spec()
    };
    let kind = crate::plan::TaskKind::IdentityEndpoints(two.clone());
    let planned = first.left_behind(&kind);
    assert_eq!(planned.len(), 3, "{planned:?}");
    assert!(
        planned[0]
            .to_string()
            .contains("in RegionOne (e-2) to RegionTwo"),
        "{}",
        planned[0]
    );
    let moved = run_on(endpoints, &two, &keystone, Some(&first)).unwrap();
    let after = endpoints_in(&keystone);
    assert_eq!(after.len(), 3, "{after:?}");
    for ((id, interface, region), (was, was_interface, _)) in after.iter().zip(&before) {
        assert_eq!(
            (id, interface, region.as_str()),
            (was, was_interface, "RegionTwo")
        );
    }
    let TaskOutputs::Endpoints {
        endpoints: recorded,
    } = &moved
    else {
        panic!("not endpoints");
    };
    assert!(recorded.iter().all(|e| e.origin.created()));
    assert!(moved.left_behind(&kind).is_empty());
    assert!(probe_endpoints_task(&two, &keystone.catalog()).is_ok());
}

/// Where the new region has an endpoint already (made by hand), the one
/// the task created in the old region is deleted, not moved: one set.
#[test]
fn an_endpoint_the_new_region_has_already_is_not_doubled() {
    let keystone = FakeKeystone::default();
    run_on(service, &service_spec(), &keystone, None).unwrap();
    let first = run_on(endpoints, &endpoints_spec(), &keystone, None).unwrap();
    let by_hand = Endpoint {
        id: "e-by-hand".into(),
        interface: "public".into(),
        region: "RegionTwo".into(),
        url: "http://controller:9292".into(),
    };
    keystone
        .state
        .borrow_mut()
        .endpoints
        .push(("s-1".into(), by_hand));
    let two = EndpointsSpec {
        region: "RegionTwo".into(),
        ..endpoints_spec()
    };
    let moved = run_on(endpoints, &two, &keystone, Some(&first)).unwrap();
    let after = endpoints_in(&keystone);
    assert_eq!(after.len(), 3, "{after:?}");
    assert!(after.iter().all(|(_, _, region)| region == "RegionTwo"));
    let TaskOutputs::Endpoints {
        endpoints: recorded,
    } = &moved
    else {
        panic!("not endpoints");
    };
    let public = recorded
        .iter()
        .find(|e| e.interface == Interface::Public)
        .unwrap();
    assert_eq!(
        (public.id.as_str(), public.origin),
        ("e-by-hand", Origin::Found)
    );
}

/// A renamed service user is the one the task created, renamed: its id
/// and role assignment stay, its password logs in under the new name.
#[test]
fn a_renamed_service_user_is_the_created_one_renamed() {
    let keystone = FakeKeystone::default();
    let first = run_on(user, &user_spec(), &keystone, None).unwrap();
    run_on(role, &role_spec(), &keystone, None).unwrap();
    let mut renamed = user_spec();
    renamed.login.user = "glance2".into();
    let kind = crate::plan::TaskKind::IdentityUser(renamed.clone());
    assert_eq!(first.left_behind(&kind).len(), 1);
    let again = run_on(user, &renamed, &keystone, Some(&first)).unwrap();
    let state = keystone.state.borrow().clone();
    assert_eq!(state.users.len(), 1, "{:?}", state.users);
    assert_eq!(state.users[0].1, "glance2");
    let TaskOutputs::User(before) = &first else {
        panic!("not a user");
    };
    assert_eq!(
        again,
        TaskOutputs::User(ObjectOutput {
            id: before.id.clone(),
            origin: Origin::Created,
            name: Some("glance2".into()),
        })
    );
    assert!(keystone.password_login(&renamed.login).is_ok());
    let role_now = RoleSpec {
        login: renamed.login.clone(),
        role: "admin".into(),
    };
    let ids = RoleIds::of(&role_now, &keystone).unwrap();
    assert!(ids.assigned(&keystone).unwrap());
}

/// A user of the new name that exists already is used, and the one the
/// task created under the old name goes; a user it found stays.
#[test]
fn a_rename_to_an_existing_user_takes_back_the_created_one() {
    let keystone = FakeKeystone::default();
    let first = run_on(user, &user_spec(), &keystone, None).unwrap();
    keystone.state.borrow_mut().users.push((
        "u-by-hand".into(),
        "glance2".into(),
        "default".into(),
        String::new(),
    ));
    let role_first = run_on(role, &role_spec(), &keystone, None).unwrap();
    let by_hand_admin = (
        "u-by-hand".to_string(),
        "p-service".to_string(),
        "r-admin".to_string(),
    );
    keystone
        .state
        .borrow_mut()
        .assignments
        .insert(by_hand_admin);
    let mut renamed = user_spec();
    renamed.login.user = "glance2".into();
    let again = run_on(user, &renamed, &keystone, Some(&first)).unwrap();
    // The role glance2 has was given by hand: not the wizard's (undo
    // would take it from a user it did not create).
    let role_spec2 = RoleSpec {
        login: renamed.login.clone(),
        role: "admin".into(),
    };
    let role_again = run_on(role, &role_spec2, &keystone, Some(&role_first)).unwrap();
    assert!(
        matches!(
            role_again,
            TaskOutputs::Role {
                origin: Origin::Found,
                ..
            }
        ),
        "{role_again:?}"
    );
    let names = || -> Vec<String> {
        let state = keystone.state.borrow();
        state.users.iter().map(|u| u.1.clone()).collect()
    };
    assert_eq!(names(), ["glance2"]);
    assert!(
        matches!(&again, TaskOutputs::User(o) if o.id == "u-by-hand" && o.origin == Origin::Found)
    );
    // Back to the first name: glance2 was found, so it stays.
    run_on(user, &user_spec(), &keystone, Some(&again)).unwrap();
    assert_eq!(names(), ["glance2", "glance"]);
}

/// The CLI batch exits 0 whatever its commands did: the listing after
/// it is what counts.
#[test]
fn endpoints_the_batch_did_not_make_are_an_error() {
    let error = endpoints_left_missing();
    assert_eq!(error.class, ErrorClass::Fatal);
    assert!(
        error
            .message
            .english()
            .contains("is still missing after `openstack` ran"),
        "{}",
        error.message.english()
    );
}

/// Each Keystone failure keeps its class: an unreachable Keystone is
/// retried, a refusal stops, and neither creates anything.
#[test]
fn keystone_errors_keep_their_class() {
    let cases = [
        (
            KeystoneOp::List,
            TaskError::transient("cannot reach Keystone"),
        ),
        (
            KeystoneOp::CreateUser,
            TaskError::fatal("`openstack user create` failed"),
        ),
        (
            KeystoneOp::SetPassword,
            TaskError::fatal("Keystone refused the password change (HTTP 403)"),
        ),
        (
            KeystoneOp::AddRole,
            TaskError::needs_user("the proxy refuses"),
        ),
        (KeystoneOp::CreateService, TaskError::transient("HTTP 503")),
        (
            KeystoneOp::FixEndpoints,
            TaskError::fatal("`openstack` failed"),
        ),
    ];
    for (op, injected) in cases {
        let keystone = FakeKeystone::default();
        if matches!(op, KeystoneOp::AddRole) {
            run_on(user, &user_spec(), &keystone, None).unwrap();
        }
        if matches!(op, KeystoneOp::FixEndpoints) {
            run_on(service, &service_spec(), &keystone, None).unwrap();
        }
        keystone.fail(op, injected.clone());
        let changes = keystone.changes.get();
        let error = match op {
            KeystoneOp::List | KeystoneOp::CreateUser | KeystoneOp::SetPassword => {
                run_on(user, &user_spec(), &keystone, None)
            }
            KeystoneOp::AddRole => run_on(role, &role_spec(), &keystone, None),
            KeystoneOp::CreateService => run_on(service, &service_spec(), &keystone, None),
            KeystoneOp::FixEndpoints => run_on(endpoints, &endpoints_spec(), &keystone, None),
            // Undo's (src/undo/tests.rs).
            KeystoneOp::Delete | KeystoneOp::SetEndpoint | KeystoneOp::RenameUser => {
                unreachable!("not in the cases")
            }
        }
        .unwrap_err();
        assert_eq!(error, injected, "{op:?}");
        if !matches!(op, KeystoneOp::SetPassword) {
            assert_eq!(keystone.changes.get(), changes, "{op:?}");
        }
    }
}

/// The probes read the catalog with the admin token: an unreachable
/// Keystone is an answer, not a panic.
#[test]
fn probes_report_an_unreachable_keystone() {
    let keystone = FakeKeystone::default();
    keystone.fail(
        KeystoneOp::List,
        TaskError::transient("cannot reach Keystone at x"),
    );
    let probed = probe_endpoints_task(&endpoints_spec(), &keystone.catalog())
        .unwrap_err()
        .english();
    assert!(probed.contains("cannot reach Keystone"), "{probed}");
}
