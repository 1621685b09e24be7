//! Turning upstream stacks' outputs into a stack's input variables, as platform.toml maps them.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::config::{InputSource, OutputRef, Stack};

/// Outputs of every stack read so far: stack name → output name → value.
pub type StackOutputs = BTreeMap<String, Map<String, Value>>;

/// The stack's variables that can be filled now, and the ones that cannot (the upstream output is
/// missing, e.g. not applied yet): those keep their declared default and make the plan provisional.
pub fn resolve(stack: &Stack, outputs: &StackOutputs) -> (Map<String, Value>, Vec<String>) {
    let mut values = Map::new();
    let mut unresolved = Vec::new();
    for (variable, source) in &stack.inputs {
        match build(source, outputs) {
            Some(value) => {
                values.insert(variable.clone(), value);
            }
            None => unresolved.push(variable.clone()),
        }
    }
    (values, unresolved)
}

fn build(source: &InputSource, outputs: &StackOutputs) -> Option<Value> {
    match source {
        InputSource::Output(r) => lookup(r, outputs),
        InputSource::Map(map) => map
            .iter()
            .map(|(k, v)| build(v, outputs).map(|v| (k.clone(), v)))
            .collect::<Option<Map<String, Value>>>()
            .map(Value::Object),
        InputSource::List(items) => items
            .iter()
            .map(|v| build(v, outputs))
            .collect::<Option<Vec<Value>>>()
            .map(Value::Array),
    }
}

fn lookup(r: &OutputRef, outputs: &StackOutputs) -> Option<Value> {
    let mut value = outputs.get(&r.stack)?.get(&r.output)?;
    for key in &r.path {
        value = match value {
            Value::Object(m) => m.get(key)?,
            Value::Array(a) => a.get(key.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    (!value.is_null()).then(|| value.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn maps_of_references_assemble_and_missing_outputs_are_reported() {
        let stack = Stack {
            name: "global".into(),
            dir: ".".into(),
            region: None,
            depends_on: vec!["a".into(), "b".into()],
            inputs: [
                (
                    "origins".to_string(),
                    InputSource::Map(
                        [
                            (
                                "a".to_string(),
                                InputSource::Output(OutputRef {
                                    stack: "a".into(),
                                    output: "edge".into(),
                                    path: vec![],
                                }),
                            ),
                            (
                                "b".to_string(),
                                InputSource::Output(OutputRef {
                                    stack: "b".into(),
                                    output: "edge".into(),
                                    path: vec![],
                                }),
                            ),
                        ]
                        .into(),
                    ),
                ),
                (
                    "dns".to_string(),
                    InputSource::Output(OutputRef {
                        stack: "a".into(),
                        output: "edge".into(),
                        path: vec!["dns".into()],
                    }),
                ),
            ]
            .into(),
            backend: None,
            backend_location: None,
        };
        let mut outputs = StackOutputs::new();
        outputs.insert(
            "a".into(),
            json!({"edge": {"dns": "a.example"}})
                .as_object()
                .unwrap()
                .clone(),
        );
        let (values, unresolved) = resolve(&stack, &outputs);
        assert_eq!(values["dns"], "a.example");
        assert_eq!(unresolved, vec!["origins"]);

        outputs.insert(
            "b".into(),
            json!({"edge": {"dns": "b.example"}})
                .as_object()
                .unwrap()
                .clone(),
        );
        let (values, unresolved) = resolve(&stack, &outputs);
        assert!(unresolved.is_empty());
        assert_eq!(values["origins"]["b"]["dns"], "b.example");
    }
}
