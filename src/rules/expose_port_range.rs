//! DL3011 `expose-port-range` (hadolint: `DL3011`).
//!
//! A port (or either end of a range) above 65535 cannot exist. Ports with
//! variables are not judged.

use crate::diagnostic::{Diagnostic, Severity};
use crate::dockerfile::InstructionKind;
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3011",
    name: "expose-port-range",
    aliases: &[],
    severity: Severity::Error,
    summary: "Valid UNIX ports range from 0 to 65535",
    doc: include_str!("../../rules/DL3011.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

/// Whether `number` is all digits and above 65535.
fn out_of_range(number: &str) -> bool {
    !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
        && (number.trim_start_matches('0').len() > 5
            || number.parse::<u32>().is_ok_and(|n| n > 65535))
}

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    for (_, ins) in ctx.dockerfile.instructions() {
        let InstructionKind::Expose(ports) = &ins.kind else {
            continue;
        };
        for port in ports {
            let spec = port.value.trim_matches(|c| c == '"' || c == '\'');
            let ports = spec.split('/').next().unwrap_or(spec);
            // `ip:host:container` is not EXPOSE syntax; judge the container part.
            let ports = ports.rsplit(':').next().unwrap_or(ports);
            if !ports.split('-').any(out_of_range) {
                continue;
            }
            out.push(
                ctx.diagnostic(
                    port.span,
                    format!("Valid UNIX ports range from 0 to 65535 (`{}`)", port.value),
                )
                .with_help("use a port number between 0 and 65535"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, slices};

    #[test]
    fn flags_ports_above_65535() {
        let src = "EXPOSE 80 80000 40000-80000/tcp 99999999999999999999/udp\n";
        let diags = lint(&RULE, src);
        assert_eq!(
            slices(src, &diags),
            vec!["80000", "40000-80000/tcp", "99999999999999999999/udp"]
        );
    }

    #[test]
    fn valid_ports_and_variables_are_fine() {
        let src = "EXPOSE 60000 65535 0 40000-60000/tcp ${PORT} 40000-${TOP} 8080/udp\n";
        assert!(lint(&RULE, src).is_empty());
    }
}
