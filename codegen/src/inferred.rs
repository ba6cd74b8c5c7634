//! Struct fields typed from the tables `restsource infer` committed beside the spec: every
//! field the spec does not declare gets the type the live API's data had, nested objects get
//! their own structs and lists of objects a struct per element (the row of its child table,
//! which names its table and its parent's struct).
//!
//! Inferred fields are lenient where declared ones are strict: a value that does not fit the
//! inferred type is kept whole among the record's undeclared fields (`Extra`), so relational
//! loading still gives it the variant column it gives without the file, and nothing is lost
//! when the API drifts. `restsource infer --check` is how drift is caught, not a failed run.
//!
//! Field order reproduces the order normalization meets the record's values in (scalars as
//! their columns came, then nested objects last first, as dlt's flattening pops them, then
//! lists), so a first load creates its columns and child tables in the file's order.

use proc_macro2::Ident;
use restsource_core::tables::{ResourceTables, TableShape};
use restsource_spec::resolved::{DataType, ResolvedColumn};

use crate::ident::{ident, sanitize, Case, Namespace};
use crate::ir::{FieldIr, FieldKind, EXTRA_FIELD};

/// What an inferred field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A value of one column.
    Scalar(DataType),
    /// A nested object: its struct, by index into [`Inferred::structs`].
    Object(usize),
    /// A list of scalars (a child table's `value` column).
    Scalars(DataType),
    /// A list of objects: the element struct (a child table's row).
    Objects(usize),
}

/// A struct generated for a nested object or a list element.
pub(crate) struct NestedIr {
    pub ty: Ident,
    pub doc: String,
    pub fields: Vec<FieldIr>,
    /// For a list element: its child table and the struct of its parent table's rows.
    pub child: Option<(String, Ident)>,
}

/// The nested structs of one resource.
#[derive(Default)]
pub(crate) struct Inferred {
    pub structs: Vec<NestedIr>,
}

/// A key's place in the tree the key paths make.
enum Node {
    /// A column: its type and its position among the table's columns.
    Leaf(DataType, usize),
    /// A nested object's keys, with the first position any of them has.
    Object(Vec<(String, Node)>, usize),
    /// A child table's list (the table, by index in the resource's tables).
    List(usize, usize),
    /// Keys whose paths disagree (a value here and an object there): left untyped.
    Conflict,
}

/// Plans the typed fields of a resource's root table, skipping the top-level keys in `skip`
/// (declared columns, which win). `row_ty` is the resource's struct.
pub(crate) fn root_fields(
    tables: &ResourceTables,
    row_ty: &Ident,
    skip: &[&str],
    names: &mut Namespace,
    types: &mut Namespace,
    out: &mut Inferred,
) -> Vec<FieldIr> {
    let Some(root) = tables.tables.iter().position(|t| t.parent.is_none()) else {
        return Vec::new();
    };
    let mut planner = Planner { tables, types, out };
    let keys = planner.tree(root);
    let keys = keys
        .into_iter()
        .filter(|(k, _)| !skip.contains(&k.as_str()))
        .collect();
    planner.fields(keys, row_ty, row_ty, names)
}

/// The type the tables give key column `key` (a top-level field), when they know it.
pub(crate) fn key_type(tables: &ResourceTables, key: &str) -> Option<DataType> {
    let root = tables.root()?;
    root.columns
        .iter()
        .find(|c| !c.variant && c.path.as_deref() == Some(&[key.to_string()][..]))
        .map(|c| c.data_type)
}

struct Planner<'a, 't> {
    tables: &'a ResourceTables,
    types: &'t mut Namespace,
    out: &'t mut Inferred,
}

impl Planner<'_, '_> {
    /// Table `index`'s keys as a tree: its columns by their key paths, its child tables'
    /// lists by theirs.
    fn tree(&self, index: usize) -> Vec<(String, Node)> {
        let table = &self.tables.tables[index];
        let mut keys: Vec<(String, Node)> = Vec::new();
        for (position, c) in table.columns.iter().enumerate() {
            match &c.path {
                Some(path) if !c.variant && !path.is_empty() => {
                    insert(&mut keys, path, Node::Leaf(c.data_type, position))
                }
                _ => {}
            }
        }
        let after = table.columns.len();
        for (i, child) in self.tables.tables.iter().enumerate() {
            if child.parent.as_deref() != Some(table.name.as_str()) {
                continue;
            }
            if let Some(path) = child.path.as_deref().filter(|p| !p.is_empty()) {
                insert(&mut keys, path, Node::List(i, after + i));
            }
        }
        keys
    }

    /// The fields of one struct (`ty`), in normalization's order; `row_ty` is the struct of
    /// the table row the struct belongs to (the parent of its lists' tables).
    fn fields(
        &mut self,
        keys: Vec<(String, Node)>,
        ty: &Ident,
        row_ty: &Ident,
        names: &mut Namespace,
    ) -> Vec<FieldIr> {
        let mut scalars = Vec::new();
        let mut objects = Vec::new();
        let mut lists = Vec::new();
        for (key, node) in keys {
            match node {
                Node::Leaf(t, pos) => scalars.push((pos, key, t)),
                Node::Object(inner, pos) => objects.push((pos, key, inner)),
                Node::List(table, pos) => lists.push((pos, key, table)),
                Node::Conflict => {}
            }
        }
        scalars.sort_by_key(|(pos, _, _)| *pos);
        // dlt flattens the last nested object it met first.
        objects.sort_by_key(|(pos, _, _)| std::cmp::Reverse(*pos));
        lists.sort_by_key(|(pos, _, _)| *pos);

        let mut fields = Vec::new();
        for (_, key, t) in scalars {
            fields.push(field(names, &key, t, Shape::Scalar(t)));
        }
        for (_, key, inner) in objects {
            let nested = self.new_type(ty, &key);
            let mut inner_names = Namespace::with_reserved(&[EXTRA_FIELD]);
            let inner_fields = self.fields(inner, &nested, row_ty, &mut inner_names);
            let doc = format!(" Field `{key}` of a `{ty}`, typed as `restsource infer` saw it.");
            let index = self.push(nested, doc, inner_fields, None);
            fields.push(field(names, &key, DataType::Json, Shape::Object(index)));
        }
        for (_, key, table) in lists {
            if let Some(shape) = self.list(table, ty, &key, row_ty) {
                fields.push(field(names, &key, DataType::Json, shape));
            }
        }
        fields
    }

    /// A list's element: a scalar type, or a struct for a list of objects; `None` (left
    /// untyped) for lists of lists and lists mixing scalars and objects.
    fn list(&mut self, table: usize, ty: &Ident, key: &str, row_ty: &Ident) -> Option<Shape> {
        let shape: &TableShape = &self.tables.tables[table];
        let known: Vec<_> = shape
            .columns
            .iter()
            .filter(|c| !c.variant && c.path.is_some())
            .collect();
        let elements: Vec<_> = known
            .iter()
            .filter(|c| c.path.as_deref().is_some_and(<[String]>::is_empty))
            .collect();
        match (elements.as_slice(), known.len()) {
            ([value], 1) if value.name == "value" => Some(Shape::Scalars(value.data_type)),
            ([], _) => {
                let element = self.new_type(ty, key);
                let keys = self.tree(table);
                let mut names = Namespace::with_reserved(&[EXTRA_FIELD]);
                let fields = self.fields(keys, &element, &element, &mut names);
                let doc = format!(
                    " An element of list `{key}` of a `{ty}`: a row of child table `{}`, \
                     whose parent rows are `{row_ty}`s.",
                    shape.name
                );
                let child = Some((shape.name.clone(), row_ty.clone()));
                Some(Shape::Objects(self.push(element, doc, fields, child)))
            }
            _ => None,
        }
    }

    fn new_type(&mut self, outer: &Ident, key: &str) -> Ident {
        let name = format!("{outer}{}", sanitize(key, Case::UpperCamel, "Field"));
        ident(&self.types.unique(&name))
    }

    fn push(
        &mut self,
        ty: Ident,
        doc: String,
        fields: Vec<FieldIr>,
        child: Option<(String, Ident)>,
    ) -> usize {
        self.out.structs.push(NestedIr {
            ty,
            doc,
            fields,
            child,
        });
        self.out.structs.len() - 1
    }
}

/// An inferred field named after `key`.
fn field(names: &mut Namespace, key: &str, data_type: DataType, shape: Shape) -> FieldIr {
    FieldIr {
        ident: ident(&names.unique(&sanitize(key, Case::Snake, "field"))),
        // A nested object or a list is JSON in the struct but not declared JSON: relational
        // loading still flattens it into columns and child tables.
        column: match data_type {
            DataType::Json => ResolvedColumn::untyped(key, true),
            t => ResolvedColumn::plain(key, t, true),
        },
        kind: FieldKind::Inferred(shape),
    }
}

/// Adds `node` at `path`; a path through a value, or a value where an object is, makes the
/// key a conflict (left untyped).
fn insert(keys: &mut Vec<(String, Node)>, path: &[String], node: Node) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    let position = match &node {
        Node::Leaf(_, p) | Node::List(_, p) | Node::Object(_, p) => *p,
        Node::Conflict => usize::MAX,
    };
    let slot = match keys.iter().position(|(k, _)| k == first) {
        Some(i) => &mut keys[i].1,
        None if rest.is_empty() => {
            keys.push((first.clone(), node));
            return;
        }
        None => {
            keys.push((first.clone(), Node::Object(Vec::new(), position)));
            let last = keys.len() - 1;
            &mut keys[last].1
        }
    };
    match slot {
        Node::Object(inner, first_position) if !rest.is_empty() => {
            *first_position = (*first_position).min(position);
            insert(inner, rest, node);
        }
        _ => *slot = Node::Conflict,
    }
}
