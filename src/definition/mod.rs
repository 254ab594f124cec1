//! Reading the user's TOML definition files (products and workflows) and reporting what
//! is wrong with them at `file:line:col`, with the key path.
//!
//! Parsing happens in two passes. Serde turns the text into raw structs (unknown keys
//! and wrong types are caught there, with the span TOML reports); semantic checks then
//! produce key paths, which [`Source::locate`] turns back into positions. One mechanism
//! places every diagnostic, whichever pass found it.

pub mod children;
pub mod names;
pub mod product;
mod steps;
mod waits;
pub mod workflow;

pub use steps::{MAX_GROUP_DEPTH, walk};

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::Error;

/// One problem in a definition file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: PathBuf,
    pub line: usize,
    pub col: usize,
    /// Dotted key path, e.g. `blocks.NodeBlock.fields.role.type`.
    pub path: String,
    pub message: String,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file.display(), self.line, self.col)?;
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)?;
        if let Some(h) = &self.hint {
            write!(f, " (hint: {h})")?;
        }
        Ok(())
    }
}

/// The problems found in one or more files.
#[derive(Debug, thiserror::Error)]
#[error("{}", summary(.0))]
pub struct DefinitionError(pub Vec<Diagnostic>);

fn summary(d: &[Diagnostic]) -> String {
    match d {
        [one] => one.to_string(),
        many => format!("{} problems in the definition files", many.len()),
    }
}

impl From<DefinitionError> for Error {
    fn from(e: DefinitionError) -> Self {
        let mut err = Error::usage(summary(&e.0));
        if e.0.len() > 1 {
            for d in &e.0 {
                err = err.with_cause(d);
            }
        }
        err.with_hint("fix the file and run `orch workflow check` to see every problem at once")
    }
}

/// A segment of a key path: a table key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

impl From<&str> for Seg {
    fn from(s: &str) -> Self {
        Seg::Key(s.to_string())
    }
}

impl From<String> for Seg {
    fn from(s: String) -> Self {
        Seg::Key(s)
    }
}

impl From<usize> for Seg {
    fn from(i: usize) -> Self {
        Seg::Index(i)
    }
}

pub fn render_path(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                if k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                    && !k.is_empty()
                {
                    out.push_str(k);
                } else {
                    out.push_str(&format!("{k:?}"));
                }
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// Builds a key path from mixed segments: `path!["blocks", name, "fields"]`.
#[macro_export]
macro_rules! key_path {
    ($($seg:expr),* $(,)?) => {
        // A Vec (call sites extend it), built without `vec!` so short paths passed
        // by reference do not trip clippy's useless_vec.
        <[$crate::definition::Seg]>::into_vec(Box::new([$($crate::definition::Seg::from($seg)),*]))
    };
}

/// The text of one definition file, kept to place diagnostics.
///
/// The span-keeping document that places them is built only when a diagnostic needs
/// it: a valid file is parsed once, by serde, which keeps memory low on large files.
pub struct Source {
    pub file: PathBuf,
    pub text: String,
    doc: std::cell::OnceCell<Option<toml_edit::ImDocument<String>>>,
}

impl Source {
    pub fn new(file: impl Into<PathBuf>, text: String) -> Self {
        Source {
            file: file.into(),
            text,
            doc: std::cell::OnceCell::new(),
        }
    }

    /// Whether the span-keeping document was built (see [`Source`]).
    #[cfg(test)]
    pub fn was_placed(&self) -> bool {
        self.doc.get().is_some()
    }

    fn doc(&self) -> Option<&toml_edit::ImDocument<String>> {
        self.doc
            .get_or_init(|| toml_edit::ImDocument::parse(self.text.clone()).ok())
            .as_ref()
    }

    /// Reads a definition file; one that is not UTF-8 text is a problem of that file
    /// (placed at its first bad byte), not an error that stops every command.
    /// A link to nothing (a definition moved or deleted where the link points) is a
    /// problem of that file too, rather than a file silently left out.
    pub fn load(file: &Path, shown_as: PathBuf) -> Result<Result<Self, Diagnostic>, Error> {
        if let Some(target) = dangling_link(file) {
            let place = Source::new(shown_as, String::new());
            let d = place.diagnostic_at(
                0,
                String::new(),
                format!(
                    "a symbolic link to {}, which does not exist",
                    target.display()
                ),
            );
            return Ok(Err(d.with_hint(format!(
                "restore what it points at, or remove the link: `rm {}`",
                place.file.display()
            ))));
        }
        let bytes = std::fs::read(file)
            .map_err(|e| Error::usage(format!("cannot read {}: {e}", file.display())))?;
        match String::from_utf8(bytes) {
            Ok(text) => Ok(Ok(Source::new(shown_as, text))),
            Err(e) => {
                let bytes = e.as_bytes();
                let at = e.utf8_error().valid_up_to();
                // The text up to the bad byte is valid, and places it.
                let before = String::from_utf8_lossy(&bytes[..at]).into_owned();
                let place = Source::new(shown_as, before);
                let d = place.diagnostic_at(
                    at,
                    String::new(),
                    format!(
                        "not UTF-8 text: byte 0x{:02x} cannot start a character here (TOML files are UTF-8)",
                        bytes[at]
                    ),
                );
                Ok(Err(d.with_hint(format!(
                    "save the file as UTF-8, e.g. `iconv -f latin1 -t utf-8 {0} > {0}.new && mv {0}.new {0}`",
                    place.file.display()
                ))))
            }
        }
    }

    /// Reads a file that must be readable for the command to go on: a file that is not
    /// UTF-8 is an error placed in it.
    pub fn read(file: &Path, shown_as: PathBuf) -> Result<Self, Error> {
        Source::load(file, shown_as)?.map_err(|d| Error::from(DefinitionError(vec![d])))
    }

    /// line and column (1-based, in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..floor_char_boundary(&self.text, offset)];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }

    /// The position of the deepest item of `path` that exists in the file.
    pub fn locate(&self, path: &[Seg]) -> (usize, usize) {
        let Some(doc) = self.doc() else {
            return (1, 1);
        };
        let mut best: Option<std::ops::Range<usize>> = None;
        let mut item: Option<Item<'_>> = Some(Item::Table(doc.as_table()));
        for seg in path {
            let Some(cur) = item.take() else { break };
            let (next, key_span) = cur.child(seg);
            if let Some(span) = key_span.clone() {
                best = Some(span);
            }
            match next {
                Some(n) => {
                    if let Some(span) = n.span() {
                        if key_span.is_none() {
                            best = Some(span);
                        }
                    }
                    item = Some(n);
                }
                None => break,
            }
        }
        best.map_or((1, 1), |r| self.line_col(r.start))
    }

    /// Whether the file holds the key at `path`.
    pub fn has(&self, path: &[Seg]) -> bool {
        let Some(doc) = self.doc() else {
            return false;
        };
        let mut item = Some(Item::Table(doc.as_table()));
        for seg in path {
            item = item.and_then(|i| i.child(seg).0);
        }
        item.is_some()
    }

    /// The string at `path` in the file, if there is one.
    pub fn str_at(&self, path: &[Seg]) -> Option<&str> {
        let mut item = Some(Item::Table(self.doc()?.as_table()));
        for seg in path {
            item = item.and_then(|i| i.child(seg).0);
        }
        match item? {
            Item::Value(v) => v.as_str(),
            _ => None,
        }
    }

    pub fn diagnostic(&self, path: &[Seg], message: impl Into<String>) -> Diagnostic {
        let (line, col) = self.locate(path);
        Diagnostic {
            file: self.file.clone(),
            line,
            col,
            path: render_path(path),
            message: message.into(),
            hint: None,
        }
    }

    pub fn diagnostic_at(
        &self,
        offset: usize,
        path: String,
        message: impl Into<String>,
    ) -> Diagnostic {
        let (line, col) = self.line_col(offset);
        Diagnostic {
            file: self.file.clone(),
            line,
            col,
            path,
            message: message.into(),
            hint: None,
        }
    }

    /// Deserializes the whole file into `T`, turning a serde failure into a diagnostic
    /// with position and key path.
    pub fn deserialize<T: serde::de::DeserializeOwned>(&self) -> Result<T, Diagnostic> {
        let syntax_error = || {
            // Only a failing file is parsed again, for toml_edit's worded syntax errors.
            toml_edit::ImDocument::parse(self.text.as_str())
                .err()
                .map(|syntax| {
                    let offset = syntax.span().map_or(0, |s| s.start);
                    let msg = syntax.message().trim().to_string();
                    self.diagnostic_at(offset, String::new(), format!("invalid TOML: {msg}"))
                })
        };
        let de = match toml::Deserializer::parse(&self.text) {
            Ok(de) => de,
            Err(e) => {
                return Err(syntax_error().unwrap_or_else(|| {
                    let offset = e.span().map_or(0, |s| s.start);
                    let msg = e.message().trim().to_string();
                    self.diagnostic_at(offset, String::new(), format!("invalid TOML: {msg}"))
                }));
            }
        };
        serde_path_to_error::deserialize::<_, T>(de).map_err(|e| {
            if let Some(d) = syntax_error() {
                return d;
            }
            let path = clean_serde_path(&e.path().to_string());
            let inner = e.into_inner();
            let message = inner.message().trim().to_string();
            let segs = parse_rendered_path(&path);
            let d = match inner.span() {
                Some(span) => {
                    let mut d = self.diagnostic_at(span.start, render_path(&segs), message);
                    if d.path.is_empty() {
                        d.path = path;
                    }
                    d
                }
                None => self.diagnostic(&segs, message),
            };
            with_list_hint(d, &segs)
        })
    }
}

/// How many refused keys [`Source::deserialize_each`] takes out before it stops.
const MAX_REFUSED_KEYS: usize = 20;

impl Source {
    /// [`Source::deserialize`] that goes on past a key serde refuses (one it does not
    /// know, or a value of the wrong type): the key is noted, taken out of a copy of the
    /// file and the copy read again, so one run names every such key, not the first
    /// only. The value is what the copy gave once nothing more was refused: the file
    /// without those keys, for the checks that come after (None when a key could not
    /// be taken out, say a missing one).
    pub fn deserialize_each<T: serde::de::DeserializeOwned>(&self) -> (Option<T>, Vec<Diagnostic>) {
        let first = match self.deserialize::<T>() {
            Ok(value) => return (Some(value), Vec::new()),
            Err(d) => d,
        };
        let mut refused = vec![first];
        let Ok(mut copy) = self.text.parse::<toml_edit::DocumentMut>() else {
            return (None, refused);
        };
        let first_message = refused[0].message.clone();
        let mut at = refused_key(&parse_rendered_path(&refused[0].path), &first_message)
            .map(|path| (path, first_message));
        for _ in 0..MAX_REFUSED_KEYS {
            let Some((path, message)) = at.take() else {
                return (None, refused);
            };
            // A word that is no variant (a form field's `type`, inside a list) is
            // replaced by the nearest variant: taking the key out would lose the whole
            // list element, and the checks of the rest of the file with it.
            // A list element of the wrong type where a string belongs (`locks = ["a",
            // 5]`) cannot be taken out: a placeholder string keeps the rest of the
            // list, and of the file, checked.
            let mended = nearest_variant(&message)
                .is_some_and(|v| replace_value(&mut copy, &path, &v))
                || take_out(&mut copy, &path)
                || (message.ends_with("expected a string") && replace_value(&mut copy, &path, "?"));
            if !mended {
                return (None, refused);
            }
            let text = copy.to_string();
            let de = match toml::Deserializer::parse(&text) {
                Ok(de) => de,
                Err(_) => return (None, refused),
            };
            match serde_path_to_error::deserialize::<_, T>(de) {
                Ok(value) => return (Some(value), refused),
                Err(e) => {
                    let segs = parse_rendered_path(&clean_serde_path(&e.path().to_string()));
                    let message = e.into_inner().message().trim().to_string();
                    if let Some(name) = message.strip_prefix("missing field `") {
                        let name = name.split('`').next().unwrap_or_default();
                        if path.split_last() == Some((&Seg::Key(name.to_string()), &segs[..])) {
                            // The key just taken out is one its table needs: take out
                            // the table too, rather than blame the key twice.
                            at = (!segs.is_empty()).then_some((segs, message));
                            continue;
                        }
                    }
                    let key = refused_key(&segs, &message);
                    // Placed by its path in the file as written, not in the copy.
                    let d = self.diagnostic(key.as_deref().unwrap_or(&segs), message.clone());
                    refused.push(with_list_hint(d, &segs));
                    at = key.map(|k| (k, message));
                }
            }
        }
        (None, refused)
    }
}

impl Source {
    /// Serde stops at the first key a table lacks; for the top table of a file, whose
    /// `required` keys are known, every one it lacks is named instead (but for one
    /// already blamed, say for its type), so one run of the check says all of them.
    pub fn every_missing_key(&self, diags: &mut Vec<Diagnostic>, required: &[&str]) {
        let Ok(top) = toml::from_str::<toml::Table>(&self.text) else {
            return;
        };
        diags.retain(|d| !(d.path.is_empty() && d.message.starts_with("missing field `")));
        let missing: Vec<Diagnostic> = required
            .iter()
            .filter(|k| !top.contains_key(**k) && !diags.iter().any(|d| d.path == **k))
            .map(|k| self.diagnostic(&[], format!("missing field `{k}`")))
            .collect();
        diags.extend(missing);
    }
}

/// One table where a list of them belongs (`[step]` for `[[step]]`) reads in serde's
/// words as "invalid type: map, expected a sequence": the hint says how to write it.
fn with_list_hint(d: Diagnostic, path: &[Seg]) -> Diagnostic {
    let Some(Seg::Key(key)) = path.last() else {
        return d;
    };
    if d.hint.is_some() || d.message != "invalid type: map, expected a sequence" {
        return d;
    }
    let keys: Vec<Seg> = path
        .iter()
        .filter(|s| matches!(s, Seg::Key(_)))
        .cloned()
        .collect();
    let hint = format!(
        "`{key}` takes a list: write each entry as a `[[{}]]` table (double brackets), or `{key} = [{{ … }}]`",
        render_path(&keys)
    );
    d.with_hint(hint)
}

/// The key a serde error refuses: the one it names as unknown (below `path`), else the
/// value at `path` itself. None for a missing key, which taking out cannot mend.
fn refused_key(path: &[Seg], message: &str) -> Option<Vec<Seg>> {
    if message.starts_with("missing field") {
        return None;
    }
    let mut path = path.to_vec();
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let name = rest.split('`').next().unwrap_or_default();
        if path.last() != Some(&Seg::Key(name.to_string())) {
            path.push(Seg::Key(name.to_string()));
        }
    }
    (!path.is_empty()).then_some(path)
}

/// For serde's "unknown variant `x`, expected one of `a`, `b`" (or "expected `a` or
/// `b`"), the variant nearest to `x`, else the first.
fn nearest_variant(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown variant `")?;
    let (given, expected) = rest.split_once('`')?;
    let variants: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    let near = crate::suggest::nearest(given, variants.iter().copied());
    near.first().or(variants.first()).map(|v| v.to_string())
}

/// The item at `path` in `doc`, if there is one.
fn item_at<'d>(
    doc: &'d mut toml_edit::DocumentMut,
    path: &[Seg],
) -> Option<&'d mut toml_edit::Item> {
    let mut item = doc.as_item_mut();
    for seg in path {
        item = match seg {
            Seg::Key(k) => item.get_mut(k.as_str())?,
            Seg::Index(i) => item.get_mut(*i)?,
        };
    }
    Some(item)
}

/// Sets the string at `path` in `doc` to `value`; false when there is no such key.
fn replace_value(doc: &mut toml_edit::DocumentMut, path: &[Seg], value: &str) -> bool {
    match item_at(doc, path) {
        Some(toml_edit::Item::Value(v)) => {
            *v = toml_edit::Value::from(value);
            true
        }
        _ => false,
    }
}

/// Removes the key at `path` from `doc`; false when there is none, or when it is an
/// element of a list (taking it out would renumber the ones after it).
fn take_out(doc: &mut toml_edit::DocumentMut, path: &[Seg]) -> bool {
    let Some((Seg::Key(last), parents)) = path.split_last() else {
        return false;
    };
    let Some(item) = item_at(doc, parents) else {
        return false;
    };
    item.as_table_like_mut()
        .and_then(|t| t.remove(last))
        .is_some()
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// serde_path_to_error renders unknown positions as `?`; drop them.
pub(crate) fn clean_serde_path(p: &str) -> String {
    if p == "." || p == "?" {
        return String::new();
    }
    p.trim_end_matches(".?")
        .replace(".?", "")
        .trim_start_matches('.')
        .to_string()
}

pub(crate) fn parse_rendered_path(p: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    for part in p.split('.') {
        if part.is_empty() {
            continue;
        }
        let (key, rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            out.push(Seg::Key(key.trim_matches('"').to_string()));
        }
        for idx in rest.split(['[', ']']).filter(|s| !s.is_empty()) {
            if let Ok(i) = idx.parse() {
                out.push(Seg::Index(i));
            }
        }
    }
    out
}

/// A borrowed node of a parsed TOML document, whatever its flavour.
#[derive(Clone, Copy)]
enum Item<'a> {
    Table(&'a toml_edit::Table),
    Inline(&'a toml_edit::InlineTable),
    Array(&'a toml_edit::Array),
    Tables(&'a toml_edit::ArrayOfTables),
    Value(&'a toml_edit::Value),
}

impl<'a> Item<'a> {
    fn from_item(item: &'a toml_edit::Item) -> Option<Item<'a>> {
        match item {
            toml_edit::Item::None => None,
            toml_edit::Item::Table(t) => Some(Item::Table(t)),
            toml_edit::Item::ArrayOfTables(a) => Some(Item::Tables(a)),
            toml_edit::Item::Value(v) => Some(Item::from_value(v)),
        }
    }

    fn from_value(v: &'a toml_edit::Value) -> Item<'a> {
        match v {
            toml_edit::Value::InlineTable(t) => Item::Inline(t),
            toml_edit::Value::Array(a) => Item::Array(a),
            other => Item::Value(other),
        }
    }

    fn span(&self) -> Option<std::ops::Range<usize>> {
        match self {
            Item::Table(t) => t.span(),
            Item::Inline(t) => t.span(),
            Item::Array(a) => a.span(),
            Item::Tables(a) => a.span(),
            Item::Value(v) => v.span(),
        }
    }

    /// The child at `seg`, and the span of its key when it has one.
    fn child(&self, seg: &Seg) -> (Option<Item<'a>>, Option<std::ops::Range<usize>>) {
        match (self, seg) {
            (Item::Table(t), Seg::Key(k)) => {
                let key_span = t.key(k).and_then(|k| k.span());
                (t.get(k).and_then(Item::from_item), key_span)
            }
            (Item::Inline(t), Seg::Key(k)) => {
                let key_span = t.key(k).and_then(|k| k.span());
                (t.get(k).map(Item::from_value), key_span)
            }
            (Item::Array(a), Seg::Index(i)) => (a.get(*i).map(Item::from_value), None),
            (Item::Tables(a), Seg::Index(i)) => (a.get(*i).map(Item::Table), None),
            _ => (None, None),
        }
    }
}

/// The top-level string `key = "…"` of a definition file, read as far as the file
/// allows: a file that is not valid TOML, or not a valid product or workflow, may
/// still say which name or tag it meant to have. None when the file does not say, or
/// says nothing.
pub fn declared(text: &str, key: &str) -> Option<String> {
    let found = match text.parse::<toml::Table>() {
        Ok(table) => table.get(key)?.as_str().map(str::to_string),
        // Not TOML (a syntax error further down): its line before the first table.
        Err(_) => text
            .lines()
            .map(str::trim)
            .take_while(|l| !l.starts_with('['))
            .find_map(|l| {
                let (k, value) = l.split_once('=')?;
                if k.trim() != key {
                    return None;
                }
                let value = value.split('#').next()?.trim();
                value
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                    .map(str::to_string)
            }),
    };
    found.filter(|v| !v.is_empty())
}

/// Where `file` links to, when it is a symbolic link to nothing.
fn dangling_link(file: &Path) -> Option<PathBuf> {
    let meta = std::fs::symlink_metadata(file).ok()?;
    (meta.file_type().is_symlink() && !file.exists())
        .then(|| std::fs::read_link(file).ok())
        .flatten()
}

/// Lists the `*.toml` files of a folder, sorted, or the file itself. A link to nothing
/// is listed (reading it says what is wrong), unless its name is hidden: editors leave
/// such links beside the files they edit (Emacs's `.#name.toml` lock).
pub fn toml_files(path: &Path) -> Result<Vec<PathBuf>, Error> {
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    if !path.is_dir() {
        return Ok(Vec::new());
    }
    let mut files = Vec::new();
    let entries = std::fs::read_dir(path)
        .map_err(|e| Error::failure(format!("cannot read {}: {e}", path.display())))?;
    for entry in entries {
        let entry = entry?;
        let p = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        let listed = p.is_file() || (!hidden && dangling_link(&p).is_some());
        if p.extension().is_some_and(|e| e == "toml") && listed {
            files.push(p);
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_says_its_name_as_far_as_it_reads() {
        assert_eq!(
            declared("name = \"w\"\n[[step]]\n", "name").as_deref(),
            Some("w")
        );
        // Broken further down: the line before the first table, without its comment.
        let broken = "tag = 'NODE' # the tag\nname = \"n\"\n[blocks\nx = 1\n";
        assert_eq!(declared(broken, "tag").as_deref(), Some("NODE"));
        assert_eq!(declared(broken, "name").as_deref(), Some("n"));
        assert_eq!(declared("[a]\nname = \"inner\"\n[", "name"), None);
        assert_eq!(declared("name = \"\"\n", "name"), None);
        assert_eq!(declared("name = 3\n", "name"), None);
    }

    #[test]
    fn locates_nested_keys() {
        let src = Source::new(
            "p.toml",
            "name = \"x\"\n[blocks.A]\nfields.role = { type = \"strin\" }\n".to_string(),
        );
        let path = key_path!["blocks", "A", "fields", "role", "type"];
        assert_eq!(src.locate(&path), (3, 17));
        assert_eq!(render_path(&path), "blocks.A.fields.role.type");
    }

    #[test]
    fn locates_array_of_tables() {
        let src = Source::new(
            "w.toml",
            "[[step]]\nname = \"a\"\n[[step]]\nname = \"b\"\n".to_string(),
        );
        assert_eq!(src.locate(&key_path!["step", 1usize, "name"]), (4, 1));
    }
}
