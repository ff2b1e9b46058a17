//! Checks JSON bodies against the schemas of Square's Payments OpenAPI spec
//! (`spec/payments-openapi.json`, release 2025-08-20): required fields,
//! JSON types, enums, string lengths and no properties the schema lacks.

use serde_json::Value;

/// Square's Payments and Refunds spec, as published.
pub const PAYMENTS_SPEC: &str = include_str!("../spec/payments-openapi.json");

/// The spec, parsed.
pub fn spec() -> Result<Value, serde_json::Error> {
    serde_json::from_str(PAYMENTS_SPEC)
}

/// Every way `value` breaks the schema `components.schemas.<schema>`;
/// empty when it conforms.
pub fn violations(spec: &Value, schema: &str, value: &Value) -> Vec<String> {
    let mut found = Vec::new();
    let reference = json_ref(schema);
    check(
        spec,
        &serde_json::json!({"$ref": reference}),
        value,
        schema,
        &mut found,
    );
    found
}

fn json_ref(schema: &str) -> String {
    format!("#/components/schemas/{schema}")
}

fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> Option<&'a Value> {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let name = reference.strip_prefix("#/components/schemas/")?;
            spec.get("components")?.get("schemas")?.get(name)
        }
        None => Some(schema),
    }
}

fn check(spec: &Value, schema: &Value, value: &Value, at: &str, found: &mut Vec<String>) {
    let Some(schema) = resolve(spec, schema) else {
        found.push(format!("{at}: unresolvable schema {schema}"));
        return;
    };
    if value.is_null() {
        if schema.get("nullable").and_then(Value::as_bool) != Some(true) {
            found.push(format!("{at}: null where the schema is not nullable"));
        }
        return;
    }
    let kind = schema
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_else(|| {
            if schema.get("properties").is_some() {
                "object"
            } else {
                ""
            }
        });
    match kind {
        "object" => {
            let Some(object) = value.as_object() else {
                found.push(format!("{at}: expected an object, got {value}"));
                return;
            };
            for required in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if !object.contains_key(required) {
                    found.push(format!("{at}: missing required field {required}"));
                }
            }
            let properties = schema.get("properties").and_then(Value::as_object);
            for (name, field) in object {
                match properties.and_then(|p| p.get(name)) {
                    Some(property) => check(spec, property, field, &format!("{at}.{name}"), found),
                    None => found.push(format!("{at}: field {name} is not in the schema")),
                }
            }
        }
        "array" => {
            let Some(items) = value.as_array() else {
                found.push(format!("{at}: expected an array, got {value}"));
                return;
            };
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    check(spec, item_schema, item, &format!("{at}[{i}]"), found);
                }
            }
        }
        "string" => {
            let Some(text) = value.as_str() else {
                found.push(format!("{at}: expected a string, got {value}"));
                return;
            };
            if let Some(options) = schema.get("enum").and_then(Value::as_array)
                && !options.iter().any(|o| o.as_str() == Some(text))
            {
                found.push(format!("{at}: {text:?} is not one of the enum's values"));
            }
            let length = text.chars().count() as u64;
            if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
                && length > max
            {
                found.push(format!("{at}: longer than {max}"));
            }
            if let Some(min) = schema.get("minLength").and_then(Value::as_u64)
                && length < min
            {
                found.push(format!("{at}: shorter than {min}"));
            }
        }
        "integer" if !value.is_i64() && !value.is_u64() => {
            found.push(format!("{at}: expected an integer, got {value}"));
        }
        "number" if !value.is_number() => {
            found.push(format!("{at}: expected a number, got {value}"));
        }
        "boolean" if !value.is_boolean() => {
            found.push(format!("{at}: expected a boolean, got {value}"));
        }
        _ => {}
    }
}
