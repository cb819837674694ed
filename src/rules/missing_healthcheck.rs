//! DL3057 `missing-healthcheck` (hadolint DL3057, off by default).
//!
//! An image the Dockerfile builds has no `HEALTHCHECK`: neither its last
//! stage nor a stage it is built `FROM` has one (`HEALTHCHECK NONE` counts:
//! it says so on purpose). Only images count: a stage another stage is
//! built from or copies from is not flagged. hadolint gives this rule the
//! severity `ignore`, so it runs only when selected by name (`select` /
//! `extend-select`, or a hadolint `override`).

use crate::diagnostic::{Diagnostic, Severity};
use crate::dockerfile::{InstructionKind, Keyword};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3057",
    name: "missing-healthcheck",
    aliases: &[],
    severity: Severity::Info,
    summary: "`HEALTHCHECK` instruction missing",
    doc: include_str!("../../rules/DL3057.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let df = ctx.dockerfile;
    let stages = df.stages();
    let n = stages.len();
    let mut has = vec![false; n];
    let mut used = vec![false; n];
    let mut by_name: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (i, stage) in stages.iter().enumerate() {
        let parent = df.stage_parent(i);
        if let Some(p) = parent {
            used[p] = true;
        }
        has[i] = parent.is_some_and(|p| has[p]);
        for ins in stage
            .instruction_nodes
            .iter()
            .filter_map(|&n| df.instruction(n))
        {
            if ins.keyword == Keyword::Healthcheck
                && matches!(ins.kind, InstructionKind::Healthcheck(_))
            {
                has[i] = true;
            }
            let mut sources: Vec<String> = Vec::new();
            if let Some(v) = ins.flag("from").and_then(|f| f.value.as_ref()) {
                sources.push(v.value.to_ascii_lowercase());
            }
            for flag in ins.flags.iter().filter(|f| f.name.value == "mount") {
                for opt in flag.options() {
                    if let (true, Some(v)) = (opt.key.value == "from", &opt.value) {
                        sources.push(v.value.to_ascii_lowercase());
                    }
                }
            }
            for s in sources {
                let j = by_name
                    .get(&s)
                    .copied()
                    .or_else(|| s.parse::<usize>().ok().filter(|&k| k < i));
                if let Some(j) = j {
                    used[j] = true;
                }
            }
        }
        if let Some(name) = df.stage_from(stage).and_then(|f| f.stage_name.as_ref()) {
            by_name.insert(name.value.to_ascii_lowercase(), i);
        }
    }
    for (i, stage) in stages.iter().enumerate() {
        if has[i] || used[i] {
            continue;
        }
        let Some(from) = df.stage_from(stage) else {
            continue;
        };
        out.push(
            ctx.diagnostic(from.image.span, "`HEALTHCHECK` instruction missing.")
                .with_help(
                    "add `HEALTHCHECK CMD ...` (or `HEALTHCHECK NONE` to say the image has none)",
                ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lines, lint};

    #[test]
    fn images_without_a_healthcheck() {
        assert_eq!(lines("", &lint(&RULE, "FROM scratch\n")), vec![1]);
        let src = "FROM scratch AS base\nHEALTHCHECK CMD /bin/bla\nFROM scratch\n";
        assert_eq!(lines(src, &lint(&RULE, src)), vec![3]);
        let src = "FROM scratch AS base1\nFROM base1 AS base2\nFROM base2 AS base3.1\nFROM base2 AS base3.2\n\nFROM base3.1 AS end1\nHEALTHCHECK NONE\n\nFROM base3.2 AS end2\n";
        assert_eq!(lines(src, &lint(&RULE, src)), vec![9]);
    }

    #[test]
    fn healthchecks_inherited_none_and_build_stages() {
        for src in [
            "FROM scratch\nHEALTHCHECK NONE\n",
            "FROM scratch\nHEALTHCHECK CMD /bin/bla\n",
            "FROM scratch AS base\nHEALTHCHECK CMD /bin/bla\nFROM base\n",
            "FROM scratch AS base1\nFROM base1 AS base2\nFROM base2 AS end\nHEALTHCHECK NONE\n",
            "FROM golang AS build\nFROM scratch\nCOPY --from=build /a /a\nHEALTHCHECK NONE\n",
            "FROM golang\nFROM scratch\nCOPY --from=0 /a /a\nHEALTHCHECK NONE\n",
        ] {
            assert!(lint(&RULE, src).is_empty(), "{src}");
        }
    }
}
