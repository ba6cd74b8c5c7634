//! A source, its resources, endpoints, bodies and JSON literals as `const` expressions.
//!
//! A resource's parent, its columns and its SQL, and a source's resources, are printed from
//! what the generator passes in: they name constants and planned columns only codegen
//! decides (the resolver links a parent by name, and codegen adds undeclared key columns and
//! builds the statements from them).

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::{float_tokens, opt_steps, template::template_tokens, ConstTokens};
use crate::storage::{AuthOf, Storage};
use crate::{DataDef, EndpointDef, Lit, ParentDef, ResourceDef, SourceDef};

/// A variant of `def::Lit` with a payload, through the generic enum with a turbofish (see
/// [`Lit`] for why neither the bare enum nor an alias of its `'static` form compiles).
pub(crate) fn lit_variant(rt: &TokenStream, variant: &str, payload: TokenStream) -> TokenStream {
    let variant = proc_macro2::Ident::new(variant, proc_macro2::Span::call_site());
    quote! { #rt::def::Lit::#variant::<#rt::def::Static>(#payload) }
}

impl<F: Storage> ConstTokens for Lit<F> {
    fn const_tokens(&self, rt: &TokenStream) -> TokenStream {
        match self {
            Lit::Null => quote! { #rt::def::Lit::Null },
            Lit::Bool(b) => quote! { #rt::def::Lit::Bool(#b) },
            Lit::Int(i) => {
                let i = Literal::i64_unsuffixed(*i);
                quote! { #rt::def::Lit::Int(#i) }
            }
            Lit::Float(f) => {
                let f = float_tokens(*f);
                quote! { #rt::def::Lit::Float(#f) }
            }
            Lit::Str(t) => lit_variant(rt, "Str", template_tokens(t.0.as_ref(), rt)),
            Lit::List(items) => {
                let items = items.as_ref().iter().map(|i| i.const_tokens(rt));
                lit_variant(rt, "List", quote! { &[#(#items),*] })
            }
            Lit::Map(entries) => lit_variant(rt, "Map", super::pairs_tokens(entries.as_ref(), rt)),
        }
    }
}

/// Through the generic enum with a turbofish, as [`Lit`]'s variants.
impl<F: Storage> ConstTokens for DataDef<F> {
    fn const_tokens(&self, rt: &TokenStream) -> TokenStream {
        match self {
            DataDef::Form(fields) => {
                let fields = super::pairs_tokens(fields.as_ref(), rt);
                quote!(#rt::def::DataDef::Form::<#rt::def::Static>(#fields))
            }
            DataDef::Raw(t) => {
                let t = template_tokens(t.0.as_ref(), rt);
                quote!(#rt::def::DataDef::Raw::<#rt::def::Static>(#t))
            }
        }
    }
}

impl<F: Storage> ConstTokens for EndpointDef<F>
where
    F::Json: ConstTokens,
    AuthOf<F>: ConstTokens,
{
    fn const_tokens(&self, rt: &TokenStream) -> TokenStream {
        let path = template_tokens(self.path.0.as_ref(), rt);
        let method = self.method.const_tokens(rt);
        let params = super::pairs_tokens(self.params.as_ref(), rt);
        let json = self.json.const_tokens(rt);
        let data = self.data.const_tokens(rt);
        let headers = self.headers.as_ref().iter().map(|(k, v)| {
            let (k, v) = (k.as_ref(), template_tokens(v.0.as_ref(), rt));
            quote! { (#k, #v) }
        });
        let selector = opt_steps(self.data_selector.as_ref(), rt);
        let missing = self.data_selector_missing.const_tokens(rt);
        let format = self.response_format.const_tokens(rt);
        let paginator = self.paginator.const_tokens(rt);
        let actions = self
            .response_actions
            .as_ref()
            .iter()
            .map(|a| a.const_tokens(rt));
        let incremental = self.incremental.const_tokens(rt);
        let auth = self.auth.const_tokens(rt);
        quote! {
            #rt::def::EndpointDef {
                path: #path,
                method: #method,
                params: #params,
                json: #json,
                data: #data,
                headers: &[#(#headers),*],
                data_selector: #selector,
                data_selector_missing: #missing,
                response_format: #format,
                paginator: #paginator,
                response_actions: &[#(#actions),*],
                incremental: #incremental,
                auth: #auth,
            }
        }
    }
}

fn strs<S: AsRef<str>>(list: &[S]) -> TokenStream {
    let items = list.iter().map(AsRef::as_ref);
    quote! { &[#(#items),*] }
}

impl<F: Storage> ParentDef<F> {
    /// `def::ParentDef` naming the parent by `resource`, the expression of its definition
    /// (`&PARENT`, the constant codegen named).
    pub fn const_tokens_with(&self, rt: &TokenStream, resource: TokenStream) -> TokenStream {
        let include = strs(self.include_from_parent.as_ref());
        quote! { #rt::def::ParentDef { resource: #resource, include_from_parent: #include } }
    }
}

/// What a resource's constant holds that codegen decides rather than the resolver.
pub struct ResourceParts {
    /// Every column as codegen plans it (declared ones, then undeclared key columns).
    pub columns: Vec<TokenStream>,
    /// The parent's definition (`&PARENT`) when the resource has a parent.
    pub parent: Option<TokenStream>,
    /// The `def::SqlDefs` expression (see [`super::sql_defs_tokens`]).
    pub sql: TokenStream,
}

impl<F: Storage> ResourceDef<F>
where
    F::Json: ConstTokens,
    AuthOf<F>: ConstTokens,
{
    /// `def::ResourceDef`, with the columns, parent and SQL codegen decided.
    pub fn const_tokens_with(&self, rt: &TokenStream, parts: ResourceParts) -> TokenStream {
        let (name, table) = (self.name.as_ref(), self.table_name.as_ref());
        let endpoint = self.endpoint.const_tokens(rt);
        let primary_key = strs(self.primary_key.as_ref());
        let merge_key = strs(self.merge_key.as_ref());
        let write = self.write.const_tokens(rt);
        let columns = parts.columns;
        let parent = match (&self.parent, parts.parent) {
            (Some(p), Some(resource)) => {
                let p = p.const_tokens_with(rt, resource);
                quote! { Some(#p) }
            }
            _ => quote! { None },
        };
        let (selected, parallelized) = (self.selected, self.parallelized);
        let retry = self.retry.const_tokens(rt);
        let sql = parts.sql;
        let checkpoint = self.checkpoint.const_tokens(rt);
        let relational = self.relational.const_tokens(rt);
        let steps = self
            .processing_steps
            .as_ref()
            .iter()
            .map(|s| s.const_tokens(rt));
        quote! {
            #rt::def::ResourceDef {
                name: #name,
                table_name: #table,
                endpoint: #endpoint,
                primary_key: #primary_key,
                merge_key: #merge_key,
                write: #write,
                columns: &[#(#columns),*],
                parent: #parent,
                selected: #selected,
                parallelized: #parallelized,
                retry: #retry,
                sql: #sql,
                checkpoint: #checkpoint,
                relational: #relational,
                processing_steps: &[#(#steps),*],
            }
        }
    }
}

impl<F: Storage> SourceDef<F>
where
    AuthOf<F>: ConstTokens,
{
    /// `def::SourceDef`, its resources the expressions codegen passes (`&RESOURCE`, in the
    /// source's order).
    pub fn const_tokens_with(
        &self,
        rt: &TokenStream,
        resources: impl IntoIterator<Item = TokenStream>,
    ) -> TokenStream {
        let (name, base_url) = (self.name.as_ref(), self.base_url.as_ref());
        let headers = self.headers.as_ref().iter().map(|(k, v)| {
            let (k, v) = (k.as_ref(), v.as_ref());
            quote! { (#k, #v) }
        });
        let auth = self.auth.const_tokens(rt);
        let timeout = float_tokens(self.timeout_secs);
        let rate_limit = self.rate_limit.const_tokens(rt);
        let rate_limit_headers = self.rate_limit_headers.const_tokens(rt);
        let secrets = self.secrets.as_ref().iter().map(|s| s.const_tokens(rt));
        let resources = resources.into_iter();
        let tables = self.tables.const_tokens(rt);
        quote! {
            #rt::def::SourceDef {
                name: #name,
                base_url: #base_url,
                headers: &[#(#headers),*],
                auth: #auth,
                timeout_secs: #timeout,
                rate_limit: #rate_limit,
                rate_limit_headers: #rate_limit_headers,
                secrets: &[#(#secrets),*],
                resources: &[#(#resources),*],
                tables: #tables,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        AuthChoice, ColumnDef, DataSelectorMissing, Method, PaginatorDef, PathStep, RetryDef,
        SecretDef, Template, TemplatePart, WriteDef,
    };

    /// An owned storage like the resolver's (which lives in the spec crate).
    #[derive(Debug, Clone, Copy, PartialEq)]
    struct Owned;

    impl Storage for Owned {
        type Str = String;
        type List<T: Clone + std::fmt::Debug + PartialEq + 'static> = Vec<T>;
        type Path = Vec<PathStep>;
        type Field = Vec<PathStep>;
        type Secret = SecretDef<String>;
        type Cred = SecretDef<String>;
        type Json = serde_json::Value;
        type Column = ColumnDef<String>;
        type Parent = String;
        type Resource = String;
        type Sql = ();
    }

    fn parent_id() -> Lit<Owned> {
        Lit::Str(Template(vec![TemplatePart::Parent(vec![PathStep::Key(
            "id".to_string().into(),
        )])]))
    }

    #[test]
    fn owned_lits_print_as_static_variants_with_their_storage() {
        let v: Lit<Owned> = Lit::Map(vec![(
            "ids".to_string(),
            Lit::List(vec![parent_id(), Lit::Int(0), Lit::Null, Lit::Bool(true)]),
        )]);
        assert_eq!(
            v.const_tokens(&quote!(::rt)).to_string(),
            quote! { ::rt::def::Lit::Map::<::rt::def::Static>(&[("ids", ::rt::def::Lit::List::<::rt::def::Static>(&[
                ::rt::def::Lit::Str::<::rt::def::Static>(::rt::def::Template(&[
                    ::rt::def::TemplatePart::Parent(&[::rt::def::PathStep::key("id")])
                ])),
                ::rt::def::Lit::Int(0),
                ::rt::def::Lit::Null,
                ::rt::def::Lit::Bool(true)
            ]))]) }
            .to_string()
        );
    }

    #[test]
    fn a_resource_prints_its_endpoint_and_what_codegen_passes() {
        let def: ResourceDef<Owned> = ResourceDef {
            name: "children".into(),
            table_name: "kids".into(),
            endpoint: EndpointDef {
                path: Template(vec![TemplatePart::Lit("kids".into())]),
                method: Method::Post,
                params: vec![("id".into(), parent_id())],
                json: None,
                data: Some(DataDef::Form(vec![("n".into(), Lit::Int(5))])),
                headers: vec![],
                data_selector: Some(vec![PathStep::Key("data".to_string().into())]),
                data_selector_missing: DataSelectorMissing::Empty,
                response_format: crate::ResponseFormat::Csv,
                paginator: PaginatorDef::SinglePage,
                response_actions: vec![],
                incremental: None,
                auth: AuthChoice::Inherit,
            },
            primary_key: vec!["id".into()],
            merge_key: vec![],
            write: WriteDef {
                disposition: crate::Disposition::Append,
                deduplicated: false,
            },
            columns: vec![],
            parent: Some(ParentDef {
                resource: "parents".into(),
                include_from_parent: vec!["name".into()],
            }),
            selected: true,
            parallelized: false,
            retry: RetryDef {
                statuses: vec![429],
                max_retries: 1,
                backoff_factor: 1.0,
                max_delay_secs: 2.0,
                respect_retry_after: false,
            },
            sql: (),
            checkpoint: None,
            relational: crate::RelationalDef::DEFAULT,
            processing_steps: vec![
                crate::StepDef::RenameFields(vec![("a".into(), "b".into())]),
                crate::StepDef::Filter(vec![crate::ConditionDef {
                    field: "b".into(),
                    op: crate::CompareOp::Ge,
                    value: crate::Operand::Json("1".into()),
                }]),
            ],
        };
        let parts = ResourceParts {
            columns: vec![quote!(COLUMN)],
            parent: Some(quote!(&PARENTS)),
            sql: quote!(SQL),
        };
        assert_eq!(
            def.const_tokens_with(&quote!(::rt), parts).to_string(),
            quote! { ::rt::def::ResourceDef {
                name: "children",
                table_name: "kids",
                endpoint: ::rt::def::EndpointDef {
                    path: ::rt::def::Template(&[::rt::def::TemplatePart::Lit("kids")]),
                    method: ::rt::def::Method::Post,
                    params: &[("id", ::rt::def::Lit::Str::<::rt::def::Static>(::rt::def::Template(&[
                        ::rt::def::TemplatePart::Parent(&[::rt::def::PathStep::key("id")])
                    ])))],
                    json: None,
                    data: Some(::rt::def::DataDef::Form::<::rt::def::Static>(&[("n", ::rt::def::Lit::Int(5))])),
                    headers: &[],
                    data_selector: Some(&[::rt::def::PathStep::key("data")]),
                    data_selector_missing: ::rt::def::DataSelectorMissing::Empty,
                    response_format: ::rt::def::ResponseFormat::Csv,
                    paginator: ::rt::def::PaginatorDef::SinglePage,
                    response_actions: &[],
                    incremental: None,
                    auth: ::rt::def::AuthChoice::Inherit,
                },
                primary_key: &["id"],
                merge_key: &[],
                write: ::rt::def::WriteDef {
                    disposition: ::rt::def::Disposition::Append,
                    deduplicated: false,
                },
                columns: &[COLUMN],
                parent: Some(::rt::def::ParentDef { resource: &PARENTS, include_from_parent: &["name"] }),
                selected: true,
                parallelized: false,
                retry: ::rt::def::RetryDef {
                    statuses: &[429],
                    max_retries: 1,
                    backoff_factor: 1.0,
                    max_delay_secs: 2.0,
                    respect_retry_after: false,
                },
                sql: SQL,
                checkpoint: None,
                relational: ::rt::def::RelationalDef::DEFAULT,
                processing_steps: &[
                    ::rt::def::StepDef::RenameFields::<::rt::def::Static>(&[("a", "b")]),
                    ::rt::def::StepDef::Filter::<::rt::def::Static>(&[::rt::def::ConditionDef {
                        field: "b",
                        op: ::rt::def::CompareOp::Ge,
                        value: ::rt::def::Operand::Json("1")
                    }])
                ],
            } }
            .to_string()
        );
    }
}
