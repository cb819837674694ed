//! The CI pipeline around the build: GitHub Actions workflows
//! (`.github/workflows/*.yml`), read with the span-keeping YAML reader
//! ([`crate::yaml`]) into a small typed model whose every value knows its
//! bytes, so findings point at them and fixes are byte edits that keep
//! comments, quoting and indentation.

pub mod step_shell;
pub mod test_image;
pub mod workflow;

use std::path::Path;

/// Whether `path` is a GitHub Actions workflow:
/// `.github/workflows/<name>.yml|yaml` (directly in that folder).
pub fn is_workflow_path(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let lower = name.to_ascii_lowercase();
    if !(lower.ends_with(".yml") || lower.ends_with(".yaml")) {
        return false;
    }
    let mut parents = path.components().rev().skip(1);
    let dir = parents.next().and_then(|c| c.as_os_str().to_str());
    let up = parents.next().and_then(|c| c.as_os_str().to_str());
    dir == Some("workflows") && up == Some(".github")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_paths() {
        assert!(is_workflow_path(Path::new(".github/workflows/ci.yml")));
        assert!(is_workflow_path(Path::new("a/.github/workflows/ci.YAML")));
        assert!(!is_workflow_path(Path::new(".github/ci.yml")));
        assert!(!is_workflow_path(Path::new(".github/workflows/x/ci.yml")));
        assert!(!is_workflow_path(Path::new(".github/workflows/README.md")));
        assert!(!is_workflow_path(Path::new("workflows/ci.yml")));
    }
}
