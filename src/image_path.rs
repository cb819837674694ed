//! Slash-separated paths inside an image or a build context, normalised
//! lexically as BuildKit does: empty and `.` parts dropped, `..` clamped at
//! the root (`/../x` is `/x`; in a context `../../x` is `x`).

/// The parts of `path` in normal form.
fn normal_parts(path: &str) -> Vec<&str> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            name => parts.push(name),
        }
    }
    parts
}

/// A build-context path in normal form, relative to the context root (a
/// leading `/` is that root): `./a/../b/.` is `b`, `""` the root itself.
pub fn context_relative(path: &str) -> String {
    normal_parts(path).join("/")
}

/// `rel` against the absolute image directory `dir` (an absolute `rel`
/// stands alone), in normal form: `join("/app", "../etc/x")` is `/etc/x`.
pub fn join(dir: &str, rel: &str) -> String {
    let full = if rel.starts_with('/') {
        rel.to_string()
    } else {
        format!("{dir}/{rel}")
    };
    format!("/{}", normal_parts(&full).join("/"))
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
    }
}
