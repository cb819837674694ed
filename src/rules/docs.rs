//! Reading the examples out of a rule's markdown doc, so the test suite can
//! lint them (the failing example must fire, the fixed one must not, and the
//! fix must turn one into the other).
//!
//! Convention: the code blocks under `## Example` form the failing example,
//! those under `## Use instead` the fixed one. A block whose info string has
//! `title="path"` is an extra file of the example (a `.dockerignore`, a
//! second Dockerfile); an untitled `dockerfile` block is `Dockerfile`, an
//! untitled `hcl` block `docker-bake.hcl`.

/// One file of a doc example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleFile {
    pub path: String,
    pub content: String,
}

/// The files of one doc example.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DocExample {
    pub files: Vec<ExampleFile>,
}

/// `(failing, fixed)` examples of a rule doc.
pub fn examples(doc: &str) -> (DocExample, DocExample) {
    (
        section_example(doc, "Example"),
        section_example(doc, "Use instead"),
    )
}

fn section_example(doc: &str, heading: &str) -> DocExample {
    let mut example = DocExample::default();
    let mut in_section = false;
    let mut block: Option<(String, String)> = None; // (path, content)
    for line in doc.lines() {
        if let Some((path, content)) = block.as_mut() {
            if line.trim_start().starts_with("```") {
                example.files.push(ExampleFile {
                    path: std::mem::take(path),
                    content: std::mem::take(content),
                });
                block = None;
            } else {
                content.push_str(line);
                content.push('\n');
            }
            continue;
        }
        if let Some(h) = line.strip_prefix("## ") {
            in_section = h.trim().eq_ignore_ascii_case(heading);
            continue;
        }
        if !in_section {
            continue;
        }
        if let Some(info) = line.trim_start().strip_prefix("```") {
            block = Some((block_path(info), String::new()));
        }
    }
    example
}

fn block_path(info: &str) -> String {
    if let Some(rest) = info.split("title=\"").nth(1) {
        if let Some(end) = rest.find('"') {
            return rest[..end].to_string();
        }
    }
    match info.split_whitespace().next().unwrap_or("") {
        "hcl" => "docker-bake.hcl".to_string(),
        "json" => "docker-bake.json".to_string(),
        _ => "Dockerfile".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sections_and_titles() {
        let doc = "# X\n## Example\n```dockerfile\nFROM a AS B\n```\n```text title=\".dockerignore\"\n*.md\n```\n## Use instead\n```dockerfile\nFROM a AS b\n```\n## Options\n```toml\nx=1\n```\n";
        let (bad, good) = examples(doc);
        assert_eq!(bad.files.len(), 2);
        assert_eq!(bad.files[0].path, "Dockerfile");
        assert_eq!(bad.files[0].content, "FROM a AS B\n");
        assert_eq!(bad.files[1].path, ".dockerignore");
        assert_eq!(good.files.len(), 1);
        assert_eq!(good.files[0].content, "FROM a AS b\n");
    }
}
