//! `workflow show --mermaid`: the steps as a Mermaid flowchart. A step with `if` gets a
//! decision before it, with both ways out; a group (`parallel`, `foreach`) is a fork,
//! one subgraph per branch (a `foreach` draws its branch once, for every item), and a
//! join; a `workflow` step is a subroutine box.

use crate::domain::workflow::{StepDef, StepKind};
use crate::engine::plan::{Planned, PlannedStep};

/// The chart of a workflow's planned steps.
pub fn chart(steps: &[PlannedStep<'_>]) -> String {
    let mut c = Chart {
        out: String::from("flowchart TD\n"),
        edges: String::new(),
    };
    let mut exits: Vec<(String, Option<&str>)> = Vec::new();
    for (i, s) in steps.iter().enumerate() {
        let id = format!("s{i}");
        let (entry, out) = match &s.step {
            Planned::User(u) => c.step(u, &id, 1),
            _ => {
                c.node(&format!("    {id}([\"{}\"])", quote(&s.name)), 1);
                (id.clone(), vec![(id.clone(), None)])
            }
        };
        for (from, label) in exits.drain(..) {
            c.edge(&from, &entry, label);
        }
        exits = out;
    }
    c.out.push_str(&c.edges);
    c.out
}

struct Chart {
    out: String,
    edges: String,
}

fn quote(s: &str) -> String {
    s.replace('"', "'")
}

impl Chart {
    fn node(&mut self, line: &str, depth: usize) {
        let indent = "    ".repeat(depth.saturating_sub(1));
        self.out.push_str(&format!("{indent}{line}\n"));
    }

    fn edge(&mut self, from: &str, to: &str, label: Option<&str>) {
        match label {
            Some(l) => self.edges.push_str(&format!("    {from} -->|{l}| {to}\n")),
            None => self.edges.push_str(&format!("    {from} --> {to}\n")),
        }
    }

    /// Draws one user step (id `id`, `s…`); returns where it is entered and the ways
    /// out of it.
    fn step<'a>(
        &mut self,
        s: &'a StepDef,
        id: &str,
        depth: usize,
    ) -> (String, Vec<(String, Option<&'a str>)>) {
        let (entry, mut exits) = match &s.kind {
            StepKind::Parallel { parallel, .. } => {
                let branches: Vec<(String, &[StepDef])> = parallel
                    .iter()
                    .map(|b| (b.name.clone(), b.steps.as_slice()))
                    .collect();
                self.group(s, id, depth, "fork", &branches, "join".into())
            }
            StepKind::Foreach {
                foreach,
                item,
                collect,
                steps,
                ..
            } => {
                let each = format!("each {item} in {foreach}");
                let join = match collect {
                    Some(c) => format!("join: collected in {c}"),
                    None => "join".into(),
                };
                self.group(s, id, depth, "foreach", &[(each, steps.as_slice())], join)
            }
            StepKind::Workflow { workflow, .. } => {
                self.node(
                    &format!(
                        "    {id}[[\"{}: workflow {}\"]]",
                        quote(&s.name),
                        quote(workflow)
                    ),
                    depth,
                );
                (id.to_string(), vec![(id.to_string(), None)])
            }
            _ => {
                self.node(&format!("    {id}[\"{}\"]", quote(&s.name)), depth);
                (id.to_string(), vec![(id.to_string(), None)])
            }
        };
        let Some(cond) = &s.condition else {
            return (entry, exits);
        };
        let c = format!("c{}", &id[1..]);
        self.node(&format!("    {c}{{\"if {}\"}}", quote(cond)), depth);
        self.edge(&c, &entry, Some("yes"));
        exits.push((c.clone(), Some("no")));
        (c, exits)
    }

    /// A fork, one subgraph per branch, and the join.
    fn group<'a>(
        &mut self,
        s: &'a StepDef,
        id: &str,
        depth: usize,
        fork: &str,
        branches: &[(String, &'a [StepDef])],
        join: String,
    ) -> (String, Vec<(String, Option<&'a str>)>) {
        let j = format!("j{}", &id[1..]);
        self.node(
            &format!("    {id}{{{{\"{fork}: {}\"}}}}", quote(&s.name)),
            depth,
        );
        for (b, (title, steps)) in branches.iter().enumerate() {
            let g = format!("g{}_{b}", &id[1..]);
            self.node(&format!("    subgraph {g}[\"{}\"]", quote(title)), depth);
            let mut exits: Vec<(String, Option<&str>)> = vec![(id.to_string(), None)];
            for (k, inner) in steps.iter().enumerate() {
                let inner_id = format!("{id}_{b}_{k}");
                let (entry, out) = self.step(inner, &inner_id, depth + 1);
                for (from, label) in exits.drain(..) {
                    self.edge(&from, &entry, label);
                }
                exits = out;
            }
            self.node("    end", depth);
            for (from, label) in exits {
                self.edge(&from, &j, label);
            }
        }
        self.node(&format!("    {j}{{{{\"{}\"}}}}", quote(&join)), depth);
        (id.to_string(), vec![(j, None)])
    }
}
