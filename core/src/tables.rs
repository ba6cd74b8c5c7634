//! The shape of a resource's relational tables as text: what `restsource infer` commits beside
//! a spec (`<spec stem>.tables.json`, read by codegen for typed struct fields) and what the
//! destination keeps of its schema (`_rs_schema`, read by later runs). One JSON form for
//! both, written here once.
//!
//! A column may carry the key path its values come from in the API's JSON (`path`, from the
//! table's row object): a flattened column's name (`attributes__dims__w`) cannot be split back
//! into keys, since naming lowercases, snake-cases and shortens them. A child table carries the
//! path of its list inside the parent row the same way.

use serde_json::{Map, Value};

use crate::column::DataType;

/// The format tag a tables file starts with; a file with another tag is refused, not guessed
/// at (version 1 had no key paths: re-run `restsource infer`).
pub const TABLES_FORMAT: &str = "restsource-tables/2";

/// The inferred tables of one source, by resource, in spec order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TablesFile {
    /// Source name.
    pub source: String,
    /// Each sampled resource's tables.
    pub resources: Vec<ResourceTables>,
}

/// One resource's root table and child tables, parents before children.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceTables {
    /// Resource name.
    pub name: String,
    /// Tables in discovery order (dlt's).
    pub tables: Vec<TableShape>,
}

/// One table: its name, its parent and its columns in creation order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableShape {
    /// Normalized table name (`items`, `items__tags`).
    pub name: String,
    /// The parent table's name; `None` for a root table.
    pub parent: Option<String>,
    /// For a child table: the keys leading to its list inside a parent row.
    pub path: Option<Vec<String>>,
    /// Whether the table has received rows (the destination's copy only: contracts on new
    /// columns apply to such tables).
    pub seen_data: Option<bool>,
    /// Columns in creation order.
    pub columns: Vec<ColumnShape>,
}

/// One typed column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnShape {
    /// Normalized column name.
    pub name: String,
    /// Stored type.
    pub data_type: DataType,
    /// Whether NULL is allowed.
    pub nullable: bool,
    /// A variant column (`<column>__v_<type>`), made for values that did not fit `<column>`.
    pub variant: bool,
    /// The keys leading to the value inside the table's row object; empty for a list of
    /// scalars' `value` column (the element itself); `None` when unknown (system and variant
    /// columns).
    pub path: Option<Vec<String>>,
}

/// Why a tables file or stored schema could not be read.
#[derive(Debug)]
pub enum TablesError {
    /// Not JSON.
    Json(serde_json::Error),
    /// JSON of another shape; says what is wrong.
    Shape(String),
}

impl std::fmt::Display for TablesError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TablesError::Json(e) => write!(f, "not JSON: {e}"),
            TablesError::Shape(what) => write!(
                f,
                "{what}; expected a file written by `restsource infer` (format `{TABLES_FORMAT}`)"
            ),
        }
    }
}

// Written out rather than derived: core stays free of proc-macro dependencies.
impl std::error::Error for TablesError {}

impl TablesFile {
    /// Resource `name`'s tables.
    pub fn resource(&self, name: &str) -> Option<&ResourceTables> {
        self.resources.iter().find(|r| r.name == name)
    }

    /// The file's text: JSON ending in a newline, one column per line, in a stable order, so
    /// re-inferring data that brought nothing new leaves the file byte for byte as it was and
    /// a review shows each new or changed column as one line.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        out.push_str("{\n");
        out.push_str(&format!(
            "  \"format\": {},\n",
            inline(&TABLES_FORMAT.into())
        ));
        out.push_str(&format!(
            "  \"source\": {},\n",
            inline(&self.source.clone().into())
        ));
        out.push_str("  \"resources\": [");
        for (i, r) in self.resources.iter().enumerate() {
            out.push_str(if i == 0 { "\n" } else { ",\n" });
            out.push_str(&format!(
                "    {{\n      \"name\": {},\n      \"tables\": [",
                inline(&r.name.clone().into())
            ));
            for (j, t) in r.tables.iter().enumerate() {
                out.push_str(if j == 0 { "\n" } else { ",\n" });
                out.push_str("        {\n");
                let Value::Object(fields) = t.to_json() else {
                    continue;
                };
                for (k, v) in &fields {
                    if k == "columns" {
                        continue;
                    }
                    out.push_str(&format!(
                        "          {}: {},\n",
                        inline(&k.clone().into()),
                        inline(v)
                    ));
                }
                out.push_str("          \"columns\": [");
                for (n, c) in t.columns.iter().enumerate() {
                    out.push_str(if n == 0 { "\n" } else { ",\n" });
                    out.push_str("            ");
                    out.push_str(&inline(&c.to_json()));
                }
                out.push_str(if t.columns.is_empty() {
                    "]\n"
                } else {
                    "\n          ]\n"
                });
                out.push_str("        }");
            }
            out.push_str(if r.tables.is_empty() {
                "]\n"
            } else {
                "\n      ]\n"
            });
            out.push_str("    }");
        }
        out.push_str(if self.resources.is_empty() {
            "]\n"
        } else {
            "\n  ]\n"
        });
        out.push_str("}\n");
        out
    }

    /// Reads a file's text.
    pub fn from_text(text: &str) -> Result<TablesFile, TablesError> {
        let doc: Value = serde_json::from_str(text).map_err(TablesError::Json)?;
        let shape = |what: &str| TablesError::Shape(what.to_string());
        match doc.get("format").and_then(Value::as_str) {
            Some(TABLES_FORMAT) => {}
            Some("restsource-tables/1") => {
                return Err(shape(
                    "format `restsource-tables/1` has no key paths; re-run `restsource infer`",
                ))
            }
            _ => return Err(shape("missing or unknown `format`")),
        }
        let source = doc
            .get("source")
            .and_then(Value::as_str)
            .ok_or_else(|| shape("missing `source`"))?;
        let list = doc
            .get("resources")
            .and_then(Value::as_array)
            .ok_or_else(|| shape("missing `resources` list"))?;
        let mut resources = Vec::with_capacity(list.len());
        for r in list {
            let name = r
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| shape("a resource without `name`"))?;
            let tables = r
                .get("tables")
                .and_then(Value::as_array)
                .ok_or_else(|| shape(&format!("resource `{name}` without a `tables` list")))?
                .iter()
                .map(TableShape::from_json)
                .collect::<Result<Vec<_>, String>>()
                .map_err(|what| shape(&format!("resource `{name}`: {what}")))?;
            resources.push(ResourceTables {
                name: name.to_string(),
                tables,
            });
        }
        Ok(TablesFile {
            source: source.to_string(),
            resources,
        })
    }
}

impl ResourceTables {
    /// The root table (the one without a parent).
    pub fn root(&self) -> Option<&TableShape> {
        self.tables.iter().find(|t| t.parent.is_none())
    }

    /// The tables whose parent is `table`, in order.
    pub fn children<'a>(&'a self, table: &'a str) -> impl Iterator<Item = &'a TableShape> {
        self.tables
            .iter()
            .filter(move |t| t.parent.as_deref() == Some(table))
    }
}

impl TableShape {
    /// The JSON form: `name`, `parent` and `path` when set, `seen_data` when known, `columns`.
    pub fn to_json(&self) -> Value {
        let mut t = Map::new();
        t.insert("name".into(), self.name.clone().into());
        if let Some(p) = &self.parent {
            t.insert("parent".into(), p.clone().into());
        }
        if let Some(path) = &self.path {
            t.insert("path".into(), path.clone().into());
        }
        if let Some(seen) = self.seen_data {
            t.insert("seen_data".into(), seen.into());
        }
        let columns: Vec<Value> = self.columns.iter().map(ColumnShape::to_json).collect();
        t.insert("columns".into(), columns.into());
        Value::Object(t)
    }

    /// Reads [`TableShape::to_json`]'s form; the error says what is wrong.
    pub fn from_json(t: &Value) -> Result<TableShape, String> {
        let name = t
            .get("name")
            .and_then(Value::as_str)
            .ok_or("a table without `name`")?;
        let parent = match t.get("parent") {
            None | Some(Value::Null) => None,
            Some(p) => Some(
                p.as_str()
                    .ok_or(format!("table `{name}`: `parent` is not a name"))?
                    .to_string(),
            ),
        };
        let path = read_path(t.get("path")).map_err(|e| format!("table `{name}`: {e}"))?;
        let columns = t
            .get("columns")
            .and_then(Value::as_array)
            .ok_or(format!("table `{name}` without a `columns` list"))?
            .iter()
            .map(|c| ColumnShape::from_json(c).map_err(|e| format!("table `{name}`: {e}")))
            .collect::<Result<Vec<_>, String>>()?;
        Ok(TableShape {
            name: name.to_string(),
            parent,
            path,
            seen_data: t.get("seen_data").and_then(Value::as_bool),
            columns,
        })
    }
}

impl ColumnShape {
    /// The JSON form: `name`, `data_type`, `nullable`, `variant` when set, `path` when known.
    pub fn to_json(&self) -> Value {
        let mut c = Map::new();
        c.insert("name".into(), self.name.clone().into());
        c.insert("data_type".into(), self.data_type.name().into());
        c.insert("nullable".into(), self.nullable.into());
        if self.variant {
            c.insert("variant".into(), true.into());
        }
        if let Some(path) = &self.path {
            c.insert("path".into(), path.clone().into());
        }
        Value::Object(c)
    }

    /// Reads [`ColumnShape::to_json`]'s form.
    pub fn from_json(c: &Value) -> Result<ColumnShape, String> {
        let name = c
            .get("name")
            .and_then(Value::as_str)
            .ok_or("a column without `name`")?;
        let bad = |what: &str| format!("column `{name}`: {what}");
        let type_name = c
            .get("data_type")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("missing `data_type`"))?;
        let data_type = DataType::from_name(type_name)
            .ok_or_else(|| bad(&format!("unknown data_type `{type_name}`")))?;
        Ok(ColumnShape {
            name: name.to_string(),
            data_type,
            nullable: c.get("nullable").and_then(Value::as_bool).unwrap_or(true),
            variant: c.get("variant").and_then(Value::as_bool).unwrap_or(false),
            path: read_path(c.get("path")).map_err(|e| bad(&e))?,
        })
    }
}

/// `v` as JSON on one line, with a space after each `:` and `,` (what reads well in a
/// column's line).
fn inline(v: &Value) -> String {
    match v {
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(inline).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(map) => {
            let fields: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", inline(&k.clone().into()), inline(v)))
                .collect();
            format!("{{{}}}", fields.join(", "))
        }
        // Serializing a scalar cannot fail.
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

fn read_path(v: Option<&Value>) -> Result<Option<Vec<String>>, String> {
    let Some(v) = v else { return Ok(None) };
    let keys = v.as_array().ok_or("`path` is not a list of keys")?;
    keys.iter()
        .map(|k| {
            k.as_str()
                .map(str::to_string)
                .ok_or_else(|| "`path` is not a list of keys".to_string())
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> TablesFile {
        let col = |name: &str, t: DataType, path: Option<&[&str]>| ColumnShape {
            name: name.into(),
            data_type: t,
            nullable: true,
            variant: false,
            path: path.map(|p| p.iter().map(|s| s.to_string()).collect()),
        };
        TablesFile {
            source: "shop".into(),
            resources: vec![ResourceTables {
                name: "items".into(),
                tables: vec![
                    TableShape {
                        name: "items".into(),
                        columns: vec![
                            col("id", DataType::Bigint, Some(&["id"])),
                            col(
                                "attrs__dims__w",
                                DataType::Double,
                                Some(&["Attrs", "dims", "w"]),
                            ),
                        ],
                        ..TableShape::default()
                    },
                    TableShape {
                        name: "items__tags".into(),
                        parent: Some("items".into()),
                        path: Some(vec!["tags".into()]),
                        columns: vec![col("value", DataType::Text, Some(&[]))],
                        ..TableShape::default()
                    },
                ],
            }],
        }
    }

    #[test]
    fn a_file_reads_back_as_written() {
        let file = sample();
        let text = file.to_text();
        assert_eq!(TablesFile::from_text(&text).unwrap(), file);
        assert!(
            text.contains(
                "            {\"name\": \"attrs__dims__w\", \"data_type\": \"double\", \"nullable\": true, \"path\": [\"Attrs\", \"dims\", \"w\"]}"
            ),
            "{text}"
        );
        let empty = TablesFile {
            source: "s".into(),
            resources: vec![],
        };
        assert_eq!(TablesFile::from_text(&empty.to_text()).unwrap(), empty);
        let items = file.resource("items").unwrap();
        assert_eq!(items.root().unwrap().name, "items");
        assert_eq!(items.children("items").count(), 1);
    }

    #[test]
    fn other_formats_are_refused_with_the_fix() {
        let old = r#"{"format": "restsource-tables/1", "source": "s", "resources": []}"#;
        let e = TablesFile::from_text(old).unwrap_err().to_string();
        assert!(e.contains("re-run `restsource infer`"), "{e}");
        let bad = r#"{"format": "restsource-tables/2", "source": "s", "resources": [{"name": "r", "tables": [{"name": "t", "columns": [{"name": "c", "data_type": "blob"}]}]}]}"#;
        let e = TablesFile::from_text(bad).unwrap_err().to_string();
        assert_eq!(
            e,
            "resource `r`: table `t`: column `c`: unknown data_type `blob`; expected a file \
             written by `restsource infer` (format `restsource-tables/2`)"
        );
    }
}
