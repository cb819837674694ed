//! DF019 `expose-invalid-format` (BuildKit: `ExposeInvalidFormat`).
//!
//! BuildKit splits each EXPOSE port spec as `[[ip:]host-port:]port[/proto]`
//! and warns when an IP address or a host port is present: EXPOSE only
//! documents container ports; publishing (and choosing host ports or
//! addresses) happens at `docker run -p`.
//!
//! No fix: BuildKit validates the IP and host-port parts (an invalid one
//! fails the build), and Docker's documentation only says what to write
//! instead, not that dropping them is equivalent.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::ports::{exposed_ports, parse_port_spec};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DF019",
    name: "expose-invalid-format",
    aliases: &["ExposeInvalidFormat"],
    severity: Severity::Warning,
    summary: "IP address and host-port mapping should not be used in EXPOSE instruction",
    doc: include_str!("../../rules/DF019.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    for port in exposed_ports(ctx.dockerfile, ctx.build.target.as_deref()) {
        let Some(spec) = parse_port_spec(&port.spec) else {
            continue;
        };
        if spec.ip.is_empty() && spec.host_port.is_empty() {
            continue;
        }
        let container = match spec.proto {
            Some((proto, _)) if !proto.is_empty() => format!("{}/{proto}", spec.port),
            _ => spec.port.to_string(),
        };
        out.push(
            ctx.diagnostic(
                port.word.span,
                format!(
                    "EXPOSE instruction should not define an IP address or host-port mapping, found '{}'",
                    port.spec
                ),
            )
            .with_help(format!(
                "Expose only the container port (`EXPOSE {container}`) and publish it with `docker run -p` or a compose file"
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{run, slices};

    #[test]
    fn ip_and_host_port() {
        let src = "FROM alpine\nEXPOSE 127.0.0.1:80:80 8080:80/udp 443\n";
        let diags = run(&RULE, src);
        assert_eq!(slices(src, &diags), ["127.0.0.1:80:80", "8080:80/udp"]);
        assert_eq!(
            diags[0].message,
            "EXPOSE instruction should not define an IP address or host-port mapping, found '127.0.0.1:80:80'"
        );
        assert!(diags[1]
            .help
            .as_deref()
            .unwrap_or("")
            .contains("`EXPOSE 80/udp`"));
        assert!(diags.iter().all(|d| d.fix.is_none()));
    }

    #[test]
    fn ipv6_and_ranges() {
        let src = "FROM alpine\nEXPOSE [::1]:8080:8080 8000-8010:8000-8010\n";
        assert_eq!(run(&RULE, src).len(), 2);
    }

    #[test]
    fn plain_ports_are_fine() {
        let src = "FROM alpine\nEXPOSE 80 443/tcp 8000-8010/udp\nexpose 53/UDP\n";
        assert!(run(&RULE, src).is_empty());
    }

    #[test]
    fn multiline_lowercase_and_skipped_words() {
        let src = "from alpine\nexpose 80 \\\n  0.0.0.0:80:80\nEXPOSE ${HOST}:80:80 80:80/bogus\nONBUILD EXPOSE 80:80\n";
        let diags = run(&RULE, src);
        assert_eq!(slices(src, &diags), ["0.0.0.0:80:80"]);
    }
}
