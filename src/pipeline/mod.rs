//! The CI pipeline around the build: GitHub Actions workflows
//! (`.github/workflows/*.yml`), read with the span-keeping YAML reader
//! ([`crate::yaml`]) into a small typed model whose every value knows its
//! bytes, so findings point at them and fixes are byte edits that keep
//! comments, quoting and indentation.
//!
//! - [`workflow`]: the model (jobs, needs, services, container, steps, env).
//! - [`scalar_bytes`]: where a scalar's value text is in the file; the Docker
//!   actions' list inputs, split as they split them.
//! - [`run_script`]: a `run:` script through the shell scanner, words mapped
//!   back to the file.
//! - [`set_override`]: one `--set` / `set:` override.
//! - [`bake_steps`]: the builds steps run (bake-action, `docker buildx bake`,
//!   build-push-action), as written.
//! - [`image_uses`]: where jobs use images, and image reference matching.
//! - [`links`]: builds resolved to the loaded bake sets and evaluated as CI
//!   runs them, image uses matched to builds, the `needs:` graph; the query
//!   API for rules (`WorkflowContext::links`, `BakeContext::ci`).
//! - [`retag`]: re-tag commands (`docker tag`, `imagetools create`, `crane`,
//!   `regctl`, `skopeo`) in step scripts; [`image_ref`] image references as
//!   patterns; [`built_images`] what earlier jobs built; [`needs_edit`]
//!   deleting a job and rewiring the `needs:` of its dependents;
//!   [`step_script`] the scripts BP013 reads.
//! - [`test_image`]: the image a job tests with as a bake target, and the
//!   requirements file it installs; [`step_shell`] the scripts BP012 reads.

pub mod bake_steps;
pub mod built_images;
pub mod image_ref;
pub mod image_uses;
pub mod links;
pub mod needs_edit;
pub mod retag;
pub mod run_script;
pub mod scalar_bytes;
pub mod set_override;
pub mod step_script;
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
