//! The real prompts: a [`Prompter`] drawn with dialoguer on stderr.
//!
//! stderr, because stdout carries data (`-o json` after a `--form` run must stay
//! parseable). Text prompts use dialoguer's `validate_with`, which re-asks in place
//! with the reason; menus and confirms have no validator in dialoguer, so they loop
//! here and print the reason (starting again from the rejected pick). `long_text` reads
//! lines, blank ones included, until a lone `.`: it works in any terminal and never
//! hands the tty (and stdout) to an external `$EDITOR`. Secrets are read key by key
//! (see `read_hidden`).
//!
//! Ctrl-C at a prompt comes back from console as an `io::Error` of kind `Interrupted`
//! (after it raised SIGINT, which the CLI's handler absorbs); it is passed up as is and
//! becomes `CollectError::Interrupted`. The cursor, hidden by menus, is restored first.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};

use console::{Key, Term, style};
use dialoguer::theme::{ColorfulTheme, SimpleTheme, Theme};
use dialoguer::{Confirm, FuzzySelect, Input, MultiSelect, Select};

use super::prompt::{BoolCheck, PickCheck, PicksCheck, Prompter, Question, TextCheck};

/// Set by the CLI's SIGINT handler. A Ctrl-C that does not arrive as a key (while a
/// `choices_from` command runs, or in the moment between two key reads when the
/// terminal is not raw) would otherwise be lost; it ends the form at the next prompt.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Records a SIGINT; async-signal-safe (one atomic store).
pub fn note_interrupt() {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Whether a SIGINT was noted (a long `choices_from` command is stopped by it).
pub fn was_interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

fn interrupted() -> io::Result<()> {
    if INTERRUPTED.load(Ordering::SeqCst) {
        Err(io::Error::new(io::ErrorKind::Interrupted, "interrupted"))
    } else {
        Ok(())
    }
}

/// How [`DialoguerPrompter::until`] reports an answer: the theme's line for a taken one,
/// the answer's words for a rejected one.
struct Report<'a, T> {
    taken: &'a dyn Fn(&dyn Theme, &mut String, &str, &T) -> std::fmt::Result,
    said: &'a dyn Fn(&T) -> String,
}

/// Menus longer than this get a type-to-filter menu.
const FUZZY_FROM: usize = 12;

pub struct DialoguerPrompter {
    term: Term,
    theme: Box<dyn Theme>,
}

impl DialoguerPrompter {
    /// A prompter on stderr; `colors` follows the CLI's `--color` decision.
    pub fn new(colors: bool) -> Self {
        let theme: Box<dyn Theme> = if colors {
            Box::new(ColorfulTheme::default())
        } else {
            Box::new(SimpleTheme)
        };
        DialoguerPrompter {
            term: Term::stderr(),
            theme,
        }
    }

    /// Starts every prompt: an earlier Ctrl-C ends the form here.
    fn help(&self, q: &Question) -> io::Result<()> {
        interrupted()?;
        match q.help {
            Some(h) => self
                .term
                .write_line(&style(h).dim().for_stderr().to_string()),
            None => Ok(()),
        }
    }

    fn done<T>(&self, r: dialoguer::Result<T>) -> io::Result<T> {
        r.map_err(|dialoguer::Error::IO(e)| {
            if e.kind() == io::ErrorKind::Interrupted {
                // Best effort: the terminal is left as it was; the error is what matters.
                let _ = self.term.show_cursor();
                let _ = self.term.write_line("");
            }
            e
        })
    }

    /// Asks until `check` passes, for prompts that cannot validate in place. `ask` gets
    /// the rejected answer, to start the next round from it. The prompts are built
    /// without their own report, which would mark any answer as taken (`✔ … · no`):
    /// an accepted answer is reported here with the theme's line, a rejected one as
    /// rejected, with its reason.
    fn until<T>(
        &mut self,
        label: &str,
        mut ask: impl FnMut(&Self, Option<&T>) -> dialoguer::Result<T>,
        check: impl Fn(&T) -> Result<(), String>,
        report: Report<'_, T>,
    ) -> io::Result<T> {
        let mut last = None;
        loop {
            let answer = self.done(ask(self, last.as_ref()))?;
            match check(&answer) {
                Ok(()) => {
                    let mut line = String::new();
                    let _ = (report.taken)(&*self.theme, &mut line, label, &answer);
                    self.term.write_line(&line)?;
                    return Ok(answer);
                }
                Err(reason) => {
                    self.warn(&format!("{label}: {}: {reason}", (report.said)(&answer)))?
                }
            }
            last = Some(answer);
        }
    }

    /// Without a terminal the hand-made prompts below would read nothing forever.
    fn need_terminal(&self) -> io::Result<()> {
        if self.term.is_term() {
            Ok(())
        } else {
            Err(io::Error::new(
                io::ErrorKind::NotConnected,
                "not a terminal",
            ))
        }
    }

    /// Reads a line without echo, key by key. dialoguer's `Password` reads a cooked
    /// line through std, which retries on EINTR: with the CLI's SIGINT handler in place,
    /// Ctrl-C would do nothing until Enter. `read_key` reports it at once.
    fn read_hidden(&self, label: &str) -> io::Result<String> {
        let mut prompt = String::new();
        let _ = self.theme.format_password_prompt(&mut prompt, label);
        self.term.write_str(&prompt)?;
        self.term.flush()?;
        let mut typed = String::new();
        loop {
            let key = self.term.read_key().and_then(|k| interrupted().map(|()| k));
            match self.done(key.map_err(dialoguer::Error::IO))? {
                Key::Enter => break,
                Key::Backspace => {
                    typed.pop();
                }
                Key::Char(c) if !c.is_control() => typed.push(c),
                _ => {}
            }
        }
        self.term.clear_line()?;
        let mut done = String::new();
        let _ = self
            .theme
            .format_password_prompt_selection(&mut done, label);
        self.term.write_line(&done)?;
        Ok(typed)
    }
}

impl Default for DialoguerPrompter {
    fn default() -> Self {
        DialoguerPrompter::new(console::colors_enabled_stderr())
    }
}

impl Prompter for DialoguerPrompter {
    fn page(&mut self, title: &str, description: Option<&str>) -> io::Result<()> {
        self.term.write_line("")?;
        if !title.is_empty() {
            self.term
                .write_line(&style(title).bold().underlined().for_stderr().to_string())?;
        }
        if let Some(d) = description.filter(|d| !d.trim().is_empty()) {
            self.term.write_line(d.trim_end())?;
        }
        Ok(())
    }

    fn show(&mut self, text: &str) -> io::Result<()> {
        self.term.write_line(text.trim_end())
    }

    fn warn(&mut self, text: &str) -> io::Result<()> {
        self.term
            .write_line(&style(format!("✘ {text}")).red().for_stderr().to_string())
    }

    fn text(
        &mut self,
        q: &Question,
        default: Option<&str>,
        check: TextCheck,
    ) -> io::Result<String> {
        self.help(q)?;
        let mut input = Input::<String>::with_theme(&*self.theme)
            .with_prompt(q.label)
            .allow_empty(true)
            .validate_with(|s: &String| check(s));
        if let Some(d) = default {
            input = input.default(d.to_string());
        }
        self.done(input.interact_text_on(&self.term))
    }

    fn long_text(
        &mut self,
        q: &Question,
        default: Option<&str>,
        check: TextCheck,
    ) -> io::Result<String> {
        self.need_terminal()?;
        self.help(q)?;
        // Blank lines belong to the text (a pasted config has them): a line of a lone
        // `.` ends it, as in mail (a Ctrl-D typed into a line ends it there too).
        let hint = match default {
            Some(_) => "(end with a line of a lone `.`; an empty first line keeps the default)",
            None => "(end with a line of a lone `.`)",
        };
        loop {
            let label = style(q.label).bold().for_stderr();
            self.term
                .write_line(&format!("{label} {}", style(hint).dim().for_stderr()))?;
            if let Some(d) = default {
                self.term
                    .write_line(&style(d).dim().for_stderr().to_string())?;
            }
            let mut lines: Vec<String> = Vec::new();
            loop {
                let line = self.done(self.term.read_line().map_err(dialoguer::Error::IO))?;
                if line.is_empty() && lines.is_empty() && default.is_some() {
                    break;
                }
                // Ctrl-D comes as its character: what was typed before it is the
                // text's last line.
                if let Some((last, _)) = line.split_once('\u{4}') {
                    if !last.is_empty() {
                        lines.push(last.to_string());
                    }
                    break;
                }
                if line.trim_end() == "." {
                    break;
                }
                lines.push(line);
            }
            // Trailing blank lines are not part of it.
            while lines.last().is_some_and(|l| l.trim().is_empty()) {
                lines.pop();
            }
            let text = match (lines.is_empty(), default) {
                (true, Some(d)) => d.to_string(),
                _ => lines.join("\n"),
            };
            match check(&text) {
                Ok(()) => return Ok(text),
                Err(reason) => self.warn(&reason)?,
            }
        }
    }

    fn secret(&mut self, q: &Question, check: TextCheck) -> io::Result<String> {
        self.need_terminal()?;
        self.help(q)?;
        loop {
            let typed = self.read_hidden(q.label)?;
            match check(&typed) {
                Ok(()) => return Ok(typed),
                Err(reason) => self.warn(&reason)?,
            }
        }
    }

    fn confirm(&mut self, q: &Question, default: bool, check: BoolCheck) -> io::Result<bool> {
        self.help(q)?;
        let words = |b: &bool| if *b { "yes" } else { "no" }.to_string();
        let report = Report {
            taken: &|t, f, label, b| t.format_confirm_prompt_selection(f, label, Some(*b)),
            said: &words,
        };
        self.until(
            q.label,
            |me, _| {
                Confirm::with_theme(&*me.theme)
                    .with_prompt(q.label)
                    .default(default)
                    .report(false)
                    .interact_on(&me.term)
            },
            |b| check(*b),
            report,
        )
    }

    fn select(
        &mut self,
        q: &Question,
        items: &[String],
        default: Option<usize>,
        check: PickCheck,
    ) -> io::Result<usize> {
        self.help(q)?;
        let item = |i: &usize| items.get(*i).cloned().unwrap_or_default();
        let report = Report {
            taken: &|t, f, label, i| t.format_select_prompt_selection(f, label, &item(i)),
            said: &item,
        };
        self.until(
            q.label,
            |me, last| {
                // Without a highlighted item Enter does nothing, which looks stuck.
                let start = last.copied().or(default).unwrap_or(0);
                if items.len() >= FUZZY_FROM {
                    FuzzySelect::with_theme(&*me.theme)
                        .with_prompt(q.label)
                        .items(&distinct(items))
                        .default(start)
                        .report(false)
                        .interact_on(&me.term)
                } else {
                    Select::with_theme(&*me.theme)
                        .with_prompt(q.label)
                        .items(items)
                        .default(start)
                        .report(false)
                        .interact_on(&me.term)
                }
            },
            |i| check(*i),
            report,
        )
    }

    fn multi_select(
        &mut self,
        q: &Question,
        items: &[String],
        defaults: &[bool],
        check: PicksCheck,
    ) -> io::Result<Vec<usize>> {
        self.help(q)?;
        let picked = |idx: &Vec<usize>| -> Vec<&str> {
            idx.iter()
                .filter_map(|i| items.get(*i).map(String::as_str))
                .collect()
        };
        let said = |idx: &Vec<usize>| match picked(idx).join(", ") {
            none if none.is_empty() => "nothing".to_string(),
            some => some,
        };
        let report = Report {
            taken: &|t, f, label, idx| {
                t.format_multi_select_prompt_selection(f, label, &picked(idx))
            },
            said: &said,
        };
        self.until(
            q.label,
            |me, last: Option<&Vec<usize>>| {
                let picked: Vec<bool> = match last {
                    Some(idx) => (0..items.len()).map(|i| idx.contains(&i)).collect(),
                    None => defaults.to_vec(),
                };
                MultiSelect::with_theme(&*me.theme)
                    .with_prompt(format!("{} (space to pick, enter to finish)", q.label))
                    .items(items)
                    .defaults(&picked)
                    .report(false)
                    .interact_on(&me.term)
            },
            |idx| check(idx),
            report,
        )
    }
}

/// Menu items told apart: the type-to-filter menu reports a pick by its text (the first
/// item equal to it), so two subscriptions with the same description would both pick
/// the first one. Repeats get a ` (2)`, ` (3)`, … suffix.
fn distinct(items: &[String]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    items
        .iter()
        .map(|item| {
            let mut label = item.clone();
            let mut n = 1;
            while !seen.insert(label.clone()) {
                n += 1;
                label = format!("{item} ({n})");
            }
            label
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn repeated_menu_items_are_told_apart() {
        let items = ["a", "b", "a", "a (2)", "a"].map(String::from);
        assert_eq!(
            super::distinct(&items),
            ["a", "b", "a (2)", "a (2) (2)", "a (3)"]
        );
    }
}
