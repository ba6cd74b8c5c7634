//! Declarative processing steps as `const` expressions.

use proc_macro2::TokenStream;
use quote::quote;

use super::ConstTokens;
use crate::storage::Storage;
use crate::{CompareOp, ConditionDef, Operand, StepDef};

/// `(a, b)` pairs of strings.
fn str_pairs<S: AsRef<str>>(pairs: &[(S, S)]) -> TokenStream {
    let pairs = pairs.iter().map(|(a, b)| {
        let (a, b) = (a.as_ref(), b.as_ref());
        quote! { (#a, #b) }
    });
    quote! { &[#(#pairs),*] }
}

/// Variants with a payload go through the generic enum with a turbofish, as `Lit`'s do.
impl<F: Storage> ConstTokens for StepDef<F> {
    fn const_tokens(&self, rt: &TokenStream) -> TokenStream {
        let generic = quote! { #rt::def::StepDef };
        let stat = quote! { ::<#rt::def::Static> };
        match self {
            StepDef::AddFields(fields) => {
                let fields = str_pairs(fields.as_ref());
                quote! { #generic::AddFields #stat (#fields) }
            }
            StepDef::RemoveFields(fields) => {
                let fields = fields.as_ref().iter().map(AsRef::as_ref);
                quote! { #generic::RemoveFields #stat (&[#(#fields),*]) }
            }
            StepDef::RenameFields(pairs) => {
                let pairs = str_pairs(pairs.as_ref());
                quote! { #generic::RenameFields #stat (#pairs) }
            }
            StepDef::KeysToSnakeCase => quote! { #generic::KeysToSnakeCase },
            StepDef::Filter(conds) => {
                let conds = conds.as_ref().iter().map(|c| c.const_tokens(rt));
                quote! { #generic::Filter #stat (&[#(#conds),*]) }
            }
        }
    }
}

impl<S: AsRef<str>> ConstTokens for ConditionDef<S> {
    fn const_tokens(&self, rt: &TokenStream) -> TokenStream {
        let field = self.field.as_ref();
        let op = self.op.const_tokens(rt);
        let value = match &self.value {
            Operand::Json(text) => {
                let text = text.as_ref();
                quote! { #rt::def::Operand::Json(#text) }
            }
            Operand::CursorStart => quote! { #rt::def::Operand::CursorStart },
        };
        quote! { #rt::def::ConditionDef { field: #field, op: #op, value: #value } }
    }
}

impl ConstTokens for CompareOp {
    fn const_tokens(&self, rt: &TokenStream) -> TokenStream {
        let variant = match self {
            CompareOp::Eq => quote!(Eq),
            CompareOp::Ne => quote!(Ne),
            CompareOp::Lt => quote!(Lt),
            CompareOp::Le => quote!(Le),
            CompareOp::Gt => quote!(Gt),
            CompareOp::Ge => quote!(Ge),
            CompareOp::In => quote!(In),
            CompareOp::IsNull => quote!(IsNull),
            CompareOp::IsNotNull => quote!(IsNotNull),
        };
        quote! { #rt::def::CompareOp::#variant }
    }
}
