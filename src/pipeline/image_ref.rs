//! Image references as CI scripts write them: literal text mixed with
//! parts nobody can know before the run (`${{ github.sha }}`, `$TAG`,
//! `$(git rev-parse HEAD)`). A reference is a pattern: unknown parts match
//! any text. Two references may name the same image when their patterns
//! meet; a repository written only as unknowns names nothing in particular.

use crate::span::Span;

/// A piece of a reference.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Part {
    Literal(String),
    /// Not known before the run, as written (`${{ github.sha }}`, `$TAG`).
    Unknown(String),
}

/// One image reference, with the span of the word it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    pub parts: Vec<Part>,
    pub span: Span,
}

/// The tag part of a reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tag {
    /// No tag written: `latest`.
    Default,
    Parts(Vec<Part>),
    /// A digest (`@sha256:...`), or a reference ending in an unknown that
    /// may hold the tag itself.
    Unknown,
}

/// One character of a pattern, or "any text".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Char(char),
    Any,
}

/// Patterns longer than this are not compared (no image name is).
const MAX_PATTERN: usize = 256;

impl ImageRef {
    pub fn new(parts: Vec<Part>, span: Span) -> ImageRef {
        ImageRef {
            parts: merge_literals(parts),
            span,
        }
    }

    /// A reference read from a value where only `${{ }}` expressions are
    /// unknown (a YAML input, an evaluated bake tag).
    pub fn from_text(text: &str, span: Span) -> ImageRef {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("${{") {
            let Some(len) = rest[start..].find("}}").map(|i| i + 2) else {
                break;
            };
            parts.push(Part::Literal(rest[..start].to_string()));
            parts.push(Part::Unknown(rest[start..start + len].to_string()));
            rest = &rest[start + len..];
        }
        parts.push(Part::Literal(rest.to_string()));
        ImageRef::new(parts, span)
    }

    /// The reference as written, unknown parts included.
    pub fn text(&self) -> String {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Literal(s) | Part::Unknown(s) => s.as_str(),
            })
            .collect()
    }

    /// Whether every part is known.
    pub fn is_literal(&self) -> bool {
        self.parts.iter().all(|p| matches!(p, Part::Literal(_)))
    }

    /// The repository and the tag (split at the tag colon: a literal `:`
    /// after the last literal `/`; a literal `@` starts a digest).
    pub fn split(&self) -> (Vec<Part>, Tag) {
        let mut repository: Vec<Part> = Vec::new();
        let mut tag: Option<Vec<Part>> = None;
        let last_slash = self.last_literal_slash();
        let mut digest = false;
        for (i, part) in self.parts.iter().enumerate() {
            let Part::Literal(text) = part else {
                match &mut tag {
                    Some(t) => t.push(part.clone()),
                    None => repository.push(part.clone()),
                }
                continue;
            };
            let mut current = String::new();
            for (at, c) in text.char_indices() {
                if c == '@' {
                    digest = true;
                    break;
                }
                let after_slash = last_slash.is_none_or(|(pi, pa)| (i, at) > (pi, pa));
                if c == ':' && tag.is_none() && after_slash {
                    repository.push(Part::Literal(std::mem::take(&mut current)));
                    tag = Some(Vec::new());
                    continue;
                }
                current.push(c);
            }
            match &mut tag {
                Some(t) => t.push(Part::Literal(current)),
                None => repository.push(Part::Literal(current)),
            }
            if digest {
                break;
            }
        }
        let repository = merge_literals(repository);
        let tag = match tag {
            _ if digest => Tag::Unknown,
            Some(parts) => Tag::Parts(merge_literals(parts)),
            None if matches!(repository.last(), Some(Part::Unknown(_))) => Tag::Unknown,
            None => Tag::Default,
        };
        (repository, tag)
    }

    fn last_literal_slash(&self) -> Option<(usize, usize)> {
        let mut found = None;
        for (i, part) in self.parts.iter().enumerate() {
            if let Part::Literal(text) = part {
                let end = text.find('@').unwrap_or(text.len());
                if let Some(at) = text[..end].rfind('/') {
                    found = Some((i, at));
                }
                if end < text.len() {
                    break;
                }
            }
        }
        found
    }

    /// The repository, as Docker names it (`acme/app` is
    /// `docker.io/acme/app`, `ubuntu` is `docker.io/library/ubuntu`).
    pub fn repository(&self) -> Vec<Part> {
        normalize_repository(self.split().0)
    }
}

/// Joins neighbouring literals and drops empty ones.
fn merge_literals(parts: Vec<Part>) -> Vec<Part> {
    let mut out: Vec<Part> = Vec::new();
    for part in parts {
        match (out.last_mut(), part) {
            (_, Part::Literal(s)) if s.is_empty() => {}
            (Some(Part::Literal(prev)), Part::Literal(s)) => prev.push_str(&s),
            (_, p) => out.push(p),
        }
    }
    out
}

/// Docker Hub's implicit registry and `library/` namespace, when the first
/// path component is known.
fn normalize_repository(parts: Vec<Part>) -> Vec<Part> {
    let Some(Part::Literal(first)) = parts.first() else {
        return parts;
    };
    let whole = parts.len() == 1;
    let (host, rest) = match first.split_once('/') {
        Some((h, r)) => (h.to_string(), Some(r.to_string())),
        None if whole => (first.clone(), None),
        // `app$X`: the first component is not known.
        None => return parts,
    };
    let is_registry = host.contains('.') || host.contains(':') || host == "localhost";
    let normalized = match rest {
        None => format!("docker.io/library/{host}"),
        Some(rest) if host == "index.docker.io" || host == "registry-1.docker.io" => {
            format!("docker.io/{rest}")
        }
        Some(rest) if is_registry => format!("{host}/{rest}"),
        Some(rest) => format!("docker.io/{host}/{rest}"),
    };
    let normalized = match normalized.strip_prefix("docker.io/") {
        Some(path) if !path.contains('/') && whole => format!("docker.io/library/{path}"),
        _ => normalized,
    };
    let mut out = vec![Part::Literal(normalized)];
    out.extend(parts.into_iter().skip(1));
    out
}

fn tokens(parts: &[Part]) -> Vec<Token> {
    let mut out = Vec::new();
    for part in parts {
        match part {
            Part::Literal(s) => out.extend(s.chars().map(Token::Char)),
            Part::Unknown(_) => {
                if out.last() != Some(&Token::Any) {
                    out.push(Token::Any);
                }
            }
        }
    }
    out
}

/// Whether some text matches both patterns (unknown parts match any text).
pub fn patterns_meet(a: &[Part], b: &[Part]) -> bool {
    let known = |p: &[Part]| p.iter().all(|x| matches!(x, Part::Literal(_)));
    if known(a) && known(b) {
        return repository_text(a) == repository_text(b);
    }
    let (a, b) = (tokens(a), tokens(b));
    if a.len() > MAX_PATTERN || b.len() > MAX_PATTERN {
        return false;
    }
    let (n, m) = (a.len(), b.len());
    // meet[i][j]: a[i..] and b[j..] can match the same text.
    let mut meet = vec![vec![false; m + 1]; n + 1];
    meet[n][m] = true;
    for i in (0..=n).rev() {
        for j in (0..=m).rev() {
            if i == n && j == m {
                continue;
            }
            meet[i][j] = match (a.get(i), b.get(j)) {
                (Some(Token::Any), _) => meet[i + 1][j] || (j < m && meet[i][j + 1]),
                (_, Some(Token::Any)) => meet[i][j + 1] || (i < n && meet[i + 1][j]),
                (Some(Token::Char(x)), Some(Token::Char(y))) => x == y && meet[i + 1][j + 1],
                _ => false,
            };
        }
    }
    meet[0][0]
}

/// Whether a repository pattern says enough to name a repository: some
/// literal name text besides separators (`$IMAGE` alone names nothing).
pub fn names_something(repository: &[Part]) -> bool {
    repository.iter().any(|p| match p {
        Part::Literal(s) => s
            .trim_start_matches("docker.io/library/")
            .trim_start_matches("docker.io/")
            .chars()
            .any(|c| c.is_ascii_alphanumeric()),
        Part::Unknown(_) => false,
    })
}

/// Whether two tags may be the same tag.
pub fn tags_meet(a: &Tag, b: &Tag) -> bool {
    let latest = || vec![Part::Literal("latest".to_string())];
    let parts = |t: &Tag| match t {
        Tag::Default => Some(latest()),
        Tag::Parts(p) => Some(p.clone()),
        Tag::Unknown => None,
    };
    match (parts(a), parts(b)) {
        (Some(x), Some(y)) => patterns_meet(&x, &y),
        _ => true,
    }
}

/// Whether two references may name the same image: their repositories meet
/// (equal when both are literal) and so do their tags.
pub fn may_be_same_image(a: &ImageRef, b: &ImageRef) -> bool {
    let (ra, rb) = (a.repository(), b.repository());
    if !names_something(&ra) || !names_something(&rb) {
        return false;
    }
    patterns_meet(&ra, &rb) && tags_meet(&a.split().1, &b.split().1)
}

/// The repository as text (unknown parts as written).
pub fn repository_text(parts: &[Part]) -> String {
    parts
        .iter()
        .map(|p| match p {
            Part::Literal(s) | Part::Unknown(s) => s.as_str(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> Part {
        Part::Literal(s.to_string())
    }
    fn unk(s: &str) -> Part {
        Part::Unknown(s.to_string())
    }
    fn r(parts: Vec<Part>) -> ImageRef {
        ImageRef::new(parts, Span::empty(0))
    }

    #[test]
    fn split_at_the_tag_colon() {
        let a = ImageRef::from_text("ghcr.io/acme/web:${{ github.sha }}", Span::empty(0));
        assert_eq!(
            a.split(),
            (
                vec![lit("ghcr.io/acme/web")],
                Tag::Parts(vec![unk("${{ github.sha }}")])
            )
        );
        let port = ImageRef::from_text("localhost:5000/web", Span::empty(0));
        assert_eq!(
            port.split(),
            (vec![lit("localhost:5000/web")], Tag::Default)
        );
        let digest = ImageRef::from_text("ghcr.io/acme/web@sha256:abc", Span::empty(0));
        assert_eq!(
            digest.split(),
            (vec![lit("ghcr.io/acme/web")], Tag::Unknown)
        );
        // An unknown at the end may hold the tag.
        let open = r(vec![lit("ghcr.io/acme/"), unk("$IMG")]);
        assert_eq!(open.split().1, Tag::Unknown);
        // A colon inside an unknown part is not the tag colon.
        let mixed = r(vec![unk("$REGISTRY"), lit("/web:"), unk("$TAG")]);
        assert_eq!(
            mixed.split(),
            (
                vec![unk("$REGISTRY"), lit("/web")],
                Tag::Parts(vec![unk("$TAG")])
            )
        );
    }

    #[test]
    fn docker_hub_names() {
        let name = |s: &str| repository_text(&ImageRef::from_text(s, Span::empty(0)).repository());
        assert_eq!(name("ubuntu:24.04"), "docker.io/library/ubuntu");
        assert_eq!(name("acme/app"), "docker.io/acme/app");
        assert_eq!(name("index.docker.io/acme/app"), "docker.io/acme/app");
        assert_eq!(name("docker.io/ubuntu"), "docker.io/library/ubuntu");
        assert_eq!(name("ghcr.io/acme/app:1"), "ghcr.io/acme/app");
    }

    #[test]
    fn patterns() {
        let built = ImageRef::from_text("ghcr.io/acme/shop-web:latest", Span::empty(0));
        let same = ImageRef::from_text("ghcr.io/acme/shop-web", Span::empty(0));
        assert!(may_be_same_image(&built, &same));
        let other_tag = ImageRef::from_text("ghcr.io/acme/shop-web:v1", Span::empty(0));
        assert!(!may_be_same_image(&built, &other_tag));
        let any_tag = r(vec![lit("ghcr.io/acme/shop-web:"), unk("$TAG")]);
        assert!(may_be_same_image(&built, &any_tag));
        let other_repo = ImageRef::from_text("ghcr.io/acme/shop-api:latest", Span::empty(0));
        assert!(!may_be_same_image(&built, &other_repo));
        let looped = r(vec![lit("ghcr.io/acme/shop-"), unk("$img"), lit(":latest")]);
        assert!(may_be_same_image(&built, &looped));
        let elsewhere = r(vec![lit("docker.io/acme/"), unk("$img"), lit(":latest")]);
        assert!(!may_be_same_image(&built, &elsewhere));
        // A repository that is only a variable names nothing.
        let bare = r(vec![unk("$IMAGE")]);
        assert!(!may_be_same_image(&built, &bare));
        let registry = r(vec![unk("${{ env.REGISTRY }}"), lit("/shop-web:latest")]);
        assert!(may_be_same_image(&built, &registry));
    }

    #[test]
    fn meeting_patterns() {
        assert!(patterns_meet(&[lit("ab")], &[lit("ab")]));
        assert!(!patterns_meet(&[lit("ab")], &[lit("abc")]));
        assert!(patterns_meet(&[unk("x"), lit("b")], &[lit("a"), unk("y")]));
        assert!(!patterns_meet(&[lit("a"), unk("x")], &[lit("b"), unk("y")]));
        assert!(patterns_meet(&[unk("x")], &[]));
    }
}
