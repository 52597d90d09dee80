//! Pieces of the tools' JSON-Schema parameters used by more than one tool definition.

use serde_json::{json, Value};

/// A closed object of `props`, `required` among them.
pub fn object(required: &[&str], props: Value) -> Value {
    json!({ "type": "object", "required": required, "properties": props, "additionalProperties": false })
}

/// The priced items of a quote (`calculate_quote`, and `send_email` when it sends one).
pub fn quote_items() -> Value {
    json!({ "type": "array", "minItems": 1, "maxItems": 10, "items": {
        "type": "object", "required": ["service"], "additionalProperties": false,
        "properties": {
            "service": { "type": "string", "minLength": 1, "maxLength": 100 },
            "quantity": { "type": "integer", "minimum": 1, "maximum": 50 },
            "extensions": { "type": "integer", "minimum": 0, "maximum": 5 }
        }
    } })
}
