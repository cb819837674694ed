//! Did-you-mean suggestions for misspelled names. Two policies: BuildKit's
//! own search ([`suggest`], for messages that must match `docker build
//! --check`) and bakelint's stricter one for bake names ([`closest`]).

use std::collections::BTreeSet;

/// BuildKit's did-you-mean (`suggest.Search`, case-sensitive): the first
/// option at the smallest Levenshtein distance (over chars, unit costs, as
/// the Go package BuildKit uses) below 3; nothing on an exact match.
pub fn suggest<'a>(value: &str, options: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<&'a str> = None;
    let mut min_dist = 3;
    for opt in options {
        if opt == value {
            return None;
        }
        let dist = strsim::levenshtein(value, opt);
        if dist < min_dist {
            best = Some(opt);
            min_dist = dist;
        }
    }
    best
}

/// Did-you-mean: the unique closest candidate (case-insensitive, `_` and
/// `-` alike) within an edit distance that grows with the name's length.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let norm = |s: &str| s.to_ascii_lowercase().replace('_', "-");
    let wanted = norm(name);
    let limit = (wanted.chars().count() / 3).clamp(1, 3);
    let mut best: Option<(usize, &'a str)> = None;
    let mut tie = false;
    let mut seen = BTreeSet::new();
    for cand in candidates {
        if !seen.insert(cand) || cand == name {
            continue;
        }
        let dist = strsim::osa_distance(&wanted, &norm(cand));
        if dist > limit {
            continue;
        }
        match best {
            Some((d, _)) if dist > d => {}
            Some((d, _)) if dist == d => tie = true,
            _ => {
                best = Some((dist, cand));
                tie = false;
            }
        }
    }
    match best {
        Some((_, c)) if !tie => Some(c),
        _ => None,
    }
}

/// `" (did you mean `x`?)"` or "".
pub fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_follow_buildkit() {
        assert_eq!(suggest("PAHT", ["HOME", "PATH"]), Some("PATH"));
        assert_eq!(
            suggest("DIR_ASSET", ["DIR_BINARIES", "DIR_ASSETS", "DIR_CONFIG"]),
            Some("DIR_ASSETS")
        );
        assert_eq!(suggest("foo", ["bar"]), None);
        // case-sensitive: "path" is 4 edits from "PATH"
        assert_eq!(suggest("path", ["PATH"]), None);
    }

    #[test]
    fn did_you_mean_is_unique_and_bounded() {
        assert_eq!(
            closest("cache_from", ["cache-from", "cache-to"]),
            Some("cache-from")
        );
        assert_eq!(closest("bsae", ["base", "app"]), Some("base"));
        assert_eq!(closest("xyz", ["base", "app"]), None);
        // Two equally close candidates: no suggestion.
        assert_eq!(closest("ab", ["aa", "bb"]), None);
        assert_eq!(closest("a", ["a"]), None);
    }
}
