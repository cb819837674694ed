//! Image references in bake tags, as templates: the repository and tag
//! parts of `${REGISTRY}/web:${TAG}`, and how to write a repository back
//! into a template.

use crate::bake::Resolved;
use crate::rules::hcl_edit::{quoted_literal, top_level};

/// Splits an image reference template (`${REGISTRY}/web:${TAG}`) into the
/// repository part and the tag part (after the tag colon), ignoring
/// separators inside interpolations. A digest (`@...`) ends the name.
pub fn split_repository(reference: &str) -> (&str, Option<&str>) {
    let bytes = top_level(reference);
    let name_end = bytes
        .iter()
        .find(|(_, c)| *c == b'@')
        .map_or(reference.len(), |(i, _)| *i);
    let last_slash = bytes
        .iter()
        .filter(|(i, c)| *c == b'/' && *i < name_end)
        .map(|(i, _)| *i)
        .next_back();
    let colon = bytes
        .iter()
        .find(|(i, c)| *c == b':' && *i < name_end && last_slash.is_none_or(|s| *i > s))
        .map(|(i, _)| *i);
    match colon {
        Some(c) => (
            reference.get(..c).unwrap_or(reference),
            reference.get(c + 1..name_end),
        ),
        None => (reference.get(..name_end).unwrap_or(reference), None),
    }
}

/// Registries on the building machine itself: an image tagged for one
/// never leaves it.
const LOCAL_REGISTRIES: &[&str] = &["localhost", "127.0.0.1", "[::1]"];

/// Tags that by convention name a local build.
const LOCAL_TAGS: &[&str] = &["local"];

/// Whether a resolved image reference can only be a local name: no registry
/// or namespace (`app:dev`, nothing a push could send anywhere but an
/// official-image repository), a registry on the machine itself
/// (`localhost:5000/app`), or the tag `local`. Empty references count too.
pub fn is_local_only(reference: &str) -> bool {
    let (repository, tag) = split_repository(reference.trim());
    if repository.is_empty() || !repository.contains('/') {
        return true;
    }
    let host = repository.split('/').next().unwrap_or("");
    let host_name = host.rsplit_once(':').map_or(host, |(h, _)| h);
    LOCAL_REGISTRIES.contains(&host_name)
        || LOCAL_REGISTRIES.contains(&host)
        || tag.is_some_and(|t| LOCAL_TAGS.iter().any(|l| t.eq_ignore_ascii_case(l)))
}

/// Escapes a plain value for use inside an HCL template (`${` → `$${`).
pub fn escape_template(value: &str) -> String {
    value.replace("${", "$${").replace("%{", "%%{")
}

/// The `${...}` interpolations of a template source, in order, skipping
/// `$${` escapes (a literal `${`): the name each holds when it is just a
/// variable name (`${NAME}`, `${ NAME }`, `${~NAME~}`), else `None` (an
/// expression; an unclosed `${` is one too, and ends the scan).
pub fn interpolations(template: &str) -> Vec<Option<&str>> {
    let mut found = Vec::new();
    let mut rest = template;
    while let Some(at) = rest.find("${") {
        let after = rest.get(at + 2..).unwrap_or_default();
        if at > 0 && rest.as_bytes().get(at - 1) == Some(&b'$') {
            rest = after;
            continue;
        }
        let Some(end) = after.find('}') else {
            found.push(None);
            break;
        };
        let inner = after.get(..end).unwrap_or_default();
        let name = inner.trim_matches(|c: char| c == '~' || c.is_whitespace());
        let plain = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        found.push(plain.then_some(name));
        rest = after.get(end + 1..).unwrap_or_default();
    }
    found
}

/// The repository of a tag element, written as its source writes it (so in
/// terms of the same variables) when the tag is a plain string literal whose
/// repository interpolates only names, otherwise the resolved repository,
/// escaped. (`"${formatlist(...)}"` is a literal too, but one that yields a
/// list: copied into a fix, it would not evaluate.)
pub fn repository_source(text: Option<&str>, tag: &Resolved) -> Option<String> {
    let from_source = text
        .and_then(|t| quoted_literal(t, tag.origin.span))
        .map(|(_, body)| split_repository(body).0)
        .filter(|repo| interpolates_only_names(repo))
        .map(str::to_string);
    match from_source {
        Some(repo) if !repo.is_empty() => Some(repo),
        _ => {
            let value = tag.as_str()?;
            let repo = split_repository(value).0;
            (!repo.is_empty()).then(|| escape_template(repo))
        }
    }
}

/// Whether every `${...}` of a template holds just a name (`${REGISTRY}`),
/// and it has no `%{...}` directive.
fn interpolates_only_names(template: &str) -> bool {
    let mut rest = template;
    while let Some(at) = rest.find(['$', '%']) {
        let after = &rest[at + 1..];
        if after.starts_with(['$', '%']) {
            // `$${` and `%%{` are escapes.
            rest = &after[1..];
            continue;
        }
        if !after.starts_with('{') {
            rest = after;
            continue;
        }
        if rest[at..].starts_with('%') {
            return false;
        }
        let Some(end) = after.find('}') else {
            return false;
        };
        let name = after[1..end].trim_matches(|c: char| c == '~' || c.is_whitespace());
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return false;
        }
        rest = &after[end + 1..];
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_name_interpolations_are_copied_from_source() {
        assert!(interpolates_only_names("${REGISTRY}/web"));
        assert!(interpolates_only_names("$${HOME}/x"));
        assert!(interpolates_only_names("plain/repo"));
        assert!(!interpolates_only_names("${formatlist(\"%s\", [\"a\"])}"));
        assert!(!interpolates_only_names("%{ if X }a%{ endif }"));
        assert!(!interpolates_only_names("${lower(REPO)}"));
    }

    #[test]
    fn interpolations_skip_escapes() {
        assert_eq!(
            interpolations("${A}-x-${ B }${~C~}"),
            vec![Some("A"), Some("B"), Some("C")]
        );
        assert_eq!(
            interpolations("app:$${VERSION}"),
            Vec::<Option<&str>>::new()
        );
        assert_eq!(interpolations("$${A}${B}"), vec![Some("B")]);
        assert_eq!(interpolations("${f(A)}${"), vec![None, None]);
        assert_eq!(interpolations("${lower(A)}/x:${B}"), vec![None, Some("B")]);
        assert_eq!(interpolations("latest"), Vec::<Option<&str>>::new());
    }

    #[test]
    fn splits_repositories_of_templates() {
        assert_eq!(
            split_repository("${REGISTRY}/web:${TAG}"),
            ("${REGISTRY}/web", Some("${TAG}"))
        );
        assert_eq!(
            split_repository("localhost:5000/app"),
            ("localhost:5000/app", None)
        );
        assert_eq!(
            split_repository("app:${V:-a:b}"),
            ("app", Some("${V:-a:b}"))
        );
        assert_eq!(split_repository("app:1@sha256:abc"), ("app", Some("1")));
        assert_eq!(split_repository(""), ("", None));
    }

    #[test]
    fn local_only_references() {
        for local in [
            "app",
            "mtc:builder",
            "diun:local",
            "acme/app:local",
            "localhost:5000/name/app:latest",
            "localhost/app",
            "127.0.0.1:5000/app:1",
            "",
        ] {
            assert!(is_local_only(local), "{local}");
        }
        for pushed in [
            "acme/app:latest",
            "ghcr.io/acme/app:1.0",
            "docker.io/library/nginx:1",
            "registry.local:5000/app:localized",
        ] {
            assert!(!is_local_only(pushed), "{pushed}");
        }
    }
}
