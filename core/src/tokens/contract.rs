//! How records become tables: the tables mode, schema contracts and nesting.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::ConstTokens;
use crate::contract::{ContractMode, RelationalDef, SchemaContract, TablesMode};

impl ConstTokens for TablesMode {
    fn const_tokens(&self, rt: &TokenStream) -> TokenStream {
        match self {
            TablesMode::Json => quote! { #rt::def::TablesMode::Json },
            TablesMode::Relational => quote! { #rt::def::TablesMode::Relational },
            TablesMode::Dlt => quote! { #rt::def::TablesMode::Dlt },
        }
    }
}

impl ConstTokens for ContractMode {
    fn const_tokens(&self, rt: &TokenStream) -> TokenStream {
        match self {
            ContractMode::Evolve => quote! { #rt::def::ContractMode::Evolve },
            ContractMode::Freeze => quote! { #rt::def::ContractMode::Freeze },
            ContractMode::DiscardRow => quote! { #rt::def::ContractMode::DiscardRow },
            ContractMode::DiscardValue => quote! { #rt::def::ContractMode::DiscardValue },
        }
    }
}

impl ConstTokens for SchemaContract {
    fn const_tokens(&self, rt: &TokenStream) -> TokenStream {
        let (tables, columns, data_type) = (
            self.tables.const_tokens(rt),
            self.columns.const_tokens(rt),
            self.data_type.const_tokens(rt),
        );
        quote! {
            #rt::def::SchemaContract {
                tables: #tables,
                columns: #columns,
                data_type: #data_type,
            }
        }
    }
}

/// dlt's defaults print as `RelationalDef::DEFAULT`, so most resources' constants stay short.
impl ConstTokens for RelationalDef {
    fn const_tokens(&self, rt: &TokenStream) -> TokenStream {
        if *self == RelationalDef::DEFAULT {
            return quote! { #rt::def::RelationalDef::DEFAULT };
        }
        let contract = self.contract.const_tokens(rt);
        let max_nesting = Literal::u32_unsuffixed(self.max_nesting);
        quote! {
            #rt::def::RelationalDef {
                contract: #contract,
                max_nesting: #max_nesting,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_print_short_and_others_in_full() {
        let rt = quote!(rt);
        assert_eq!(
            RelationalDef::DEFAULT.const_tokens(&rt).to_string(),
            "rt :: def :: RelationalDef :: DEFAULT"
        );
        let frozen = RelationalDef {
            contract: SchemaContract {
                columns: ContractMode::Freeze,
                ..SchemaContract::EVOLVE
            },
            max_nesting: 2,
        };
        assert_eq!(
            frozen.const_tokens(&rt).to_string(),
            quote! { rt::def::RelationalDef {
                contract: rt::def::SchemaContract {
                    tables: rt::def::ContractMode::Evolve,
                    columns: rt::def::ContractMode::Freeze,
                    data_type: rt::def::ContractMode::Evolve,
                },
                max_nesting: 2,
            } }
            .to_string()
        );
    }
}
