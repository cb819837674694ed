//! The image a workflow job tests with, as a bake target of the lint, and
//! the requirements file that image installs: container image → the bake
//! target whose evaluated tags name it → its Dockerfile → the `pip install
//! -r` of the stage the target builds → that file in the build context.
//!
//! The image → target step is one function ([`target_for_image`]), a
//! minimal match on evaluated tags; the workflow ↔ bake link model (which
//! job builds which targets, with `set:` overrides) can replace it.

use std::path::{Path, PathBuf};

use crate::bake::Target;
use crate::rules::adhoc_test_deps::stage_requirements;
use crate::rules::bake_targets::Templates;
use crate::rules::duplicate_tag::normalized;
use crate::rules::stages::target_stage;
use crate::workspace::LoadedSet;

/// A bake target of the lint.
pub struct BuiltTarget<'a> {
    pub set: &'a LoadedSet,
    pub target: &'a Target,
}

/// The one bake target (templates aside) whose evaluated tags name
/// `image` (`alpine` = `docker.io/library/alpine:latest`). `None` when the
/// reference holds a variable or an expression, or when no target or
/// several targets are tagged so.
pub fn target_for_image<'a>(bake: &'a [LoadedSet], image: &str) -> Option<BuiltTarget<'a>> {
    let image = image.trim();
    if image.is_empty() || image.contains('$') {
        return None;
    }
    let wanted = normalized(image);
    let mut found: Option<BuiltTarget<'a>> = None;
    for set in bake {
        let templates = Templates::of(&set.project);
        for target in set.project.targets().values() {
            if templates.is_abstract(target)
                || !target.tags().iter().any(|t| normalized(t) == wanted)
            {
                continue;
            }
            if found.is_some() {
                return None;
            }
            found = Some(BuiltTarget { set, target });
        }
    }
    found
}

/// A requirements file of the build context.
#[derive(Debug, Clone, PartialEq)]
pub struct Requirements {
    /// Where it is (as the lint spells paths).
    pub path: PathBuf,
    /// Its path in the build context (`requirements/test.txt`).
    pub shown: String,
    /// Its current text (in-memory when a fix changed it in this run).
    pub text: String,
    /// Packages the image's stage also installs ad hoc, as written: BP012's
    /// fix of the Dockerfile moves them into this file.
    pub image_adhoc: Vec<String>,
}

/// The requirements file the image of `target` installs: the last
/// unconditional `pip install -r` of a build-context file in the stage the
/// target builds (its `target`, else the last stage), mapped through the
/// COPY that put it there, as BP012 finds it in the Dockerfile. `read`
/// reads a file as the fix loop sees it. The error says why not.
pub fn image_requirements(
    target: &Target,
    read: &dyn Fn(&Path) -> Option<String>,
) -> Result<Requirements, String> {
    if target.dockerfile_inline().is_some() {
        return Err(format!(
            "target \"{}\" builds a `dockerfile-inline`",
            target.name
        ));
    }
    let (Some(dockerfile), Some(context)) = (target.dockerfile(), target.context_path()) else {
        return Err(format!(
            "target \"{}\" builds from a remote context",
            target.name
        ));
    };
    let Some(source) = read(&dockerfile) else {
        return Err(format!("`{}` could not be read", dockerfile.display()));
    };
    let df = crate::dockerfile::parse(&source);
    let stages = df.stages();
    let Some(stage) = target_stage(&df, stages, target.target()) else {
        return Err(format!(
            "stage `{}` is not in `{}`",
            target.target().unwrap_or_default(),
            dockerfile.display()
        ));
    };
    let Some(found) = stage_requirements(&df, &target.args(), stage) else {
        return Err(format!(
            "the stage target \"{}\" builds installs no requirements file of its build context",
            target.name
        ));
    };
    for candidate in &found.candidates {
        let path = crate::workspace::normalize(&context.join(candidate));
        if let Some(text) = read(&path) {
            return Ok(Requirements {
                path,
                shown: candidate.clone(),
                text,
                image_adhoc: found.adhoc.clone(),
            });
        }
    }
    Err(format!(
        "`{}` was not found in the build context",
        found.candidates.first().unwrap_or(&found.written)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::bake::load;

    const BAKE: &str = "variable \"REGISTRY\" {\n  default = \"ghcr.io/acme\"\n}\ntarget \"_common\" {\n  context = \".\"\n}\ntarget \"test\" {\n  inherits = [\"_common\"]\n  dockerfile = \"docker/Dockerfile\"\n  target = \"test\"\n  tags = [\"${REGISTRY}/shop-test:latest\", \"shop-test\"]\n}\ntarget \"web\" {\n  inherits = [\"_common\"]\n  dockerfile = \"docker/Dockerfile\"\n  tags = [\"${REGISTRY}/shop-web:latest\"]\n}\ntarget \"db\" {\n  dockerfile-inline = \"FROM postgres\"\n  tags = [\"db\"]\n}\n";

    const DOCKERFILE: &str = "FROM python:3.12 AS base\nWORKDIR /app\nCOPY requirements/ requirements/\nRUN pip install -r requirements/base.txt\nFROM base AS test\nRUN pip install -r requirements/test.txt\nFROM base AS web\nCOPY . .\n";

    #[test]
    fn images_match_evaluated_tags() {
        let project = load(&[("docker-bake.hcl", BAKE), ("docker/Dockerfile", DOCKERFILE)]);
        let sets = std::slice::from_ref(&project.set);
        let name = |image: &str| target_for_image(sets, image).map(|b| b.target.name.clone());
        assert_eq!(
            name("ghcr.io/acme/shop-test:latest").as_deref(),
            Some("test")
        );
        assert_eq!(name("ghcr.io/acme/shop-test").as_deref(), Some("test"));
        assert_eq!(name("docker.io/library/shop-test").as_deref(), Some("test"));
        assert_eq!(name("ghcr.io/acme/shop-web:latest").as_deref(), Some("web"));
        assert_eq!(name("ghcr.io/acme/shop-test:1.0"), None);
        assert_eq!(name("ghcr.io/acme/shop-${{ matrix.x }}:latest"), None);
        assert_eq!(name("postgres:16"), None);
    }

    #[test]
    fn requirements_of_the_target_stage() {
        let project = load(&[
            ("docker-bake.hcl", BAKE),
            ("docker/Dockerfile", DOCKERFILE),
            ("requirements/base.txt", "django\n"),
            ("requirements/test.txt", "-r base.txt\npytest\n"),
        ]);
        let sets = std::slice::from_ref(&project.set);
        let read = |p: &Path| std::fs::read_to_string(project.dir.path().join(p)).ok();
        let test = target_for_image(sets, "shop-test").expect("test");
        let found = image_requirements(test.target, &read).expect("requirements");
        assert_eq!(found.shown, "requirements/test.txt");
        assert_eq!(found.text, "-r base.txt\npytest\n");
        // The web stage installs nothing itself: its base's file is shared.
        let web = target_for_image(sets, "ghcr.io/acme/shop-web:latest").expect("web");
        let err = image_requirements(web.target, &read).unwrap_err();
        assert!(err.contains("installs no requirements file"), "{err}");
        let db = target_for_image(sets, "db").expect("db");
        let err = image_requirements(db.target, &read).unwrap_err();
        assert!(err.contains("dockerfile-inline"), "{err}");
    }

    #[test]
    fn a_missing_file_is_named() {
        let project = load(&[("docker-bake.hcl", BAKE), ("docker/Dockerfile", DOCKERFILE)]);
        let sets = std::slice::from_ref(&project.set);
        let read = |p: &Path| std::fs::read_to_string(project.dir.path().join(p)).ok();
        let test = target_for_image(sets, "shop-test").expect("test");
        let err = image_requirements(test.target, &read).unwrap_err();
        assert_eq!(
            err,
            "`requirements/test.txt` was not found in the build context"
        );
    }
}
