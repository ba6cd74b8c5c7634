//! The glue users touch: the typed `Secrets` and the `Source` wrapping the runtime's
//! `Extractor`.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::SourceIr;

/// `Secrets`: one field per secret the spec references, read from the environment.
pub(crate) fn secrets(ir: &SourceIr<'_>, rt: &TokenStream) -> TokenStream {
    let fields = ir.secrets.iter().map(|s| {
        let field = &s.field;
        let doc = format!(" Secret `{}`, read from `{}`.", s.name, s.env);
        quote! {
            #[doc = #doc]
            pub #field: #rt::secret::Secret,
        }
    });
    let reads = ir.secrets.iter().map(|s| {
        let (field, name, env) = (&s.field, s.name, s.env);
        quote! { #field: #rt::secret::from_env(#name, #env)?, }
    });
    let into = if ir.secrets.is_empty() {
        quote! {
            fn from(_: Secrets) -> Self {
                #rt::secret::SecretValues::new()
            }
        }
    } else {
        let inserts = ir.secrets.iter().map(|s| {
            let (field, name) = (&s.field, s.name);
            quote! { values.insert(#name, secrets.#field); }
        });
        quote! {
            fn from(secrets: Secrets) -> Self {
                let mut values = #rt::secret::SecretValues::new();
                #(#inserts)*
                values
            }
        }
    };
    quote! {
        /// The secrets this source reads at run time (values print as `***`).
        #[derive(Debug, Clone)]
        pub struct Secrets {
            #(#fields)*
        }

        impl Secrets {
            /// Reads every secret from its environment variable; the error names the first
            /// one that is missing or empty.
            pub fn from_env() -> ::core::result::Result<Secrets, #rt::secret::MissingSecret> {
                ::core::result::Result::Ok(Secrets { #(#reads)* })
            }
        }

        impl ::core::convert::From<Secrets> for #rt::secret::SecretValues {
            #into
        }
    }
}

/// `Source`: typed record streams per resource and resource handles for the pipeline.
pub(crate) fn source(ir: &SourceIr<'_>, rt: &TokenStream) -> TokenStream {
    let methods = ir.resources.iter().map(|r| {
        let (method, ty) = (&r.method, &r.ty);
        let doc = format!(
            " Every record of resource `{}`, in API order (parents are fetched as needed).",
            r.res.def.name
        );
        quote! {
            #[doc = #doc]
            pub fn #method(&self) -> #rt::futures::stream::BoxStream<'static, ::core::result::Result<#ty, #rt::extract::ExtractError>> {
                self.extractor.records::<#ty>()
            }
        }
    });
    let selected = ir
        .resources
        .iter()
        .filter(|r| r.res.def.selected)
        .map(|r| &r.ty);
    let all = ir.resources.iter().map(|r| &r.ty);
    let by_name = ir.resources.iter().map(|r| {
        let (name, ty) = (&r.res.def.name, &r.ty);
        quote! { #name => ::core::option::Option::Some(#rt::extract::ResourceHandle::of::<#ty>()), }
    });
    let doc = format!(
        " Source `{}`: runs its resources through the runtime.",
        ir.src.name
    );
    quote! {
        #[doc = #doc]
        pub struct Source {
            extractor: #rt::extract::Extractor,
        }

        impl Source {
            /// A source using `secrets`.
            pub fn new(secrets: Secrets) -> Source {
                Source {
                    extractor: #rt::extract::Extractor::new(&SOURCE, secrets.into()),
                }
            }

            /// A source whose secrets are read from the environment.
            pub fn from_env() -> ::core::result::Result<Source, #rt::secret::MissingSecret> {
                ::core::result::Result::Ok(Source::new(Secrets::from_env()?))
            }

            /// Sends requests to `url` instead of the spec's base URL.
            pub fn with_base_url(self, url: impl ::core::convert::Into<::std::string::String>) -> Source {
                Source { extractor: self.extractor.with_base_url(url) }
            }

            /// Replaces the extraction tuning options.
            pub fn with_options(self, options: #rt::extract::ExtractOptions) -> Source {
                Source { extractor: self.extractor.with_options(options) }
            }

            /// The runtime extractor, e.g. to hand to a pipeline.
            pub fn extractor(&self) -> &#rt::extract::Extractor {
                &self.extractor
            }

            /// Adds a typed filter to the resource whose record struct the closure takes
            /// (`source.filter(|i: &Item| i.active)`): records for which it returns false are
            /// neither loaded nor passed to child resources. Transforms run in the order they
            /// are added, after the incremental filter (the cursor state counts every record
            /// in range, as dlt's processing steps run after its incremental step).
            pub fn filter<R: #rt::transform::RecordOf<Source>>(
                self,
                keep: impl ::core::ops::Fn(&R) -> bool + ::core::marker::Send + ::core::marker::Sync + 'static,
            ) -> Source {
                Source { extractor: self.extractor.filter(keep) }
            }

            /// Adds a typed map to the resource whose record struct the closure takes
            /// (`source.map(|i: Item| Item { name: i.name.to_uppercase(), ..i })`): each
            /// record is replaced by what it returns before it is loaded or passed to child
            /// resources (in order with the resource's other transforms).
            pub fn map<R: #rt::transform::RecordOf<Source>>(
                self,
                f: impl ::core::ops::Fn(R) -> R + ::core::marker::Send + ::core::marker::Sync + 'static,
            ) -> Source {
                Source { extractor: self.extractor.map(f) }
            }

            #(#methods)*

            /// Every selected resource, parents before children.
            pub fn resources() -> ::std::vec::Vec<#rt::extract::ResourceHandle> {
                ::std::vec::Vec::from([#(#rt::extract::ResourceHandle::of::<#selected>()),*])
            }

            /// The resource named `name` in the spec (selected or not).
            pub fn resource(name: &str) -> ::core::option::Option<#rt::extract::ResourceHandle> {
                match name {
                    #(#by_name)*
                    _ => ::core::option::Option::None,
                }
            }
        }

        #(impl #rt::transform::RecordOf<Source> for #all {})*

        // Inherent items win over trait items of the same name: these delegate, not recurse.
        impl #rt::Source for Source {
            fn extractor(&self) -> &#rt::extract::Extractor {
                Source::extractor(self)
            }
            fn resources() -> ::std::vec::Vec<#rt::extract::ResourceHandle> {
                Source::resources()
            }
            fn resource(name: &str) -> ::core::option::Option<#rt::extract::ResourceHandle> {
                Source::resource(name)
            }
        }
    }
}
