//! Shrinks a failing project while it still fails the same way: drop
//! files, then remove chunks of lines (halving the chunk size, as delta
//! debugging does), then chunks of characters in what is left. At most
//! `budget` candidates are run.

use super::project::Project;

/// At most this many candidate runs per minimisation.
pub const DEFAULT_BUDGET: usize = 1500;

pub fn minimise(
    project: &Project,
    still_fails: &mut dyn FnMut(&Project) -> bool,
    budget: usize,
) -> Project {
    let mut best = project.clone();
    let mut tries = 0;
    // Whole files.
    let mut i = 0;
    while i < best.files.len() && tries < budget {
        let mut candidate = best.clone();
        candidate.files.remove(i);
        tries += 1;
        if still_fails(&candidate) {
            best = candidate;
        } else {
            i += 1;
        }
    }
    // Lines, then characters, of each file.
    for unit in [Unit::Lines, Unit::Chars] {
        for f in 0..best.files.len() {
            let mut pieces = unit.split(&best.files[f].1);
            let mut chunk = pieces.len().div_ceil(2).max(1);
            loop {
                let mut start = 0;
                while start < pieces.len() {
                    if tries >= budget {
                        return best;
                    }
                    let end = (start + chunk).min(pieces.len());
                    let mut candidate = best.clone();
                    candidate.files[f].1 = pieces[..start]
                        .iter()
                        .chain(&pieces[end..])
                        .flatten()
                        .copied()
                        .collect();
                    tries += 1;
                    if still_fails(&candidate) {
                        best = candidate;
                        pieces.drain(start..end);
                    } else {
                        start = end;
                    }
                }
                if chunk == 1 || pieces.is_empty() {
                    break;
                }
                chunk = chunk.div_ceil(2);
            }
        }
    }
    best
}

#[derive(Clone, Copy)]
enum Unit {
    Lines,
    Chars,
}

impl Unit {
    fn split(self, content: &[u8]) -> Vec<Vec<u8>> {
        match self {
            Unit::Lines => content
                .split_inclusive(|b| *b == b'\n')
                .map(<[u8]>::to_vec)
                .collect(),
            // Characters when the content is UTF-8 (removals keep it so), else bytes.
            Unit::Chars => match std::str::from_utf8(content) {
                Ok(text) => text.chars().map(|c| c.to_string().into_bytes()).collect(),
                Err(_) => content.iter().map(|b| vec![*b]).collect(),
            },
        }
    }
}
