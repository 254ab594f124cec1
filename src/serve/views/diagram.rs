//! A workflow as a diagram: the planned steps top to bottom, the target's own steps as
//! rounded boxes, the workflow's steps as boxes, an `if` as a diamond with its `yes`
//! into the step and its `no` around it. Plain SVG made here, so the page needs no
//! script to show it and nothing is downloaded.

use super::esc;
use crate::engine::plan::{Planned, PlannedStep};

const W: i32 = 420;
const BOX_W: i32 = 300;
const BOX_H: i32 = 34;
const GAP: i32 = 22;
const DIAMOND_H: i32 = 46;

/// Long labels are cut so they fit their box.
fn fit(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}

/// The SVG of a plan; every label escaped.
pub fn svg(steps: &[PlannedStep<'_>]) -> String {
    let x = (W - BOX_W) / 2;
    let cx = W / 2;
    let mut body = String::new();
    let mut y = 10;
    let mut bypass: Option<i32> = None;
    for (i, s) in steps.iter().enumerate() {
        let condition = match &s.step {
            Planned::User(u) => u.condition.as_deref(),
            _ => None,
        };
        if i > 0 {
            body.push_str(&format!(
                "<line class=\"edge\" x1=\"{cx}\" y1=\"{}\" x2=\"{cx}\" y2=\"{y}\" marker-end=\"url(#arrow)\"/>",
                y - GAP
            ));
        }
        if let Some(from) = bypass.take() {
            // The `no` of the previous step's `if` joins here, around its step.
            let side = x + BOX_W + 30;
            body.push_str(&format!(
                "<path class=\"edge no\" d=\"M{} {from} H{side} V{} H{}\" marker-end=\"url(#arrow)\"/><text class=\"label\" x=\"{}\" y=\"{}\">no</text>",
                cx + 84, y - GAP / 2, cx + 4, side + 4, from + 14
            ));
        }
        if let Some(c) = condition {
            let mid = y + DIAMOND_H / 2;
            body.push_str(&format!(
                "<polygon class=\"cond\" points=\"{cx},{y} {},{mid} {cx},{} {},{mid}\"/><text class=\"t small\" x=\"{cx}\" y=\"{}\">if {}</text>",
                cx + 84, y + DIAMOND_H, cx - 84, mid + 4, esc(&fit(c, 26))
            ));
            bypass = Some(mid);
            y += DIAMOND_H + GAP;
            body.push_str(&format!(
                "<line class=\"edge\" x1=\"{cx}\" y1=\"{}\" x2=\"{cx}\" y2=\"{y}\" marker-end=\"url(#arrow)\"/><text class=\"label\" x=\"{}\" y=\"{}\">yes</text>",
                y - GAP, cx + 6, y - 6
            ));
        }
        let (class, rx) = if s.is_user() {
            ("step", 3)
        } else {
            ("target", 17)
        };
        body.push_str(&format!(
            "<g><title>{}</title><rect class=\"{class}\" x=\"{x}\" y=\"{y}\" width=\"{BOX_W}\" height=\"{BOX_H}\" rx=\"{rx}\"/><text class=\"t\" x=\"{cx}\" y=\"{}\">{}</text></g>",
            esc(&format!("{}: {}", s.name, s.describe())),
            y + BOX_H / 2 + 5,
            esc(&fit(&s.name, 38))
        ));
        y += BOX_H + GAP;
    }
    let h = y;
    format!(
        "<svg class=\"diagram\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {h}\" width=\"{W}\" height=\"{h}\" role=\"img\" aria-label=\"the steps of the workflow\"><defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0 0 L10 5 L0 10 z\"/></marker></defs>{body}</svg>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_every_step_drawn() {
        let def = crate::definition::workflow::parse(&crate::definition::Source::new(
            "w.toml",
            "name = \"w\"\ntarget = \"system\"\ndescription = \"d\"\n[[step]]\nname = \"<b>x</b>\"\nbuiltin = \"noop\"\nif = \"state.a == 1\"\n"
                .into(),
        ))
        .unwrap();
        let plan = crate::engine::plan::plan(&def);
        let out = svg(&plan);
        assert!(out.contains("&lt;b&gt;x&lt;/b&gt;"), "{out}");
        assert!(!out.contains("<b>"));
        assert_eq!(out.matches("<rect").count(), plan.len());
        assert!(out.contains("<polygon"));
    }
}
