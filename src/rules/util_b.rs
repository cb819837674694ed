//! Helpers shared by the BuildKit-parity rules DF011–DF020: Go-style
//! quoting for messages, BuildKit's did-you-mean search, mapping spans inside
//! a word back to the source, and the global build-argument environment
//! BuildKit expands `FROM` with.

use std::collections::BTreeMap;

use crate::dockerfile::expand::ShellLex;
use crate::dockerfile::{ArgDecl, Dockerfile, InstructionKind, LogicalText, Spanned, Stage};
use crate::span::Span;

/// Build arguments BuildKit defines for every build (platform args and the
/// target stage), with the values of a `linux/amd64` build.
pub const PLATFORM_ARG_DEFAULTS: &[(&str, &str)] = &[
    ("BUILDPLATFORM", "linux/amd64"),
    ("BUILDOS", "linux"),
    ("BUILDOSVERSION", ""),
    ("BUILDARCH", "amd64"),
    ("BUILDVARIANT", ""),
    ("TARGETPLATFORM", "linux/amd64"),
    ("TARGETOS", "linux"),
    ("TARGETOSVERSION", ""),
    ("TARGETARCH", "amd64"),
    ("TARGETVARIANT", ""),
    ("TARGETSTAGE", ""),
];

/// Proxy build arguments Docker accepts without an `ARG` declaration.
pub const PROXY_ARGS: &[&str] = &[
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "FTP_PROXY",
    "ftp_proxy",
    "NO_PROXY",
    "no_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// Whether `name` is a build argument Docker or BuildKit predefines
/// (platform args, proxy args, `BUILDKIT_*` settings, `SOURCE_DATE_EPOCH`).
pub fn is_predefined_arg(name: &str) -> bool {
    PLATFORM_ARG_DEFAULTS.iter().any(|(k, _)| *k == name)
        || PROXY_ARGS.contains(&name)
        || name.starts_with("BUILDKIT_")
        || name == "SOURCE_DATE_EPOCH"
}

/// Go's `%q` quoting, shared with the other BuildKit-parity rules.
pub use super::util_a::go_quote;

/// Levenshtein distance over Unicode scalar values (unit costs), as the Go
/// package BuildKit uses for suggestions.
pub fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// BuildKit's did-you-mean (`suggest.Search`, case-sensitive): the first
/// option at the smallest distance below 3; nothing on an exact match.
pub fn suggest<'a>(value: &str, options: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<&'a str> = None;
    let mut min_dist = 3;
    for opt in options {
        if opt == value {
            return None;
        }
        let dist = levenshtein(value, opt);
        if dist < min_dist {
            best = Some(opt);
            min_dist = dist;
        }
    }
    best
}

/// Maps spans relative to a word's text to source spans.
#[derive(Debug, Clone, Copy)]
pub enum WordMap<'a> {
    /// The word is a verbatim slice of the source starting here.
    Direct(usize),
    /// The word is a verbatim slice of a logical text starting at this offset.
    Logical(&'a LogicalText, usize),
}

impl WordMap<'_> {
    pub fn map(&self, rel: Span) -> Span {
        match *self {
            WordMap::Direct(base) => rel.offset(base),
            WordMap::Logical(text, lo) => text.source_span(rel.offset(lo)),
        }
    }
}

/// How to find the source bytes of `word`, whose text may be a verbatim
/// source slice, a JSON string literal without escapes, or a piece of the
/// instruction's logical (continuation-joined) arguments. `None` when the
/// word's text cannot be located byte for byte.
pub fn word_map<'a>(
    source: &str,
    args: &'a LogicalText,
    word: &Spanned<String>,
) -> Option<WordMap<'a>> {
    let slice = word.span.slice(source);
    if slice == word.value {
        return Some(WordMap::Direct(word.span.start));
    }
    if slice.len() == word.value.len() + 2
        && slice.starts_with('"')
        && slice.ends_with('"')
        && slice.get(1..slice.len() - 1) == Some(word.value.as_str())
    {
        return Some(WordMap::Direct(word.span.start + 1));
    }
    let lo = logical_offset(args, word.span.start)?;
    if args.text.get(lo..lo + word.value.len()) == Some(word.value.as_str()) {
        return Some(WordMap::Logical(args, lo));
    }
    None
}

/// The logical offset whose source offset is `source_offset`, if it is inside a segment.
pub fn logical_offset(text: &LogicalText, source_offset: usize) -> Option<usize> {
    text.segments
        .iter()
        .find(|&&(_, s, len)| source_offset >= s && source_offset < s + len)
        .map(|&(l, s, _)| l + (source_offset - s))
}

/// The global build-argument environment `FROM` lines are expanded with:
/// BuildKit's predefined platform args, then the global `ARG`s in order
/// (defaults expanded with what precedes them). With `build_args`, values
/// passed by the build definition replace defaults, as BuildKit does for
/// the build proper; without, only defaults count (what BuildKit validates
/// base images with).
pub fn global_arg_env(
    df: &Dockerfile,
    build_args: Option<&BTreeMap<String, String>>,
) -> BTreeMap<String, String> {
    let lex = ShellLex::new(df.escape);
    let mut env: BTreeMap<String, String> = PLATFORM_ARG_DEFAULTS
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    if let Some(args) = build_args {
        for (k, _) in PLATFORM_ARG_DEFAULTS {
            if let Some(v) = args.get(*k) {
                env.insert(k.to_string(), v.clone());
            }
        }
    }
    for i in df.global_instructions() {
        let Some(ins) = df.instruction(i) else {
            continue;
        };
        let InstructionKind::Arg(decls) = &ins.kind else {
            continue;
        };
        for ArgDecl { name, default, .. } in decls {
            if let Some(v) = build_args.and_then(|a| a.get(&name.value)) {
                env.insert(name.value.clone(), v.clone());
            } else if let Some(default) = default {
                let value = lex
                    .process_word(&default.value, &env)
                    .unwrap_or_else(|_| default.value.clone());
                env.insert(name.value.clone(), value);
            }
        }
    }
    env
}

/// Text with the variable references processed away, when the word has no
/// references: quotes removed and escapes applied as BuildKit does.
pub fn constant_word(lex: &ShellLex, word: &str) -> Option<String> {
    if !lex.variable_refs(word).is_empty() {
        return None;
    }
    let empty: BTreeMap<String, String> = BTreeMap::new();
    lex.process_word(word, &empty).ok()
}

/// An `EXPOSE` port spec split as BuildKit does: `[[ip:]host-port:]port[/proto]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortSpec<'a> {
    pub ip: &'a str,
    pub host_port: &'a str,
    pub port: &'a str,
    /// The protocol as written, with its byte offset in the spec.
    pub proto: Option<(&'a str, usize)>,
}

/// BuildKit's `splitParts` + `splitProtoPort`; `None` where BuildKit fails
/// the build (no port, unknown protocol) before any check runs.
pub fn parse_port_spec(spec: &str) -> Option<PortSpec<'_>> {
    let colons: Vec<usize> = spec.match_indices(':').map(|(i, _)| i).collect();
    let (ip, host_port, container) = match colons.len() {
        0 => ("", "", spec),
        1 => (&spec[..colons[0]], "", &spec[colons[0] + 1..]),
        n => (
            &spec[..colons[n - 2]],
            &spec[colons[n - 2] + 1..colons[n - 1]],
            &spec[colons[n - 1] + 1..],
        ),
    };
    // With one colon the first part is the host port, not an IP.
    let (ip, host_port) = if colons.len() == 1 {
        ("", ip)
    } else {
        (ip, host_port)
    };
    let container_start = spec.len() - container.len();
    let (port, proto) = match container.split_once('/') {
        Some((port, proto)) => (port, Some((proto, container_start + port.len() + 1))),
        None => (container, None),
    };
    if port.is_empty() {
        return None;
    }
    if let Some((p, _)) = proto {
        if !matches!(p.to_ascii_lowercase().as_str(), "" | "tcp" | "udp" | "sctp") {
            return None;
        }
    }
    Some(PortSpec {
        ip,
        host_port,
        port,
        proto,
    })
}

/// One port of an `EXPOSE` in a build stage, after BuildKit's processing.
pub struct ExposedPort<'a> {
    /// The word as written.
    pub word: &'a Spanned<String>,
    /// The port spec BuildKit checks (quotes removed, escapes applied).
    pub spec: String,
    /// Source offset of `spec`'s first byte when `spec` is written verbatim
    /// on one line (so that byte offsets in `spec` map to the source).
    pub verbatim_at: Option<usize>,
}

/// The ports of the `EXPOSE` instructions BuildKit dispatches (those of the
/// stages; ONBUILD triggers are not). Words using variables are skipped:
/// their value depends on the environment of the base image.
pub fn exposed_ports<'a>(df: &'a Dockerfile, target: Option<&str>) -> Vec<ExposedPort<'a>> {
    let lex = ShellLex::new(df.escape);
    let empty: BTreeMap<String, String> = BTreeMap::new();
    let mut out = Vec::new();
    for stage in dispatched_stages(df, target) {
        for &node in &stage.instruction_nodes {
            let Some(ins) = df.instruction(node) else {
                continue;
            };
            let InstructionKind::Expose(words) = &ins.kind else {
                continue;
            };
            for word in words {
                if !lex.variable_refs(&word.value).is_empty() {
                    continue;
                }
                let Ok(specs) = lex.process_words(&word.value, &empty) else {
                    continue;
                };
                let verbatim = specs.len() == 1
                    && specs[0] == word.value
                    && word.span.slice(&df.source) == word.value;
                for spec in specs {
                    out.push(ExposedPort {
                        word,
                        spec,
                        verbatim_at: verbatim.then_some(word.span.start),
                    });
                }
            }
        }
    }
    out
}

/// The stages whose instructions BuildKit dispatches in `docker build
/// --check`: every stage, or, when the build names a target stage, the
/// target and the stages it depends on (its base stage, `COPY --from`,
/// `RUN --mount=from=`). Checks made while dispatching only see these.
pub fn dispatched_stages(df: &Dockerfile, target: Option<&str>) -> Vec<Stage> {
    let stages = df.stages();
    let Some(target) = target else { return stages };
    let names: Vec<Option<String>> = stages
        .iter()
        .map(|s| {
            df.stage_from(s)
                .and_then(|f| f.stage_name.as_ref())
                .map(|n| n.value.to_lowercase())
        })
        .collect();
    let by_name = |name: &str, before: usize| -> Option<usize> {
        let lower = name.to_lowercase();
        names[..before.min(names.len())]
            .iter()
            .rposition(|n| n.as_deref() == Some(lower.as_str()))
    };
    let Some(start) = by_name(target, names.len()) else {
        // BuildKit fails on an unknown target; check everything.
        return stages;
    };
    let lex = ShellLex::new(df.escape);
    let globals = global_arg_env(df, None);
    let mut reached = vec![false; stages.len()];
    let mut todo = vec![start];
    while let Some(i) = todo.pop() {
        if std::mem::replace(&mut reached[i], true) {
            continue;
        }
        let stage = &stages[i];
        let mut deps = Vec::new();
        if let Some(from) = df.stage_from(stage) {
            let base = lex
                .process_word(&from.image.value, &globals)
                .unwrap_or_else(|_| from.image.value.clone());
            deps.extend(by_name(&base, i));
        }
        let stage_ref = |name: &str| match name.parse::<usize>() {
            Ok(n) => (n < stages.len()).then_some(n),
            Err(_) => by_name(name, names.len()),
        };
        for ins in stage
            .instruction_nodes
            .iter()
            .filter_map(|&n| df.instruction(n))
        {
            if let Some(v) = ins.flag("from").and_then(|f| f.value.as_ref()) {
                deps.extend(stage_ref(&v.value));
            }
            for mount in ins.flags.iter().filter(|f| f.name.value == "mount") {
                for opt in mount.options() {
                    if opt.key.value.eq_ignore_ascii_case("from") {
                        deps.extend(opt.value.as_ref().and_then(|v| stage_ref(&v.value)));
                    }
                }
            }
        }
        todo.extend(deps.into_iter().filter(|&d| !reached[d]));
    }
    stages
        .into_iter()
        .filter(|s| reached.get(s.index).copied().unwrap_or(false))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_quoting() {
        assert_eq!(go_quote("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
        assert_eq!(go_quote("é"), "\"é\"");
    }

    #[test]
    fn suggestions_follow_buildkit() {
        assert_eq!(levenshtein("PAHT", "PATH"), 2);
        assert_eq!(suggest("PAHT", ["HOME", "PATH"]), Some("PATH"));
        assert_eq!(
            suggest("DIR_ASSET", ["DIR_BINARIES", "DIR_ASSETS", "DIR_CONFIG"]),
            Some("DIR_ASSETS")
        );
        assert_eq!(suggest("foo", ["bar"]), None);
        // case-sensitive: "path" is 4 edits from "PATH"
        assert_eq!(suggest("path", ["PATH"]), None);
    }

    #[test]
    fn port_specs() {
        let p = parse_port_spec("127.0.0.1:80:8080/TCP").unwrap();
        assert_eq!((p.ip, p.host_port, p.port), ("127.0.0.1", "80", "8080"));
        assert_eq!(p.proto, Some(("TCP", 18)));
        let p = parse_port_spec("80:80").unwrap();
        assert_eq!((p.ip, p.host_port, p.port, p.proto), ("", "80", "80", None));
        let p = parse_port_spec("[::1]:80:80/udp").unwrap();
        assert_eq!((p.ip, p.host_port), ("[::1]", "80"));
        let p = parse_port_spec("::1:80:80").unwrap();
        assert_eq!((p.ip, p.host_port, p.port), ("::1", "80", "80"));
        assert!(parse_port_spec("80/http").is_none());
        assert!(parse_port_spec("/tcp").is_none());
        assert_eq!(parse_port_spec("80/").unwrap().proto, Some(("", 3)));
    }

    #[test]
    fn stages_reached_from_target() {
        let src = "FROM alpine AS a\nFROM alpine AS b\nCOPY --from=a /x /x\nFROM b AS c\nRUN --mount=type=bind,from=d,target=/d true\nFROM alpine AS d\nFROM alpine AS e\n";
        let df = crate::dockerfile::parse(src);
        let idx = |t: Option<&str>| -> Vec<usize> {
            dispatched_stages(&df, t).iter().map(|s| s.index).collect()
        };
        assert_eq!(idx(None), [0, 1, 2, 3, 4]);
        assert_eq!(idx(Some("c")), [0, 1, 2, 3]);
        assert_eq!(idx(Some("B")), [0, 1]);
        assert_eq!(idx(Some("e")), [4]);
        assert_eq!(idx(Some("nope")), [0, 1, 2, 3, 4]);
    }

    #[test]
    fn logical_offsets() {
        let lt = LogicalText {
            text: "a  b".into(),
            segments: vec![(0, 4, 2), (2, 8, 2)],
        };
        assert_eq!(logical_offset(&lt, 9), Some(3));
        assert_eq!(logical_offset(&lt, 6), None);
    }
}
