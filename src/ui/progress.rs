//! What a running process shows: on a terminal, a spinner with the current step,
//! its position and elapsed time above which finished steps are printed; elsewhere
//! (CI logs, pipes), exactly one line per finished step.
//!
//! The branches of a group run at once (DESIGN §13): steps are named by their path,
//! the spinner says how many run and which started last, and every finished step is
//! one whole line printed above it, so concurrent steps never share a line.

use std::time::Duration;

use console::Term;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};

use super::{Paint, Printer};
use crate::domain::process::StepStatus;
use crate::engine::runner::Observer;
use crate::store::processes::StepRow;

/// How many of the last lines of a failed step's stderr its line is followed by.
pub const STDERR_LINES: usize = 5;

pub struct StepProgress {
    printer: Printer,
    bar: Option<ProgressBar>,
    /// Every step of the workflow in order (`workflow show` numbers them so): the bar
    /// says `[3/9]` while the third of them runs, whatever ran before this drive.
    plan: Vec<String>,
    /// The steps started and not finished, oldest first, with their attempt.
    running: Vec<(String, i64)>,
    /// The tokens callback steps without `run` handed out in this drive, by step path.
    pub handed_tokens: Vec<(String, String)>,
}

impl StepProgress {
    /// A bar on a terminal (its length comes with [`Observer::steps_left`]), lines
    /// elsewhere.
    pub fn new(printer: Printer) -> StepProgress {
        let bar = (printer.stderr_tty && !printer.quiet).then(|| {
            let target =
                ProgressDrawTarget::term_like_with_hz(Box::new(Margin(Term::stderr())), 20);
            let bar = ProgressBar::with_draw_target(Some(0), target);
            let style = ProgressStyle::with_template("{spinner} [{pos}/{len}] {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        StepProgress {
            printer,
            bar,
            plan: Vec::new(),
            running: Vec::new(),
            handed_tokens: Vec::new(),
        }
    }

    /// Numbers the steps by their place in the whole workflow.
    pub fn numbered(mut self, plan: Vec<String>) -> StepProgress {
        if let Some(b) = &self.bar {
            b.set_length(plan.len() as u64);
        }
        self.plan = plan;
        self
    }

    /// One line per finished step, never a bar (for services such as the scheduler).
    pub fn lines(printer: Printer) -> StepProgress {
        StepProgress {
            printer,
            bar: None,
            plan: Vec::new(),
            running: Vec::new(),
            handed_tokens: Vec::new(),
        }
    }

    /// The spinner's message: the step that runs, or how many run and the latest.
    fn message(&self) -> String {
        let shown = |(path, attempt): &(String, i64)| {
            if *attempt > 1 {
                format!("{path} (attempt {attempt})")
            } else {
                path.clone()
            }
        };
        match self.running.as_slice() {
            [] => String::new(),
            [one] => shown(one),
            many => {
                // The group's own entry counts as none of its steps.
                let steps = many.iter().filter(|(p, _)| !self.plan.contains(p)).count();
                let latest = many.last().map(shown).unwrap_or_default();
                format!("{} steps running, latest {latest}", steps.max(1))
            }
        }
    }

    fn say(&self, line: &str) {
        match &self.bar {
            Some(b) => b.println(line),
            None => self.printer.status(line),
        }
    }
}

/// stderr as the bar sees it: a few columns narrower than it is. indicatif pads the
/// bar's line to the width and leaves the cursor at the right edge, where the `^C` a
/// terminal echoes for Ctrl-C would wrap onto a new line; the bar would then clear that
/// line instead of its own and leave a stale copy above what follows.
#[derive(Debug)]
struct Margin(Term);

impl TermLike for Margin {
    fn width(&self) -> u16 {
        self.0.size().1.saturating_sub(3).max(1)
    }
    fn height(&self) -> u16 {
        self.0.size().0
    }
    fn move_cursor_up(&self, n: usize) -> std::io::Result<()> {
        self.0.move_cursor_up(n)
    }
    fn move_cursor_down(&self, n: usize) -> std::io::Result<()> {
        self.0.move_cursor_down(n)
    }
    fn move_cursor_right(&self, n: usize) -> std::io::Result<()> {
        self.0.move_cursor_right(n)
    }
    fn move_cursor_left(&self, n: usize) -> std::io::Result<()> {
        self.0.move_cursor_left(n)
    }
    fn write_line(&self, s: &str) -> std::io::Result<()> {
        self.0.write_line(s)
    }
    fn write_str(&self, s: &str) -> std::io::Result<()> {
        self.0.write_str(s)
    }
    fn clear_line(&self) -> std::io::Result<()> {
        self.0.clear_line()
    }
    fn flush(&self) -> std::io::Result<()> {
        self.0.flush()
    }
}

impl Drop for StepProgress {
    fn drop(&mut self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl Observer for StepProgress {
    fn steps_left(&mut self, count: usize) {
        if let (Some(b), true) = (&self.bar, self.plan.is_empty()) {
            b.set_length(count as u64);
        }
    }

    fn step_started(&mut self, path: &str, attempt: i64) {
        self.running.push((path.to_string(), attempt));
        match &self.bar {
            Some(b) => {
                if let Some(i) = self.plan.iter().position(|s| s == path) {
                    b.set_position(i as u64 + 1);
                }
                // The time shown is the running step's own (branches: since the first
                // of those running began), not the time spent at prompts before it.
                if self.running.len() == 1 {
                    b.reset_elapsed();
                }
                b.set_message(self.message())
            }
            None => {
                let text = if attempt > 1 {
                    format!("{path} (attempt {attempt})")
                } else {
                    path.to_string()
                };
                self.printer.detail(&format!("  … {text}"))
            }
        }
    }

    fn step_finished(&mut self, step: &StepRow, took: Duration) {
        let path = step.path();
        if let Some(i) = self.running.iter().position(|(p, _)| *p == path) {
            self.running.remove(i);
        }
        if let Some(b) = &self.bar {
            b.set_message(self.message());
        }
        self.say(&step_line(&self.printer, step, took));
        // The end of a failed step's stderr says why, unless -v streamed it already.
        let failed = step.status.is_retryable();
        if let Some(out) = step.output.as_deref().filter(|_| failed) {
            if self.printer.verbose == 0 {
                for l in super::last_lines(out, STDERR_LINES) {
                    self.say(&format!("    | {l}"));
                }
            }
        }
        if let (Some(b), true) = (&self.bar, self.plan.is_empty()) {
            b.inc(1);
        }
    }

    fn stderr(&mut self, path: &str, chunk: &[u8]) {
        if self.printer.verbose > 0 && !self.printer.quiet {
            // Steps of branches run at once: each line says whose it is.
            let whose = if self.running.len() > 1 {
                format!("{path}: ")
            } else {
                String::new()
            };
            let text = String::from_utf8_lossy(chunk);
            let text = super::printable(&text);
            for l in text.lines() {
                self.say(&format!("    | {whose}{l}"));
            }
        }
    }

    fn callback_token(&mut self, path: &str, token: &str) {
        self.handed_tokens
            .push((path.to_string(), token.to_string()));
    }

    fn retrying(&mut self, path: &str, next: i64, delay: Duration) {
        self.say(&format!(
            "    retrying {path} (attempt {next}) in {}",
            crate::domain::workflow::format_duration(delay)
        ));
    }
}

/// The line of a finished step: a mark, the name, and a word for every outcome but
/// success, so that no mark needs a legend (`- Review: skipped`, `✗ Ping: failed`).
pub fn step_line(printer: &Printer, step: &StepRow, took: Duration) -> String {
    let (mark, paint, word) = match step.status {
        StepStatus::Success | StepStatus::Complete => ("✓", Paint::Green, None),
        StepStatus::Skipped => ("-", Paint::Dim, Some("skipped")),
        StepStatus::Suspend => ("?", Paint::Yellow, Some("awaiting input")),
        StepStatus::AwaitingCallback => ("?", Paint::Yellow, Some("awaiting callback")),
        StepStatus::Waiting => ("…", Paint::Yellow, Some("waiting")),
        StepStatus::Abort => ("✗", Paint::Red, Some("aborted")),
        StepStatus::Failed => ("✗", Paint::Red, Some("failed")),
    };
    let mut line = format!("  {} {}", printer.paint(mark, paint), step.path());
    let took = crate::domain::workflow::format_duration(took);
    let attempt = if step.attempt > 1 {
        format!(", attempt {}", step.attempt)
    } else {
        String::new()
    };
    match word {
        None => line.push_str(&format!(" ({took}{attempt})")),
        Some(w @ ("skipped" | "awaiting input" | "awaiting callback")) => {
            line.push_str(&format!(": {w}"))
        }
        Some(w) => line.push_str(&format!(": {w} ({took}{attempt})")),
    }
    if let Some(e) = step.error.as_ref().filter(|_| word.is_some()) {
        line.push_str(&format!(": {}", super::printable(e)));
    }
    line
}
