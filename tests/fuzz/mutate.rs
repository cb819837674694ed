//! Mutations of a project: byte flips, fragment splices from the
//! dictionaries, duplications, deletions, truncations, deep nesting, huge
//! repeats, line shuffles, identifier swaps (which make `inherits` and group
//! cycles), and file-level changes (add, drop, rename, swap contents).
//! Every mutation is logged, so a failure names what was done to the seed.

use super::dictionary::{CONTEXT_FILES, DOCKERFILE, FILE_NAMES, HCL, JSON};
use super::project::{Flavor, Project};
use super::rng::Rng;

/// The largest file a mutation may produce (a huge repeat stops there).
pub const DEFAULT_MAX_FILE_BYTES: usize = 64 * 1024;

pub struct Mutator<'a> {
    pub rng: Rng,
    /// Files of every seed, for splices across seeds.
    pub donors: &'a [(String, Vec<u8>)],
    pub max_file_bytes: usize,
    pub log: Vec<String>,
}

impl Mutator<'_> {
    /// Applies 1..=`max_ops` mutations to `project`.
    pub fn mutate(&mut self, project: &mut Project, max_ops: usize) {
        let ops = self.rng.range(1, max_ops.max(1));
        for _ in 0..ops {
            if project.files.is_empty() || self.rng.chance(1, 12) {
                self.mutate_files(project);
                continue;
            }
            let i = self.pick_file(project);
            let (path, content) = &mut project.files[i];
            let flavor = Flavor::of(path);
            let path = path.clone();
            let note = self.mutate_content(content, flavor);
            self.log.push(format!("{path}: {note}"));
        }
    }

    /// Dockerfiles and bake files are picked far more often than the rest.
    fn pick_file(&mut self, project: &Project) -> usize {
        let weights: Vec<usize> = project
            .files
            .iter()
            .map(|(p, _)| match Flavor::of(p) {
                Flavor::Other => 1,
                _ => 6,
            })
            .collect();
        self.rng.weighted(&weights)
    }

    fn dictionary(&mut self, flavor: Flavor) -> &'static [&'static str] {
        // Now and then a fragment from another language.
        let flavor = if self.rng.chance(1, 8) {
            *self
                .rng
                .pick(&[Flavor::Dockerfile, Flavor::Hcl, Flavor::Json])
        } else {
            flavor
        };
        match flavor {
            Flavor::Dockerfile | Flavor::Other => DOCKERFILE,
            Flavor::Hcl => HCL,
            Flavor::Json => JSON,
        }
    }

    fn mutate_content(&mut self, content: &mut Vec<u8>, flavor: Flavor) -> String {
        let op = self.rng.weighted(&[
            3,  // flip a bit
            3,  // replace a byte with an ASCII one
            14, // insert a fragment
            4,  // delete a range
            4,  // duplicate a range
            4,  // splice from a donor file
            2,  // truncate
            3,  // deep nesting
            2,  // huge repeat
            5,  // line shuffles
            5,  // swap identifiers
            1,  // line endings / BOM
        ]);
        match op {
            0 => self.flip_bit(content),
            1 => self.replace_byte(content),
            2 => self.insert_fragment(content, flavor),
            3 => self.delete_range(content),
            4 => self.duplicate_range(content),
            5 => self.splice_donor(content),
            6 => self.truncate(content),
            7 => self.deep_nesting(content, flavor),
            8 => self.huge_repeat(content, flavor),
            9 => self.shuffle_lines(content),
            10 => self.swap_identifiers(content),
            _ => self.line_endings(content),
        }
    }

    /// A position in `content`, on a character boundary when it is text.
    fn position(&mut self, content: &[u8]) -> usize {
        let at = self.rng.below(content.len() + 1);
        boundary(content, at)
    }

    /// A position at the start of a line.
    fn line_start(&mut self, content: &[u8]) -> usize {
        let starts: Vec<usize> = std::iter::once(0)
            .chain(
                content
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| **b == b'\n')
                    .map(|(i, _)| i + 1),
            )
            .collect();
        *self.rng.pick(&starts)
    }

    fn flip_bit(&mut self, content: &mut [u8]) -> String {
        if content.is_empty() {
            return "flip: empty".into();
        }
        let at = self.rng.below(content.len());
        let bit = self.rng.below(8);
        content[at] ^= 1 << bit;
        format!("flip bit {bit} at {at}")
    }

    fn replace_byte(&mut self, content: &mut [u8]) -> String {
        let ascii: Vec<usize> = (0..content.len()).filter(|i| content[*i] < 0x80).collect();
        if ascii.is_empty() {
            return "replace: no ASCII byte".into();
        }
        let at = *self.rng.pick(&ascii);
        let by = *self
            .rng
            .pick(b"\"'{}[]()$\\`#=:,;\n\r\t -_.*/@%!?<>|&0aZ\x0b\x7f");
        content[at] = by;
        format!("byte {at} = {:?}", by as char)
    }

    fn insert_fragment(&mut self, content: &mut Vec<u8>, flavor: Flavor) -> String {
        let dictionary = self.dictionary(flavor);
        let fragment = *self.rng.pick(dictionary);
        let at = if fragment.ends_with('\n') && self.rng.chance(3, 4) {
            self.line_start(content)
        } else {
            self.position(content)
        };
        content.splice(at..at, fragment.bytes());
        format!("insert {fragment:?} at {at}")
    }

    fn delete_range(&mut self, content: &mut Vec<u8>) -> String {
        let start = self.position(content);
        let len = if self.rng.chance(1, 4) {
            self.rng.below(400)
        } else {
            self.rng.range(1, 16)
        };
        let end = boundary(content, (start + len).min(content.len()));
        content.drain(start..end.max(start));
        format!("delete {start}..{end}")
    }

    fn duplicate_range(&mut self, content: &mut Vec<u8>) -> String {
        let start = self.position(content);
        let len = self.rng.range(1, 200);
        let end = boundary(content, (start + len).min(content.len())).max(start);
        let piece = content[start..end].to_vec();
        let times = if self.rng.chance(1, 5) {
            self.rng.range(2, 20)
        } else {
            1
        };
        let at = self.position(content);
        for _ in 0..times {
            if content.len() + piece.len() > self.max_file_bytes {
                break;
            }
            content.splice(at..at, piece.iter().copied());
        }
        format!("duplicate {start}..{end} x{times} at {at}")
    }

    fn splice_donor(&mut self, content: &mut Vec<u8>) -> String {
        if self.donors.is_empty() {
            return "splice: no donors".into();
        }
        let (name, donor) = self.rng.pick(self.donors).clone();
        let start = self.line_start(&donor);
        let len = self.rng.range(1, 600);
        let end = boundary(&donor, (start + len).min(donor.len())).max(start);
        let at = if self.rng.chance(1, 2) {
            self.line_start(content)
        } else {
            self.position(content)
        };
        content.splice(at..at, donor[start..end].iter().copied());
        format!("splice {name}[{start}..{end}] at {at}")
    }

    fn truncate(&mut self, content: &mut Vec<u8>) -> String {
        let at = self.position(content);
        content.truncate(at);
        format!("truncate at {at}")
    }

    fn deep_nesting(&mut self, content: &mut Vec<u8>, flavor: Flavor) -> String {
        let depth = *self.rng.pick(&[3, 50, 150, 199, 200, 201, 260, 400, 1000]);
        let (open, middle, close) = match flavor {
            Flavor::Hcl => *self.rng.pick(&[
                ("[", "1", "]"),
                ("(", "1", ")"),
                ("{a=", "1", "}"),
                ("\"${", "x", "}\""),
                ("%{if true}", "x", "%{endif}"),
                ("f(", "1", ")"),
                ("!", "true", ""),
                ("-", "1", ""),
                ("true ? ", "1", " : 2"),
                ("[for x in ", "[1]", " : x]"),
            ]),
            Flavor::Json => *self.rng.pick(&[
                ("[", "1", "]"),
                ("{\"a\":", "1", "}"),
                ("\"${[", "1", "]}\""),
            ]),
            _ => *self.rng.pick(&[
                ("${A:-", "x", "}"),
                ("$(", "echo", ")"),
                ("(", "x", ")"),
                ("[", "\"x\"", "]"),
                ("\\\n", "", ""),
                ("if true; then ", "echo", "; fi"),
                ("{ ", "echo", "; }"),
                ("\"$(echo ", "x", ")\""),
            ]),
        };
        let nested = format!("{}{middle}{}", open.repeat(depth), close.repeat(depth));
        // In a spot where it is syntactically meaningful, or anywhere.
        let wrapped = match (flavor, self.rng.chance(2, 3)) {
            (Flavor::Hcl, true) => format!("target \"nest\" {{\n  args = {{ A = {nested} }}\n}}\n"),
            (Flavor::Json, true) => format!("\"nest\": {nested},"),
            (Flavor::Dockerfile, true) => {
                format!(
                    "{} {nested}\n",
                    self.rng.pick(&["RUN echo", "ARG A=", "ENV A", "FROM"])
                )
            }
            _ => nested,
        };
        let at = match flavor {
            Flavor::Json if wrapped.starts_with("\"nest\"") => {
                content.iter().position(|b| *b == b'{').map_or(0, |i| i + 1)
            }
            Flavor::Hcl | Flavor::Dockerfile if wrapped.ends_with('\n') => self.line_start(content),
            _ => self.position(content),
        };
        content.splice(at..at, wrapped.bytes());
        format!("nest {open:?}..{close:?} x{depth} at {at}")
    }

    fn huge_repeat(&mut self, content: &mut Vec<u8>, flavor: Flavor) -> String {
        let unit: Vec<u8> = if self.rng.chance(1, 2) && !content.is_empty() {
            // An existing line.
            let start = self.line_start(content);
            let end = content[start..]
                .iter()
                .position(|b| *b == b'\n')
                .map_or(content.len(), |i| start + i + 1);
            content[start..end].to_vec()
        } else {
            let dictionary = self.dictionary(flavor);
            self.rng.pick(dictionary).as_bytes().to_vec()
        };
        if unit.is_empty() {
            return "repeat: empty unit".into();
        }
        let room = self.max_file_bytes.saturating_sub(content.len());
        let times = (room / unit.len()).min(self.rng.range(100, 20_000));
        let at = if unit.ends_with(b"\n") {
            self.line_start(content)
        } else {
            self.position(content)
        };
        let repeated = unit.repeat(times);
        content.splice(at..at, repeated);
        format!(
            "repeat {:?} x{times} at {at}",
            String::from_utf8_lossy(&unit)
        )
    }

    fn shuffle_lines(&mut self, content: &mut Vec<u8>) -> String {
        let mut lines: Vec<Vec<u8>> = content.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
        let i = self.rng.below(lines.len());
        let j = self.rng.below(lines.len());
        let note = match self.rng.below(6) {
            0 => {
                lines.swap(i, j);
                format!("swap lines {i} {j}")
            }
            1 => {
                let line = lines[i].clone();
                lines.insert(j, line);
                format!("copy line {i} to {j}")
            }
            2 => {
                lines.remove(i);
                format!("remove line {i}")
            }
            3 => {
                lines[i] = lines[i].to_ascii_lowercase();
                format!("lowercase line {i}")
            }
            4 => {
                let prefixes: [&[u8]; 4] = [b"  ", b"\t", b" \\", b"# "];
                let prefix = *self.rng.pick(&prefixes);
                lines[i].splice(0..0, prefix.iter().copied());
                format!("indent line {i}")
            }
            _ => {
                let (lo, hi) = (i.min(j), i.max(j));
                lines[lo..=hi].reverse();
                format!("reverse lines {lo}..={hi}")
            }
        };
        *content = lines.join(&b'\n');
        note
    }

    /// Replaces one word with another word of the same file: a target name
    /// in `inherits`, a stage in `COPY --from`, a variable in its own default.
    fn swap_identifiers(&mut self, content: &mut Vec<u8>) -> String {
        let words = words(content);
        if words.len() < 2 {
            return "swap: too few words".into();
        }
        let (at, len) = *self.rng.pick(&words);
        let (from, from_len) = *self.rng.pick(&words);
        let replacement = content[from..from + from_len].to_vec();
        let note = format!(
            "word {:?} at {at} -> {:?}",
            String::from_utf8_lossy(&content[at..at + len]),
            String::from_utf8_lossy(&replacement)
        );
        content.splice(at..at + len, replacement);
        note
    }

    fn line_endings(&mut self, content: &mut Vec<u8>) -> String {
        match self.rng.below(4) {
            0 => {
                let text = String::from_utf8_lossy(content).replace('\n', "\r\n");
                *content = text.into_bytes();
                "CRLF".into()
            }
            1 => {
                content.splice(0..0, "\u{feff}".bytes());
                "BOM".into()
            }
            2 => {
                content.retain(|b| *b != b'\n');
                "join all lines".into()
            }
            _ => {
                let text = String::from_utf8_lossy(content).replace('\n', "\r");
                *content = text.into_bytes();
                "CR line endings".into()
            }
        }
    }

    fn mutate_files(&mut self, project: &mut Project) {
        let note = match self.rng.below(5) {
            0 if !project.files.is_empty() => {
                let i = self.rng.below(project.files.len());
                let (path, _) = project.files.remove(i);
                format!("drop {path}")
            }
            1 if !project.files.is_empty() => {
                let i = self.rng.below(project.files.len());
                let name = self.rng.pick(FILE_NAMES).to_string();
                let content = project.files[i].1.clone();
                let from = project.files[i].0.clone();
                project.files.retain(|(p, _)| *p != name);
                project.files.push((name.clone(), content));
                format!("copy {from} to {name}")
            }
            2 if project.files.len() >= 2 => {
                let i = self.rng.below(project.files.len());
                let j = self.rng.below(project.files.len());
                let a = project.files[i].1.clone();
                project.files[i].1 = project.files[j].1.clone();
                project.files[j].1 = a;
                format!(
                    "swap contents of {} and {}",
                    project.files[i].0, project.files[j].0
                )
            }
            3 if !self.donors.is_empty() => {
                let (from, content) = self.rng.pick(self.donors).clone();
                let name = self.rng.pick(FILE_NAMES).to_string();
                project.files.retain(|(p, _)| *p != name);
                project.files.push((name.clone(), content));
                format!("add {from} as {name}")
            }
            _ => {
                let (name, content) = *self.rng.pick(CONTEXT_FILES);
                let dir = *self.rng.pick(&["", "app/", "sub/"]);
                let path = format!("{dir}{name}");
                project.files.retain(|(p, _)| *p != path);
                project
                    .files
                    .push((path.clone(), content.as_bytes().to_vec()));
                format!("add context file {path}")
            }
        };
        *project = Project::new(std::mem::take(&mut project.files));
        self.log.push(note);
    }
}

/// `at`, moved back to a character boundary when `content` is UTF-8.
fn boundary(content: &[u8], at: usize) -> usize {
    let at = at.min(content.len());
    match std::str::from_utf8(content) {
        Ok(text) => {
            let mut at = at;
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            at
        }
        Err(_) => at,
    }
}

/// Identifier-like words (`[A-Za-z_][A-Za-z0-9_.-]*`): (start, length).
fn words(content: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < content.len() {
        if content[i].is_ascii_alphabetic() || content[i] == b'_' {
            let start = i;
            while i < content.len()
                && (content[i].is_ascii_alphanumeric() || matches!(content[i], b'_' | b'-' | b'.'))
            {
                i += 1;
            }
            out.push((start, i - start));
        } else {
            i += 1;
        }
    }
    out
}
