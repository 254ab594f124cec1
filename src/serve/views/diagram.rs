//! A workflow as a diagram: the planned steps top to bottom, the target's own steps as
//! rounded boxes, the workflow's steps as boxes, an `if` as a diamond with its `yes`
//! into the step and its `no` around it, and a `parallel` or `foreach` step as a fork
//! into lanes (one per branch; one for the items of a `foreach`, drawn stacked) that
//! meet again at a join. Plain SVG made here, so the page needs no script to show it
//! and nothing is downloaded.

use super::esc;
use crate::domain::workflow::{StepDef, StepKind};
use crate::engine::plan::{Planned, PlannedStep};

/// The narrowest the diagram is; it widens for the lanes of a group.
const MIN_W: i32 = 420;
const LANE_W: i32 = 150;
const LANE_GAP: i32 = 12;
const LANE_HEAD: i32 = 24;
const LANE_BOX: i32 = 28;
const LANE_STEP_GAP: i32 = 14;
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

/// A lane of a group: its label and its steps' names.
type Lane = (String, Vec<String>);

/// The lanes of a group step, and whether they stand for many (a `foreach`); None
/// for another step.
fn lanes(step: &StepDef) -> Option<(Vec<Lane>, bool)> {
    let names = |steps: &[StepDef]| steps.iter().map(|s| s.name.clone()).collect();
    match &step.kind {
        StepKind::Parallel { parallel, .. } => Some((
            parallel
                .iter()
                .map(|b| (b.name.clone(), names(&b.steps)))
                .collect(),
            false,
        )),
        StepKind::Foreach {
            foreach,
            item,
            steps,
            ..
        } => Some((
            vec![(format!("each {item} of {foreach}"), names(steps))],
            true,
        )),
        _ => None,
    }
}

/// Draws the lanes of a group from the fork at `y` (the middle at `cx`); returns
/// where the join is.
fn draw_lanes(body: &mut String, lanes: &[Lane], many: bool, cx: i32, y: i32) -> i32 {
    let n = lanes.len().max(1) as i32;
    // A lone lane (a `foreach`) is as wide as a step's box.
    let lane_w = if n == 1 { BOX_W - 40 } else { LANE_W };
    let width = n * lane_w + (n - 1) * LANE_GAP;
    let left = cx - width / 2;
    let tallest = lanes
        .iter()
        .map(|(_, steps)| LANE_HEAD + steps.len() as i32 * (LANE_BOX + LANE_STEP_GAP))
        .max()
        .unwrap_or(LANE_HEAD);
    let join = y + GAP + tallest + GAP / 2;
    for bar in [y, join] {
        body.push_str(&format!(
            "<line class=\"bar\" x1=\"{left}\" y1=\"{bar}\" x2=\"{}\" y2=\"{bar}\"/>",
            left + width
        ));
    }
    let label_chars = (lane_w / 7) as usize;
    for (i, (label, steps)) in lanes.iter().enumerate() {
        let lx = left + i as i32 * (lane_w + LANE_GAP);
        let lcx = lx + lane_w / 2;
        let (box_x, box_w) = (lx + 4, lane_w - 8);
        let mut ly = y + GAP;
        body.push_str(&format!(
            "<line class=\"edge\" x1=\"{lcx}\" y1=\"{y}\" x2=\"{lcx}\" y2=\"{ly}\"/><text class=\"label lane\" x=\"{lcx}\" y=\"{}\">{}</text>",
            ly + 13,
            esc(&fit(label, label_chars))
        ));
        ly += LANE_HEAD;
        for (k, name) in steps.iter().enumerate() {
            if k > 0 {
                body.push_str(&format!(
                    "<line class=\"edge\" x1=\"{lcx}\" y1=\"{}\" x2=\"{lcx}\" y2=\"{ly}\" marker-end=\"url(#arrow)\"/>",
                    ly - LANE_STEP_GAP
                ));
            }
            if many {
                // The items' branches, one behind the other.
                body.push_str(&format!(
                    "<rect class=\"step behind\" x=\"{}\" y=\"{}\" width=\"{box_w}\" height=\"{LANE_BOX}\" rx=\"3\"/>",
                    box_x + 5,
                    ly - 5,
                ));
            }
            body.push_str(&format!(
                "<g><title>{}</title><rect class=\"step\" x=\"{box_x}\" y=\"{ly}\" width=\"{box_w}\" height=\"{LANE_BOX}\" rx=\"3\"/><text class=\"t small\" x=\"{lcx}\" y=\"{}\">{}</text></g>",
                esc(name),
                ly + LANE_BOX / 2 + 4,
                esc(&fit(name, label_chars))
            ));
            ly += LANE_BOX + LANE_STEP_GAP;
        }
        body.push_str(&format!(
            "<line class=\"edge\" x1=\"{lcx}\" y1=\"{}\" x2=\"{lcx}\" y2=\"{join}\"/>",
            ly - LANE_STEP_GAP
        ));
    }
    join
}

/// The SVG of a plan; every label escaped.
pub fn svg(steps: &[PlannedStep<'_>]) -> String {
    let widest = steps
        .iter()
        .filter_map(|s| match &s.step {
            Planned::User(u) => lanes(u).map(|(l, _)| l.len() as i32),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    #[allow(non_snake_case)]
    let W = MIN_W.max(widest * LANE_W + (widest - 1).max(0) * LANE_GAP + 40);
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
        if let Planned::User(u) = &s.step {
            if let Some((group, many)) = lanes(u) {
                body.push_str(&format!(
                    "<line class=\"edge\" x1=\"{cx}\" y1=\"{}\" x2=\"{cx}\" y2=\"{y}\"/>",
                    y - GAP
                ));
                let join = draw_lanes(&mut body, &group, many, cx, y);
                y = join + GAP;
            }
        }
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

    #[test]
    fn a_group_forks_into_its_lanes_and_joins() {
        let def = crate::definition::workflow::parse(&crate::definition::Source::new(
            "w.toml",
            "name = \"w\"\ntarget = \"system\"\n[[step]]\nname = \"G\"\n[[step.parallel]]\nname = \"<a>\"\nsteps = [ { name = \"A1\", builtin = \"noop\" } ]\n[[step.parallel]]\nname = \"b\"\nsteps = [ { name = \"B1\", builtin = \"noop\" }, { name = \"B2\", builtin = \"noop\" } ]\n[[step]]\nname = \"F\"\nforeach = \"state.xs\"\nsteps = [ { name = \"Each\", builtin = \"noop\" } ]\n"
                .into(),
        ))
        .unwrap();
        let out = svg(&crate::engine::plan::plan(&def));
        // A fork and a join for each group; a lane label escaped; every branch step
        // drawn, a foreach's with the box behind it.
        assert_eq!(out.matches("class=\"bar\"").count(), 4, "{out}");
        assert!(out.contains("&lt;a&gt;") && !out.contains("<a>"), "{out}");
        for name in ["A1", "B1", "B2", "Each", "each item of state.xs"] {
            assert!(out.contains(&format!(">{name}</text>")), "{name}: {out}");
        }
        assert_eq!(out.matches("step behind").count(), 1, "{out}");
    }
}
