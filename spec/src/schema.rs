//! The JSON Schema of the spec format.

use serde_json::Value;

/// Type tags the loader accepts under a second name (serde aliases, which schemars does not
/// record): the seed spelling `oauth2` and dlt's deprecated `json_response`.
const TYPE_ALIASES: [(&str, &str); 2] = [
    ("oauth2_client_credentials", "oauth2"),
    ("json_link", "json_response"),
];

/// The spec format's JSON Schema, pretty-printed (committed as `specs/restsource.schema.json`).
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(crate::model::SourceSpec);
    let mut value = serde_json::to_value(&schema).unwrap_or_default();
    add_type_aliases(&mut value);
    // Serializing a JSON value cannot fail.
    serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
}

/// Turns `"type": {"const": "json_link"}` into `{"enum": ["json_link", "json_response"]}` (and
/// likewise for every alias) wherever a tagged variant is described.
fn add_type_aliases(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Object(tag)) =
                map.get_mut("properties").and_then(|p| p.get_mut("type"))
            {
                let name = tag.get("const").and_then(Value::as_str).map(str::to_owned);
                if let Some((canonical, alias)) = name
                    .as_deref()
                    .and_then(|n| TYPE_ALIASES.iter().find(|(c, _)| *c == n))
                {
                    tag.remove("const");
                    tag.insert("enum".into(), serde_json::json!([canonical, alias]));
                }
            }
            map.values_mut().for_each(add_type_aliases);
        }
        Value::Array(items) => items.iter_mut().for_each(add_type_aliases),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn aliases_are_in_the_schema() {
        let schema: serde_json::Value = serde_json::from_str(&super::json_schema()).unwrap();
        let compact = schema.to_string();
        assert!(compact.contains(r#""enum":["oauth2_client_credentials","oauth2"]"#));
        assert!(compact.contains(r#""enum":["json_link","json_response"]"#));
        assert!(!compact.contains(r#""const":"json_link""#));
    }
}
