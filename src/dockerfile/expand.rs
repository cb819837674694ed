//! Variable expansion and word splitting as BuildKit's shell lexer does it. (In progress.)

use std::collections::BTreeSet;

use crate::span::Span;

/// Variables visible to an expansion.
pub trait Environment {
    fn get(&self, name: &str) -> Option<&str>;
}

impl Environment for std::collections::HashMap<String, String> {
    fn get(&self, name: &str) -> Option<&str> {
        std::collections::HashMap::get(self, name).map(String::as_str)
    }
}

impl Environment for std::collections::BTreeMap<String, String> {
    fn get(&self, name: &str) -> Option<&str> {
        std::collections::BTreeMap::get(self, name).map(String::as_str)
    }
}

/// An expansion failure (`${V?msg}` on an unset variable, bad syntax), with
/// the span of the culprit relative to the input word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpandError {
    pub span: Span,
    pub message: String,
}

/// The result of expanding a word, with the variables it used.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Expansion {
    pub value: String,
    /// Variables that were referenced and found.
    pub matched: BTreeSet<String>,
    /// Variables that were referenced, not found, and had no default/alternative form.
    pub unmatched: BTreeSet<String>,
}

/// A `$NAME` / `${NAME...}` reference found in a word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarRef {
    pub name: String,
    /// Span of the whole reference (`$` to closing `}`), relative to the word.
    pub span: Span,
    /// Span of the name alone, relative to the word.
    pub name_span: Span,
    /// The operator after the name (`:-`, `-`, `:+`, `+`, `:?`, `?`, `#`, `##`, `%`, `%%`, `/`), if any.
    pub operator: Option<String>,
}

/// BuildKit's shell lexer, parameterised by the escape character.
#[derive(Debug, Clone, Copy)]
pub struct ShellLex {
    pub escape: char,
}

impl ShellLex {
    pub fn new(escape: char) -> Self {
        ShellLex { escape }
    }

    /// Expands one word (quotes removed, escapes processed).
    pub fn process_word(&self, word: &str, env: &dyn Environment) -> Result<String, ExpandError> {
        self.process_word_with_matches(word, env).map(|e| e.value)
    }

    /// Expands one word and reports which variables it used.
    pub fn process_word_with_matches(
        &self,
        word: &str,
        _env: &dyn Environment,
    ) -> Result<Expansion, ExpandError> {
        Ok(Expansion {
            value: word.to_string(),
            ..Expansion::default()
        })
    }

    /// Expands and splits into words on unquoted whitespace.
    pub fn process_words(
        &self,
        word: &str,
        _env: &dyn Environment,
    ) -> Result<Vec<String>, ExpandError> {
        Ok(word.split_whitespace().map(str::to_string).collect())
    }

    /// Every variable reference in `word` (outside single quotes), in order.
    pub fn variable_refs(&self, _word: &str) -> Vec<VarRef> {
        Vec::new()
    }
}
