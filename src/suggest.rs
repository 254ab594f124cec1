//! "Did you mean …?": the names nearest to one that names nothing.
//!
//! Every lookup of a name an operator types (a workflow, task, product, step, form
//! field) ends, when it finds nothing, with the nearest names it could have meant, as
//! clap does for subcommands. One helper, so the same typo is forgiven the same way
//! everywhere.

/// How many suggestions are offered at most.
const MAX: usize = 3;

/// The candidates near enough to `typo` to be what was meant, nearest first: a small
/// edit distance (case is ignored; two letters swapped are one edit), or a candidate
/// that contains what was typed (`create` → `create_node`, `create_circuit`).
pub fn nearest<'a>(typo: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let typo = typo.to_lowercase();
    let mut scored: Vec<(usize, &str)> = Vec::new();
    for c in candidates {
        let lower = c.to_lowercase();
        let d = distance(&typo, &lower);
        // Short names are near anything a few edits away (`ok` is two from `a`): an
        // edit that changes half the longer name or more is a different name.
        let longer = typo.chars().count().max(lower.chars().count());
        let near = d <= 2.max(lower.chars().count() / 4) && d * 2 < longer;
        let contains = typo.chars().count() >= 3 && lower.contains(&typo);
        // A product's name and tag often differ only in case: offer one of them.
        if (near || contains) && !scored.iter().any(|(_, s)| s.to_lowercase() == lower) {
            scored.push((d, c));
        }
    }
    scored.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)));
    scored.into_iter().take(MAX).map(|(_, c)| c).collect()
}

/// `did you mean `a`?` or `did you mean `a` or `b`?`, when a candidate is near.
pub fn did_you_mean<'a>(
    typo: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let found = nearest(typo, candidates);
    let quoted: Vec<String> = found.iter().map(|c| format!("`{c}`")).collect();
    match quoted.as_slice() {
        [] => None,
        [one] => Some(format!("did you mean {one}?")),
        [init @ .., last] => Some(format!("did you mean {} or {last}?", init.join(", "))),
    }
}

/// The edit distance between two strings, in characters: insertions, deletions,
/// substitutions and swaps of two neighbours (`nmae` is one edit from `name`, the
/// typo fingers make most), each one edit.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Rows i-2, i-1 and i of the table, as a swap looks two back.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut last: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut row = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let mut d = (last[j - 1] + usize::from(a[i - 1] != b[j - 1]))
                .min(row[j - 1] + 1)
                .min(last[j] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(before[j - 2] + 1);
            }
            row[j] = d;
        }
        before = std::mem::replace(&mut last, row);
    }
    last[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: [&str; 5] = [
        "create_node",
        "create_circuit",
        "modify_node",
        "terminate_node",
        "hello",
    ];

    #[test]
    fn a_short_name_is_not_near_a_different_short_name() {
        assert_eq!(nearest("ok", ["a", "id"]), Vec::<&str>::new());
        assert_eq!(nearest("nmae", ["name", "a"]), ["name"]);
        assert_eq!(nearest("rol", ["role"]), ["role"]);
        // Two letters of four changed make another word, not a typo.
        assert_eq!(nearest("Nope", ["Done", "Start"]), Vec::<&str>::new());
    }

    #[test]
    fn a_typo_finds_its_name() {
        assert_eq!(nearest("create_nod", NAMES), ["create_node"]);
        assert_eq!(nearest("Hellp", NAMES), ["hello"]);
        assert_eq!(
            did_you_mean("create_nod", NAMES).as_deref(),
            Some("did you mean `create_node`?")
        );
    }

    #[test]
    fn a_part_of_a_name_finds_every_name_holding_it() {
        assert_eq!(
            did_you_mean("create", NAMES).as_deref(),
            Some("did you mean `create_node` or `create_circuit`?")
        );
        assert_eq!(nearest("node", NAMES).len(), 3, "at most three");
    }

    #[test]
    fn nothing_near_suggests_nothing() {
        assert!(nearest("zzzzzz", NAMES).is_empty());
        assert!(did_you_mean("xy", NAMES).is_none());
        assert!(did_you_mean("anything", []).is_none());
    }

    #[test]
    fn distance_counts_edits() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("abc", "abc"), 0);
        assert_eq!(distance("nmae", "name"), 1, "a swap is one edit");
        assert_eq!(distance("ca", "abc"), 3);
    }
}
