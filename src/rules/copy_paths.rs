//! What COPY/ADD rules read off a source or destination path as written:
//! quotes removed, the base name, whether the name says "tar archive"
//! (the suffixes hadolint's archive rules use), whether it is a URL.

/// The word without surrounding `"` / `'` quotes.
pub fn unquote(word: &str) -> &str {
    word.trim_matches(|c| c == '"' || c == '\'')
}

/// The last path component (after `/` or `\`), quotes removed.
pub fn basename(word: &str) -> &str {
    let w = unquote(word);
    w.rsplit(['/', '\\']).next().unwrap_or(w)
}

/// File name suffixes of (possibly compressed) tar archives: what `ADD`
/// extracts when the file is local. `.zip` is not one of them.
pub const ARCHIVE_SUFFIXES: &[&str] = &[
    ".tar", ".Z", ".bz2", ".gz", ".lz", ".lzma", ".tZ", ".tb2", ".tbz", ".tbz2", ".tgz", ".tlz",
    ".tpz", ".txz", ".xz",
];

/// Whether the path's name ends like an archive `ADD` would extract.
pub fn is_archive_name(word: &str) -> bool {
    let w = unquote(word);
    ARCHIVE_SUFFIXES.iter().any(|s| w.ends_with(s))
}

/// Whether the source is a remote URL (`http://`, `https://`) or a Git
/// source `ADD` can fetch (`git@host:...`, `git://`, `ssh://`).
pub fn is_remote(word: &str) -> bool {
    let w = unquote(word);
    let lower = w.to_ascii_lowercase();
    ["http://", "https://", "git://", "git@", "ssh://"]
        .iter()
        .any(|p| lower.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_paths() {
        assert_eq!(unquote("\"a b\""), "a b");
        assert_eq!(basename("\"C:\\Program Files\\foo.tar\""), "foo.tar");
        assert_eq!(basename("/usr/src/app/"), "");
        assert!(is_archive_name("app.tar.gz"));
        assert!(is_archive_name("'app.tgz'"));
        assert!(!is_archive_name("app.zip"));
        assert!(is_remote("https://x/y.tgz"));
        assert!(is_remote("git@github.com:moby/buildkit.git"));
        assert!(!is_remote("./http"));
    }
}
