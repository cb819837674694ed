//! BK001 `unknown-attribute`.
//!
//! buildx decodes `target`, `group`, `variable` and `function` blocks
//! leniently: an attribute or nested block it does not know is dropped
//! without a word. The rule walks every bake file as written (HCL and JSON)
//! and reports such keys with a did-you-mean; when the suggestion is
//! unambiguous, is not already set in the block and fits the value's shape
//! (in a variable: the block still loads, see [`variable_loads_renamed`]),
//! a safe fix renames the key.

use crate::bake::target::{attr_spec, AttrKind, TARGET_ATTRS, TARGET_META_ATTRS};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::rules::bake_syntax::{
    syntax_files, SyntaxAttr, SyntaxBlock, SyntaxFile, ValueShape, BLOCK_TYPES,
};
use crate::rules::suggest::{closest, did_you_mean};
use crate::rules::{BakeContext, CheckFn, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "BK001",
    name: "unknown-attribute",
    aliases: &[],
    severity: Severity::Warning,
    summary: "Unknown attribute or block in a bake target, group, variable or function",
    doc: include_str!("../../rules/BK001.md"),
    fix: Some(Applicability::Safe),
    scope: RuleScope::Bake,
    options: &[],
    check: CheckFn::Bake(check),
};

const GROUP_ATTRS: &[&str] = &["description", "targets"];
const VARIABLE_ATTRS: &[&str] = &["default", "description", "type"];
const FUNCTION_ATTRS: &[&str] = &["params", "variadic_params", "result"];
const VALIDATION_ATTRS: &[&str] = &["condition", "error_message"];

/// Nested block types each block type accepts.
const NESTED_BLOCKS: &[(&str, &[&str])] = &[("variable", &["validation"])];

/// Extra advice for common mix-ups: (block type, key, hint).
const HINTS: &[(&str, &str, &str)] = &[
    (
        "target",
        "targets",
        "`targets` belongs in a `group`; a target builds on others with `inherits`",
    ),
    (
        "group",
        "inherits",
        "groups cannot inherit; list the member groups in `targets`",
    ),
    (
        "target",
        "build-args",
        "build arguments are set with `args = { NAME = \"value\" }`",
    ),
    (
        "target",
        "push",
        "push with `output = [\"type=registry\"]` or `docker buildx bake --push`",
    ),
    (
        "target",
        "load",
        "load with `output = [\"type=docker\"]` or `docker buildx bake --load`",
    ),
];

fn known_attrs(kind: &str) -> Vec<&'static str> {
    match kind {
        "target" => TARGET_ATTRS
            .iter()
            .map(|(n, _, _)| *n)
            .chain(TARGET_META_ATTRS.iter().copied())
            .collect(),
        "group" => GROUP_ATTRS.to_vec(),
        "variable" => VARIABLE_ATTRS.to_vec(),
        "function" => FUNCTION_ATTRS.to_vec(),
        "validation" => VALIDATION_ATTRS.to_vec(),
        _ => Vec::new(),
    }
}

fn known_blocks(kind: &str) -> &'static [&'static str] {
    NESTED_BLOCKS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or(&[], |(_, b)| b)
}

/// Whether a value written with `shape` can be the value of `name` in `kind`.
fn shape_fits(kind: &str, name: &str, shape: ValueShape) -> bool {
    if matches!(shape, ValueShape::Computed | ValueShape::Null) {
        return true;
    }
    let attr_kind = match kind {
        "target" => attr_spec(name).map(|(k, _)| k),
        "group" if name == "targets" => Some(AttrKind::StrList),
        "group" if name == "description" => Some(AttrKind::Str),
        _ => None,
    };
    match attr_kind {
        None => true,
        Some(AttrKind::Str) => matches!(
            shape,
            ValueShape::String | ValueShape::Number | ValueShape::Bool
        ),
        Some(AttrKind::Bool) => matches!(shape, ValueShape::Bool | ValueShape::String),
        Some(AttrKind::StrList) => shape == ValueShape::List,
        Some(AttrKind::StrMap { .. }) => shape == ValueShape::Map,
        Some(AttrKind::Entries(_)) => matches!(
            shape,
            ValueShape::List | ValueShape::String | ValueShape::Map
        ),
    }
}

fn check(ctx: &BakeContext<'_>, out: &mut Vec<Diagnostic>) {
    for file in syntax_files(ctx.project) {
        for block in &file.blocks {
            if !BLOCK_TYPES.contains(&block.kind.as_str()) {
                let suggestion = closest(&block.kind, BLOCK_TYPES.iter().copied());
                let message = format!(
                    "unknown block type `{}`{}",
                    block.kind,
                    did_you_mean(suggestion)
                );
                out.push(
                    ctx.diagnostic(&file.path, block.kind_span, message)
                        .with_help(
                            "buildx ignores it; bake files hold `target`, `group`, `variable` and `function` blocks",
                        ),
                );
                continue;
            }
            check_block(ctx, &file, block, None, out);
        }
    }
}

fn describe(block: &SyntaxBlock, parent: Option<&SyntaxBlock>) -> String {
    match (block.label(), parent) {
        (Some(label), _) => format!("{} `{label}`", block.kind),
        (None, Some(p)) => format!("{} block of {}", block.kind, describe(p, None)),
        (None, None) => block.kind.clone(),
    }
}

fn check_block(
    ctx: &BakeContext<'_>,
    file: &SyntaxFile,
    block: &SyntaxBlock,
    parent: Option<&SyntaxBlock>,
    out: &mut Vec<Diagnostic>,
) {
    let known = known_attrs(&block.kind);
    let where_ = describe(block, parent);
    for attr in &block.attrs {
        if known.contains(&attr.name.as_str()) {
            continue;
        }
        out.push(unknown_attr(ctx, file, block, attr, &known, &where_));
    }
    let nested = known_blocks(&block.kind);
    for inner in &block.blocks {
        if nested.contains(&inner.kind.as_str()) {
            check_block(ctx, file, inner, Some(block), out);
            continue;
        }
        let is_attr = known.contains(&inner.kind.as_str());
        let message = if is_attr {
            format!(
                "`{}` is written as a block in {where_}; buildx ignores it",
                inner.kind
            )
        } else {
            format!(
                "unknown block `{}` in {where_}{}",
                inner.kind,
                did_you_mean(closest(&inner.kind, nested.iter().copied()))
            )
        };
        let help = if is_attr {
            format!("write it as an attribute: `{} = {{ ... }}`", inner.kind)
        } else {
            "buildx ignores it; remove it".to_string()
        };
        out.push(
            ctx.diagnostic(&file.path, inner.kind_span, message)
                .with_help(help),
        );
    }
}

fn unknown_attr(
    ctx: &BakeContext<'_>,
    file: &SyntaxFile,
    block: &SyntaxBlock,
    attr: &SyntaxAttr,
    known: &[&'static str],
    where_: &str,
) -> Diagnostic {
    let hint = HINTS
        .iter()
        .find(|(k, a, _)| *k == block.kind && *a == attr.name)
        .map(|(_, _, h)| *h);
    let suggestion = closest(&attr.name, known.iter().copied()).filter(|_| hint.is_none());
    let message = format!(
        "unknown attribute `{}` in {where_}{}",
        attr.name,
        did_you_mean(suggestion)
    );
    let help = match (hint, suggestion) {
        (Some(h), _) => format!("buildx ignores it; {h}"),
        (None, Some(s)) => format!("buildx ignores it; rename it to `{s}`"),
        (None, None) => format!(
            "buildx ignores it; known attributes of a {} are {}",
            block.kind,
            known
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut diag = ctx
        .diagnostic(&file.path, attr.name_span, message)
        .with_help(help);
    // Two misspellings of one name (`nerits`, `herits`): only the first is
    // renamed, or the block would get the attribute twice.
    let claimed_before = |s: &str| {
        block
            .attrs
            .iter()
            .take_while(|a| !std::ptr::eq(*a, attr))
            .filter(|a| !known.contains(&a.name.as_str()))
            .filter(|a| {
                !HINTS
                    .iter()
                    .any(|(k, n, _)| *k == block.kind && *n == a.name)
            })
            .any(|a| closest(&a.name, known.iter().copied()) == Some(s))
    };
    let fixable = suggestion.filter(|s| {
        block.attr(s).is_none()
            && !claimed_before(s)
            && shape_fits(&block.kind, s, attr.shape)
            && (*s != "dockerfile-inline" || inline_parses(ctx, block, attr))
            && variable_loads_renamed(ctx, file, block, attr, s, known)
            // `matrix` and `name` make one target many, each named by
            // `name` (which needs a matrix): whether the block still
            // loads depends on both values together.
            && !(block.kind == "target" && TARGET_META_ATTRS.contains(s))
            && (matches!(block.kind.as_str(), "target" | "group")
                || matches!(*s, "params" | "variadic_params")
                || is_literal(attr))
    });
    if let Some(new_name) = fixable {
        if let Some(edit) = rename_edit(ctx, file, attr, new_name) {
            diag = diag.with_fix(Fix::safe(format!("Rename to `{new_name}`"), vec![edit]));
        }
    }
    diag
}

/// Whether a value is a plain literal. buildx evaluates the unknown
/// attributes of targets (their errors are reported already) but not those
/// of variables and functions: renamed, `efeult = "${UNDEFINED}"` would
/// start to fail. (Parameter names are not evaluated.)
fn is_literal(attr: &SyntaxAttr) -> bool {
    match attr.shape {
        ValueShape::Number | ValueShape::Bool | ValueShape::Null => true,
        ValueShape::String => attr.strings.len() == 1,
        _ => false,
    }
}

/// Renamed to `type` or `default`, a variable's key is checked when the
/// file loads: the type must parse, the default must convert to it, and
/// the validations see the new value. The rename is offered only when the
/// block will load: the other key of the pair is not renamed beside it,
/// the type and the default are literals that fit, and no validation
/// condition depends on the value.
fn variable_loads_renamed(
    ctx: &BakeContext<'_>,
    file: &SyntaxFile,
    block: &SyntaxBlock,
    attr: &SyntaxAttr,
    new_name: &str,
    known: &[&'static str],
) -> bool {
    if block.kind != "variable" || !matches!(new_name, "type" | "default") {
        return true;
    }
    // In HCL a type is a keyword or a call (`list(string)`), never a
    // literal, and only literals are renamed in a variable; a quoted type
    // is JSON's form.
    if new_name == "type" && !file.is_json {
        return false;
    }
    let Some(text) = ctx.file_text(&file.path) else {
        return false;
    };
    let also_renamed_to = |name: &str| {
        block.attrs.iter().any(|a| {
            !std::ptr::eq(a, attr)
                && !known.contains(&a.name.as_str())
                && closest(&a.name, known.iter().copied()) == Some(name)
        })
    };
    // A new type converts the value too: the validations see it either way.
    let validated = block.blocks.iter().any(|b| {
        b.attrs
            .iter()
            .any(|a| a.name == "condition" && a.shape != ValueShape::Bool)
    });
    let other = if new_name == "type" {
        "default"
    } else {
        "type"
    };
    if validated || also_renamed_to(other) {
        return false;
    }
    let (ty, default) = if new_name == "type" {
        (Some(attr), block.attr("default"))
    } else {
        (block.attr("type"), Some(attr))
    };
    let Some(ty) = ty else {
        return true;
    };
    let Some(ty) = written_type(text, ty.value_span) else {
        return false;
    };
    default.is_none_or(|d| {
        written_literal(text, d.value_span)
            .is_some_and(|v| crate::bake::value::convert(&v, &ty).is_ok())
    })
}

/// The type a `type` value written at `span` declares (HCL type
/// expression, or a string holding one in JSON), if it parses.
fn written_type(text: &str, span: crate::span::Span) -> Option<crate::bake::Ty> {
    let parsed = hcl_edit::parser::parse_expr(span.slice(text)).ok()?;
    let expr = crate::bake::expr::from_hcl(&parsed, span.start);
    crate::bake::eval::parse_type(&expr, 0).ok()
}

/// The value of a literal (string, number, bool, null) written at `span`.
fn written_literal(text: &str, span: crate::span::Span) -> Option<crate::bake::Value> {
    let parsed = hcl_edit::parser::parse_expr(span.slice(text)).ok()?;
    match crate::bake::expr::from_hcl(&parsed, span.start).kind {
        crate::bake::expr::ExprKind::Lit(value) => Some(value),
        _ => None,
    }
}

/// Renamed to `dockerfile-inline`, the value becomes the Dockerfile buildx
/// builds: only when it parses (an empty heredoc does not), or when its
/// value is not known here.
fn inline_parses(ctx: &BakeContext<'_>, block: &SyntaxBlock, attr: &SyntaxAttr) -> bool {
    let value = block
        .label()
        .and_then(|name| ctx.project.targets().get(name))
        .and_then(|t| t.attr(&attr.name))
        .and_then(|r| r.as_str());
    value.is_none_or(|v| crate::dockerfile::parse(v).errors.is_empty())
}

fn rename_edit(
    ctx: &BakeContext<'_>,
    file: &SyntaxFile,
    attr: &SyntaxAttr,
    new_name: &str,
) -> Option<Edit> {
    let text = ctx.file_text(&file.path)?;
    let written = attr.name_span.slice(text);
    let expected = if file.is_json {
        format!("\"{}\"", attr.name)
    } else {
        attr.name.clone()
    };
    if written != expected {
        return None;
    }
    let content = if file.is_json {
        format!("\"{new_name}\"")
    } else {
        new_name.to_string()
    };
    Some(Edit::replace(file.path.clone(), attr.name_span, content))
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::bake::{fixed, lint};

    const DOCKERFILE: (&str, &str) = ("Dockerfile", "FROM alpine\n");

    #[test]
    fn flags_underscore_spelling_with_a_fix() {
        let hcl = "target \"app\" {\n  cache_from = [\"type=registry,ref=x/y\"]\n}\n";
        let l = lint(&RULE, &[("docker-bake.hcl", hcl), DOCKERFILE]);
        assert_eq!(l.slices(), vec!["cache_from"]);
        assert!(l.messages()[0].contains("did you mean `cache-from`"));
        assert_eq!(
            fixed(&l, "docker-bake.hcl"),
            hcl.replace("cache_from", "cache-from")
        );
    }

    #[test]
    fn targets_in_a_target_has_a_hint_and_no_fix() {
        let hcl = "target \"app\" {\n  targets = [\"a\", \"b\"]\n}\n";
        let l = lint(&RULE, &[("docker-bake.hcl", hcl), DOCKERFILE]);
        assert_eq!(l.slices(), vec!["targets"]);
        assert!(l.diagnostics[0].fix.is_none());
        assert!(l.diagnostics[0]
            .help
            .as_deref()
            .is_some_and(|h| h.contains("group")));
    }

    #[test]
    fn known_attributes_and_matrix_are_fine() {
        let hcl = r#"variable "V" {
  type = string
  default = "x"
  description = "d"
  validation {
    condition = V != ""
    error_message = "empty"
  }
}
function "f" {
  params = [a]
  result = a
}
group "default" {
  description = "all"
  targets = ["app"]
}
target "app" {
  matrix = { v = ["1", "2"] }
  name = "app-${v}"
  args = { V = v }
  dockerfile = "Dockerfile"
  no-cache = true
}
"#;
        let l = lint(&RULE, &[("docker-bake.hcl", hcl), DOCKERFILE]);
        assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    }

    #[test]
    fn fix_only_when_the_value_fits() {
        let hcl = "target \"app\" {\n  platform = \"linux/amd64\"\n  secrets = [\"id=a\"]\n}\n";
        let l = lint(&RULE, &[("docker-bake.hcl", hcl), DOCKERFILE]);
        assert_eq!(l.slices(), vec!["platform", "secrets"]);
        assert!(l.messages()[0].contains("did you mean `platforms`"));
        assert!(l.diagnostics[0].fix.is_none());
        assert_eq!(
            fixed(&l, "docker-bake.hcl"),
            hcl.replace("secrets", "secret")
        );
    }

    #[test]
    fn variable_type_and_default_renamed_only_when_the_block_loads() {
        let cases: &[(&str, bool)] = &[
            // The default converts to the declared type.
            ("type = string\n  defualt = \"a\"", true),
            ("type = number\n  defualt = \"3\"", true),
            ("type = number\n  defualt = \"abc\"", false),
            ("type = map(string)\n  defualt = \"\"", false),
            // A misspelled type is renamed only in JSON (below): in HCL a
            // type is no literal, and a quoted one does not load in buildx.
            ("tpye = number\n  default = 3", false),
            ("tpye = \"number\"", false),
            // Both at once: their pair is only checked when loading.
            ("tpye = string\n  defualt = \"a\"", false),
            // A validation that reads the value may reject the new default.
            (
                "defualt = \"a\"\n  validation {\n    condition = V != \"a\"\n  }",
                false,
            ),
        ];
        for (body, fixable) in cases {
            let hcl = format!("variable \"V\" {{\n  {body}\n}}\n");
            assert_fix_loads("docker-bake.hcl", &hcl, *fixable);
        }
    }

    /// Asserts that BK001 offers a fix on `text` exactly when `fixable`,
    /// and that the fixed file loads (no BK000) with nothing left to fix.
    fn assert_fix_loads(name: &str, text: &str, fixable: bool) {
        let l = lint(&RULE, &[(name, text)]);
        assert!(!l.diagnostics.is_empty(), "{text}");
        let fixes = l.diagnostics.iter().filter(|d| d.fix.is_some()).count();
        assert_eq!(fixes > 0, fixable, "{text}: {:?}", l.messages());
        if fixable {
            let after = fixed(&l, name);
            let again = lint(&RULE, &[(name, &after)]);
            assert!(
                again.diagnostics.is_empty(),
                "{after}: {:?}",
                again.messages()
            );
            let load = lint(&crate::rules::BK000, &[(name, &after)]);
            assert!(
                load.diagnostics.is_empty(),
                "{after}: {:?}",
                load.messages()
            );
        }
    }

    #[test]
    fn a_block_that_does_not_load_is_told_apart() {
        let broken = "variable \"V\" {\n  type = map(string)\n  default = \"\"\n}\n";
        let load = lint(&crate::rules::BK000, &[("docker-bake.hcl", broken)]);
        assert_eq!(load.diagnostics.len(), 1, "{:?}", load.messages());
    }

    #[test]
    fn matrix_and_name_are_suggested_not_renamed() {
        for hcl in [
            "target \"c\" {\n  nae = \"\"\n}\n",
            "target \"c\" {\n  matrx = { v = [\"1\", \"2\"] }\n}\n",
        ] {
            let l = lint(&RULE, &[("docker-bake.hcl", hcl), DOCKERFILE]);
            assert_eq!(l.diagnostics.len(), 1, "{hcl}");
            assert!(
                l.messages()[0].contains("did you mean"),
                "{:?}",
                l.messages()
            );
            assert!(l.diagnostics[0].fix.is_none(), "{hcl}");
        }
    }

    #[test]
    fn json_variable_type_renamed_only_when_it_parses() {
        for (json, fixable) in [
            (
                r#"{"variable":{"V":{"tpye":"list(string)","default":["a"]}}}"#,
                false,
            ),
            (
                r#"{"variable":{"V":{"tpye":"number","default":"3"}}}"#,
                true,
            ),
            (r#"{"variable":{"V":{"efau)t":"","ype":"p"}}}"#, false),
            (
                r#"{"variable":{"V":{"tpye":"number","default":"3","validation":[{"condition":"${V == \"3\"}"}]}}}"#,
                false,
            ),
        ] {
            assert_fix_loads("docker-bake.json", json, fixable);
        }
    }

    #[test]
    fn args_written_as_a_block() {
        let hcl = "target \"app\" {\n  args {\n    A = \"1\"\n  }\n}\n";
        let l = lint(&RULE, &[("docker-bake.hcl", hcl), DOCKERFILE]);
        assert_eq!(l.slices(), vec!["args"]);
        assert!(l.messages()[0].contains("written as a block"));
    }

    #[test]
    fn unknown_in_group_variable_validation_and_function() {
        let hcl = r#"variable "V" {
  defualt = "x"
  validation {
    condition = true
    error_mesage = "bad"
  }
}
function "f" {
  params = []
  variadic_param = rest
  result = "x"
}
group "g" {
  targets = []
  inherits = ["x"]
}
"#;
        let l = lint(&RULE, &[("docker-bake.hcl", hcl)]);
        assert_eq!(
            l.slices(),
            vec!["defualt", "error_mesage", "variadic_param", "inherits"],
            "{:?}",
            l.messages()
        );
        let text = fixed(&l, "docker-bake.hcl");
        assert!(text.contains("default = \"x\""));
        assert!(text.contains("error_message = \"bad\""));
        assert!(text.contains("variadic_params = rest"));
    }

    #[test]
    fn no_fix_when_the_suggestion_is_already_set() {
        let hcl = "target \"app\" {\n  tags = [\"a\"]\n  tag = [\"b\"]\n}\n";
        let l = lint(&RULE, &[("docker-bake.hcl", hcl), DOCKERFILE]);
        assert_eq!(l.slices(), vec!["tag"]);
        assert!(l.diagnostics[0].fix.is_none());
    }

    #[test]
    fn json_keys_are_reported_and_fixed() {
        let json = "{\n  \"target\": {\n    \"app\": {\n      \"platfroms\": [\"linux/amd64\"]\n    }\n  }\n}\n";
        let l = lint(&RULE, &[("docker-bake.json", json), DOCKERFILE]);
        assert_eq!(l.slices(), vec!["\"platfroms\""]);
        assert_eq!(
            fixed(&l, "docker-bake.json"),
            json.replace("platfroms", "platforms")
        );
    }

    #[test]
    fn unknown_top_level_block() {
        let hcl = "targt \"app\" {\n}\n";
        let l = lint(&RULE, &[("docker-bake.hcl", hcl)]);
        assert_eq!(l.slices(), vec!["targt"]);
        assert!(l.messages()[0].contains("`target`"));
    }
}
