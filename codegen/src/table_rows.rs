//! A record's rows of its relational tables, written straight from its fields
//! (`Record::write_tables`): the layout (`Record::TABLES`: each table's list path, each
//! value's key path) and the code that writes the values in that order are planned in one
//! walk over the fields, so they cannot disagree.
//!
//! Scalars are values of the row being written; a nested object's fields are values of the
//! same row (its struct writes them, `TableObject`); a list starts a child row per element. A
//! record declines (`false`) where only the general normalization knows the rows: undeclared
//! fields at any level, or an untyped JSON field holding an object or a list.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::quote;

use crate::inferred::{NestedIr, Shape};
use crate::ir::{FieldIr, FieldKind};

/// One table of the layout.
struct Table {
    parent: Option<usize>,
    path: Vec<String>,
    columns: Vec<Vec<String>>,
    objects: Vec<Vec<String>>,
}

/// The typed rows of one resource: its layout and the code of each struct.
pub(crate) struct TableRowsIr {
    tables: Vec<Table>,
    /// `write_tables`' body.
    pub root: TokenStream,
    /// `TableObject::write_object`'s body of each nested struct (by index).
    pub nested: BTreeMap<usize, TokenStream>,
}

impl TableRowsIr {
    /// Plans the rows of a resource whose struct has `fields`, with `nested` structs.
    pub fn plan(fields: &[FieldIr], nested: &[NestedIr], rt: &TokenStream) -> TableRowsIr {
        let mut ir = TableRowsIr {
            tables: vec![Table {
                parent: None,
                path: Vec::new(),
                columns: Vec::new(),
                objects: Vec::new(),
            }],
            root: TokenStream::new(),
            nested: BTreeMap::new(),
        };
        let (body, _) = ir.walk(fields, nested, 0, &[], rt);
        ir.root = body;
        ir
    }

    /// `Record::TABLES`' value.
    pub fn layout(&self, rt: &TokenStream) -> TokenStream {
        let tables = self.tables.iter().map(|t| {
            let parent = match t.parent {
                Some(p) => quote!(::core::option::Option::Some(#p)),
                None => quote!(::core::option::Option::None),
            };
            let path = &t.path;
            let columns = t.columns.iter().map(|c| quote!(&[#(#c),*]));
            let objects = t.objects.iter().map(|o| quote!(&[#(#o),*]));
            quote! {
                #rt::record::TypedTable {
                    parent: #parent,
                    path: &[#(#path),*],
                    columns: &[#(#columns),*],
                    objects: &[#(#objects),*],
                }
            }
        });
        quote!(&[#(#tables),*])
    }

    /// The code writing `fields` (of one struct) into table `table`, at key path `prefix`
    /// inside its row; with the number of values it writes into that row (what a null
    /// object of this struct writes as nulls).
    fn walk(
        &mut self,
        fields: &[FieldIr],
        nested: &[NestedIr],
        table: usize,
        prefix: &[String],
        rt: &TokenStream,
    ) -> (TokenStream, usize) {
        let mut code = Vec::new();
        let mut values = 0;
        for f in fields {
            let ident = &f.ident;
            let mut path = prefix.to_vec();
            path.push(f.column.name().to_string());
            match f.kind {
                FieldKind::Declared | FieldKind::Inferred(Shape::Scalar(_)) => {
                    self.tables[table].columns.push(path);
                    values += 1;
                    if f.column.def.untyped {
                        code.push(quote! {
                            if #rt::record::ColumnValue::is_container(&self.#ident) {
                                return false;
                            }
                        });
                    }
                    code.push(quote! {
                        #rt::record::ColumnValue::write_to(&self.#ident, rows.row());
                    });
                }
                FieldKind::Inferred(Shape::Object(i)) => {
                    self.tables[table].objects.push(path.clone());
                    let (body, n) = self.walk(&nested[i].fields, nested, table, &path, rt);
                    self.nested.insert(i, body);
                    values += n;
                    let write = quote! {
                        if !#rt::record::TableObject::write_object(v, rows) {
                            return false;
                        }
                    };
                    code.push(if f.column.def.nullable {
                        quote! {
                            match &self.#ident {
                                ::core::option::Option::Some(v) => { #write }
                                ::core::option::Option::None => rows.nulls(#n),
                            }
                        }
                    } else {
                        quote! {{ let v = &self.#ident; #write }}
                    });
                }
                FieldKind::Inferred(Shape::Scalars(_)) => {
                    let child = self.child(table, path, vec![Vec::new()]);
                    code.push(list(
                        f,
                        child,
                        quote! {
                            #rt::record::ColumnValue::write_to(v, rows.row());
                        },
                    ));
                }
                FieldKind::Inferred(Shape::Objects(i)) => {
                    let child = self.child(table, path, Vec::new());
                    let (body, _) = self.walk(&nested[i].fields, nested, child, &[], rt);
                    self.nested.insert(i, body);
                    code.push(list(
                        f,
                        child,
                        quote! {
                            if !#rt::record::TableObject::write_object(v, rows) {
                                return false;
                            }
                        },
                    ));
                }
            }
        }
        (quote!(#(#code)*), values)
    }

    /// Adds a child table of `parent` made from the list at `path`.
    fn child(&mut self, parent: usize, path: Vec<String>, columns: Vec<Vec<String>>) -> usize {
        self.tables.push(Table {
            parent: Some(parent),
            path,
            columns,
            objects: Vec::new(),
        });
        self.tables.len() - 1
    }
}

/// A child row of table `child` per element `v` of list field `f`, each written by `element`.
fn list(f: &FieldIr, child: usize, element: TokenStream) -> TokenStream {
    let ident = &f.ident;
    let each = quote! {
        for (i, v) in list.iter().enumerate() {
            rows.child(#child, i);
            #element
            rows.end_child();
        }
    };
    if f.column.def.nullable {
        quote! {
            if let ::core::option::Option::Some(list) = &self.#ident {
                #each
            }
        }
    } else {
        quote! {{ let list = &self.#ident; #each }}
    }
}
