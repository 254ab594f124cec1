//! All printing goes through [`Printer`]: it knows the output format, the verbosity and
//! whether the streams are terminals. stdout carries data; stderr carries the rest.

pub mod progress;
pub mod table;

/// `eprintln!` that cannot fail the command: when stderr is gone (a pipe whose reader
/// quit, as in `orch … 2>&1 | head -1`) the line is lost, never the run in progress.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($arg)*);
    }};
}

use std::io::{IsTerminal, Write};

use serde::Serialize;

use crate::error::Error;

/// `-o/--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Jsonl,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone)]
pub struct Printer {
    pub format: Format,
    pub quiet: bool,
    pub verbose: u8,
    pub color: bool,
    pub stderr_tty: bool,
    pub stdout_tty: bool,
}

impl Printer {
    pub fn new(format: Format, quiet: bool, verbose: u8, color: ColorChoice) -> Printer {
        let stderr_tty = std::io::stderr().is_terminal();
        let stdout_tty = std::io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => !no_color && stderr_tty,
        };
        console::set_colors_enabled(color);
        console::set_colors_enabled_stderr(color);
        Printer {
            format,
            quiet,
            verbose,
            color,
            stderr_tty,
            stdout_tty,
        }
    }

    pub fn is_json(&self) -> bool {
        self.format != Format::Table
    }

    /// Writes data to stdout. A closed pipe ends orch quietly, like other Unix tools.
    pub fn out(&self, text: &str) -> Result<(), Error> {
        let mut out = std::io::stdout().lock();
        match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
            Err(e) => Err(Error::failure(format!("cannot write to stdout: {e}"))),
        }
    }

    /// Prints a serializable value in the chosen JSON flavour: pretty for `json`, one
    /// line per array item for `jsonl`.
    pub fn json<T: Serialize>(&self, value: &T) -> Result<(), Error> {
        let v = serde_json::to_value(value)?;
        match (self.format, &v) {
            (Format::Jsonl, serde_json::Value::Array(items)) => {
                let mut s = String::new();
                for item in items {
                    s.push_str(&serde_json::to_string(item)?);
                    s.push('\n');
                }
                self.out(&s)
            }
            (Format::Jsonl, _) => self.out(&format!("{}\n", serde_json::to_string(&v)?)),
            _ => self.out(&format!("{}\n", serde_json::to_string_pretty(&v)?)),
        }
    }

    /// JSON whatever the output format, for what has no table (`--state`, `--step`, a
    /// form's JSON Schema): pretty, except on one line with `jsonl`, as asked.
    pub fn json_pretty<T: Serialize>(&self, value: &T) -> Result<(), Error> {
        let text = if self.format == Format::Jsonl {
            serde_json::to_string(value)?
        } else {
            serde_json::to_string_pretty(value)?
        };
        self.out(&format!("{text}\n"))
    }

    /// Progress and status on stderr, unless `-q`.
    pub fn status(&self, text: &str) {
        if !self.quiet {
            crate::say!("{text}");
        }
    }

    /// Detail for `-v`.
    pub fn detail(&self, text: &str) {
        if self.verbose > 0 && !self.quiet {
            crate::say!("{text}");
        }
    }

    /// A warning on stderr, unless `-q` (which prints only data and errors).
    pub fn warn(&self, text: &str) {
        if !self.quiet {
            crate::say!("{} {text}", self.paint("warning:", Paint::Yellow));
        }
    }

    pub fn hint(&self, text: &str) {
        if !self.quiet {
            crate::say!("{} {text}", self.paint("hint:", Paint::Cyan));
        }
    }

    /// A list with nothing to show in a table: stdout stays empty (no header row over
    /// no rows, so `wc -l` counts none), and stderr says what there is none of (`no
    /// processes yet`) and, with `hint`, how to make one. `-o json` prints `[]` instead.
    pub fn nothing(&self, what: &str, hint: Option<&str>) {
        self.status(what);
        if let Some(hint) = hint {
            self.hint(hint);
        }
    }

    pub fn paint(&self, text: &str, p: Paint) -> String {
        if !self.color {
            return text.to_string();
        }
        let s = console::style(text).for_stderr();
        match p {
            Paint::Green => s.green(),
            Paint::Red => s.red(),
            Paint::Yellow => s.yellow(),
            Paint::Cyan => s.cyan(),
            Paint::Dim => s.dim(),
            Paint::Bold => s.bold(),
        }
        .to_string()
    }

    /// Renders an error on stderr.
    pub fn error(&self, e: &Error) {
        // An error may quote what a step wrote.
        let text = printable(&e.render()).into_owned();
        if self.color {
            let mut out = String::new();
            for line in text.lines() {
                if let Some(rest) = line.strip_prefix("error:") {
                    out.push_str(&format!(
                        "{}{rest}\n",
                        console::style("error:").for_stderr().red().bold()
                    ));
                } else if let Some(rest) = line.strip_prefix("hint:") {
                    out.push_str(&format!(
                        "{}{rest}\n",
                        console::style("hint:").for_stderr().cyan()
                    ));
                } else {
                    out.push_str(line);
                    out.push('\n');
                }
            }
            crate::say!("{}", out.trim_end_matches('\n'));
        } else {
            crate::say!("{}", text.trim_end_matches('\n'));
        }
    }
}

/// `label: value` lines, indented two spaces, with the values lined up and fit for a
/// terminal (see [`printable`]); the further lines of a value of several (a reason that
/// lists problems) are lined up under its first.
pub fn labelled(fields: &[(&str, String)]) -> String {
    let width = fields.iter().map(|(l, _)| l.len() + 1).max().unwrap_or(0);
    let under = format!("\n{:width$}", "", width = width + 3);
    let mut out = String::new();
    for (label, value) in fields {
        let label = format!("{label}:");
        let value = printable(value.trim_end()).replace('\n', &under);
        out.push_str(&format!("  {label:<width$} {value}\n"));
    }
    out
}

/// A count and its noun, agreeing: `1 run`, `3 runs`.
pub fn count(n: impl Into<i64>, one: &str, many: &str) -> String {
    match n.into() {
        1 => format!("1 {one}"),
        n => format!("{n} {many}"),
    }
}

/// The last `n` lines of a text (a step's stderr), oldest first, fit for a terminal
/// (see [`printable`]).
pub fn last_lines(text: &str, n: usize) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..]
        .iter()
        .map(|l| printable(l).into_owned())
        .collect()
}

/// Refuses a name that tables, logs and pages show as given (a customer, a user): with
/// a control character, which a terminal would take for a command, or with an
/// invisible character or spaces around it, which no later search for it would match. `what` is what it is ("the
/// customer"), `as_text` how to give it ("the customer's id"), `where_` where it was
/// given, if the hint should say so (" (--user or ORCH_USER)").
pub fn check_plain(what: &str, value: &str, as_text: &str, where_: &str) -> Result<(), Error> {
    if value.chars().any(char::is_control) {
        // Escaped as a step's or a consumer's name is: a newline or a tab shown as
        // itself would split the message it is refused with.
        return Err(Error::usage(format!(
            "{what} `{}` holds a control character",
            value.escape_debug()
        ))
        .with_hint(format!("give {as_text} as plain text{where_}")));
    }
    if value.chars().any(crate::domain::path::is_invisible) {
        return Err(Error::usage(format!(
            "{what} `{}` holds an invisible character (a zero-width space, a direction mark)",
            value.escape_debug()
        ))
        .with_hint(format!("give {as_text} as plain text{where_}")));
    }
    if value.trim() != value {
        return Err(
            Error::usage(format!("{what} `{value}` has spaces around it")).with_hint(format!(
                "give {as_text} without them: `{}`{where_}",
                value.trim()
            )),
        );
    }
    Ok(())
}

/// Text a step wrote (its stderr, its error), with the control characters a terminal
/// would act on shown instead (`^[` for ESC): a step's output cannot move the cursor,
/// retitle the window or hide what orch prints. Newlines and tabs stay.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    let acts = |c: char| (c.is_control() && c != '\n' && c != '\t') || c == '\u{7f}';
    if !text.chars().any(acts) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            c if !acts(c) => out.push(c),
            '\u{7f}' => out.push_str("^?"),
            c if (c as u32) < 0x20 => {
                out.push('^');
                out.push(char::from(b'@' + c as u8));
            }
            c => out.push_str(&format!("<U+{:04X}>", c as u32)),
        }
    }
    out.into()
}

#[derive(Debug, Clone, Copy)]
pub enum Paint {
    Green,
    Red,
    Yellow,
    Cyan,
    Dim,
    Bold,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_terminal_would_act_on_is_shown_instead() {
        assert_eq!(printable("plain\ttext\nline"), "plain\ttext\nline");
        assert_eq!(
            printable("\u{1b}[2J\u{1b}]0;pwned\u{7}"),
            "^[[2J^[]0;pwned^G"
        );
        assert_eq!(printable("a\u{9b}b\u{7f}"), "a<U+009B>b^?");
        assert_eq!(
            last_lines("one\ntwo\u{1b}[31m\nthree", 2),
            ["two^[[31m", "three"]
        );
    }
}
