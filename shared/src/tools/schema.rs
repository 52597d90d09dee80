//! A JSON-Schema subset validator for tool parameters: type, required, properties,
//! additionalProperties, enum, string/array length, numeric bounds, items. Enough for every tool
//! here, and strict: a call with anything unexpected is refused before it runs.

use serde_json::Value;

/// Validates `value` against `schema`; returns every problem found, each with its JSON path.
pub fn validate(schema: &Value, value: &Value) -> Result<(), Vec<String>> {
    let mut errors = Vec::new();
    check(schema, value, "$", &mut errors);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn type_ok(t: &str, v: &Value) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        "number" => v.is_number(),
        "integer" => v.as_i64().is_some() || v.as_u64().is_some(),
        _ => false,
    }
}

fn check(schema: &Value, v: &Value, path: &str, errors: &mut Vec<String>) {
    if let Some(t) = schema.get("type") {
        let ok = match t {
            Value::String(t) => type_ok(t, v),
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).any(|t| type_ok(t, v)),
            _ => true,
        };
        if !ok {
            errors.push(format!("{path}: expected {t}"));
            return;
        }
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array) {
        if !options.contains(v) {
            errors.push(format!("{path}: must be one of {}", Value::Array(options.clone())));
        }
    }
    if let Some(s) = v.as_str() {
        let n = s.chars().count() as u64;
        if schema.get("minLength").and_then(Value::as_u64).is_some_and(|m| n < m) {
            errors.push(format!("{path}: too short"));
        }
        if schema.get("maxLength").and_then(Value::as_u64).is_some_and(|m| n > m) {
            errors.push(format!("{path}: too long"));
        }
    }
    if let Some(x) = v.as_f64() {
        if schema.get("minimum").and_then(Value::as_f64).is_some_and(|m| x < m) {
            errors.push(format!("{path}: below the minimum {}", schema["minimum"]));
        }
        if schema.get("maximum").and_then(Value::as_f64).is_some_and(|m| x > m) {
            errors.push(format!("{path}: above the maximum {}", schema["maximum"]));
        }
    }
    if let Some(items) = v.as_array() {
        let n = items.len() as u64;
        if schema.get("minItems").and_then(Value::as_u64).is_some_and(|m| n < m) {
            errors.push(format!("{path}: needs at least {} items", schema["minItems"]));
        }
        if schema.get("maxItems").and_then(Value::as_u64).is_some_and(|m| n > m) {
            errors.push(format!("{path}: at most {} items", schema["maxItems"]));
        }
        if let Some(item_schema) = schema.get("items") {
            for (i, item) in items.iter().enumerate() {
                check(item_schema, item, &format!("{path}[{i}]"), errors);
            }
        }
    }
    if let Some(obj) = v.as_object() {
        let props = schema.get("properties").and_then(Value::as_object);
        for req in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !obj.contains_key(req) {
                errors.push(format!("{path}.{req}: required"));
            }
        }
        for (k, val) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(s) => check(s, val, &format!("{path}.{k}"), errors),
                None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    errors.push(format!("{path}.{k}: unexpected field"))
                }
                None => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({
            "type": "object", "required": ["code"], "additionalProperties": false,
            "properties": {
                "code": { "type": "string", "minLength": 1, "maxLength": 10 },
                "quantity": { "type": "integer", "minimum": 1, "maximum": 20 },
                "currency": { "enum": ["IDR", "USD", "EUR"] },
                "items": { "type": "array", "maxItems": 2, "items": { "type": "string" } }
            }
        })
    }

    #[test]
    fn valid_calls_pass() {
        assert!(validate(
            &schema(),
            &json!({ "code": "C1", "quantity": 2, "currency": "EUR", "items": ["a"] })
        )
        .is_ok());
    }

    #[test]
    fn every_problem_is_reported_with_its_path() {
        let errs = validate(
            &schema(),
            &json!({ "quantity": 0, "currency": "GBP", "items": ["a", 2, "c"], "x": 1 }),
        )
        .unwrap_err();
        let joined = errs.join(" | ");
        for needle in [
            "$.code: required",
            "$.quantity: below",
            "$.currency: must be one of",
            "$.items: at most 2",
            "$.items[1]: expected",
            "$.x: unexpected field",
        ] {
            assert!(joined.contains(needle), "{needle} in {joined}");
        }
        assert_eq!(
            validate(&schema(), &json!("C1")).unwrap_err(),
            vec!["$: expected \"object\"".to_string()]
        );
        assert!(validate(&schema(), &json!({ "code": "C1", "quantity": 1.5 })).is_err());
        assert!(validate(&schema(), &json!({ "code": "" })).is_err());
    }
}
