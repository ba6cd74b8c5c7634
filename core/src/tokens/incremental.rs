//! Incremental settings as a `const` expression.

use proc_macro2::TokenStream;
use quote::quote;

use super::{steps_tokens, ConstTokens};
use crate::{IncrementalDef, PathStep};

impl<S, P, V> ConstTokens for IncrementalDef<S, P, V>
where
    S: AsRef<str>,
    P: AsRef<[PathStep]>,
    V: ConstTokens,
{
    fn const_tokens(&self, rt: &TokenStream) -> TokenStream {
        let text = self.cursor_path_text.as_ref();
        let path = steps_tokens(self.cursor_path.as_ref(), rt);
        let initial = self.initial_value.const_tokens(rt);
        let end = self.end_value.const_tokens(rt);
        let start_param = self
            .start_param
            .as_ref()
            .map(AsRef::as_ref)
            .const_tokens(rt);
        let end_param = self.end_param.as_ref().map(AsRef::as_ref).const_tokens(rt);
        let func = self.last_value_func.const_tokens(rt);
        let lag = self.lag.const_tokens(rt);
        let missing = self.on_cursor_value_missing.const_tokens(rt);
        let (start_closed, end_closed) = (self.range_start_closed, self.range_end_closed);
        let step = self.step.const_tokens(rt);
        let lookback = self.lookback.const_tokens(rt);
        let row_order = self.row_order.const_tokens(rt);
        quote! {
            #rt::def::IncrementalDef {
                cursor_path_text: #text,
                cursor_path: #path,
                initial_value: #initial,
                end_value: #end,
                start_param: #start_param,
                end_param: #end_param,
                last_value_func: #func,
                lag: #lag,
                on_cursor_value_missing: #missing,
                range_start_closed: #start_closed,
                range_end_closed: #end_closed,
                step: #step,
                lookback: #lookback,
                row_order: #row_order,
            }
        }
    }
}
