//! Filters that can match nothing: a product no product is named or tagged, a
//! `where` path no product's subscriptions have (or a value its field cannot hold),
//! an event kind orch never writes.
//! Such a filter answers an empty list like any other, which reads as "none yet";
//! the command line warns of it on stderr and the API in an `Orch-Warning` header,
//! both from these checks, so the two faces say the same.

use crate::store::products::StoredProduct;

/// Why no subscription can be of product `name`: no product is named or tagged so
/// (with the names it may have meant). None when one is.
pub fn product(products: &[StoredProduct], name: &str) -> Option<String> {
    let names = || {
        products
            .iter()
            .flat_map(|p| [p.def.name.as_str(), p.def.tag.as_str()])
    };
    if names().any(|n| n == name) {
        return None;
    }
    let mut why = format!("no product is named or tagged `{name}`");
    if let Some(near) = crate::suggest::did_you_mean(name, names()) {
        why = format!("{why}; {near}");
    }
    Some(why)
}

const PATHS_HINT: &str = "`orch subscription show ID` prints the paths a subscription has (`node.ports[0].name`); `orch product show NAME` its fields";

const TYPES_HINT: &str = "write the value as the field's type reads it (`orch product show NAME` shows each field's type)";

/// A `where` filter no subscription can match, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPath {
    /// The path as given (`node.role`).
    pub path: String,
    pub why: String,
    /// What shows the user the paths or the types to write instead.
    pub hint: Option<&'static str>,
}

/// The filters of `fields` (`path=value`) that no product's subscriptions can match: a
/// path starts with a product's root key (`node.role`) and names a field from there,
/// and the value is one that field can hold (a number for an `int`, an address for an
/// `ipv4`), as the stores compare it.
pub fn field_paths(products: &[StoredProduct], fields: &[(String, String)]) -> Vec<FieldPath> {
    let mut roots: Vec<&str> = products.iter().map(|p| p.def.root.key.as_str()).collect();
    roots.sort_unstable();
    roots.dedup();
    let mut out = Vec::new();
    for (path, value) in fields {
        let root = path.split(['.', '[']).next().unwrap_or_default();
        let bare = crate::store::field_paths::without_indexes(path);
        let (why, hint) = if !roots.contains(&root) {
            let known = if roots.is_empty() {
                "no product is loaded".to_string()
            } else {
                format!("the products' root keys: {}", roots.join(", "))
            };
            let example = roots.first().copied().unwrap_or("node");
            let why = format!(
                "no product's subscriptions have `{root}` ({known}); a path starts with a root key, e.g. `{example}.FIELD`"
            );
            (why, None)
        } else if !products.iter().any(|p| p.def.has_field_path(&bare)) {
            (
                format!("no product has a field at `{bare}`"),
                Some(PATHS_HINT),
            )
        } else if let Some(why) =
            crate::store::field_paths::refused(products.iter().map(|p| &p.def), path, value)
        {
            (why, Some(TYPES_HINT))
        } else {
            continue;
        };
        out.push(FieldPath {
            path: path.clone(),
            why,
            hint,
        });
    }
    out
}

/// Why the event kind (or glob) `kind` matches nothing: no kind orch writes matches
/// it. None when one does, or for a glob orch cannot read (the benefit of the doubt).
pub fn event_kind(kind: &str) -> Option<String> {
    let pattern = crate::store::postgres::glob_to_regex(kind)?;
    let re = regex::Regex::new(&pattern).ok()?;
    let kinds = event_kinds();
    if kinds.iter().any(|k| re.is_match(k)) {
        return None;
    }
    Some(format!(
        "no event kind orch writes matches `{kind}`; the kinds are {}",
        kinds.join(", ")
    ))
}

/// The kinds of event orch writes (DESIGN §8).
pub fn event_kinds() -> Vec<String> {
    let statuses = crate::domain::process::ProcessStatus::ALL
        .iter()
        .map(|s| format!("process.{s}"));
    let others = [
        "process.started",
        "process.taken_over",
        "step.finished",
        "step.progress",
        "subscription.created",
        "subscription.updated",
        "subscription.status_changed",
        "subscription.insync_changed",
        "product.created",
        "product.updated",
        "product.deleted",
        "lock.taken",
        "lock.waiting",
        "lock.released",
        "callback.answered",
    ];
    let mut all: Vec<String> = statuses
        .chain(others.iter().map(|k| k.to_string()))
        .collect();
    all.sort();
    all.dedup();
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_orch_writes_match_and_others_are_named() {
        assert_eq!(event_kind("process.*"), None);
        assert_eq!(event_kind("step.finished"), None);
        let why = event_kind("nope.kind").unwrap();
        assert!(
            why.contains("`nope.kind`") && why.contains("process.failed"),
            "{why}"
        );
    }
}
