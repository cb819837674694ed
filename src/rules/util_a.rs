//! Helpers shared by the stage/casing rules DF001–DF010.

use crate::dockerfile::{Dockerfile, Instruction, InstructionKind, Stage};

/// Go's `%q` quoting (BuildKit formats names in messages with it).
pub use crate::dockerfile::go_quote;

/// Whether a keyword is written all lowercase or all uppercase (BuildKit's
/// "self-consistent" casing).
pub fn is_self_consistent(word: &str) -> bool {
    word == word.to_lowercase() || word == word.to_uppercase()
}

/// The stage name as BuildKit keys it (lowercased), if the FROM names one.
pub fn stage_key(dockerfile: &Dockerfile, stage: &Stage) -> Option<String> {
    let from = dockerfile.stage_from(stage)?;
    from.stage_name.as_ref().map(|n| n.value.to_lowercase())
}

/// The index of the earlier stage a stage is built `FROM`, if any.
///
/// BuildKit looks the base name up in a map keyed by lowercased stage names,
/// without lowercasing the base name, so `FROM base` finds `AS Base` but
/// `FROM Base` does not.
pub fn parent_stage(dockerfile: &Dockerfile, stages: &[Stage], index: usize) -> Option<usize> {
    // `stages` is always `dockerfile.stages()`; the file keeps the lookup.
    stages.get(index)?;
    dockerfile.stage_parent(index)
}

/// The chain of stages a stage inherits from, the stage itself first.
/// Never loops (each parent is strictly earlier).
pub fn stage_chain(dockerfile: &Dockerfile, stages: &[Stage], index: usize) -> Vec<usize> {
    let mut chain = vec![index];
    let mut current = index;
    while let Some(parent) = parent_stage(dockerfile, stages, current) {
        chain.push(parent);
        current = parent;
    }
    chain
}

/// The instructions of a stage (not its FROM), in order.
pub fn stage_instructions<'a>(
    dockerfile: &'a Dockerfile,
    stage: &'a Stage,
) -> impl Iterator<Item = &'a Instruction> + 'a {
    stage
        .instruction_nodes
        .iter()
        .filter_map(move |&i| dockerfile.instruction(i))
}

/// The instruction an `ONBUILD` wraps, or the instruction itself.
pub fn effective(ins: &Instruction) -> &Instruction {
    match &ins.kind {
        InstructionKind::Onbuild(inner) => inner,
        _ => ins,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_go() {
        assert_eq!(go_quote("app/"), "\"app/\"");
        assert_eq!(go_quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(go_quote("tab\there"), "\"tab\\there\"");
        assert_eq!(go_quote("\u{1}\u{85}é"), "\"\\x01\\u0085é\"");
    }

    #[test]
    fn self_consistent_casing() {
        assert!(is_self_consistent("FROM"));
        assert!(is_self_consistent("from"));
        assert!(!is_self_consistent("From"));
    }

    /// Every rule of this group on every corpus Dockerfile, on prefixes of
    /// them (cut mid-instruction) and on odd inputs: no panic, spans in range
    /// and on character boundaries, fixes that splice.
    #[test]
    fn rules_never_panic_and_spans_stay_in_bounds() {
        use crate::rules::*;
        let rules: [&'static RuleDef; 10] = [
            &stage_name_casing::RULE,
            &from_as_casing::RULE,
            &no_empty_continuation::RULE,
            &consistent_instruction_casing::RULE,
            &duplicate_stage_name::RULE,
            &reserved_stage_name::RULE,
            &json_args_recommended::RULE,
            &maintainer_deprecated::RULE,
            &undefined_arg_in_from::RULE,
            &workdir_relative_path::RULE,
        ];
        let mut inputs: Vec<String> = [
            "",
            "FROM",
            "FROM a AS",
            "FROM a AS B C D\nCOPY --from= x y\n",
            "\u{feff}FROM a AS B\r\nMAINTAINER\r\nCMD\r\nWORKDIR\r\n",
            "FROM ${\nFROM $\nFROM --platform=${A:-$B} x\nWORKDIR ${X:?boom}\n",
            "# escape=`\nFROM a `\n\n  AS Ü\nCMD a ``\n",
            "ONBUILD\nFROM a\nONBUILD ONBUILD CMD x\nRUN --mount=from x\n",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
        let mut stack = vec![corpus];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.file_name().is_some_and(|n| n == "Dockerfile") {
                    if let Ok(text) = std::fs::read_to_string(&path) {
                        let cuts: Vec<usize> =
                            text.char_indices().map(|(i, _)| i).step_by(13).collect();
                        inputs.extend(cuts.into_iter().map(|i| text[..i].to_string()));
                        inputs.push(text);
                    }
                }
            }
        }
        assert!(inputs.len() > 100, "corpus not found");
        for src in &inputs {
            for rule in rules {
                let diags = crate::rules::testing::lint(rule, src);
                for d in &diags {
                    assert!(
                        d.span.start <= d.span.end && d.span.end <= src.len(),
                        "{}",
                        rule.code
                    );
                    assert!(src.is_char_boundary(d.span.start) && src.is_char_boundary(d.span.end));
                }
                let _ = crate::rules::testing::apply_fixes(src, &diags);
            }
        }
    }

    #[test]
    fn stage_chain_follows_lowercased_names() {
        let df = crate::dockerfile::parse(
            "FROM alpine AS Base\nFROM base AS mid\nFROM Base AS other\nFROM mid\n",
        );
        let stages = df.stages();
        assert_eq!(stage_chain(&df, &stages, 3), vec![3, 1, 0]);
        // `FROM Base` is an image reference to BuildKit, not the stage.
        assert_eq!(stage_chain(&df, &stages, 2), vec![2]);
    }
}
