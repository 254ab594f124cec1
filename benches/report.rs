//! One line of the benchmark table, and the table itself as Markdown and as JSON.
//!
//! Every target is a ratio or a growth figure measured in the same run, so the table
//! shows the measured value, what it is compared with, and whether the target holds.

use serde_json::{Value, json};

/// A measured line.
#[derive(Debug, Clone)]
pub struct Line {
    /// Short id, also what a filter matches (`noop-full`, `scale-events`, …).
    pub id: &'static str,
    pub title: String,
    /// The measurement with its unit (`412 steps/s`).
    pub measured: String,
    /// What it is compared with (`bare SQLite: 480 commits/s`), may be empty.
    pub reference: String,
    /// The figure the target is about (a ratio, MiB, …).
    pub figure: Option<f64>,
    /// The target as text (`≥ 0.80`).
    pub target: String,
    /// The target's bound as a number: a figure within rounding of it is shown with
    /// one more decimal, so `0.795` is not printed `0.80` beside "NOT met".
    pub bound: Option<f64>,
    /// `None`: not a target (a ceiling) or could not be measured.
    pub met: Option<bool>,
    pub note: String,
}

impl Line {
    pub fn new(id: &'static str, title: impl Into<String>) -> Line {
        Line {
            id,
            title: title.into(),
            measured: String::new(),
            reference: String::new(),
            figure: None,
            target: String::new(),
            bound: None,
            met: None,
            note: String::new(),
        }
    }

    /// A line that could not be measured.
    pub fn failed(id: &'static str, title: &str, error: String) -> Line {
        Line {
            note: error,
            ..Line::new(id, title)
        }
    }

    /// Sets a "figure at least `min`" target.
    pub fn at_least(mut self, figure: f64, min: f64) -> Line {
        self.figure = Some(figure);
        self.target = format!("≥ {min:.2}");
        self.bound = Some(min);
        self.met = Some(figure >= min);
        self
    }

    /// Sets a "figure at most `max`" target.
    pub fn at_most(mut self, figure: f64, max: f64, unit: &str) -> Line {
        self.figure = Some(figure);
        self.target = format!("≤ {max}{unit}");
        self.bound = Some(max);
        self.met = Some(figure <= max);
        self
    }

    pub fn measured(mut self, text: impl Into<String>) -> Line {
        self.measured = text.into();
        self
    }

    pub fn reference(mut self, text: impl Into<String>) -> Line {
        self.reference = text.into();
        self
    }

    pub fn note(mut self, text: impl Into<String>) -> Line {
        self.note = text.into();
        self
    }

    /// The figure with two decimals, or three when two would round it onto its bound.
    fn shown(&self, figure: f64) -> String {
        match self.bound {
            Some(b) if (figure - b).abs() < 0.005 && figure != b => format!("{figure:.3}"),
            _ => format!("{figure:.2}"),
        }
    }

    fn verdict(&self) -> &'static str {
        match self.met {
            Some(true) => "met",
            Some(false) => "NOT met",
            None if self.target.is_empty() && self.note.is_empty() => "",
            None => "n/a",
        }
    }

    pub fn json(&self) -> Value {
        json!({
            "id": self.id, "title": self.title, "measured": self.measured,
            "reference": self.reference, "figure": self.figure, "target": self.target,
            "met": self.met, "note": self.note,
        })
    }
}

/// The table as Markdown, ready to paste into BENCHMARKS.md.
pub fn markdown(lines: &[Line]) -> String {
    let mut out = String::from(
        "| id | line | measured | compared with | figure | target | result | note |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    for l in lines {
        let figure = l.figure.map(|f| l.shown(f)).unwrap_or_default();
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
            l.id,
            l.title,
            l.measured,
            l.reference,
            figure,
            l.target,
            l.verdict(),
            l.note.replace('|', "\\|").replace('\n', " ")
        ));
    }
    out
}
