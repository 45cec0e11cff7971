//! The endpoints task: the image endpoints of the region, as answered.

use super::super::clients::{Endpoint, EndpointChange, Keystone, KeystoneObject, Removal};
use super::super::{TaskContext, fatal};
use super::origin::origin_of;
use crate::engine::TaskError;
use crate::engine::outputs::{EndpointElsewhere, EndpointOutput, TaskOutputs};
use crate::i18n::Message;
use crate::plan::{EndpointSpec, EndpointsSpec};

pub fn endpoints(
    spec: &EndpointsSpec,
    ctx: &mut TaskContext<'_>,
    keystone: &dyn Keystone,
) -> Result<TaskOutputs, TaskError> {
    let service_id = match keystone.services_of_type(&spec.service_type)?.as_slice() {
        [one] => one.clone(),
        other => {
            return Err(fatal(
                Message::new("failure.identity.no_one_service").arg("count", other.len()),
            ));
        }
    };
    let probe = probe_endpoints(spec, keystone, &service_id)?;
    for (interface, id) in &probe.right {
        ctx.tell(
            Message::new("narration.endpoint_exists")
                .arg("interface", interface)
                .arg("id", id),
        );
    }
    let mut work = EndpointWork::of(
        &probe.fixes,
        endpoints_elsewhere(spec, ctx.previous_outputs, keystone)?,
    );
    if work.is_empty() {
        return Ok(probe.outputs(spec, &[], ctx.previous_outputs));
    }
    work.move_endpoints(spec, ctx, keystone)?;
    // What is missing or wrong, fixed in one go (one `openstack` process).
    let tail = if work.fixes.is_empty() {
        String::new()
    } else {
        let changes: Vec<EndpointChange> = work.fixes.iter().map(|fix| fix.change()).collect();
        keystone.fix_endpoints(ctx, &spec.region, &spec.service_type, &changes)?
    };
    // The batch's exit status says nothing about its commands: Keystone does.
    let after = probe_endpoints(spec, keystone, &service_id)?;
    if let Some(fix) = after.fixes.first() {
        let key = if fix.existing.is_some() {
            "failure.identity.endpoint_still_elsewhere"
        } else {
            "failure.identity.endpoint_still_missing"
        };
        return Err(fatal(
            Message::new(key)
                .arg("interface", fix.interface)
                .arg("tail", tail),
        ));
    }
    work.tell(ctx);
    take_back_endpoints(ctx, keystone, &work.take_back)?;
    Ok(after.outputs(spec, &probe.fixes, ctx.previous_outputs))
}

/// Removes the endpoints the task created in a region the answers no
/// longer give, where it moved none (gone already counts as removed).
fn take_back_endpoints(
    ctx: &mut TaskContext<'_>,
    keystone: &dyn Keystone,
    take_back: &[EndpointElsewhere],
) -> Result<(), TaskError> {
    for old in take_back {
        if keystone.delete(ctx, KeystoneObject::Endpoint(&old.id))? == Removal::Done {
            ctx.tell(
                Message::new("narration.endpoint_taken_back")
                    .arg("interface", old.interface)
                    .arg("from", &old.from)
                    .arg("id", &old.id)
                    .arg("to", &old.to),
            );
        }
    }
    Ok(())
}

/// The endpoints an earlier run of the task created, still in Keystone in a
/// region the answers no longer give (`[keystone] region` changed).
fn endpoints_elsewhere(
    spec: &EndpointsSpec,
    previous: Option<&TaskOutputs>,
    keystone: &dyn Keystone,
) -> Result<Vec<EndpointElsewhere>, TaskError> {
    let Some(TaskOutputs::Endpoints { endpoints }) = previous else {
        return Ok(Vec::new());
    };
    let mut elsewhere = Vec::new();
    for recorded in endpoints.iter().filter(|e| e.origin.created()) {
        if let Some(now) = keystone.endpoint(&recorded.id)? {
            elsewhere.extend(EndpointElsewhere::of(
                recorded.interface,
                &recorded.id,
                &now.region,
                spec,
            ));
        }
    }
    Ok(elsewhere)
}

/// What the endpoints task changes: a missing endpoint whose interface it
/// created in another region is that one, moved here (its id stays); the
/// other fixes are made as before; what it created elsewhere and moves
/// nowhere (the region has that endpoint already) is taken back, so one
/// set of endpoints remains.
struct EndpointWork<'f, 's> {
    moves: Vec<(&'f EndpointFix<'s>, EndpointElsewhere)>,
    fixes: Vec<&'f EndpointFix<'s>>,
    take_back: Vec<EndpointElsewhere>,
}

impl<'f, 's> EndpointWork<'f, 's> {
    fn of(fixes: &'f [EndpointFix<'s>], mut elsewhere: Vec<EndpointElsewhere>) -> Self {
        let mut work = EndpointWork {
            moves: Vec::new(),
            fixes: Vec::new(),
            take_back: Vec::new(),
        };
        for fix in fixes {
            let old = elsewhere
                .iter()
                .position(|old| old.interface == fix.interface);
            match old {
                Some(i) if fix.existing.is_none() => work.moves.push((fix, elsewhere.remove(i))),
                _ => work.fixes.push(fix),
            }
        }
        work.take_back = elsewhere;
        work
    }

    /// Moves what moves; one deleted meanwhile is made anew instead.
    fn move_endpoints(
        &mut self,
        spec: &EndpointsSpec,
        ctx: &mut TaskContext<'_>,
        keystone: &dyn Keystone,
    ) -> Result<(), TaskError> {
        let mut moved = Vec::new();
        for (fix, old) in std::mem::take(&mut self.moves) {
            match keystone.set_endpoint(ctx, &old.id, fix.url, Some(&spec.region))? {
                Removal::Done => moved.push((fix, old)),
                Removal::AlreadyGone => self.fixes.push(fix),
            }
        }
        self.moves = moved;
        Ok(())
    }

    fn is_empty(&self) -> bool {
        self.moves.is_empty() && self.fixes.is_empty() && self.take_back.is_empty()
    }

    /// What was moved, made and repointed, once Keystone shows it.
    fn tell(&self, ctx: &mut TaskContext<'_>) {
        for (fix, old) in &self.moves {
            ctx.tell(
                Message::new("narration.endpoint_moved")
                    .arg("interface", fix.interface)
                    .arg("from", &old.from)
                    .arg("id", &old.id)
                    .arg("to", &old.to)
                    .arg("url", fix.url),
            );
        }
        for fix in &self.fixes {
            let key = match fix.existing {
                Some(_) => "narration.endpoint_updated",
                None => "narration.endpoint_created",
            };
            ctx.tell(
                Message::new(key)
                    .arg("interface", fix.interface)
                    .arg("url", fix.url),
            );
        }
    }
}

/// An endpoint to create (`existing` None) or to point at `url`.
struct EndpointFix<'s> {
    interface: crate::plan::Interface,
    url: &'s str,
    /// Its id and URL now, when it exists (pointing elsewhere).
    existing: Option<String>,
    existing_url: Option<String>,
}

impl EndpointFix<'_> {
    /// The `openstack` change that makes it.
    fn change(&self) -> EndpointChange {
        match &self.existing {
            None => EndpointChange::Create {
                interface: self.interface,
                url: self.url.to_string(),
            },
            Some(id) => EndpointChange::SetUrl {
                id: id.clone(),
                url: self.url.to_string(),
            },
        }
    }
}

/// The image endpoints of the region against the answers, from one listing.
struct EndpointProbe<'s> {
    /// (interface, id) of the endpoints that are as answered.
    right: Vec<(crate::plan::Interface, String)>,
    fixes: Vec<EndpointFix<'s>>,
}

impl EndpointProbe<'_> {
    /// The task's outputs: each endpoint that is right, created when
    /// `fixes` (this run's) created it or an earlier run recorded so, with
    /// its earlier URL when this run pointed it here.
    fn outputs(
        &self,
        spec: &EndpointsSpec,
        fixes: &[EndpointFix<'_>],
        previous: Option<&TaskOutputs>,
    ) -> TaskOutputs {
        let endpoints = self
            .right
            .iter()
            .map(|(interface, id)| {
                let fix = fixes.iter().find(|f| f.interface == *interface);
                let created_now = fix.is_some_and(|f| f.existing.is_none());
                let previous_url =
                    fix.and_then(|f| f.existing_url.clone())
                        .or_else(|| match previous {
                            Some(TaskOutputs::Endpoints { endpoints }) => endpoints
                                .iter()
                                .find(|e| &e.id == id)
                                .and_then(|e| e.previous_url.clone()),
                            _ => None,
                        });
                EndpointOutput {
                    interface: *interface,
                    id: id.clone(),
                    origin: origin_of(id, created_now, previous),
                    previous_url,
                    region: Some(spec.region.clone()),
                }
            })
            .collect();
        TaskOutputs::Endpoints { endpoints }
    }
}

/// Lists the image endpoints of the region once and compares them with
/// the answers; an interface with several endpoints is an error (the CLI
/// cannot tell which one is meant).
fn probe_endpoints<'s>(
    spec: &'s EndpointsSpec,
    keystone: &dyn Keystone,
    service_id: &str,
) -> Result<EndpointProbe<'s>, TaskError> {
    let region = &spec.region;
    let all = keystone.endpoints(service_id, region)?;
    let mut probe = EndpointProbe {
        right: Vec::new(),
        fixes: Vec::new(),
    };
    for &EndpointSpec { interface, ref url } in &spec.endpoints {
        let found: Vec<&Endpoint> = all
            .iter()
            .filter(|e| e.interface == interface.as_str())
            .collect();
        match found.as_slice() {
            [] => probe.fixes.push(EndpointFix {
                interface,
                url,
                existing: None,
                existing_url: None,
            }),
            [one] => {
                if one.url == *url {
                    probe.right.push((interface, one.id.clone()));
                } else {
                    probe.fixes.push(EndpointFix {
                        interface,
                        url,
                        existing: Some(one.id.clone()),
                        existing_url: Some(one.url.clone()),
                    });
                }
            }
            many => {
                let ids: Vec<&str> = many.iter().map(|e| e.id.as_str()).collect();
                return Err(fatal(
                    Message::new("failure.identity.many_endpoints")
                        .arg("region", region)
                        .arg("count", ids.len())
                        .arg("interface", interface)
                        .arg("ids", ids.join(", ")),
                ));
            }
        }
    }
    Ok(probe)
}
