//! End-to-end: a changed answer moves what the wizard created instead of
//! adding a second set. On a reset lab, apply; then `[keystone] region`
//! changes from RegionOne to RegionTwo and apply runs again: the three
//! image endpoints are the same three (same ids), all in RegionTwo, none
//! left in RegionOne. Then `[keystone] service_user` changes and apply runs
//! again: one service user, the one the wizard created (same id), under the
//! new name, still with its admin role, and the old name is gone. `plan`
//! says both before each apply; each apply ends with Glance verified. Every
//! check reads the lab directly (Keystone's API), never the wizard's output.
//!
//! Then what holds data: `[test_image] name` changes, apply uploads the
//! image under the new name and keeps the old one (plan and apply say so),
//! and `undo --replaced --yes` deletes just the old one; `[database] name`
//! and `[database] user` change, apply makes and syncs the new database,
//! drops the accounts it created for the old user and keeps the old
//! database, and `undo --replaced --yes` drops just that, Glance serving on.
//! (Read in MariaDB and through Glance's API.)
//!
//! Cost: one install and four short applies, 90-130 s on the lab. It
//! deletes the renamed user, database and accounts at the end (the lab
//! reset deletes only `glance`).

use crate::common;

use std::process::Stdio;

use common::probe;
use common::*;

const DB_PASSWORD: &str = "moves-db-Pass1";
const SERVICE_PASSWORD: &str = "moves-svc-Pass1";
const RENAMED: &str = "glance-moved";
const RENAMED_DATABASE: &str = "glance_moved";
const RENAMED_IMAGE: &str = "e2e-moves-renamed";

/// The answers with `key = "value"` added to `[keystone]`.
fn answer(s: &Scenario, key: &str, value: &str) {
    edit_answers(
        s,
        "[keystone]\n",
        &format!("[keystone]\n{key} = \"{value}\"\n"),
    );
}

fn edit_answers(s: &Scenario, from: &str, to: &str) {
    let text = std::fs::read_to_string(&s.answers).unwrap();
    let edited = text.replacen(from, to, 1);
    assert_ne!(text, edited, "no {from:?} in the answers");
    std::fs::write(&s.answers, edited).unwrap();
}

/// `glance-wizard undo --replaced --yes`: its output.
fn undo_replaced(s: &Scenario) -> String {
    let out = run(wizard()
        .args(["undo", "--replaced", "--yes", "--answers"])
        .arg(&s.answers)
        .arg("--state-dir")
        .arg(&s.state_dir)
        .env_remove("OS_PASSWORD")
        .stdin(Stdio::null()));
    assert_eq!(
        out.status.code(),
        Some(0),
        "undo --replaced:\n{}",
        text(&out)
    );
    text(&out)
}

/// The renamed database and its accounts, left by an earlier run.
fn drop_renamed_database() {
    probe::drop_database(RENAMED_DATABASE);
    for host in ["localhost", "%"] {
        probe::root_execute(&format!(
            "DROP USER IF EXISTS '{RENAMED_DATABASE}'@'{host}'"
        ));
    }
}

/// The ids of the active images of this name, through Glance.
fn active_images(token: &str, name: &str) -> Vec<String> {
    probe::images_named(token, name)
        .iter()
        .filter(|i| i["status"] == "active")
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

fn plan(s: &Scenario) -> String {
    let out = run(wizard()
        .arg("plan")
        .arg("--answers")
        .arg(&s.answers)
        .arg("--state-dir")
        .arg(&s.state_dir));
    assert_eq!(out.status.code(), Some(0), "plan:\n{}", text(&out));
    text(&out)
}

fn apply(s: &Scenario, what: &str) -> String {
    let out = s.apply().stdin(Stdio::null()).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "apply {what}:\n{}", text(&out));
    text(&out)
}

/// (id, interface, region) of every image endpoint, sorted by id.
fn endpoints(token: &str) -> Vec<(String, String, String)> {
    let field = |e: &serde_json::Value, key: &str| e[key].as_str().unwrap_or("").to_string();
    let mut all: Vec<_> = probe::image_endpoints(token)
        .iter()
        .map(|e| (field(e, "id"), field(e, "interface"), field(e, "region_id")))
        .collect();
    all.sort();
    all
}

fn delete_users_named(token: &str, name: &str) {
    for id in ids_of(&probe::users_named(token, name)) {
        run(std::process::Command::new("bash")
            .arg("-c")
            .arg(format!(". {OPENRC}; openstack user delete {id}")));
    }
}

fn ids_of(users: &[serde_json::Value]) -> Vec<String> {
    users
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn e2e_a_changed_region_or_user_name_moves_what_the_wizard_created() {
    let Some(_lab) = lab() else { return };
    reset_glance(false);
    // The reset deletes users named glance; a renamed one from an earlier
    // run of this test is deleted here.
    let token = probe::admin_token();
    delete_users_named(&token, RENAMED);
    drop_renamed_database();
    let s = scenario("moves", DB_PASSWORD, SERVICE_PASSWORD);
    apply(&s, "(install)");
    let installed = endpoints(&token);
    assert_eq!(installed.len(), 3, "{installed:?}");
    assert!(installed.iter().all(|(_, _, region)| region == "RegionOne"));
    let user_ids = ids_of(&probe::users_named(&token, "glance"));
    assert_eq!(user_ids.len(), 1);

    answer(&s, "region", "RegionTwo");
    let planned = plan(&s);
    for interface in ["public", "internal", "admin"] {
        let says = format!("earlier run: moves the {interface} endpoint it created in RegionOne");
        assert!(
            planned.contains(&says),
            "no {says:?} in the plan:\n{planned}"
        );
    }
    let moved = apply(&s, "(region changed)");
    let after = endpoints(&token);
    assert_eq!(after.len(), 3, "{after:?}\n{moved}");
    for ((id, interface, region), (was, was_interface, _)) in after.iter().zip(&installed) {
        assert_eq!((id, interface), (was, was_interface), "{moved}");
        assert_eq!(region, "RegionTwo", "{moved}");
    }

    answer(&s, "service_user", RENAMED);
    let planned = plan(&s);
    let says = format!(
        "earlier run: renames the user it created, glance ({})",
        user_ids[0]
    );
    assert!(
        planned.contains(&says),
        "no {says:?} in the plan:\n{planned}"
    );
    let renamed = apply(&s, "(service user renamed)");
    assert!(probe::users_named(&token, "glance").is_empty(), "{renamed}");
    assert_eq!(
        ids_of(&probe::users_named(&token, RENAMED)),
        user_ids,
        "{renamed}"
    );
    assert_eq!(
        probe::project_roles(&token, &user_ids[0], "service"),
        ["admin"]
    );
    assert!(probe::login(RENAMED, SERVICE_PASSWORD, Some("service")).is_ok());
    assert_eq!(endpoints(&token), after, "the endpoints stay as they are");
    // Nothing left to move: the plan says nothing of earlier runs.
    assert!(!plan(&s).contains("earlier run:"));
    println!("region changed:\n{moved}\nuser renamed:\n{renamed}");
    replaced_data_stays_until_confirmed(&s, &token);
    delete_users_named(&token, RENAMED);
    drop_renamed_database();
}

/// The test image and the database renamed in turn: each old one stays
/// (plan and apply say so) until `undo --replaced`, which takes just it.
fn replaced_data_stays_until_confirmed(s: &Scenario, token: &str) {
    let old_image = active_images(token, "e2e-moves");
    assert_eq!(old_image.len(), 1, "{old_image:?}");
    edit_answers(
        s,
        "name = \"e2e-moves\"",
        &format!("name = \"{RENAMED_IMAGE}\""),
    );
    let says = format!("keeps the test image e2e-moves ({})", old_image[0]);
    let planned = plan(s);
    assert!(planned.contains(&says), "no {says:?} in:\n{planned}");
    let applied = apply(s, "(test image renamed)");
    assert!(applied.contains("undo --replaced"), "{applied}");
    assert_eq!(active_images(token, "e2e-moves"), old_image, "{applied}");
    assert_eq!(active_images(token, RENAMED_IMAGE).len(), 1, "{applied}");
    let undone = undo_replaced(s);
    assert!(active_images(token, "e2e-moves").is_empty(), "{undone}");
    assert_eq!(active_images(token, RENAMED_IMAGE).len(), 1, "{undone}");

    edit_answers(
        s,
        "[controller]\n",
        &format!(
            "[database]\nname = \"{RENAMED_DATABASE}\"\nuser = \"{RENAMED_DATABASE}\"\n\n[controller]\n"
        ),
    );
    let planned = plan(s);
    for says in [
        "earlier run: keeps the database glance it created",
        "earlier run: drops the database accounts it created for glance",
    ] {
        assert!(planned.contains(says), "no {says:?} in:\n{planned}");
    }
    let applied = apply(s, "(database and its user renamed)");
    assert!(probe::database_exists("glance"), "{applied}");
    assert!(probe::database_exists(RENAMED_DATABASE), "{applied}");
    let accounts = |user: &str| {
        probe::root_count(&format!(
            "SELECT COUNT(*) FROM mysql.user WHERE User = '{user}'"
        ))
    };
    assert_eq!(accounts("glance"), 0, "{applied}");
    assert_eq!(accounts(RENAMED_DATABASE), 2, "{applied}");
    assert_eq!(active_images(token, RENAMED_IMAGE).len(), 1, "{applied}");
    let undone = undo_replaced(s);
    assert!(!probe::database_exists("glance"), "{undone}");
    assert!(probe::database_exists(RENAMED_DATABASE), "{undone}");
    assert_eq!(active_images(token, RENAMED_IMAGE).len(), 1, "{undone}");
    assert!(!plan(s).contains("earlier run:"), "nothing is kept now");
    println!("image renamed:\n{applied}\nundo --replaced:\n{undone}");
}
