//! Step paths: how a step inside a branch is named in the step log and every view
//! (DESIGN §13).
//!
//! A top-level step's path is its name. A step in a `parallel` branch is
//! `Group / Branch / Step`; in a `foreach` branch, `Group [i] / Step`, `i` counting
//! from 0 like `state.<as>_index` and the `collect` list. Nested groups continue the
//! path: `Configure both ends / B side / Push every device [3] / Push`.
//!
//! The log stores a step's own name and its branch (the path of the branch it runs in,
//! `Push every device [3]`), so steps of a scope are still matched by name, never by
//! position, and a path is only ever parsed against a definition ([`locate`]), which
//! `workflow check` keeps unambiguous (no name holds ` / ` or ends like `[3]`).

use super::workflow::{StepDef, StepKind};
use unicode_properties::UnicodeGeneralCategory;

/// Between the parts of a path.
pub const SEP: &str = " / ";

/// The path of a step named `name` in `branch` (None: at the top level).
pub fn join(branch: Option<&str>, name: &str) -> String {
    match branch {
        Some(b) => format!("{b}{SEP}{name}"),
        None => name.to_string(),
    }
}

/// The branch path of a `parallel` branch of the group at `group`.
pub fn parallel_branch(group: &str, branch: &str) -> String {
    format!("{group}{SEP}{branch}")
}

/// The branch path of item `i` of the `foreach` group at `group`.
pub fn foreach_branch(group: &str, i: usize) -> String {
    format!("{group} [{i}]")
}

/// Whether `path` names a step inside a branch (a top-level step's name never holds
/// the separator).
pub fn in_branch(path: &str) -> bool {
    path.contains(SEP)
}

/// Whether a step name could be mistaken for a path: it holds the separator or ends
/// like a `foreach` branch. (One that cannot be a path at all, with a control
/// character, is refused first by [`unseen_in_name`].)
pub fn ambiguous_name(name: &str) -> Option<&'static str> {
    if name.contains(SEP) {
        return Some("` / ` separates the parts of a step path");
    }
    let t = name.trim_end();
    if let Some(open) = t.rfind(" [") {
        let inner = &t[open + 2..];
        if inner.ends_with(']') && inner[..inner.len() - 1].chars().all(|c| c.is_ascii_digit()) {
            return Some("a name ending in ` [N]` reads as a foreach branch");
        }
    }
    None
}

/// Why a name people type and read (a workflow's, a step's) cannot be used: a control
/// character (a newline, a tab, NUL) breaks every line the name is printed on and
/// cannot be handed to a step as `ORCH_STEP`, and a space at either end is not seen,
/// so `Start ` would pass for the `Start` the target adds.
pub fn unseen_in_name(name: &str) -> Option<&'static str> {
    if name.chars().any(char::is_control) {
        return Some(
            "it holds a control character (a newline, a tab), which breaks every line it is printed on",
        );
    }
    if name.trim() != name {
        return Some("it starts or ends with a space, which no one sees where it is printed");
    }
    if name.chars().any(is_invisible) {
        return Some(
            "it holds an invisible character (a zero-width space, a direction mark), so it does not read as it is typed",
        );
    }
    None
}

/// Whether `c` is one of Unicode's format characters (a zero-width space, a direction
/// override, a soft hyphen), which print as nothing or reorder what follows: in a name,
/// `a\u{200b}b` reads as the `ab` that `--step ab` does not find.
pub fn is_invisible(c: char) -> bool {
    c.general_category() == unicode_properties::GeneralCategory::Format
}

/// Whether `path` is `branch` itself or a path inside it.
pub fn within(path: &str, branch: &str) -> bool {
    path == branch
        || path
            .strip_prefix(branch)
            .is_some_and(|rest| rest.starts_with(SEP))
}

/// The branch of the group at `group` that the (deeper) branch path `b` is in (`b`
/// lies under `group`, see [`under`]).
pub fn branch_of(group: &str, b: &str) -> String {
    let rest = &b[group.len()..];
    if let Some(after) = rest.strip_prefix(SEP) {
        // `G / Branch …`
        let name = after.split(SEP).next().unwrap_or(after);
        parallel_branch(group, name)
    } else {
        // `G [i] …`
        let end = rest.find(']').map_or(rest.len(), |i| i + 1);
        format!("{group}{}", &rest[..end])
    }
}

/// Whether `path` lies inside the branches of the group step at `group`.
pub fn under(path: &str, group: &str) -> bool {
    path.strip_prefix(group)
        .is_some_and(|rest| rest.starts_with(SEP) || rest.starts_with(" ["))
}

/// The top-level step a path starts at (the group, for a step inside branches), given
/// the top-level step names.
pub fn top_level<'a>(names: impl IntoIterator<Item = &'a str>, path: &str) -> Option<&'a str> {
    names.into_iter().find(|n| path == *n || under(path, n))
}

/// The step at `path` among `steps` of the scope whose branch path is `branch`, with
/// the branch it runs in.
pub fn locate<'d>(
    steps: &'d [StepDef],
    branch: Option<&str>,
    path: &str,
) -> Option<(&'d StepDef, Option<String>)> {
    for s in steps {
        let full = join(branch, &s.name);
        if full == path {
            return Some((s, branch.map(str::to_string)));
        }
        match &s.kind {
            StepKind::Parallel { parallel, .. } => {
                for b in parallel {
                    let bp = parallel_branch(&full, &b.name);
                    if within(path, &bp) && path != bp {
                        return locate(&b.steps, Some(&bp), path);
                    }
                }
            }
            StepKind::Foreach { steps: inner, .. } => {
                let Some(rest) = path.strip_prefix(&full).and_then(|r| r.strip_prefix(" [")) else {
                    continue;
                };
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                let Ok(i) = digits.parse::<usize>() else {
                    continue;
                };
                let bp = foreach_branch(&full, i);
                if within(path, &bp) && path != bp {
                    return locate(inner, Some(&bp), path);
                }
            }
            _ => {}
        }
    }
    None
}

/// Orders branch paths naturally: `[2]` before `[10]`, and otherwise as written.
pub fn natural_key(path: &str) -> Vec<NaturalPart> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut digits = String::new();
    for c in path.chars() {
        if c.is_ascii_digit() {
            if !text.is_empty() {
                out.push(NaturalPart::Text(std::mem::take(&mut text)));
            }
            digits.push(c);
        } else {
            if !digits.is_empty() {
                out.push(NaturalPart::Number(digits.parse().unwrap_or(u64::MAX)));
                digits.clear();
            }
            text.push(c);
        }
    }
    if !digits.is_empty() {
        out.push(NaturalPart::Number(digits.parse().unwrap_or(u64::MAX)));
    }
    if !text.is_empty() {
        out.push(NaturalPart::Text(text));
    }
    out
}

/// A part of a [`natural_key`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum NaturalPart {
    Number(u64),
    Text(String),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definition::{Source, workflow};

    #[test]
    fn paths_locate_steps_in_branches() {
        let def = workflow::parse(&Source::new(
            "w.toml",
            r#"
name = "w"
target = "system"
[[step]]
name = "Configure both ends"
[[step.parallel]]
name = "A side"
steps = [ { name = "Push A", run = "true" } ]
[[step.parallel]]
name = "B side"
steps = [ { name = "Push B", run = "true" },
          { name = "Every device", foreach = "state.d", as = "device", steps = [ { name = "Push", run = "true" } ] } ]
"#
            .to_string(),
        ))
        .unwrap();
        let (s, b) = def.locate("Configure both ends / B side / Push B").unwrap();
        assert_eq!(
            (s.name.as_str(), b.as_deref()),
            ("Push B", Some("Configure both ends / B side"))
        );
        let (s, b) = def
            .locate("Configure both ends / B side / Every device [12] / Push")
            .unwrap();
        assert_eq!(s.name, "Push");
        assert_eq!(
            b.as_deref(),
            Some("Configure both ends / B side / Every device [12]")
        );
        assert!(def.locate("Configure both ends").is_some());
        assert!(
            def.locate("Configure both ends / C side / Push B")
                .is_none()
        );
        assert!(
            def.locate("Configure both ends / B side / Every device / Push")
                .is_none()
        );
    }

    #[test]
    fn names_that_read_as_paths_are_flagged() {
        assert!(ambiguous_name("a / b").is_some());
        assert!(ambiguous_name("Push [3]").is_some());
        assert!(ambiguous_name("Push A/B").is_none());
        assert!(ambiguous_name("Push [x]").is_none());
        assert!(unseen_in_name("Push\nA").is_some());
        assert!(unseen_in_name("Push\0").is_some());
        assert!(unseen_in_name("Start ").is_some());
        assert!(unseen_in_name("Push A").is_none());
    }

    #[test]
    fn natural_order_counts() {
        let mut v = vec!["G [10] / a", "G [2] / a", "G [1] / b"];
        v.sort_by_key(|p| natural_key(p));
        assert_eq!(v, ["G [1] / b", "G [2] / a", "G [10] / a"]);
    }
}
