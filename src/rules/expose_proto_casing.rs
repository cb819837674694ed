//! DF018 `expose-proto-casing` (BuildKit: `ExposeProtoCasing`).
//!
//! BuildKit accepts `tcp`, `udp` and `sctp` in any case after the `/` of an
//! EXPOSE port spec, and warns when the protocol is not lowercase. The image
//! records the lowercase protocol either way, so lowercasing it is safe.

use crate::diagnostic::{Diagnostic, Edit, Fix, Severity};
use crate::rules::ports::{exposed_ports, parse_port_spec};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};
use crate::span::Span;

pub static RULE: RuleDef = RuleDef {
    code: "DF018",
    name: "expose-proto-casing",
    aliases: &["ExposeProtoCasing"],
    severity: Severity::Warning,
    summary: "Protocol in EXPOSE instruction should be lowercase",
    doc: include_str!("../../rules/DF018.md"),
    fix: Some(crate::diagnostic::Applicability::Safe),
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    for port in exposed_ports(ctx.dockerfile, ctx.build.target.as_deref()) {
        let Some(spec) = parse_port_spec(&port.spec) else {
            continue;
        };
        let Some((proto, offset)) = spec.proto else {
            continue;
        };
        let lower = proto.to_lowercase();
        if proto == lower {
            continue;
        }
        let mut diag = ctx
            .diagnostic(
                port.word.span,
                format!(
                    "Defined protocol '{}' in EXPOSE instruction should be lowercase",
                    port.spec
                ),
            )
            .with_help(format!("Write the protocol in lowercase: `{lower}`"));
        if let Some(start) = port.verbatim_at {
            let span = Span::new(start + offset, start + offset + proto.len());
            diag = diag.with_fix(Fix::safe(
                format!("Lowercase the protocol to `{lower}`"),
                vec![Edit::replace(ctx.path, span, lower)],
            ));
        }
        out.push(diag);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fixes_to, run, slices};

    #[test]
    fn flags_uppercase_protocols() {
        let src = "FROM alpine\nEXPOSE 80/TcP 443/tcp 53/UDP 9000\n";
        let diags = run(&RULE, src);
        assert_eq!(slices(src, &diags), ["80/TcP", "53/UDP"]);
        assert_eq!(
            diags[0].message,
            "Defined protocol '80/TcP' in EXPOSE instruction should be lowercase"
        );
    }

    #[test]
    fn fix_lowercases_protocol_only() {
        assert_fixes_to(
            &RULE,
            "FROM alpine\nEXPOSE 80/TCP 127.0.0.1:53:53/Udp 132/SCTP\n",
            "FROM alpine\nEXPOSE 80/tcp 127.0.0.1:53:53/udp 132/sctp\n",
        );
    }

    #[test]
    fn crlf_lowercase_keyword_and_continuation() {
        assert_fixes_to(
            &RULE,
            "from alpine\r\nexpose 80/TCP \\\r\n    8080/UDP\r\n",
            "from alpine\r\nexpose 80/tcp \\\r\n    8080/udp\r\n",
        );
    }

    #[test]
    fn quoted_ports_are_reported_without_fix() {
        let src = "FROM alpine\nEXPOSE \"80/TCP\"\n";
        let diags = run(&RULE, src);
        assert_eq!(diags.len(), 1);
        assert!(diags[0].fix.is_none());
    }

    #[test]
    fn invalid_protocols_variables_and_onbuild_are_skipped() {
        let src = "FROM alpine\nEXPOSE 80/HTTP $PORT/TCP\nONBUILD EXPOSE 80/TCP\n";
        assert!(run(&RULE, src).is_empty());
    }
}
