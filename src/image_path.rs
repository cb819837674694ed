//! Slash-separated paths inside an image or a build context, normalised
//! lexically as BuildKit does: empty and `.` parts dropped, `..` clamped at
//! the root (`/../x` is `/x`; in a context `../../x` is `x`).

/// The parts of `path` in normal form (`None` when a `..` goes above the
/// start and `clamp` is off).
fn parts(path: &str, clamp: bool) -> Option<Vec<&str>> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() && !clamp {
                    return None;
                }
            }
            name => parts.push(name),
        }
    }
    Some(parts)
}

/// The parts of `path` in normal form, `..` clamped at the root.
fn normal_parts(path: &str) -> Vec<&str> {
    parts(path, true).unwrap_or_default()
}

/// A build-context path in normal form, relative to the context root (a
/// leading `/` is that root): `./a/../b/.` is `b`, `""` the root itself.
pub fn context_relative(path: &str) -> String {
    normal_parts(path).join("/")
}

/// A build-context path in normal form like [`context_relative`], but
/// `None` when it leaves the context (`a/../../x`) instead of clamping.
pub fn context_inside(path: &str) -> Option<String> {
    parts(path, false).map(|parts| parts.join("/"))
}

/// `rest` below the context-relative directory `dir` (`""` is the root,
/// and an empty `rest` is `dir` itself).
pub fn context_join(dir: &str, rest: &str) -> String {
    if dir.is_empty() {
        rest.to_string()
    } else if rest.is_empty() {
        dir.to_string()
    } else {
        format!("{dir}/{rest}")
    }
}

/// A path and the directories above it, nearest first: `/a/b`, `/a`, `/`
/// for an absolute path, `a/b`, `a` for a relative one.
pub fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    let mut next = Some(path);
    std::iter::from_fn(move || {
        let current = next?;
        next = match current.rfind('/') {
            Some(0) if current != "/" => Some("/"),
            Some(i) if i > 0 => Some(&current[..i]),
            _ => None,
        };
        Some(current)
    })
}

/// `rel` against the absolute image directory `dir` (an absolute `rel`
/// stands alone), in normal form: `join("/app", "../etc/x")` is `/etc/x`.
pub fn join(dir: &str, rel: &str) -> String {
    let base = if rel.starts_with('/') { "" } else { dir };
    // Built in place (`/a/b`): a `..` cuts the last `/name`, at the root nothing.
    let mut out = String::with_capacity(base.len() + rel.len() + 1);
    for part in base.split('/').chain(rel.split('/')) {
        match part {
            "" | "." => {}
            ".." => out.truncate(out.rfind('/').unwrap_or(0)),
            name => {
                out.push('/');
                out.push_str(name);
            }
        }
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dots_go_and_parents_clamp_at_the_root() {
        assert_eq!(context_relative("./a/../b/."), "b");
        assert_eq!(context_relative("/../../x//y/"), "x/y");
        assert_eq!(context_relative("."), "");
        assert_eq!(join("/app", "../etc/x"), "/etc/x");
        assert_eq!(join("/app", "/srv/./y"), "/srv/y");
        assert_eq!(join("/", "../../.."), "/");
        assert_eq!(join("/app/", "req.txt"), "/app/req.txt");
        assert_eq!(join("/a/b", ".."), "/a");
        assert_eq!(join("/a/b/", "../../../c/./d/"), "/c/d");
        assert_eq!(join("/a", ""), "/a");
        assert_eq!(join("", "x"), "/x");
        assert_eq!(join("/", ""), "/");
        assert_eq!(context_inside("a/./b/../c"), Some("a/c".to_string()));
        assert_eq!(context_inside("a/../../x"), None);
        assert_eq!(context_inside("/x/"), Some("x".to_string()));
    }

    #[test]
    fn joins_and_ancestors() {
        assert_eq!(context_join("", "a.txt"), "a.txt");
        assert_eq!(context_join("deps", ""), "deps");
        assert_eq!(context_join("deps", "a.txt"), "deps/a.txt");
        let all = |p: &'static str| ancestors(p).collect::<Vec<_>>();
        assert_eq!(all("/a/b"), ["/a/b", "/a", "/"]);
        assert_eq!(all("/"), ["/"]);
        assert_eq!(all("a/b"), ["a/b", "a"]);
        assert_eq!(all(""), [""]);
    }
}
