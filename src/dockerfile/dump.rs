//! BuildKit's parser dump format (`(keyword ["--flag"] "arg" ...)`), used to
//! check the parser against BuildKit's conformance corpus.
//!
//! The arguments are re-split from each instruction's logical argument text
//! with the same line parsers BuildKit dispatches to, so the dump shows
//! exactly what BuildKit's AST would hold.

use super::ast::{Dockerfile, Instruction, InstructionKind, Keyword, NodeKind};
use super::line_parsers::{
    go_quote, parse_json_array, parse_name_val, parse_words, process_flag_word, split_health,
    whitespace_delimited, JsonArgs, NameVal,
};

/// One line per instruction, as BuildKit's `result` files (each line ends
/// with `\n`; nothing at all when there are no instructions).
pub fn dump(dockerfile: &Dockerfile) -> String {
    let mut out = String::new();
    for node in &dockerfile.nodes {
        if let NodeKind::Instruction(ins) = &node.kind {
            out.push('(');
            out.push_str(&dump_instruction(dockerfile, ins));
            out.push_str(")\n");
        }
    }
    out
}

fn dump_instruction(df: &Dockerfile, ins: &Instruction) -> String {
    let mut out = match ins.keyword {
        Keyword::Unknown => ins.keyword_span.slice(&df.source).to_lowercase(),
        k => k.as_str().to_ascii_lowercase(),
    };
    if !ins.flags.is_empty() {
        let flags: Vec<String> = ins
            .flags
            .iter()
            .map(|f| {
                let mut raw = format!("--{}", f.name.value);
                if let Some(v) = &f.value {
                    raw.push('=');
                    raw.push_str(&v.value);
                }
                go_quote(&process_flag_word(&raw))
            })
            .collect();
        out.push_str(&format!(" [{}]", flags.join(" ")));
    }
    if let InstructionKind::Onbuild(inner) = &ins.kind {
        out.push_str(&format!(" ({})", dump_instruction(df, inner)));
        return out;
    }
    for arg in arguments(ins.keyword, &ins.args.text, df.escape) {
        out.push(' ');
        out.push_str(&go_quote(&arg));
    }
    out
}

/// The argument nodes BuildKit's line parser for `keyword` produces.
fn arguments(keyword: Keyword, rest: &str, escape: char) -> Vec<String> {
    let texts = |words: Vec<super::line_parsers::Word>| words.into_iter().map(|w| w.text).collect();
    match keyword {
        Keyword::Add | Keyword::Copy | Keyword::Volume => match parse_json_array(rest) {
            JsonArgs::Array(words) => texts(words),
            _ => texts(whitespace_delimited(rest)),
        },
        Keyword::Arg => texts(parse_words(rest, escape)),
        Keyword::Cmd | Keyword::Entrypoint | Keyword::Run | Keyword::Shell => maybe_json(rest),
        Keyword::Env | Keyword::Label => {
            let name = if keyword == Keyword::Env {
                "ENV"
            } else {
                "LABEL"
            };
            match parse_name_val(rest, name, escape) {
                Ok(NameVal::Legacy { key, value }) => vec![key.text, value.text, String::new()],
                Ok(NameVal::Pairs(pairs)) => pairs
                    .into_iter()
                    .flat_map(|(w, eq)| {
                        [
                            w.text[..eq].to_string(),
                            w.text[eq + 1..].to_string(),
                            "=".into(),
                        ]
                    })
                    .collect(),
                _ => Vec::new(),
            }
        }
        Keyword::Expose | Keyword::From => texts(whitespace_delimited(rest)),
        Keyword::Healthcheck => match split_health(rest) {
            Some((typ, next)) => {
                let mut out = vec![typ.text];
                out.extend(maybe_json(&rest[next..]));
                out
            }
            None => Vec::new(),
        },
        Keyword::Maintainer | Keyword::StopSignal | Keyword::User | Keyword::Workdir => {
            if rest.is_empty() {
                Vec::new()
            } else {
                vec![rest.to_string()]
            }
        }
        // ONBUILD with no trigger has no arguments.
        Keyword::Onbuild => Vec::new(),
        // BuildKit's `parseIgnore` leaves one empty node.
        Keyword::Unknown => vec![String::new()],
    }
}

/// `parseMaybeJSON`.
fn maybe_json(rest: &str) -> Vec<String> {
    if rest.is_empty() {
        return Vec::new();
    }
    match parse_json_array(rest) {
        JsonArgs::Array(words) => words.into_iter().map(|w| w.text).collect(),
        _ => vec![rest.to_string()],
    }
}
