//! YAML scalars for the exported files, written by hand: every value is a
//! double-quoted scalar (JSON's string syntax is YAML's), and a value
//! Ansible would template (`{{`, `{%`, `{#`) is tagged `!unsafe` so it is
//! used as it is.

/// A literal value: whatever it holds, Ansible reads back these characters.
pub fn literal(value: &str) -> String {
    let quoted = serde_json::Value::String(value.to_string()).to_string();
    if ["{{", "{%", "{#"].iter().any(|m| value.contains(m)) {
        format!("!unsafe {quoted}")
    } else {
        quoted
    }
}

/// A secret: always `!unsafe`, so no part of it is ever templated.
pub fn secret(value: &str) -> String {
    format!("!unsafe {}", serde_json::Value::String(value.to_string()))
}

/// A Jinja expression Ansible evaluates, e.g. `groups['controllers'][0]`.
pub fn expr(expression: &str) -> String {
    serde_json::Value::String(format!("{{{{ {expression} }}}}")).to_string()
}

/// A flow list of literals: `["a", "b"]`.
pub fn list<S: AsRef<str>>(values: &[S]) -> String {
    let items: Vec<String> = values.iter().map(|v| literal(v.as_ref())).collect();
    format!("[{}]", items.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templating_marks_are_kept_literal() {
        assert_eq!(literal("a{{b}}"), r#"!unsafe "a{{b}}""#);
        assert_eq!(literal("plain \"q\""), r#""plain \"q\"""#);
        assert_eq!(secret("x"), r#"!unsafe "x""#);
        assert_eq!(expr("a | b"), r#""{{ a | b }}""#);
    }
}
