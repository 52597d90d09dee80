//! The document's own checks: every route documented, every success response with a schema.

use super::*;

#[test]
fn every_route_is_documented_with_its_method_and_parameters() {
    let doc = document();
    for (method, pattern, _, _) in ROUTES {
        let op = &doc["paths"][*pattern][method.as_str().to_ascii_lowercase()];
        assert!(op.is_object(), "{method:?} {pattern}");
        assert!(op["responses"]["default"].is_object());
        let n_params = pattern.matches('{').count();
        let path_params = op["parameters"]
            .as_array()
            .map(|p| p.iter().filter(|p| p["in"] == "path").count())
            .unwrap_or(0);
        assert_eq!(path_params, n_params, "{pattern}");
    }
    assert_eq!(
        doc["paths"]["/api/search"]["post"]["requestBody"]["content"]["application/json"]["schema"]["required"],
        json!(["query"])
    );
    assert_eq!(
        doc["paths"]["/api/admin/users"]["get"]["security"],
        json!([{ "bearer": [] }])
    );
}

/// Where a schema says nothing about a value: `{}`, an object without properties, an array without items.
/// A free-form value is allowed only when its `description` says so (a tool's result, an audit detail).
fn untyped(schema: &Value, at: &str, out: &mut Vec<String>) {
    let Some(m) = schema.as_object() else {
        out.push(format!("{at}: not a schema"));
        return;
    };
    let typed = ["$ref", "type", "anyOf", "oneOf", "enum", "const"]
        .iter()
        .any(|k| m.contains_key(*k));
    if !typed && !m.contains_key("description") {
        out.push(format!("{at}: no type"));
    }
    if m.get("type") == Some(&json!("object"))
        && !m.contains_key("properties")
        && !m.contains_key("additionalProperties")
        && !m.contains_key("description")
    {
        out.push(format!("{at}: an object without properties"));
    }
    if m.get("type") == Some(&json!("array")) && !m.contains_key("items") {
        out.push(format!("{at}: an array without items"));
    }
    for (k, v) in m.get("properties").and_then(Value::as_object).into_iter().flatten() {
        untyped(v, &format!("{at}.{k}"), out);
    }
    for key in ["items", "additionalProperties"] {
        if let Some(v) = m.get(key).filter(|v| v.is_object()) {
            untyped(v, &format!("{at}[{key}]"), out);
        }
    }
    for key in ["anyOf", "oneOf"] {
        for (i, v) in m.get(key).and_then(Value::as_array).into_iter().flatten().enumerate() {
            untyped(v, &format!("{at}.{key}[{i}]"), out);
        }
    }
}

/// The check the issue asks for: a route of the table whose 2xx response has no schema (or a vague one) fails.
#[test]
fn every_success_response_of_the_route_table_has_a_schema() {
    let doc = document();
    let mut problems = Vec::new();
    let mut responses = 0;
    for (method, pattern, _, _) in ROUTES {
        let op = &doc["paths"][*pattern][method.as_str().to_ascii_lowercase()];
        let ok: Vec<(&String, &Value)> = op["responses"]
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(code, _)| code.starts_with('2'))
            .collect();
        assert_eq!(ok.len(), 1, "{method:?} {pattern}: one success response");
        for (code, resp) in ok {
            let content = resp["content"].as_object().filter(|c| !c.is_empty());
            let Some(content) = content else {
                problems.push(format!("{method:?} {pattern} {code}: no content"));
                continue;
            };
            for (media, body) in content {
                responses += 1;
                let at = format!("{method:?} {pattern} {code} {media}");
                match &body["schema"] {
                    Value::Null => problems.push(format!("{at}: no schema")),
                    s if media.contains("json") => untyped(s, &at, &mut problems),
                    s if *media == "text/event-stream" => {
                        untyped(s, &at, &mut problems);
                        if s["properties"]["data"]["type"] != "string" {
                            problems.push(format!("{at}: an event's data is a string"));
                        }
                    }
                    s if s["type"] != "string" => problems.push(format!("{at}: a {media} body is a string")),
                    _ => {}
                }
            }
        }
    }
    for (name, schema) in components::schemas() {
        untyped(&schema, &format!("components.{name}"), &mut problems);
    }
    assert!(
        problems.is_empty(),
        "responses without a real schema:\n{}",
        problems.join("\n")
    );
    assert!(responses >= ROUTES.len());
}

#[test]
fn every_reference_names_a_component() {
    let doc = document();
    let text = doc.to_string();
    let names = components::schemas();
    for r in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = &r[..r.find('"').unwrap()];
        assert!(names.contains_key(name), "no component {name}");
    }
}

#[test]
fn servers_list_the_answering_server_the_local_one_and_the_deployed_one() {
    let urls = |answering: &str, deployed: Option<&str>| -> Vec<String> {
        document_for(Some(answering), deployed)["servers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["url"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        urls("http://127.0.0.1:9999", Some("https://api.example.org")),
        [
            "http://127.0.0.1:9999",
            "http://127.0.0.1:8787",
            "https://api.example.org"
        ]
    );
    assert_eq!(
        urls("http://127.0.0.1:8787", None),
        ["http://127.0.0.1:8787", "https://nuzantara.example.com"]
    );
}
