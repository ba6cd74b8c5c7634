//! The examples dlt 1.31 was verified with (`dlt_normalizer.md` §1), each asserted exactly.

use super::*;

const L63: Naming = Naming::new(63);

#[test]
fn identifiers_as_dlt_normalizes_them() {
    let cases = [
        ("Name", "name"),
        ("Order Lines", "order_lines"),
        ("camelCaseID", "camel_case_id"),
        ("HTTPResponseCode", "http_response_code"),
        ("aBC", "a_bc"),
        ("iPhone", "i_phone"),
        ("10Gen", "_10_gen"),
        ("123abc", "_123abc"),
        ("-1", "_1"),
        ("a+b", "axb"),
        ("a*b", "axb"),
        ("a@b", "aab"),
        ("a|b", "alb"),
        ("a.b", "a_b"),
        ("a/b", "a_b"),
        ("a$b", "a_b"),
        ("a\tb", "a_b"),
        ("a  b", "a_b"),
        ("café au lait", "caf_au_lait"),
        ("Ünïcödé", "_n_c_dx"),
        ("名前", "x"),
        ("$", "x"),
        ("!!", "x"),
        ("_", "x"),
        ("__", "xx"),
        ("x__", "xxx"),
        ("__x__", "_xxx"),
        ("a__b", "a_b"),
        ("a___b", "a_b"),
        ("_dlt_id", "_dlt_id"),
        ("x٣", "x٣"),
        ("  padded  ", "padded"),
    ];
    for (input, want) in cases {
        assert_eq!(
            Naming::UNLIMITED.identifier(input).as_deref(),
            Some(want),
            "{input:?}"
        );
    }
    assert_eq!(Naming::UNLIMITED.identifier(" \t"), None);
}

#[test]
fn data_keys_and_tables_are_paths() {
    let cases = [
        ("a__b", "a__b"),
        ("a___b", "a___b"),
        ("1__2", "_1___2"),
        ("Camel__Case", "camel__case"),
        ("__x__", "x"),
        ("x__", "x"),
        ("Root__Tbl", "root__tbl"),
        ("名前", "x"),
    ];
    for (input, want) in cases {
        assert_eq!(Naming::UNLIMITED.path(input), want, "{input:?}");
    }
    assert_eq!(Naming::UNLIMITED.key(""), "_empty");
    assert_eq!(Naming::UNLIMITED.key(" "), "_empty");
    assert_eq!(Naming::UNLIMITED.key("Deep Key"), "deep_key");
}

#[test]
fn nested_columns_and_child_tables_join_fragments() {
    let n = Naming::UNLIMITED;
    let column = n.join(&[n.key("camelCase"), n.key("InnerKey"), n.key("Deep Key")]);
    assert_eq!(column, "camel_case__inner_key__deep_key");
    let table = n.join(&[n.path("My Table"), n.key("List__Items")]);
    assert_eq!(table, "my_table__list__items");
}

#[test]
fn long_names_are_shortened_with_dlts_tag() {
    assert_eq!(
        L63.key("Very Long Column Name That Keeps Going And Going Beyond The Limit"),
        "very_long_column_name_that_keou3qeag_and_going_beyond_the_limit"
    );
    let shortened = L63.key("Very Long Column Name That Keeps Going And Going Beyond The Limit");
    assert_eq!(shortened.chars().count(), 63);
}

#[test]
fn row_id_digest_is_dlts() {
    // `H(R + "_" + table + "_" + index)` from the worked example (§9) with R = K9Tzm8JkDeytog.
    assert_eq!(digest128("K9Tzm8JkDeytog_items__tags_0"), "wr7JI0zQzhQcGA");
    assert_eq!(digest128("K9Tzm8JkDeytog_items__tags_1"), "ilDkK+mtsYOT2A");
    assert_eq!(
        digest128("K9Tzm8JkDeytog_items__order_lines_0"),
        "UgpU6cplgH3kiw"
    );
    // Key hash of an upsert root (§3.6).
    assert_eq!(digest128(r#"{"id":1}"#), "z5jIxXIbUnmbKw");
}

#[test]
fn tiny_limits_still_fit_the_tag() {
    let n = Naming::new(3);
    assert_eq!(n.max_length(), 7);
    assert_eq!(n.key("abcdefghij").chars().count(), 7);
}
