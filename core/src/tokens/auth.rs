//! Authentication and plain JSON values as `const` expressions: credentials print as secret
//! names only, never values.

use proc_macro2::{Literal, TokenStream};
use quote::quote;
use serde_json::Value;

use super::resource::lit_variant;
use super::{float_tokens, ConstTokens};
use crate::{AuthChoice, AuthDef, SecretName};

fn cred(c: &impl SecretName, rt: &TokenStream) -> TokenStream {
    let name = c.secret_name();
    quote!(#rt::def::CredDef { secret: #name })
}

impl<S, C, E, L> ConstTokens for AuthDef<S, C, E, L>
where
    S: AsRef<str>,
    C: SecretName,
    E: ConstTokens,
    L: AsRef<[S]>,
{
    fn const_tokens(&self, rt: &TokenStream) -> TokenStream {
        match self {
            AuthDef::Bearer { token } => {
                let token = cred(token, rt);
                quote!(#rt::def::AuthDef::Bearer { token: #token })
            }
            AuthDef::ApiKey {
                name,
                key,
                location,
            } => {
                let name = name.as_ref();
                let key = cred(key, rt);
                let location = location.const_tokens(rt);
                quote!(#rt::def::AuthDef::ApiKey {
                    name: #name,
                    key: #key,
                    location: #location,
                })
            }
            AuthDef::HttpBasic { username, password } => {
                let username = cred(username, rt);
                let password = cred(password, rt);
                quote!(#rt::def::AuthDef::HttpBasic { username: #username, password: #password })
            }
            AuthDef::OAuth2 {
                token_url,
                client_id,
                client_secret,
                extra,
                default_expiration_secs,
                client_auth,
                scopes,
                refresh_token,
            } => {
                let refresh_token = match refresh_token {
                    Some(c) => {
                        let c = cred(c, rt);
                        quote!(Some(#c))
                    }
                    None => quote!(None),
                };
                let token_url = token_url.as_ref();
                let client_id = cred(client_id, rt);
                let client_secret = cred(client_secret, rt);
                let extra = extra.const_tokens(rt);
                let expiration = default_expiration_secs.const_tokens(rt);
                let client_auth = client_auth.const_tokens(rt);
                let scopes = scopes.as_ref().iter().map(AsRef::as_ref);
                quote!(#rt::def::AuthDef::OAuth2 {
                    token_url: #token_url,
                    client_id: #client_id,
                    client_secret: #client_secret,
                    extra: #extra,
                    default_expiration_secs: #expiration,
                    client_auth: #client_auth,
                    scopes: &[#(#scopes),*],
                    refresh_token: #refresh_token,
                })
            }
            AuthDef::Session {
                login_url,
                username,
                password,
                token_path,
                header,
            } => {
                let login_url = login_url.as_ref();
                let username = cred(username, rt);
                let password = cred(password, rt);
                let token_path = token_path.as_ref();
                let header = match header {
                    Some(h) => {
                        let h = h.as_ref();
                        quote!(Some(#h))
                    }
                    None => quote!(None),
                };
                quote!(#rt::def::AuthDef::Session {
                    login_url: #login_url,
                    username: #username,
                    password: #password,
                    token_path: #token_path,
                    header: #header,
                })
            }
            AuthDef::Rust {
                path, at, secrets, ..
            } => {
                let (path, at) = (path.as_ref(), at.as_ref());
                let secrets = secrets.as_ref().iter().map(AsRef::as_ref);
                let make =
                    super::rust_factory_tokens(path, at, ("http", "Authenticate", "auth"), rt);
                quote!(#rt::def::AuthDef::Rust {
                    path: #path,
                    at: #at,
                    secrets: &[#(#secrets),*],
                    make: #make,
                })
            }
        }
    }
}

impl<A: ConstTokens> ConstTokens for AuthChoice<A> {
    fn const_tokens(&self, rt: &TokenStream) -> TokenStream {
        match self {
            AuthChoice::Inherit => quote!(#rt::def::AuthChoice::Inherit),
            AuthChoice::None => quote!(#rt::def::AuthChoice::None),
            AuthChoice::Own(a) => {
                let a = a.const_tokens(rt);
                quote!(#rt::def::AuthChoice::Own(#a))
            }
        }
    }
}

/// `(name, value)` pairs as a `&[...]` slice (OAuth2's extra fields, params, form fields).
impl<K: AsRef<str>, V: ConstTokens> ConstTokens for Vec<(K, V)> {
    fn const_tokens(&self, rt: &TokenStream) -> TokenStream {
        super::pairs_tokens(self, rt)
    }
}

/// `(name, value)` pairs as a `&[...]` slice, from the `'static` form.
impl<K: AsRef<str>, V: ConstTokens> ConstTokens for [(K, V)] {
    fn const_tokens(&self, rt: &TokenStream) -> TokenStream {
        super::pairs_tokens(self, rt)
    }
}

/// A plain JSON value (no placeholders) as a `def::Lit`.
impl ConstTokens for Value {
    fn const_tokens(&self, rt: &TokenStream) -> TokenStream {
        match self {
            Value::Null => quote! { #rt::def::Lit::Null },
            Value::Bool(b) => quote! { #rt::def::Lit::Bool(#b) },
            Value::Number(n) => match n.as_i64() {
                Some(i) => {
                    let i = Literal::i64_unsuffixed(i);
                    quote! { #rt::def::Lit::Int(#i) }
                }
                None => {
                    let f = float_tokens(n.as_f64().unwrap_or(f64::NAN));
                    quote! { #rt::def::Lit::Float(#f) }
                }
            },
            Value::String(s) => lit_variant(
                rt,
                "Str",
                quote! { #rt::def::Template(&[#rt::def::TemplatePart::Lit(#s)]) },
            ),
            Value::Array(items) => {
                let items = items.iter().map(|i| i.const_tokens(rt));
                lit_variant(rt, "List", quote! { &[#(#items),*] })
            }
            Value::Object(m) => {
                let entries = m.iter().map(|(k, v)| {
                    let v = v.const_tokens(rt);
                    quote! { (#k, #v) }
                });
                lit_variant(rt, "Map", quote! { &[#(#entries),*] })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_values_become_lits() {
        let v = serde_json::json!({"a": [1, 2.5, null, "x", true]});
        assert_eq!(
            v.const_tokens(&quote!(::rt)).to_string(),
            quote! { ::rt::def::Lit::Map::<::rt::def::Static>(&[("a", ::rt::def::Lit::List::<::rt::def::Static>(&[
                ::rt::def::Lit::Int(1),
                ::rt::def::Lit::Float(2.5),
                ::rt::def::Lit::Null,
                ::rt::def::Lit::Str::<::rt::def::Static>(::rt::def::Template(&[::rt::def::TemplatePart::Lit("x")])),
                ::rt::def::Lit::Bool(true)
            ]))]) }
            .to_string()
        );
    }
}
