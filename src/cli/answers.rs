//! `glance-wizard answers --template` or `--schema` (clap requires one of them).

use super::AnswersPrint;
use crate::ops::exit;

pub fn run(what: &AnswersPrint) -> i32 {
    if what.schema {
        println!("{}", crate::answers::schema_json());
    } else {
        print!("{}", crate::answers::TEMPLATE);
    }
    exit::OK
}
