//! Answers that describe the Glance its config files set up (installed by
//! hand from the guide, or by another tool): `doctor --write-answers FILE`
//! writes them, and `apply --answers FILE` then adopts that Glance: every
//! task probes first, so what is right stays and what the doctor found is
//! repaired. The passwords the config holds go to the 0600 secrets file
//! beside it, never to the answers or the screen.

use super::config::GlanceConf;
use crate::answers::{Answers, SecretName, Secrets};
use crate::i18n::Message;

const AUTHTOKEN: &str = "keystone_authtoken";

/// The answers and secrets read from the config, and what could not be
/// read (left at the wizard's default, said to the user).
#[derive(Debug)]
pub struct Adopted {
    pub answers: Answers,
    pub secrets: Secrets,
    pub defaults: Vec<Message>,
}

/// The host of a URL (`http://controller:5000` → `controller`).
fn url_host(url: &str) -> Option<String> {
    url::Url::parse(url).ok()?.host_str().map(str::to_string)
}

/// The answers for this Glance; `admin_openrc` is the admin's credentials
/// file the doctor used (apply needs one too).
pub fn answers_of(conf: &GlanceConf, admin_openrc: Option<&std::path::Path>) -> Adopted {
    let mut adopted = Adopted {
        answers: Answers::default(),
        secrets: Secrets::default(),
        defaults: Vec::new(),
    };
    database(conf, &mut adopted);
    keystone(conf, &mut adopted);
    let a = &mut adopted.answers;
    if let Some(bind) = conf.get("DEFAULT", "bind_host") {
        a.controller.bind_host = bind;
    }
    if let Some(dir) = conf.get("glance_store", "filesystem_store_datadir") {
        a.image_store.data_dir = dir;
    }
    if let Some(stores) = conf.get("glance_store", "stores") {
        a.image_store.stores = Some(stores.split(',').map(|s| s.trim().to_string()).collect());
    }
    if let Some(store) = conf.get("glance_store", "default_store") {
        a.image_store.default_store = store;
    }
    adopted
        .defaults
        .push(Message::new("doctor_write.test_image"));
    match admin_openrc {
        Some(path) => a.keystone.admin_openrc = path.display().to_string(),
        None => adopted
            .defaults
            .push(Message::new("doctor_write.no_openrc")),
    }
    adopted
}

fn database(conf: &GlanceConf, adopted: &mut Adopted) {
    let url = conf.get("database", "connection");
    let db = match url.as_deref().map(super::database::parse_url) {
        Some(Ok(db)) if !db.user.is_empty() && !db.name.is_empty() => db,
        other => {
            let why = match other {
                Some(Err(why)) => why,
                _ => Message::new("doctor_write.no_user_or_name"),
            };
            adopted
                .defaults
                .push(Message::new("doctor_write.database").msg("why", why));
            return;
        }
    };
    let a = &mut adopted.answers.database;
    a.host = Some(db.host);
    a.port = i64::from(db.port);
    a.name = db.name;
    a.user = db.user;
    if !db.password.expose().is_empty() {
        adopted
            .secrets
            .set(SecretName::GlanceDbPassword, db.password);
    }
}

fn keystone(conf: &GlanceConf, adopted: &mut Adopted) {
    let get = |key: &str| conf.get(AUTHTOKEN, key);
    let a = &mut adopted.answers;
    let www = get("www_authenticate_uri").or_else(|| get("auth_uri"));
    match www.as_deref().and_then(url_host) {
        Some(host) => a.controller.host = host,
        None => adopted
            .defaults
            .push(Message::new("doctor_write.controller_host").arg("section", AUTHTOKEN)),
    }
    a.keystone.www_authenticate_uri = www;
    a.keystone.auth_url = get("auth_url");
    a.keystone.memcached_servers = get("memcached_servers")
        .map(|servers| servers.split(',').map(|s| s.trim().to_string()).collect());
    if let Some(user) = get("username") {
        a.keystone.service_user = user;
    }
    if let Some(project) = get("project_name") {
        a.keystone.service_project = project;
    }
    // Not `region_name`: apply comments it out (the guide keeps only its
    // own options), and Debian's packaged file sets `regionOne`, which
    // Keystone may not have. The region is the image endpoints' (else
    // Keystone's own), so that apply finds them there.
    match super::identity::catalog_regions(conf).as_deref() {
        Ok([one]) => a.keystone.region = one.clone(),
        Ok(many) => adopted
            .defaults
            .push(Message::new("doctor_write.regions_many").arg("count", many.len())),
        Err(why) => adopted
            .defaults
            .push(Message::new("doctor_write.regions_unreadable").msg("why", why.clone())),
    }
    if let Some(password) = conf.secret(AUTHTOKEN, "password") {
        adopted
            .secrets
            .set(SecretName::GlanceServicePassword, password);
    }
}
