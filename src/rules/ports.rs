//! `EXPOSE` ports as BuildKit reads them: the port spec grammar and the
//! ports of the stages a build dispatches.

use std::collections::BTreeMap;

use crate::dockerfile::expand::ShellLex;
use crate::dockerfile::{Dockerfile, InstructionKind, Spanned};
use crate::rules::stages::dispatched_stages;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
