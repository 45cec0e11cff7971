//! The service entity task.

use super::super::clients::Keystone;
use super::super::{TaskContext, fatal};
use super::origin::origin_of;
use crate::engine::TaskError;
use crate::engine::outputs::{ObjectOutput, TaskOutputs};
use crate::i18n::Message;
use crate::plan::ServiceEntitySpec;

pub fn service(
    spec: &ServiceEntitySpec,
    ctx: &mut TaskContext<'_>,
    keystone: &dyn Keystone,
) -> Result<TaskOutputs, TaskError> {
    let images = keystone.services_of_type(&spec.service_type)?;
    let mut created_now = false;
    let id = match images.as_slice() {
        [] => {
            created_now = true;
            let id =
                keystone.create_service(ctx, &spec.name, &spec.description, &spec.service_type)?;
            ctx.tell(Message::new("narration.service_created").arg("id", &id));
            id
        }
        [one] => {
            ctx.tell(Message::new("narration.service_exists").arg("id", one));
            one.clone()
        }
        many => {
            return Err(fatal(
                Message::new("failure.identity.many_services")
                    .arg("count", many.len())
                    .arg("ids", many.join(", "))
                    .arg("error", "Multiple service matches found"),
            ));
        }
    };
    let origin = origin_of(&id, created_now, ctx.previous_outputs);
    Ok(TaskOutputs::Service(ObjectOutput {
        id,
        origin,
        name: None,
    }))
}
