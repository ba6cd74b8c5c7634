//! The resources the seed APIs expose and which record shape each one serves.

/// The record shape of a resource, one per seed API family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceKind {
    /// `/v1/resource` (seeds 000, 001, 003).
    Analytics,
    /// The seven social media resources (seed 002).
    Social,
    /// The six inventory resources (seed 004).
    Inventory,
}

/// The analytics resource name (path `/v1/resource`).
pub const ANALYTICS: &str = "resource";

/// Social media resources of seed 002.
pub const SOCIAL: [&str; 7] = [
    "media",
    "media_insights",
    "stories",
    "user_insights",
    "story_insights",
    "users",
    "user_lifetime_insights",
];

/// Inventory resources of seed 004.
pub const INVENTORY: [&str; 6] = [
    "stock_summaries",
    "customers",
    "items",
    "stock_details",
    "inventory",
    "orders",
];

/// Every resource name served under `/v1/`, analytics first.
pub fn all_resources() -> Vec<&'static str> {
    let mut names = vec![ANALYTICS];
    names.extend(SOCIAL);
    names.extend(INVENTORY);
    names
}

/// The shape of `name`, or `None` if the mock does not serve it.
pub fn kind_of(name: &str) -> Option<ResourceKind> {
    if name == ANALYTICS {
        Some(ResourceKind::Analytics)
    } else if SOCIAL.contains(&name) {
        Some(ResourceKind::Social)
    } else if INVENTORY.contains(&name) {
        Some(ResourceKind::Inventory)
    } else {
        None
    }
}

/// The field that a "wrong type" fault corrupts (set to the string `"lots"`): a numeric
/// field of each shape, so a typed client must reject the record.
pub fn wrong_type_field(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::Analytics => "value",
        ResourceKind::Social => "like_count",
        ResourceKind::Inventory => "quantity",
    }
}
