//! Textual split of `[registry/]repository[:tag][@digest]`.
//!
//! Purely textual (no normalisation) so every part keeps its span, and
//! `${VAR}` references are opaque: a `/`, `:` or `@` inside `${...}` never
//! splits the reference.

use super::ast::{ImageRef, Spanned};
use crate::span::Span;

/// Byte ranges (relative to the image text) of the parts of a reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ImageParts {
    pub registry: Option<(usize, usize)>,
    pub repository: (usize, usize),
    pub tag: Option<(usize, usize)>,
    pub digest: Option<(usize, usize)>,
}

/// Offsets of the bytes of `image` that are outside any `${...}`, with the byte.
fn top_level_bytes(image: &str) -> impl Iterator<Item = (usize, u8)> + '_ {
    let b = image.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < b.len() {
            let at = i;
            let c = b[i];
            i += 1;
            if c == b'$' && b.get(i) == Some(&b'{') {
                depth += 1;
                i += 1;
                continue;
            }
            if depth > 0 {
                match c {
                    b'{' => depth += 1,
                    b'}' => depth -= 1,
                    _ => {}
                }
                continue;
            }
            return Some((at, c));
        }
        None
    })
}

/// Splits an image reference into its parts.
pub(crate) fn image_parts(image: &str) -> ImageParts {
    let len = image.len();
    let mut at_sign = None;
    let mut first_slash = None;
    let mut last_slash = None;
    for (i, c) in top_level_bytes(image) {
        match c {
            b'@' if at_sign.is_none() => at_sign = Some(i),
            b'/' if at_sign.is_none() => {
                first_slash.get_or_insert(i);
                last_slash = Some(i);
            }
            _ => {}
        }
    }
    let name_end = at_sign.unwrap_or(len);
    let digest = at_sign.map(|a| (a + 1, len));
    let registry = first_slash.and_then(|s| {
        let host = &image[..s];
        (host.contains('.') || host.contains(':') || host == "localhost").then_some((0, s))
    });
    let repo_start = registry.map_or(0, |(_, e)| e + 1);
    let tag_from = last_slash.map_or(0, |s| s + 1).max(repo_start);
    let colon = top_level_bytes(image)
        .find(|&(i, c)| c == b':' && i >= tag_from && i < name_end)
        .map(|(i, _)| i);
    let (repository, tag) = match colon {
        Some(c) => ((repo_start, c), Some((c + 1, name_end))),
        None => ((repo_start, name_end), None),
    };
    ImageParts {
        registry,
        repository,
        tag,
        digest,
    }
}

/// Builds an [`ImageRef`], mapping each local range to a source span.
pub(crate) fn image_ref_with(image: &str, map: impl Fn(usize, usize) -> Span) -> ImageRef {
    let parts = image_parts(image);
    let spanned =
        |(s, e): (usize, usize)| Spanned::new(image.get(s..e).unwrap_or("").to_string(), map(s, e));
    ImageRef {
        registry: parts.registry.map(spanned),
        repository: spanned(parts.repository),
        tag: parts.tag.map(spanned),
        digest: parts.digest.map(spanned),
    }
}

/// Parses an image reference written contiguously at source offset `base`.
pub fn parse_image_ref(image: &str, base: usize) -> ImageRef {
    image_ref_with(image, |s, e| Span::new(base + s, base + e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(image: &str) -> [Option<&str>; 4] {
        let p = image_parts(image);
        let get = |r: Option<(usize, usize)>| r.map(|(s, e)| &image[s..e]);
        [
            get(p.registry),
            get(Some(p.repository)),
            get(p.tag),
            get(p.digest),
        ]
    }

    #[test]
    fn splits_references() {
        assert_eq!(
            parts("ghcr.io/org/app:1.2@sha256:abc"),
            [
                Some("ghcr.io"),
                Some("org/app"),
                Some("1.2"),
                Some("sha256:abc")
            ]
        );
        assert_eq!(
            parts("localhost:5000/app"),
            [Some("localhost:5000"), Some("app"), None, None]
        );
        assert_eq!(
            parts("localhost/app:1"),
            [Some("localhost"), Some("app"), Some("1"), None]
        );
        assert_eq!(parts("postgres"), [None, Some("postgres"), None, None]);
        assert_eq!(
            parts("library/postgres:16"),
            [None, Some("library/postgres"), Some("16"), None]
        );
        assert_eq!(
            parts("${REG}/app:${TAG}"),
            [None, Some("${REG}/app"), Some("${TAG}"), None]
        );
        assert_eq!(
            parts("app:${TAG:-a/b}"),
            [None, Some("app"), Some("${TAG:-a/b}"), None]
        );
        assert_eq!(parts(""), [None, Some(""), None, None]);
    }
}
