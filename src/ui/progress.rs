//! What a running process shows: on a terminal, a spinner with the current step,
//! its position and elapsed time above which finished steps are printed; elsewhere
//! (CI logs, pipes), exactly one line per finished step.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{Paint, Printer};
use crate::engine::runner::Observer;
use crate::store::processes::StepRow;

/// How many of the last lines of a failed step's stderr its line is followed by.
pub const STDERR_LINES: usize = 5;

pub struct StepProgress {
    printer: Printer,
    bar: Option<ProgressBar>,
}

impl StepProgress {
    /// A bar on a terminal (its length comes with [`Observer::steps_left`]), lines
    /// elsewhere.
    pub fn new(printer: Printer) -> StepProgress {
        let bar = (printer.stderr_tty && !printer.quiet).then(|| {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template("{spinner} [{pos}/{len}] {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        StepProgress { printer, bar }
    }

    /// One line per finished step, never a bar (for services such as the scheduler).
    pub fn lines(printer: Printer) -> StepProgress {
        StepProgress { printer, bar: None }
    }

    fn say(&self, line: &str) {
        match &self.bar {
            Some(b) => b.println(line),
            None => self.printer.status(line),
        }
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
        if let Some(b) = &self.bar {
            b.set_length(count as u64);
        }
    }

    fn step_started(&mut self, name: &str, attempt: i64) {
        let text = if attempt > 1 {
            format!("{name} (attempt {attempt})")
        } else {
            name.to_string()
        };
        match &self.bar {
            Some(b) => b.set_message(text),
            None => self.printer.detail(&format!("  … {text}")),
        }
    }

    fn step_finished(&mut self, step: &StepRow, took: Duration) {
        use crate::domain::process::StepStatus;
        let (mark, paint) = match step.status {
            StepStatus::Success | StepStatus::Complete => ("✓", Paint::Green),
            StepStatus::Skipped => ("-", Paint::Dim),
            StepStatus::Suspend | StepStatus::AwaitingCallback => ("?", Paint::Yellow),
            StepStatus::Waiting => ("…", Paint::Yellow),
            StepStatus::Failed | StepStatus::Abort => ("✗", Paint::Red),
        };
        let mut line = format!(
            "  {} {} ({}){}",
            self.printer.paint(mark, paint),
            step.name,
            crate::domain::workflow::format_duration(took),
            if step.attempt > 1 {
                format!(" attempt {}", step.attempt)
            } else {
                String::new()
            }
        );
        if let Some(e) = step
            .error
            .as_ref()
            .filter(|_| step.status != crate::domain::process::StepStatus::Success)
        {
            line.push_str(&format!(": {e}"));
        }
        self.say(&line);
        // The end of a failed step's stderr says why, unless -v streamed it already.
        let failed = step.status.is_retryable();
        if let Some(out) = step.output.as_deref().filter(|_| failed) {
            if self.printer.verbose == 0 {
                for l in super::last_lines(out, STDERR_LINES) {
                    self.say(&format!("    | {l}"));
                }
            }
        }
        if let Some(b) = &self.bar {
            b.inc(1);
        }
    }

    fn stderr(&mut self, chunk: &[u8]) {
        if self.printer.verbose > 0 && !self.printer.quiet {
            let text = String::from_utf8_lossy(chunk);
            for l in text.lines() {
                self.say(&format!("    | {l}"));
            }
        }
    }

    fn retrying(&mut self, name: &str, next: i64, delay: Duration) {
        self.say(&format!(
            "    retrying {name} (attempt {next}) in {}",
            crate::domain::workflow::format_duration(delay)
        ));
    }
}
