//! SQL for the tables relational normalization discovers at run time (a resource's root table
//! with the columns its data brought, and its child tables): the same quoting, types and
//! parameters as the compile-time statements of [`super::statements`], built per call because
//! the columns are only known once the data arrives.

use super::table::{column_type, param, quote_ident, Dialect, SqlColumn};
use crate::DataType;

/// A column of a normalized table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NormalColumn<'a> {
    /// Normalized name.
    pub name: &'a str,
    /// Stored type.
    pub data_type: DataType,
    /// NULL allowed.
    pub nullable: bool,
}

impl NormalColumn<'_> {
    fn sql_column(&self) -> SqlColumn<'_> {
        SqlColumn {
            name: self.name,
            data_type: self.data_type,
            nullable: self.nullable,
            precision: None,
            scale: None,
        }
    }

    fn definition(&self, dialect: Dialect, not_null: bool) -> String {
        format!(
            "{} {}{}",
            quote_ident(self.name),
            column_type(dialect, &self.sql_column()),
            if not_null && !self.nullable {
                " NOT NULL"
            } else {
                ""
            }
        )
    }
}

/// `CREATE TABLE IF NOT EXISTS` with `columns` in order (NOT NULL where the column is).
pub fn create_table(dialect: Dialect, table: &str, columns: &[NormalColumn<'_>]) -> String {
    let defs: Vec<String> = columns
        .iter()
        .map(|c| c.definition(dialect, true))
        .collect();
    format!(
        "CREATE TABLE IF NOT EXISTS {} ({})",
        quote_ident(table),
        defs.join(", ")
    )
}

/// `ALTER TABLE ... ADD COLUMN`: always nullable, since the table's existing rows have no value
/// for it (neither SQLite nor PostgreSQL add a NOT NULL column without a default).
pub fn add_column(dialect: Dialect, table: &str, column: &NormalColumn<'_>) -> String {
    format!(
        "ALTER TABLE {} ADD COLUMN {}",
        quote_ident(table),
        column.definition(dialect, false)
    )
}

/// An index on `columns` of `table`, named after both so each is created once.
pub fn create_index(table: &str, columns: &[&str], unique: bool) -> String {
    let name = format!("{table}__{}__idx", columns.join("__"));
    let cols: Vec<String> = columns.iter().map(|c| quote_ident(c)).collect();
    format!(
        "CREATE {}INDEX IF NOT EXISTS {} ON {} ({})",
        if unique { "UNIQUE " } else { "" },
        quote_ident(&name),
        quote_ident(table),
        cols.join(", ")
    )
}

/// `INSERT` of one row with the given columns, bound in that order.
pub fn insert(dialect: Dialect, table: &str, columns: &[NormalColumn<'_>]) -> String {
    let names: Vec<String> = columns.iter().map(|c| quote_ident(c.name)).collect();
    let params: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| param(dialect, i + 1, Some(c.data_type)))
        .collect();
    format!(
        "INSERT INTO {} ({}) VALUES ({})",
        quote_ident(table),
        names.join(", "),
        params.join(", ")
    )
}

/// Deletes the rows whose `key` columns equal the bound values (in key order) and returns their
/// `returning` column: a merged root row's old id, whose child rows go with it.
pub fn delete_returning(
    dialect: Dialect,
    table: &str,
    key: &[NormalColumn<'_>],
    returning: &str,
) -> String {
    format!(
        "DELETE FROM {} WHERE {} RETURNING {}",
        quote_ident(table),
        filter(dialect, key),
        quote_ident(returning)
    )
}

/// Deletes the rows whose `column` equals the one bound value (child rows of a root).
pub fn delete_where(dialect: Dialect, table: &str, column: &str) -> String {
    format!(
        "DELETE FROM {} WHERE {} = {}",
        quote_ident(table),
        quote_ident(column),
        param(dialect, 1, Some(DataType::Text))
    )
}

fn filter(dialect: Dialect, key: &[NormalColumn<'_>]) -> String {
    key.iter()
        .enumerate()
        .map(|(i, c)| {
            format!(
                "{} = {}",
                quote_ident(c.name),
                param(dialect, i + 1, Some(c.data_type))
            )
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: NormalColumn<'static> = NormalColumn {
        name: "id",
        data_type: DataType::Bigint,
        nullable: false,
    };
    const PRICE: NormalColumn<'static> = NormalColumn {
        name: "price",
        data_type: DataType::Decimal,
        nullable: true,
    };

    #[test]
    fn statements_per_dialect() {
        assert_eq!(
            create_table(Dialect::Sqlite, "items", &[ID, PRICE]),
            r#"CREATE TABLE IF NOT EXISTS "items" ("id" INTEGER NOT NULL, "price" DECIMAL_TEXT)"#
        );
        assert_eq!(
            add_column(Dialect::Postgres, "items", &ID),
            r#"ALTER TABLE "items" ADD COLUMN "id" bigint"#
        );
        assert_eq!(
            insert(Dialect::Postgres, "items", &[ID, PRICE]),
            r#"INSERT INTO "items" ("id", "price") VALUES ($1, $2::text::numeric)"#
        );
        assert_eq!(
            delete_returning(Dialect::Sqlite, "items", &[ID], "_dlt_id"),
            r#"DELETE FROM "items" WHERE "id" = ?1 RETURNING "_dlt_id""#
        );
        assert_eq!(
            delete_where(Dialect::Postgres, "items__tags", "_dlt_root_id"),
            r#"DELETE FROM "items__tags" WHERE "_dlt_root_id" = $1"#
        );
        assert_eq!(
            create_index("items__tags", &["_dlt_root_id"], false),
            r#"CREATE INDEX IF NOT EXISTS "items__tags___dlt_root_id__idx" ON "items__tags" ("_dlt_root_id")"#
        );
    }
}
