//! BuildKit's parser dump format (`(keyword ["--flag"] "arg" ...)`), used to
//! check the parser against BuildKit's conformance corpus. (In progress.)

use super::ast::Dockerfile;

/// One line per instruction, as BuildKit's `result` files.
pub fn dump(_dockerfile: &Dockerfile) -> String {
    String::new()
}
