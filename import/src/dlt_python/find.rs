//! Where in a whole `.py` file the config is. The rule, in order:
//!
//! 1. The first call of `rest_api_source(…)` or `rest_api_resources(…)` (dotted or not): its
//!    `config=` argument, else its first positional argument. When that argument is a plain
//!    name, the config is the value of the last assignment `name = …` (or `name: T = …`)
//!    before the call; any other argument is converted as written.
//! 2. With no such call, the first dict literal assigned to a name annotated `RESTAPIConfig`
//!    (`config: RESTAPIConfig = {…}`), else to a name `config` or ending in `_config`.
//!
//! Also collected: names whose default is `dlt.secrets.value` or `dlt.config.value` (dlt
//! resolves such a function argument under its own name), so `"token": access_token` can
//! become a secret reference.

use super::lex::{Pos, TokKind, Token};
use super::parse::{Expr, ExprKind, Parser};
use std::collections::HashMap;

/// The config expression and what pointed at it.
pub struct Found {
    /// The config (normally a dict).
    pub config: Expr,
    /// The other keyword arguments of the `rest_api_source` call (`name=`, …).
    pub call_kwargs: Vec<(String, Expr)>,
    /// How the config was found, for the header: "the first argument of `rest_api_source`
    /// at line 4".
    pub how: String,
    /// The `name=` of the last `@dlt.source(…)` decorator before the call: the source name
    /// dlt gives the resources `rest_api_resources` yields inside it.
    pub decorator_name: Option<String>,
}

/// The `name="…"` of the last `@dlt.source(…)` that starts before token `before`.
fn decorator_name(toks: &[Token], before: usize) -> Option<String> {
    let at = (0..before).rev().find(|&i| {
        is_op(toks.get(i), "@")
            && toks.get(i + 1).and_then(name_of) == Some("dlt")
            && is_op(toks.get(i + 2), ".")
            && toks.get(i + 3).and_then(name_of) == Some("source")
            && is_op(toks.get(i + 4), "(")
    })?;
    let (_, kwargs) = Parser::at(toks, at + 5).arguments();
    kwargs.into_iter().find_map(|(k, v)| match v.kind {
        ExprKind::Str(s) if k == "name" => Some(s),
        _ => None,
    })
}

/// Why no config was found: where, what and the fix.
pub struct NotFound {
    /// Where to point.
    pub at: Pos,
    /// What is missing.
    pub message: String,
    /// What to write.
    pub help: String,
}

struct Assignment {
    name: String,
    annotation: String,
    /// Token index of the value.
    value: usize,
    at: Pos,
}

fn name_of(t: &Token) -> Option<&str> {
    match &t.kind {
        TokKind::Name(n) => Some(n),
        _ => None,
    }
}

fn is_op(t: Option<&Token>, op: &str) -> bool {
    matches!(t, Some(Token { kind: TokKind::Op(o), .. }) if *o == op)
}

/// `name = …` and `name: annotation = …` at the start of a statement.
fn assignments(toks: &[Token]) -> Vec<Assignment> {
    let mut out = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        let start = i == 0 || matches!(toks[i - 1].kind, TokKind::Newline | TokKind::Op(";"));
        let Some(name) = name_of(t).filter(|_| start) else {
            continue;
        };
        if is_op(toks.get(i + 1), "=") {
            out.push(Assignment {
                name: name.to_owned(),
                annotation: String::new(),
                value: i + 2,
                at: t.at,
            });
        } else if is_op(toks.get(i + 1), ":") {
            let mut annotation = String::new();
            let mut j = i + 2;
            let mut depth = 0usize;
            while let Some(tok) = toks.get(j) {
                match &tok.kind {
                    TokKind::Op("=") if depth == 0 => {
                        out.push(Assignment {
                            name: name.to_owned(),
                            annotation: annotation.clone(),
                            value: j + 1,
                            at: t.at,
                        });
                        break;
                    }
                    TokKind::Newline | TokKind::Eof => break,
                    TokKind::Op("(" | "[" | "{") => depth += 1,
                    TokKind::Op(")" | "]" | "}") => depth = depth.saturating_sub(1),
                    TokKind::Name(n) => annotation.push_str(n),
                    TokKind::Op(o) => annotation.push_str(o),
                    _ => {}
                }
                j += 1;
            }
        }
    }
    out
}

/// Names whose default or value is `dlt.secrets.value` (`"secret"`) or `dlt.config.value`
/// (`"config"`): function parameters (`token: str = dlt.secrets.value`) and assignments.
pub fn injected(toks: &[Token]) -> HashMap<String, &'static str> {
    let mut out = HashMap::new();
    for i in 0..toks.len() {
        let names: Vec<Option<&str>> = (0..5).map(|k| toks.get(i + k).and_then(name_of)).collect();
        let kind = match (names[0], names[2], names[4]) {
            (Some("dlt"), Some("secrets"), Some("value")) => "secret",
            (Some("dlt"), Some("config"), Some("value")) => "config",
            _ => continue,
        };
        if i == 0 || !is_op(toks.get(i - 1), "=") {
            continue;
        }
        // Back from `=` over an annotation (`: Optional[str]`) to the name.
        let eq = i - 1;
        let (mut k, mut depth, mut colon) = (eq, 0usize, None);
        while k > 0 {
            k -= 1;
            match &toks[k].kind {
                TokKind::Op("]" | ")") => depth += 1,
                TokKind::Op("[" | "(") if depth > 0 => depth -= 1,
                TokKind::Op(":") if depth == 0 => {
                    colon = Some(k);
                    break;
                }
                TokKind::Name(_) | TokKind::Op(".") | TokKind::Op("|") => {}
                _ if depth > 0 => {}
                _ => break,
            }
        }
        let name = colon
            .unwrap_or(eq)
            .checked_sub(1)
            .and_then(|n| name_of(&toks[n]));
        if let Some(n) = name {
            out.insert(n.to_owned(), kind);
        }
    }
    out
}

/// Names assigned exactly once in the file, to a plain literal (`BASE_URL = "https://…"`), with
/// the line and the literal as Python writes it: the help for using such a variable.
pub fn literals(toks: &[Token]) -> HashMap<String, (usize, String)> {
    let mut count: HashMap<String, usize> = HashMap::new();
    let mut out = HashMap::new();
    for a in assignments(toks) {
        *count.entry(a.name.clone()).or_default() += 1;
        let mut p = Parser::at(toks, a.value);
        let e = p.expr();
        let ends = matches!(
            toks.get(p.index()).map(|t| &t.kind),
            Some(TokKind::Newline | TokKind::Eof)
        );
        let text = match &e.kind {
            ExprKind::Str(s) => serde_json::Value::String(s.clone()).to_string(),
            ExprKind::Int(n) => n.to_string(),
            ExprKind::Float(f) => f.to_string(),
            ExprKind::Bool(b) => if *b { "True" } else { "False" }.to_owned(),
            _ => continue,
        };
        if ends {
            out.insert(a.name, (a.at.line, text));
        }
    }
    out.retain(|name, _| count.get(name) == Some(&1));
    out
}

/// The config of the file, by the rule in this module's documentation.
pub fn find(toks: &[Token]) -> Result<Found, NotFound> {
    let assigned = assignments(toks);
    let call = toks.iter().enumerate().position(|(i, t)| {
        matches!(name_of(t), Some("rest_api_source" | "rest_api_resources"))
            && is_op(toks.get(i + 1), "(")
            && !(i > 0 && matches!(name_of(&toks[i - 1]), Some("def")))
    });
    if let Some(i) = call {
        let func = name_of(&toks[i]).unwrap_or("rest_api_source");
        let mut p = Parser::at(toks, i + 2);
        let (mut args, mut kwargs) = p.arguments();
        let config = match kwargs.iter().position(|(k, _)| k == "config") {
            Some(k) => Some(kwargs.remove(k).1),
            None if !args.is_empty() => Some(args.remove(0)),
            None => None,
        };
        let line = toks[i].at.line;
        let Some(config) = config else {
            return Err(NotFound {
                at: toks[i].at,
                message: format!("`{func}(…)` is called without a config"),
                help: format!("pass the config dict as its first argument: `{func}({{\"client\": …, \"resources\": […]}})`"),
            });
        };
        let how = format!("the first argument of `{func}` at line {line}");
        let ExprKind::Name(var) = &config.kind else {
            return Ok(Found {
                config,
                call_kwargs: kwargs,
                how,
                decorator_name: decorator_name(toks, i),
            });
        };
        let earlier = assigned.iter().rfind(|a| &a.name == var && a.value < i);
        return match earlier {
            Some(a) => Ok(Found {
                config: Parser::at(toks, a.value).expr(),
                call_kwargs: kwargs,
                how: format!("`{var}`, assigned at line {} and passed to `{func}` at line {line}", a.at.line),
                decorator_name: decorator_name(toks, i),
            }),
            None => Err(NotFound {
                at: config.at,
                message: format!("`{var}` is passed to `{func}` but no assignment to it comes before the call in this file"),
                help: format!("assign the config dict to `{var}` in this file, or pass the dict itself"),
            }),
        };
    }
    let dict_at = |a: &&Assignment| is_op(toks.get(a.value), "{");
    let typed = assigned
        .iter()
        .filter(dict_at)
        .find(|a| a.annotation.rsplit('.').next() == Some("RESTAPIConfig"));
    let named = || {
        assigned
            .iter()
            .filter(dict_at)
            .find(|a| a.name == "config" || a.name.ends_with("_config"))
    };
    match typed.or_else(named) {
        Some(a) => Ok(Found {
            config: Parser::at(toks, a.value).expr(),
            call_kwargs: Vec::new(),
            how: format!("the dict assigned to `{}` at line {}", a.name, a.at.line),
            decorator_name: None,
        }),
        None => Err(NotFound {
            at: Pos { line: 1, col: 1 },
            message: "no dlt config in this file: no `rest_api_source(…)` or `rest_api_resources(…)` call, and no dict assigned to a name annotated `RESTAPIConfig` or named `config`".into(),
            help: "the file must hold `rest_api_source({…})`, or `config: RESTAPIConfig = {…}`".into(),
        }),
    }
}
