//! dlt's paginator and auth classes (and `dlt.sources.incremental`) whose constructor
//! arguments are, one for one, the keys of their dict form: `OffsetPaginator(limit=100)` is
//! `{"type": "offset", "limit": 100}`. Anything they take that the dict form cannot say is
//! named here so the converter reports it instead of guessing.

/// A class the converter turns into a dict.
pub struct Class {
    /// The class name as imported (`OffsetPaginator`).
    pub name: &'static str,
    /// The dict's `type`, or `None` for a dict without one (`incremental`).
    pub ty: Option<&'static str>,
    /// What it is, for messages ("paginator").
    pub kind: &'static str,
    /// The keyword arguments that map to keys of the same name.
    pub keys: &'static [&'static str],
    /// The names of the leading positional parameters that may be passed without a keyword.
    pub positional: &'static [&'static str],
}

const RANGE: &[&str] = &["total_path", "stop_after_empty_page", "has_more_path"];

/// Every class the converter knows, by the last segment of its (possibly dotted) name.
pub const CLASSES: &[Class] = &[
    Class {
        name: "SinglePagePaginator",
        ty: Some("single_page"),
        kind: "paginator",
        keys: &[],
        positional: &[],
    },
    Class {
        name: "HeaderLinkPaginator",
        ty: Some("header_link"),
        kind: "paginator",
        keys: &["links_next_key"],
        positional: &["links_next_key"],
    },
    Class {
        name: "JSONLinkPaginator",
        ty: Some("json_link"),
        kind: "paginator",
        keys: &["next_url_path"],
        positional: &["next_url_path"],
    },
    // dlt's deprecated alias of JSONLinkPaginator.
    Class {
        name: "JSONResponsePaginator",
        ty: Some("json_link"),
        kind: "paginator",
        keys: &["next_url_path"],
        positional: &["next_url_path"],
    },
    Class {
        name: "JSONResponseCursorPaginator",
        ty: Some("cursor"),
        kind: "paginator",
        keys: &[
            "cursor_path",
            "cursor_param",
            "cursor_body_path",
            "stop_after_empty_page",
            "has_more_path",
        ],
        positional: &[],
    },
    Class {
        name: "HeaderCursorPaginator",
        ty: Some("header_cursor"),
        kind: "paginator",
        keys: &["cursor_key", "cursor_param"],
        positional: &[],
    },
    Class {
        name: "OffsetPaginator",
        ty: Some("offset"),
        kind: "paginator",
        keys: &[
            "limit",
            "offset",
            "offset_param",
            "offset_body_path",
            "limit_param",
            "limit_body_path",
            "maximum_offset",
        ],
        positional: &["limit"],
    },
    Class {
        name: "PageNumberPaginator",
        ty: Some("page_number"),
        kind: "paginator",
        keys: &[
            "base_page",
            "page",
            "page_param",
            "page_body_path",
            "maximum_page",
        ],
        positional: &[],
    },
    Class {
        name: "BearerTokenAuth",
        ty: Some("bearer"),
        kind: "auth",
        keys: &["token"],
        positional: &["token"],
    },
    Class {
        name: "APIKeyAuth",
        ty: Some("api_key"),
        kind: "auth",
        keys: &["name", "api_key", "location"],
        positional: &[],
    },
    Class {
        name: "HttpBasicAuth",
        ty: Some("http_basic"),
        kind: "auth",
        keys: &["username", "password"],
        positional: &["username", "password"],
    },
    Class {
        name: "OAuth2ClientCredentials",
        ty: Some("oauth2_client_credentials"),
        kind: "auth",
        keys: &[
            "access_token_url",
            "client_id",
            "client_secret",
            "access_token_request_data",
            "default_token_expiration",
        ],
        positional: &[],
    },
    Class {
        name: "incremental",
        ty: None,
        kind: "incremental",
        keys: &[
            "cursor_path",
            "initial_value",
            "end_value",
            "last_value_func",
            "primary_key",
            "row_order",
            "on_cursor_value_missing",
            "lag",
            "range_start",
            "range_end",
            "allow_external_schedulers",
        ],
        positional: &["cursor_path"],
    },
];

/// The class `func` names (`OffsetPaginator`, `paginators.OffsetPaginator`,
/// `dlt.sources.incremental`), if the converter knows it.
pub fn class(func: &str) -> Option<&'static Class> {
    let last = func.rsplit('.').next().unwrap_or(func);
    if last == "incremental" && !(func == "incremental" || func.ends_with("sources.incremental")) {
        return None;
    }
    CLASSES.iter().find(|c| c.name == last)
}

impl Class {
    /// Whether `key` is a keyword argument with a key of the same name.
    pub fn takes(&self, key: &str) -> bool {
        self.keys.contains(&key)
            || (matches!(self.ty, Some("offset" | "page_number")) && RANGE.contains(&key))
    }

    /// The dict form as a spec writes it, for messages: `{ type = "offset", … }`.
    pub fn dict_form(&self) -> String {
        match self.ty {
            Some(ty) => format!("{{ type = \"{ty}\", … }}"),
            None => "{ cursor_path = \"…\", … }".to_owned(),
        }
    }
}

/// Classes dlt has that a spec cannot say as a dict, with what to write instead.
pub fn unmappable(func: &str) -> Option<&'static str> {
    let last = func.rsplit('.').next().unwrap_or(func);
    Some(match last {
        "OAuthJWTAuth" => "dlt's JWT auth has no dict form; write `auth = { type = \"rust\", path = \"crate::YourAuth\", secrets = [...] }` with a Rust type implementing `Authenticate` (README, \"Escape hatches in Rust\")",
        "BasePaginator" | "RangePaginator" | "BaseReferencePaginator" | "BaseNextUrlPaginator" => {
            "a paginator class of your own is Python code; write `paginator = { type = \"rust\", path = \"crate::YourPaginator\" }` with a Rust type (README, \"Escape hatches in Rust\")"
        }
        "AuthConfigBase" | "AuthBase" => {
            "an auth class of your own is Python code; write `auth = { type = \"rust\", path = \"crate::YourAuth\", secrets = [...] }` with a Rust type (README, \"Escape hatches in Rust\")"
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_are_found_by_their_last_name_segment() {
        assert_eq!(class("OffsetPaginator").and_then(|c| c.ty), Some("offset"));
        let dotted = "dlt.sources.helpers.rest_client.paginators.JSONLinkPaginator";
        assert_eq!(class(dotted).and_then(|c| c.ty), Some("json_link"));
        assert_eq!(
            class("dlt.sources.incremental").map(|c| c.kind),
            Some("incremental")
        );
        assert!(class("my.incremental").is_none());
        assert!(class("requests.Session").is_none());
        assert!(class("OffsetPaginator").is_some_and(|c| c.takes("total_path")));
        assert!(class("JSONLinkPaginator").is_some_and(|c| !c.takes("total_path")));
    }
}
