//! Python expressions to the spec's JSON value, with every problem located: literals as they
//! are, `dlt.secrets`/`dlt.config`/`os.environ` as secret references where a spec reads
//! credentials, dlt's paginator and auth classes as their dict form, `None` left out.

use super::classes::{self, Class};
use super::lex::Pos;
use super::parse::{DictItem, Expr, ExprKind};
use crate::{Place, Seg};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Something in the config that cannot be converted.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Where in the `.py` file.
    pub at: Pos,
    /// Characters to underline.
    pub len: usize,
    /// Where in the config (`resources[0].endpoint.paginator`).
    pub place: String,
    /// What was found and why it cannot be converted.
    pub message: String,
    /// What to write instead.
    pub help: Option<String>,
}

/// A credential read from the environment at run time, and what it was in Python.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretUse {
    /// Where in the spec (`client.auth.api_key`).
    pub place: String,
    /// The secret's name in the spec.
    pub secret: String,
    /// The environment variable it is read from.
    pub env: String,
    /// What the `.py` file said (`dlt.secrets["api_key"]`).
    pub python: String,
}

/// A setting of the `.py` file the spec does not carry, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    /// Where in the config.
    pub place: String,
    /// The `.py` line.
    pub line: usize,
    /// Why it is left out and what that means.
    pub why: String,
}

/// Walks one config, collecting problems, secrets, left-out settings and comments.
pub struct Converter<'a> {
    /// Names injected by dlt (`token = dlt.secrets.value`), `"secret"` or `"config"`.
    pub injected: &'a HashMap<String, &'static str>,
    /// Problems, in the order found.
    pub problems: Vec<Problem>,
    /// Secret references written.
    pub secrets: Vec<SecretUse>,
    /// Settings not carried over.
    pub left_out: Vec<LeftOut>,
    /// Comments for the draft, at printed places.
    pub comments: Vec<(Place, String)>,
    /// Places of `None`s whose `null` means something to the spec (`total_path`, an
    /// endpoint's `auth`): JSON output keeps them.
    pub kept_nulls: Vec<Place>,
    /// Names assigned a literal somewhere in the file, for the help of a variable problem.
    pub literals: &'a HashMap<String, (usize, String)>,
}

/// A place as the spec's diagnostics write it: `resources[0].endpoint.paginator`.
pub fn show(place: &[Seg]) -> String {
    let mut out = String::new();
    for seg in place {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

fn key_at(place: &[Seg], from_end: usize) -> Option<&str> {
    match place.len().checked_sub(from_end + 1).map(|i| &place[i]) {
        Some(Seg::Key(k)) => Some(k),
        _ => None,
    }
}

/// Whether a spec reads a secret reference here: anything under an `auth`, and the values of
/// `headers` and `params`.
fn takes_secret(place: &[Seg]) -> bool {
    let under_auth = place
        .iter()
        .rev()
        .skip(1)
        .any(|s| *s == Seg::Key("auth".into()));
    under_auth || matches!(key_at(place, 1), Some("headers" | "params"))
}

/// Auth settings that hold a credential: a literal one is never copied into the spec.
const AUTH_CREDENTIALS: &[&str] = &[
    "token",
    "api_key",
    "password",
    "client_secret",
    "refresh_token",
];

fn is_auth_credential(place: &[Seg]) -> bool {
    key_at(place, 1) == Some("auth")
        && key_at(place, 0).is_some_and(|k| AUTH_CREDENTIALS.contains(&k))
}

/// A member of the top-level `resources` list.
fn is_resource(place: &[Seg]) -> bool {
    matches!(place, [Seg::Key(k), Seg::Index(_)] if k == "resources")
}

const RESOURCE_HELP: &str = "a resource in a spec is a name or a dict (`{ name = \"…\", endpoint = { path = \"…\" } }`); a `@dlt.resource` of your own is Python code: write the endpoint it reads as such a dict";

/// What to write instead of code, by where the code is.
fn code_help(place: &[Seg]) -> String {
    let has = |k: &str| place.iter().any(|s| *s == Seg::Key(k.into()));
    if is_resource(place) {
        RESOURCE_HELP.into()
    } else if has("processing_steps") {
        "a spec's processing steps are declarative: `filter = { field = \"…\", op = \"==\", value = … }`, `map`, `add_fields`, … (README, \"processing_steps\")".into()
    } else if has("response_actions") {
        "a response action is `\"ignore\"`, `\"retry\"`, `\"fail\"`, `\"refresh_token\"` or `\"rate_limited\"`, with `status_code` and/or `content`".into()
    } else if has("paginator") {
        "write the paginator's dict form (`{ type = \"offset\", limit = 100 }`), or `{ type = \"rust\", path = \"crate::YourPaginator\" }` for a paginator in Rust (README, \"Escape hatches in Rust\")".into()
    } else if has("auth") {
        "write the auth's dict form (`{ type = \"bearer\", token = { secret = \"token\" } }`), or `{ type = \"rust\", path = \"crate::YourAuth\", secrets = [...] }` for an auth in Rust (README, \"Escape hatches in Rust\")".into()
    } else {
        "a spec holds values, not Python code: write the value the code produces".into()
    }
}

/// The spec's secret name for an environment variable: lower snake case.
fn secret_for_env(var: &str) -> String {
    var.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

enum Source {
    Secrets,
    Config,
    Environ,
}

impl Converter<'_> {
    fn problem(&mut self, e: &Expr, place: &[Seg], message: String, help: Option<String>) {
        self.problems.push(Problem {
            at: e.at,
            len: e.len.max(1),
            place: show(place),
            message,
            help,
        });
    }

    /// The comment for a place that is not printed goes to the nearest printed ancestor.
    fn comment_near(&mut self, place: &[Seg], text: String) {
        let mut at = place.to_vec();
        at.pop();
        self.comments.push((at, text));
    }

    /// Converts `e`, found at `place` in the config. Problems are recorded; the value is
    /// then `null` (the caller discards the draft anyway).
    pub fn value(&mut self, e: &Expr, place: &mut Place) -> Value {
        match &e.kind {
            ExprKind::Str(s) if is_auth_credential(place) && !s.is_empty() => {
                self.literal_credential(e, place)
            }
            ExprKind::Str(s) => Value::String(s.clone()),
            ExprKind::Int(n) => Value::from(*n),
            ExprKind::Float(f) => {
                serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number)
            }
            ExprKind::Bool(b) => Value::Bool(*b),
            ExprKind::None => {
                self.none(e, place);
                Value::Null
            }
            ExprKind::List(items) | ExprKind::Tuple(items) => {
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    place.push(Seg::Index(i));
                    out.push(self.value(item, place));
                    place.pop();
                }
                Value::Array(out)
            }
            ExprKind::Dict(items) => self.dict(items, place),
            ExprKind::Subscript(base, index) => self.subscript(e, base, index, place),
            ExprKind::Call { func, args, kwargs } => self.call(e, func, args, kwargs, place),
            ExprKind::Name(name) => self.name(e, name, place),
            ExprKind::Unsupported { what, help } => {
                let help = help.clone().unwrap_or_else(|| code_help(place));
                self.problem(e, place, format!("{what} cannot be converted"), Some(help));
                Value::Null
            }
        }
    }

    /// `None` means "not set" to a spec, except where dlt gives it a meaning of its own: there
    /// the spec keeps `null` (written `false` in TOML, which has no null).
    fn none(&mut self, e: &Expr, place: &[Seg]) {
        let key = key_at(place, 0).unwrap_or("");
        let meaning = match key {
            "total_path" => Some("no total"),
            "auth" if key_at(place, 1) == Some("endpoint") => Some("no auth for this endpoint"),
            _ => None,
        };
        let line = e.at.line;
        if let Some(meaning) = meaning {
            self.kept_nulls.push(place.to_vec());
            self.comment_near(
                place,
                format!(
                    "`{}`: `None` (line {line}) means {meaning} in dlt: `false` here, as TOML has \
                     no null (`null` in JSON)",
                    show(place)
                ),
            );
            return;
        }
        let why = format!("`None` (line {line}) means not set: left out");
        self.comment_near(place, format!("`{}`: {why}", show(place)));
        self.left_out.push(LeftOut {
            place: show(place),
            line,
            why,
        });
    }

    fn dict(&mut self, items: &[DictItem], place: &mut Place) -> Value {
        let mut out = Map::new();
        for item in items {
            let (key, value) = match item {
                DictItem::Pair(key, value) => (key, value),
                DictItem::Bad(bad) => {
                    self.value(bad, place);
                    continue;
                }
            };
            let ExprKind::Str(k) = &key.kind else {
                if let ExprKind::Unsupported { .. } = key.kind {
                    self.value(key, place);
                } else {
                    let help = "write the key as a string: `\"name\": …`".to_owned();
                    self.problem(
                        key,
                        place,
                        "a dict key that is not a string cannot be converted".into(),
                        Some(help),
                    );
                }
                continue;
            };
            place.push(Seg::Key(k.clone()));
            let v = self.value(value, place);
            place.pop();
            out.insert(k.clone(), v);
        }
        Value::Object(out)
    }

    /// `dlt.secrets["key"]`, `dlt.config["key"]`, `os.environ["KEY"]`.
    fn subscript(&mut self, e: &Expr, base: &Expr, index: &Expr, place: &[Seg]) -> Value {
        let source = match &base.kind {
            ExprKind::Name(n) if n == "dlt.secrets" => Some(Source::Secrets),
            ExprKind::Name(n) if n == "dlt.config" => Some(Source::Config),
            ExprKind::Name(n) if n == "os.environ" => Some(Source::Environ),
            _ => None,
        };
        match (source, &index.kind) {
            (Some(source), ExprKind::Str(key)) => {
                let base = match &base.kind {
                    ExprKind::Name(n) => n.as_str(),
                    _ => "",
                };
                let python = format!("{base}[\"{key}\"]");
                self.reference(e, source, key, python, place)
            }
            _ => {
                let help = format!(
                    "the value is known only when Python runs; write it here ({})",
                    code_help(place)
                );
                self.problem(
                    e,
                    place,
                    "a subscript cannot be converted".into(),
                    Some(help),
                );
                Value::Null
            }
        }
    }

    fn reference(
        &mut self,
        e: &Expr,
        source: Source,
        key: &str,
        python: String,
        place: &[Seg],
    ) -> Value {
        let at = show(place);
        if !takes_secret(place) {
            let (message, help) = match source {
                Source::Config => (
                    format!("`{python}` cannot be converted: a spec has no config references, and reads the environment only for credentials"),
                    format!("write the value of `{key}` from your config.toml here"),
                ),
                _ => (
                    format!("`{python}` cannot be converted here: a spec reads secrets only for credentials (auth settings, header and query parameter values)"),
                    "write the value here; credentials belong in `auth`, `headers` or `params`".into(),
                ),
            };
            self.problem(e, place, message, Some(help));
            return Value::Null;
        }
        let (secret, env) = match source {
            Source::Environ => (secret_for_env(key), key.to_owned()),
            _ => (key.to_owned(), restsource_spec::env_name(key)),
        };
        if let Source::Config = source {
            self.comments.push((
                place.to_vec(),
                format!("from `{python}`: a spec has no config references, so it is read like a secret, from the environment variable `{env}`"),
            ));
        }
        self.secrets.push(SecretUse {
            place: at,
            secret: secret.clone(),
            env: env.clone(),
            python,
        });
        let mut out = Map::new();
        out.insert("secret".into(), Value::String(secret.clone()));
        if restsource_spec::env_name(&secret) != env {
            out.insert("env".into(), Value::String(env));
        }
        Value::Object(out)
    }

    /// A credential written as a literal in the `.py` file becomes a secret reference named
    /// after its key: the spec is meant to be committed, the literal is not.
    fn literal_credential(&mut self, e: &Expr, place: &[Seg]) -> Value {
        let key = key_at(place, 0).unwrap_or("secret").to_owned();
        let env = restsource_spec::env_name(&key);
        let why = format!("the literal credential (line {}) is not copied into the spec: it is read from the environment variable `{env}` at run time; set it there", e.at.line);
        self.comments
            .push((place.to_vec(), format!("`{}`: {why}", show(place))));
        self.left_out.push(LeftOut {
            place: show(place),
            line: e.at.line,
            why,
        });
        self.secrets.push(SecretUse {
            place: show(place),
            secret: key.clone(),
            env,
            python: "a literal (not copied)".into(),
        });
        let mut out = Map::new();
        out.insert("secret".into(), Value::String(key));
        Value::Object(out)
    }

    fn name(&mut self, e: &Expr, name: &str, place: &[Seg]) -> Value {
        if let Some(kind) = self.injected.get(name).copied() {
            let (source, base) = match kind {
                "secret" => (Source::Secrets, "dlt.secrets.value"),
                _ => (Source::Config, "dlt.config.value"),
            };
            let python = format!("`{name}` (= {base})");
            return self.reference(e, source, name, python, place);
        }
        let (message, help) = match name {
            "dlt.secrets.value" | "dlt.config.value" => (
                format!("`{name}` cannot be converted: dlt takes its key from the function argument it is the default of"),
                format!("write `{}[\"key\"]`", name.trim_end_matches(".value")),
            ),
            _ => {
                let value = match self.literals.get(name) {
                    Some((line, text)) => format!(" (line {line} assigns it `{text}`)"),
                    None => String::new(),
                };
                let help = if is_resource(place) {
                    RESOURCE_HELP.to_owned()
                } else if takes_secret(place) {
                    format!("write its value here{value}, or for a credential `dlt.secrets[\"{name}\"]`")
                } else {
                    format!("write its value here{value}")
                };
                (
                    format!("the variable `{name}` cannot be converted: its value is known only when Python runs"),
                    help,
                )
            }
        };
        self.problem(e, place, message, Some(help));
        Value::Null
    }

    fn call(
        &mut self,
        e: &Expr,
        func: &str,
        args: &[Expr],
        kwargs: &[(String, Expr)],
        place: &mut Place,
    ) -> Value {
        let string_arg = match args.first().map(|a| &a.kind) {
            Some(ExprKind::Str(s)) => Some(s.as_str()),
            _ => None,
        };
        let getter = match func {
            "dlt.secrets.get" => Some(Source::Secrets),
            "dlt.config.get" => Some(Source::Config),
            "os.getenv" | "os.environ.get" => Some(Source::Environ),
            _ => None,
        };
        if let (Some(source), Some(key)) = (getter, string_arg) {
            if let Some(default) = args.get(1).or(kwargs.first().map(|(_, v)| v)) {
                let why = format!("the default of `{func}(\"{key}\", …)` (line {}) is left out: the spec reads the value at run time and names it when it is missing", default.at.line);
                self.left_out.push(LeftOut {
                    place: show(place),
                    line: default.at.line,
                    why,
                });
            }
            let python = format!("{func}(\"{key}\")");
            return self.reference(e, source, key, python, place);
        }
        if func == "dict" && args.is_empty() {
            let items: Vec<DictItem> = kwargs
                .iter()
                .map(|(k, v)| {
                    let key = Expr {
                        at: v.at,
                        len: k.chars().count(),
                        kind: ExprKind::Str(k.clone()),
                    };
                    DictItem::Pair(key, v.clone())
                })
                .collect();
            return self.dict(&items, place);
        }
        if let Some(class) = classes::class(func) {
            return self.class(class, func, args, kwargs, place);
        }
        let help = classes::unmappable(func).map_or_else(|| code_help(place), str::to_owned);
        self.problem(
            e,
            place,
            format!("the call `{func}(…)` cannot be converted: it runs Python code"),
            Some(help),
        );
        Value::Null
    }

    /// A paginator or auth class as its dict form; each argument converts at its key.
    fn class(
        &mut self,
        class: &Class,
        func: &str,
        args: &[Expr],
        kwargs: &[(String, Expr)],
        place: &mut Place,
    ) -> Value {
        let mut out = Map::new();
        if let Some(ty) = class.ty {
            out.insert("type".into(), Value::String(ty.into()));
        }
        let positional = args
            .iter()
            .enumerate()
            .map(|(i, a)| (class.positional.get(i).copied(), a));
        let mut named: Vec<(Option<&str>, &Expr)> = positional.collect();
        named.extend(kwargs.iter().map(|(k, v)| (Some(k.as_str()), v)));
        for (key, value) in named {
            let Some(key) = key else {
                let message = format!("a positional argument of `{func}(…)` cannot be converted: its position names no setting the converter knows");
                let help = format!(
                    "pass it by keyword; the {} `{}` takes {}",
                    class.kind,
                    class.dict_form(),
                    list(class)
                );
                self.problem(value, place, message, Some(help));
                continue;
            };
            if !class.takes(key) {
                let message = format!(
                    "`{key}=` of `{func}(…)` cannot be converted: the {} dict form has no `{key}`",
                    class.kind
                );
                let help = format!("`{}` takes {}", class.dict_form(), list(class));
                self.problem(value, place, message, Some(help));
                continue;
            }
            place.push(Seg::Key(key.to_owned()));
            let v = self.value(value, place);
            place.pop();
            out.insert(key.to_owned(), v);
        }
        Value::Object(out)
    }
}

fn list(class: &Class) -> String {
    let mut keys: Vec<String> = class.keys.iter().map(|k| format!("`{k}`")).collect();
    if matches!(class.ty, Some("offset" | "page_number")) {
        keys.extend(
            ["`total_path`", "`stop_after_empty_page`", "`has_more_path`"].map(String::from),
        );
    }
    if keys.is_empty() {
        "no settings".into()
    } else {
        keys.join(", ")
    }
}
