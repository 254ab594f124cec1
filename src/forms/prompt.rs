//! The seam between form logic and a terminal.
//!
//! Collecting a form only talks to a [`Prompter`], so the logic (what to ask, in which
//! order, what to re-ask) is tested with a [`ScriptedPrompter`] and the dialoguer side
//! ([`super::terminal::DialoguerPrompter`]) stays a thin translation. Every question
//! carries a `check`: the prompter re-asks until it passes, showing the reason, so a
//! wrong answer never leaves the prompt (dialoguer shows the reason under the input).

use std::collections::VecDeque;
use std::io::{self, IsTerminal};

/// A field as a prompt presents it.
#[derive(Debug, Clone, Copy)]
pub struct Question<'a> {
    /// The field name (what `--input` would use).
    pub name: &'a str,
    /// What the prompt says.
    pub label: &'a str,
    pub help: Option<&'a str>,
}

// Checks on answers: `Err(reason)` rejects one and the prompter asks again.
pub type TextCheck<'a> = &'a dyn Fn(&str) -> Result<(), String>;
pub type BoolCheck<'a> = &'a dyn Fn(bool) -> Result<(), String>;
pub type PickCheck<'a> = &'a dyn Fn(usize) -> Result<(), String>;
pub type PicksCheck<'a> = &'a dyn Fn(&[usize]) -> Result<(), String>;

/// Asks a person. Text answers: an empty answer with a `default` yields the default
/// (checked like any answer); an empty answer without one is returned as `""` if
/// `check` accepts it (an optional field left blank).
pub trait Prompter {
    /// A new page starts: its title and rendered description.
    fn page(&mut self, title: &str, description: Option<&str>) -> io::Result<()>;
    /// Shows text (a display field).
    fn show(&mut self, text: &str) -> io::Result<()>;
    /// Says why an answer given beforehand (`--input`, a file) is asked again.
    fn warn(&mut self, text: &str) -> io::Result<()>;
    fn text(&mut self, q: &Question, default: Option<&str>, check: TextCheck)
    -> io::Result<String>;
    fn long_text(
        &mut self,
        q: &Question,
        default: Option<&str>,
        check: TextCheck,
    ) -> io::Result<String>;
    fn secret(&mut self, q: &Question, check: TextCheck) -> io::Result<String>;
    fn confirm(&mut self, q: &Question, default: bool, check: BoolCheck) -> io::Result<bool>;
    /// Picks one item; returns its index.
    fn select(
        &mut self,
        q: &Question,
        items: &[String],
        default: Option<usize>,
        check: PickCheck,
    ) -> io::Result<usize>;
    /// Picks any number of items; returns their indices in item order.
    fn multi_select(
        &mut self,
        q: &Question,
        items: &[String],
        defaults: &[bool],
        check: PicksCheck,
    ) -> io::Result<Vec<usize>>;
}

/// Whether a person can be asked: stdin and stderr (where prompts are drawn) are both
/// terminals. Scripts and CI never get a prompt, so they never hang.
pub fn can_prompt() -> bool {
    io::stdin().is_terminal() && io::stderr().is_terminal()
}

/// Answers from a list, for tests: each answer is the text a person would type.
/// confirm takes yes/no (empty: the default); select takes an item's text or `#index`
/// (empty: the default); multi_select takes item texts separated by commas (empty: the
/// defaults, `-`: nothing). Records what was asked, shown and rejected.
#[derive(Debug, Default)]
pub struct ScriptedPrompter {
    answers: VecDeque<String>,
    /// Field names, once per question.
    pub asked: Vec<String>,
    /// Page titles, descriptions and display texts, in order.
    pub shown: Vec<String>,
    /// `name: reason` for every rejected answer, and every warning.
    pub rejections: Vec<String>,
}

impl ScriptedPrompter {
    pub fn new<S: Into<String>>(answers: impl IntoIterator<Item = S>) -> Self {
        ScriptedPrompter {
            answers: answers.into_iter().map(Into::into).collect(),
            ..Default::default()
        }
    }

    /// Answers not used yet.
    pub fn left(&self) -> usize {
        self.answers.len()
    }

    /// Takes answers until one passes `accept`, recording the rejections.
    fn ask<T>(
        &mut self,
        q: &Question,
        mut accept: impl FnMut(&str) -> Result<T, String>,
    ) -> io::Result<T> {
        self.asked.push(q.name.to_string());
        loop {
            let Some(answer) = self.answers.pop_front() else {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("the scripted answers ran out at `{}`", q.name),
                ));
            };
            match accept(&answer) {
                Ok(v) => return Ok(v),
                Err(reason) => self.rejections.push(format!("{}: {reason}", q.name)),
            }
        }
    }

    fn text_like(
        &mut self,
        q: &Question,
        default: Option<&str>,
        check: TextCheck,
    ) -> io::Result<String> {
        self.ask(q, |a| {
            let a = match default {
                Some(d) if a.is_empty() => d,
                _ => a,
            };
            check(a).map(|()| a.to_string())
        })
    }
}

fn find(items: &[String], answer: &str) -> Result<usize, String> {
    if let Some(i) = answer
        .strip_prefix('#')
        .and_then(|n| n.parse::<usize>().ok())
    {
        if i < items.len() {
            return Ok(i);
        }
    }
    items
        .iter()
        .position(|i| i == answer)
        .ok_or_else(|| format!("`{answer}` is not in the menu ({})", items.join(", ")))
}

impl Prompter for ScriptedPrompter {
    fn page(&mut self, title: &str, description: Option<&str>) -> io::Result<()> {
        if !title.is_empty() {
            self.shown.push(title.to_string());
        }
        self.shown.extend(description.map(str::to_string));
        Ok(())
    }

    fn show(&mut self, text: &str) -> io::Result<()> {
        self.shown.push(text.to_string());
        Ok(())
    }

    fn warn(&mut self, text: &str) -> io::Result<()> {
        self.rejections.push(text.to_string());
        Ok(())
    }

    fn text(
        &mut self,
        q: &Question,
        default: Option<&str>,
        check: TextCheck,
    ) -> io::Result<String> {
        self.text_like(q, default, check)
    }

    fn long_text(
        &mut self,
        q: &Question,
        default: Option<&str>,
        check: TextCheck,
    ) -> io::Result<String> {
        self.text_like(q, default, check)
    }

    fn secret(&mut self, q: &Question, check: TextCheck) -> io::Result<String> {
        self.text_like(q, None, check)
    }

    fn confirm(&mut self, q: &Question, default: bool, check: BoolCheck) -> io::Result<bool> {
        self.ask(q, |a| {
            let b = match a.trim().to_ascii_lowercase().as_str() {
                "" => default,
                "y" | "yes" | "true" => true,
                "n" | "no" | "false" => false,
                other => return Err(format!("expected yes or no, got `{other}`")),
            };
            check(b).map(|()| b)
        })
    }

    fn select(
        &mut self,
        q: &Question,
        items: &[String],
        default: Option<usize>,
        check: PickCheck,
    ) -> io::Result<usize> {
        self.ask(q, |a| {
            let i = match default {
                Some(d) if a.is_empty() => d,
                _ => find(items, a)?,
            };
            check(i).map(|()| i)
        })
    }

    fn multi_select(
        &mut self,
        q: &Question,
        items: &[String],
        defaults: &[bool],
        check: PicksCheck,
    ) -> io::Result<Vec<usize>> {
        self.ask(q, |a| {
            let mut picked: Vec<usize> = match a.trim() {
                "" => (0..items.len())
                    .filter(|i| defaults.get(*i) == Some(&true))
                    .collect(),
                "-" => Vec::new(),
                list => list
                    .split(',')
                    .map(|s| find(items, s.trim()))
                    .collect::<Result<_, _>>()?,
            };
            picked.sort_unstable();
            picked.dedup();
            check(&picked).map(|()| picked)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const Q: Question = Question {
        name: "n",
        label: "N",
        help: None,
    };

    #[test]
    fn re_asks_until_the_check_passes() {
        let mut p = ScriptedPrompter::new(["", "bad", "good"]);
        let check = |s: &str| {
            if s == "good" {
                Ok(())
            } else {
                Err(format!("not `{s}`"))
            }
        };
        assert_eq!(p.text(&Q, None, &check).unwrap(), "good");
        assert_eq!(p.rejections, ["n: not ``", "n: not `bad`"]);
        assert_eq!(p.asked, ["n"]);
        assert!(
            p.text(&Q, None, &check).is_err(),
            "out of answers is an error, not a hang"
        );
    }

    #[test]
    fn menus_and_defaults() {
        let items = ["a".to_string(), "b".to_string(), "c".to_string()];
        let mut p = ScriptedPrompter::new(["", "c", "#1", "", "a, c", "-", "maybe", "y"]);
        let any = |_: usize| Ok(());
        assert_eq!(p.select(&Q, &items, Some(1), &any).unwrap(), 1);
        assert_eq!(p.select(&Q, &items, None, &any).unwrap(), 2);
        assert_eq!(p.select(&Q, &items, None, &any).unwrap(), 1);
        let all = |_: &[usize]| Ok(());
        assert_eq!(
            p.multi_select(&Q, &items, &[true, false, true], &all)
                .unwrap(),
            [0, 2]
        );
        assert_eq!(p.multi_select(&Q, &items, &[], &all).unwrap(), [0, 2]);
        assert_eq!(
            p.multi_select(&Q, &items, &[], &all).unwrap(),
            Vec::<usize>::new()
        );
        assert!(p.confirm(&Q, false, &|_| Ok(())).unwrap());
        assert_eq!(p.rejections, ["n: expected yes or no, got `maybe`"]);
    }
}
