//! Templates as `const` expressions: any instantiation prints as the `'static` one, and a
//! secret as its name only (its value is read at run time).

use proc_macro2::TokenStream;
use quote::quote;

use super::{steps_tokens, ConstTokens};
use crate::{PathStep, SecretName, Template, TemplatePart};

/// `def::Template(&[..])` of these parts.
pub(crate) fn template_tokens<T: ConstTokens>(parts: &[T], rt: &TokenStream) -> TokenStream {
    let parts = parts.iter().map(|p| p.const_tokens(rt));
    quote! { #rt::def::Template(&[#(#parts),*]) }
}

/// The resolver's form.
impl<S: AsRef<str>, F: AsRef<[PathStep]>, X: SecretName> ConstTokens
    for Template<Vec<TemplatePart<S, F, X>>>
{
    fn const_tokens(&self, rt: &TokenStream) -> TokenStream {
        template_tokens(&self.0, rt)
    }
}

/// The `'static` form.
impl<S: AsRef<str>, F: AsRef<[PathStep]>, X: SecretName> ConstTokens
    for Template<&[TemplatePart<S, F, X>]>
{
    fn const_tokens(&self, rt: &TokenStream) -> TokenStream {
        template_tokens(self.0, rt)
    }
}

impl<S: AsRef<str>, F: AsRef<[PathStep]>, X: SecretName> ConstTokens for TemplatePart<S, F, X> {
    fn const_tokens(&self, rt: &TokenStream) -> TokenStream {
        match self {
            TemplatePart::Lit(s) => {
                let s = s.as_ref();
                quote! { #rt::def::TemplatePart::Lit(#s) }
            }
            TemplatePart::Parent(field) => {
                let steps = steps_tokens(field.as_ref(), rt);
                quote! { #rt::def::TemplatePart::Parent(#steps) }
            }
            TemplatePart::Incremental(v) => {
                let v = v.const_tokens(rt);
                quote! { #rt::def::TemplatePart::Incremental(#v) }
            }
            TemplatePart::Secret(secret) => {
                let name = secret.secret_name();
                quote! { #rt::def::TemplatePart::Secret(#name) }
            }
        }
    }
}

/// `(name, value)` pairs (query parameters, form fields, headers) as a `&[...]` slice.
pub fn pairs_tokens<K: AsRef<str>, V: ConstTokens>(
    pairs: &[(K, V)],
    rt: &TokenStream,
) -> TokenStream {
    let items = pairs.iter().map(|(k, v)| {
        let k = k.as_ref();
        let v = v.const_tokens(rt);
        quote! { (#k, #v) }
    });
    quote! { &[#(#items),*] }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SecretDef;

    #[test]
    fn owned_templates_print_as_static_ones_with_secret_names_only() {
        let secret = SecretDef {
            name: "api_key".to_string(),
            env: "API_KEY".to_string(),
        };
        let t = Template(vec![
            TemplatePart::Lit("items/".to_string()),
            TemplatePart::Parent(vec![PathStep::Key("id".to_string().into())]),
            TemplatePart::Secret(secret),
        ]);
        assert_eq!(
            t.const_tokens(&quote!(::rt)).to_string(),
            quote! { ::rt::def::Template(&[
                ::rt::def::TemplatePart::Lit("items/"),
                ::rt::def::TemplatePart::Parent(&[::rt::def::PathStep::key("id")]),
                ::rt::def::TemplatePart::Secret("api_key")
            ]) }
            .to_string()
        );
    }
}
