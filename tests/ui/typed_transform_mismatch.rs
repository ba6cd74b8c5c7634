// Typed transforms are checked by the compiler: a field the struct lacks, a map that
// returns another type, and a closure over another source's struct are compile errors.
restsource::include_source!("../../../../tests/ui/specs/typed_transforms.json");

mod other {
    restsource::include_source!("../../../../tests/ui/specs/typed_transforms_other.json");
}

fn main() {
    let _ = shop::Source::new(shop::Secrets {})
        .filter(|i: &shop::Items| i.in_stock)
        .map(|i: shop::Items| i.id)
        .filter(|i: &other::shop_other::Items| i.id.is_some());
}
