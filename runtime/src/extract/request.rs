//! Building a resource's first request: placeholders from the parent record and the
//! incremental values, query parameters, JSON body and headers.

use std::sync::Arc;

use reqwest::header::{HeaderName, HeaderValue};
use serde_json::Value;

use super::page::DecodedPage;
use super::ExtractError;
use crate::def::{
    AuthChoice, AuthDef, DataDef, Lit, PathStep, ResourceDef, SourceDef, Template, TemplatePart,
};
use crate::http::{join_url, Body, HttpClient};
use crate::incremental::IncrementalValues;
use crate::paginate::{value_text, RequestParts};
use crate::secret::SecretValues;
use crate::select::path_text;

/// The values a child needs from one parent record.
#[derive(Debug, Clone)]
pub(crate) struct ParentValues {
    pub parent: &'static str,
    /// The paths, shared by every record of the parent (read once per child resource).
    pub paths: Arc<[Vec<PathStep>]>,
    /// The value at each path, in `paths` order.
    pub values: Vec<Option<Value>>,
}

impl ParentValues {
    /// Reads `paths` from record `index` of a parent page.
    pub fn read(
        parent: &'static str,
        page: &dyn DecodedPage,
        index: usize,
        paths: &Arc<[Vec<PathStep>]>,
    ) -> Self {
        ParentValues {
            parent,
            paths: paths.clone(),
            values: paths.iter().map(|p| page.lookup(index, p)).collect(),
        }
    }

    pub fn get(&self, resource: &ResourceDef, path: &[PathStep]) -> Result<&Value, ExtractError> {
        self.paths
            .iter()
            .position(|p| p.as_slice() == path)
            .and_then(|i| self.values.get(i)?.as_ref())
            .ok_or_else(|| ExtractError::MissingParentField {
                resource: resource.name.to_string(),
                parent: self.parent.to_string(),
                field: path_text(path),
            })
    }
}

/// Every parent path a child resource reads (placeholders and `include_from_parent`).
pub(crate) fn parent_paths(def: &ResourceDef) -> Arc<[Vec<PathStep>]> {
    fn from_template(t: &Template, out: &mut Vec<Vec<PathStep>>) {
        for p in t.0 {
            if let TemplatePart::Parent(path) = p {
                if !out.iter().any(|o| o.as_slice() == *path) {
                    out.push(path.to_vec());
                }
            }
        }
    }
    fn from_lit(l: &Lit, out: &mut Vec<Vec<PathStep>>) {
        match l {
            Lit::Str(t) => from_template(t, out),
            Lit::List(items) => items.iter().for_each(|i| from_lit(i, out)),
            Lit::Map(m) => m.iter().for_each(|(_, v)| from_lit(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    let e = &def.endpoint;
    from_template(&e.path, &mut out);
    e.params.iter().for_each(|(_, v)| from_lit(v, &mut out));
    if let Some(j) = &e.json {
        from_lit(j, &mut out);
    }
    match &e.data {
        Some(DataDef::Form(fields)) => fields.iter().for_each(|(_, v)| from_lit(v, &mut out)),
        Some(DataDef::Raw(t)) => from_template(t, &mut out),
        None => {}
    }
    e.headers
        .iter()
        .for_each(|(_, t)| from_template(t, &mut out));
    if let Some(p) = &def.parent {
        for f in p.include_from_parent {
            let path = vec![PathStep::key(f)];
            if !out.contains(&path) {
                out.push(path);
            }
        }
    }
    out.into()
}

/// What placeholders are filled from.
pub(crate) struct Fill<'a> {
    pub def: &'static ResourceDef,
    pub parent: Option<&'a ParentValues>,
    pub inc: Option<&'a IncrementalValues>,
    /// The source's secrets, for credentials in headers, params and the path.
    pub secrets: &'a SecretValues,
}

impl Fill<'_> {
    fn part(&self, part: &TemplatePart) -> Result<Value, ExtractError> {
        match part {
            TemplatePart::Lit(s) => Ok(Value::String((*s).to_string())),
            TemplatePart::Parent(path) => match self.parent {
                Some(p) => p.get(self.def, path).cloned(),
                None => Err(ExtractError::Config {
                    resource: self.def.name.to_string(),
                    message: "a `{resources.…}` placeholder is used but the resource has no parent"
                        .to_string(),
                }),
            },
            TemplatePart::Secret(name) => match self.secrets.get(name) {
                Some(s) => Ok(Value::String(s.expose().to_string())),
                None => Err(ExtractError::Config {
                    resource: self.def.name.to_string(),
                    message: format!("secret `{name}` was not provided"),
                }),
            },
            TemplatePart::Incremental(which) => Ok(self
                .inc
                .and_then(|i| i.value(*which))
                .cloned()
                .unwrap_or(Value::Null)),
        }
    }

    /// A template as text.
    pub fn text(&self, t: &Template) -> Result<String, ExtractError> {
        let mut out = String::new();
        for p in t.0 {
            out.push_str(&value_text(&self.part(p)?));
        }
        Ok(out)
    }

    /// Query params or form fields as text pairs: null drops the key, a list repeats it.
    pub fn pairs(&self, fields: &[(&str, Lit)]) -> Result<Vec<(String, String)>, ExtractError> {
        let mut out = Vec::with_capacity(fields.len());
        for (k, v) in fields {
            match self.json(v)? {
                Value::Null => {}
                Value::Array(items) => {
                    out.extend(items.iter().map(|i| ((*k).to_string(), value_text(i))))
                }
                other => out.push(((*k).to_string(), value_text(&other))),
            }
        }
        Ok(out)
    }

    /// A literal as JSON; a string that is exactly one placeholder keeps the value's type.
    pub fn json(&self, l: &Lit) -> Result<Value, ExtractError> {
        Ok(match l {
            Lit::Str(Template([p @ (TemplatePart::Parent(_) | TemplatePart::Incremental(_))])) => {
                self.part(p)?
            }
            Lit::Str(t) => Value::String(self.text(t)?),
            Lit::List(items) => Value::Array(
                items
                    .iter()
                    .map(|i| self.json(i))
                    .collect::<Result<_, _>>()?,
            ),
            Lit::Map(m) => Value::Object(
                m.iter()
                    .map(|(k, v)| Ok(((*k).to_string(), self.json(v)?)))
                    .collect::<Result<_, ExtractError>>()?,
            ),
            other => crate::incremental::lit_value(other),
        })
    }
}

/// The auth an endpoint uses.
pub(crate) fn endpoint_auth(source: &SourceDef, def: &ResourceDef) -> Option<AuthDef> {
    match def.endpoint.auth {
        AuthChoice::Inherit => source.auth,
        AuthChoice::None => None,
        AuthChoice::Own(a) => Some(a),
    }
}

/// The first request of a resource (for one parent record, if it has a parent).
pub(crate) fn first_request(
    http: &HttpClient,
    fill: &Fill<'_>,
) -> Result<(RequestParts, Vec<(HeaderName, HeaderValue)>), ExtractError> {
    let def = fill.def;
    let config = |message: String| ExtractError::Config {
        resource: def.name.to_string(),
        message,
    };
    let path = fill.text(&def.endpoint.path)?;
    let url = join_url(http.base_url(), &path).map_err(|e| {
        config(format!(
            "invalid URL for path `{}`: {e}",
            http.redactor().text(&path)
        ))
    })?;
    let mut query = fill.pairs(def.endpoint.params)?;
    if let (Some(inc), Some(d)) = (fill.inc, def.endpoint.incremental) {
        for (param, which) in [
            (d.start_param, crate::def::IncrementalValue::StartValue),
            (d.end_param, crate::def::IncrementalValue::EndValue),
        ] {
            if let (Some(p), Some(v)) = (param, inc.value(which)) {
                query.push((p.to_string(), value_text(v)));
            }
        }
    }
    let json = def
        .endpoint
        .json
        .as_ref()
        .map(|j| fill.json(j))
        .transpose()?;
    let data = match &def.endpoint.data {
        None => None,
        Some(DataDef::Raw(t)) => Some(Body::Raw(fill.text(t)?)),
        Some(DataDef::Form(fields)) => Some(Body::Form(
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(fill.pairs(fields)?)
                .finish(),
        )),
    };
    let mut headers = Vec::new();
    for (k, t) in def.endpoint.headers {
        let name = HeaderName::from_bytes(k.as_bytes())
            .map_err(|_| config(format!("`{k}` is not a valid header name")))?;
        let mut value = HeaderValue::from_str(&fill.text(t)?)
            .map_err(|_| config(format!("header `{k}` has an invalid value")))?;
        // A credential: kept out of debug output and off redirects to another origin.
        value.set_sensitive(t.0.iter().any(|p| matches!(p, TemplatePart::Secret(_))));
        headers.push((name, value));
    }
    Ok((
        RequestParts {
            url,
            query,
            json,
            data,
        },
        headers,
    ))
}
