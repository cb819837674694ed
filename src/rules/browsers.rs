//! Browser installs in RUN scripts, on top of [`crate::shell`]: Chromium or
//! Chrome from OS packages or `.deb`/`.rpm` files, `playwright install`,
//! puppeteer's download, and the variables and build arg that skip them.

use crate::rules::stage_walk::work;
use crate::shell::{PackageManager, RunScript, SimpleCommand};
use crate::span::Span;

/// The build arg that switches browser installs off.
pub const DEFAULT_SKIP_ARG: &str = "SKIP_CHROMIUM";

/// OS packages that install Chromium or Chrome (apt, apk, dnf, yum, ...).
pub const CHROMIUM_PACKAGES: &[&str] = &[
    "chromium",
    "chromium-browser",
    "chromium-driver",
    "chromium-chromedriver",
    "chromium-headless-shell",
    "google-chrome-stable",
];

/// `playwright install <browser>` names that download a Chromium build.
pub const PLAYWRIGHT_CHROMIUM_BROWSERS: &[&str] = &[
    "chromium",
    "chromium-headless-shell",
    "chrome",
    "chrome-beta",
];

/// npm packages whose install downloads a browser.
pub const PUPPETEER_PACKAGES: &[&str] = &["puppeteer"];

/// What the text of a script that installs a browser contains
/// ([`CHROMIUM_PACKAGES`], [`PUPPETEER_PACKAGES`], `playwright install`).
const BROWSER_TEXT_NEEDLES: &[&str] = &["chrom", "puppeteer", "playwright"];

/// Environment variables that stop puppeteer's browser download.
pub const PUPPETEER_SKIP_VARS: &[&str] = &[
    "PUPPETEER_SKIP_DOWNLOAD",
    "PUPPETEER_SKIP_CHROMIUM_DOWNLOAD",
];

/// Parts of an image, stage or file name that say the browser is the
/// product: a headless-chrome or browserless service, a selenium node, a
/// puppeteer/playwright runner. Matched anywhere in the lowercased name.
const BROWSER_NAME_PARTS: &[&str] = &[
    "chrome",
    "chromium",
    "puppeteer",
    "playwright",
    "selenium",
    "browserless",
    "webdriver",
    "headless-shell",
    "headless_shell",
];

/// Whole words (split at anything but letters and digits) of such names.
const BROWSER_NAME_WORDS: &[&str] = &["browser", "browsers"];

/// Programs an ENTRYPOINT/CMD starts when the image serves or drives a browser.
const BROWSER_PROGRAMS: &[&str] = &[
    "chromium",
    "chromium-browser",
    "chrome",
    "google-chrome",
    "google-chrome-stable",
    "chromedriver",
    "headless_shell",
    "headless-shell",
    "playwright",
    "puppeteer",
    "selenium-server",
    "selenium-standalone",
    "cypress",
];

/// Browser options an ENTRYPOINT/CMD passes when it runs the browser itself.
const BROWSER_FLAGS: &[&str] = &[
    "--headless",
    "--remote-debugging-port",
    "--remote-debugging-address",
];

/// Whether an image, stage, target or file name says the image is a
/// browser (`headless-chrome`, `browserless/chromium`, `selenium-node`,
/// `puppeteer-service`, `e2e-browser`).
pub fn is_browser_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    BROWSER_NAME_PARTS.iter().any(|part| lower.contains(part))
        || lower
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|word| BROWSER_NAME_WORDS.contains(&word))
}

/// Whether the words of an ENTRYPOINT/CMD run a browser, its driver or a
/// browser test runner (`chromium --headless ...`, `npx playwright test`).
pub fn runs_browser<'a>(words: impl IntoIterator<Item = &'a str>) -> bool {
    words.into_iter().any(|word| {
        let base = word.rsplit('/').next().unwrap_or(word);
        BROWSER_PROGRAMS.contains(&base)
            || BROWSER_FLAGS
                .iter()
                .any(|f| word == *f || word.strip_prefix(f).is_some_and(|r| r.starts_with('=')))
    })
}

/// How a RUN installs a browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrowserSource {
    /// OS packages of a system install (the install and the browser package words).
    SystemPackages {
        /// Every package of the install command, in order.
        packages: Vec<crate::shell::Word>,
        /// The browser packages among them.
        browser_packages: Vec<crate::shell::Word>,
        /// The install also reads requirement files.
        has_requirement_files: bool,
    },
    /// `playwright install [chromium]`.
    Playwright,
    /// `dpkg -i google-chrome-stable_current_amd64.deb`.
    LocalPackage,
    /// `npm install puppeteer` and friends.
    Puppeteer,
}

impl BrowserSource {
    /// What the install does, for messages (`` `chromium` is installed ``).
    pub fn describe(&self, what: &str) -> String {
        match self {
            BrowserSource::SystemPackages { .. } => format!("`{what}` is installed"),
            BrowserSource::Playwright => format!("`{what}` downloads Chromium"),
            BrowserSource::LocalPackage => format!("`{what}` is installed"),
            BrowserSource::Puppeteer => format!("installing `{what}` downloads Chromium"),
        }
    }
}

/// One browser install found in a RUN script.
#[derive(Debug, Clone)]
pub struct BrowserInstall {
    pub source: BrowserSource,
    /// The command that installs (with its guards).
    pub command: SimpleCommand,
    /// Where to point: the (first) browser package word, or `playwright install`.
    pub span: Span,
    /// What is installed, for messages (`chromium`, `playwright install chromium`).
    pub what: String,
    /// The command runs under a condition on the skip arg.
    pub guarded: bool,
}

/// The package name of a package word without version pin / arch
/// (`chromium=120.*` → `chromium`, `chromium:amd64` → `chromium`,
/// `puppeteer@21` → `puppeteer`).
pub fn package_name(word: &str) -> &str {
    let scoped = word.starts_with('@');
    let cut = word
        .char_indices()
        .find(|&(i, c)| {
            matches!(c, '=' | ':' | '<' | '>' | '~')
                || (c == '@' && !(scoped && i == 0))
                || (c == '>' || c == '<')
        })
        .map_or(word.len(), |(i, _)| i);
    &word[..cut]
}

/// The package a word names: a repository package (`chromium=120*`) or a
/// local package file (`./google-chrome-stable_current_amd64.deb` →
/// `google-chrome-stable`).
pub fn installed_package(word: &str) -> &str {
    let is_file = [".deb", ".rpm", ".apk"]
        .iter()
        .any(|ext| word.ends_with(ext));
    if !is_file {
        return package_name(word);
    }
    let file = word.rsplit('/').next().unwrap_or(word);
    file.split('_').next().unwrap_or(file)
}

/// Whether a package word installs Chromium or Chrome.
pub fn is_browser_package(word: &crate::shell::Word) -> bool {
    word.as_str()
        .is_some_and(|p| CHROMIUM_PACKAGES.contains(&installed_package(p)))
}

/// Browser installs in one analysed script.
pub fn browser_installs(script: &RunScript, skip_arg: &str) -> Vec<BrowserInstall> {
    let mut found = Vec::new();
    // Every browser package, `.deb` and command above has one of these in
    // its name: most scripts are ruled out without reading their installs.
    if !BROWSER_TEXT_NEEDLES.iter().any(|n| script.text.contains(n)) {
        return found;
    }
    let first_skip = first_puppeteer_skip(script);
    let browser_managers = |m: PackageManager| {
        m.is_system()
            || matches!(
                m,
                PackageManager::Npm | PackageManager::Yarn | PackageManager::Pnpm
            )
    };
    for install in &script.installs_of(browser_managers) {
        work::add(1);
        if install.manager.is_system() {
            let browser_packages: Vec<crate::shell::Word> = install
                .packages
                .iter()
                .filter(|w| is_browser_package(w))
                .cloned()
                .collect();
            let Some(first) = browser_packages.first() else {
                continue;
            };
            let what = browser_packages
                .iter()
                .filter_map(|w| w.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            found.push(BrowserInstall {
                span: first.span,
                what,
                guarded: install.command.is_guarded_by(skip_arg),
                command: install.command.clone(),
                source: BrowserSource::SystemPackages {
                    packages: install.packages.iter().cloned().collect(),
                    browser_packages,
                    has_requirement_files: !install.requirement_files.is_empty(),
                },
            });
        } else if matches!(
            install.manager,
            PackageManager::Npm | PackageManager::Yarn | PackageManager::Pnpm
        ) {
            let Some(word) = install.packages.iter().find(|w| {
                w.as_str()
                    .is_some_and(|p| PUPPETEER_PACKAGES.contains(&package_name(p)))
            }) else {
                continue;
            };
            if puppeteer_skipped_in_script(install.command, first_skip) {
                continue;
            }
            found.push(BrowserInstall {
                span: word.span,
                what: word.as_str().unwrap_or("puppeteer").to_string(),
                guarded: install.command.is_guarded_by(skip_arg),
                command: install.command.clone(),
                source: BrowserSource::Puppeteer,
            });
        }
    }
    for command in script.commands() {
        if let Some(word) = dpkg_browser_install(command) {
            found.push(BrowserInstall {
                source: BrowserSource::LocalPackage,
                span: word.span,
                what: word.as_str().unwrap_or_default().to_string(),
                guarded: command.is_guarded_by(skip_arg),
                command: command.clone(),
            });
        }
        if let Some((span, what)) = playwright_install(command) {
            found.push(BrowserInstall {
                source: BrowserSource::Playwright,
                span,
                what,
                guarded: command.is_guarded_by(skip_arg),
                command: command.clone(),
            });
        }
    }
    found.sort_by_key(|b| b.span.start);
    found
}

/// The browser package file of `dpkg -i chrome.deb` / `rpm -i chrome.rpm`.
fn dpkg_browser_install(command: &SimpleCommand) -> Option<&crate::shell::Word> {
    let program = command.program()?;
    if !matches!(program, "dpkg" | "rpm") {
        return None;
    }
    let installs = command.args.iter().any(|a| {
        a.as_str().is_some_and(|t| {
            t == "--install"
                || (t.starts_with('-') && !t.starts_with("--") && t.contains(['i', 'U']))
        })
    });
    if !installs {
        return None;
    }
    command.args.iter().find(|a| is_browser_package(a))
}

/// `playwright install [--with-deps] [browsers]`, `npx playwright install`,
/// `python -m playwright install`, `pnpm exec playwright install`: the span
/// of `playwright install` and a description, when Chromium is among the browsers.
fn playwright_install(command: &SimpleCommand) -> Option<(Span, String)> {
    let words: Vec<&crate::shell::Word> = command.words().collect();
    let at = words.iter().position(|w| {
        w.as_str()
            .is_some_and(|t| package_name(t.rsplit('/').next().unwrap_or(t)) == "playwright")
    })?;
    // Only runners may precede `playwright` (npx, pnpm exec, yarn, python -m, bunx ...).
    let runner_ok = words[..at].iter().all(|w| {
        w.as_str().is_some_and(|t| {
            let base = t.rsplit('/').next().unwrap_or(t);
            RUNNERS.contains(&base) || t.starts_with('-') || base.starts_with("python")
        })
    });
    if !runner_ok {
        return None;
    }
    let rest = &words[at + 1..];
    let sub = rest
        .iter()
        .position(|w| !w.as_str().is_some_and(|t| t.starts_with('-')))?;
    let sub_word = rest[sub];
    if !sub_word.is("install") {
        return None;
    }
    let browsers: Vec<&str> = rest[sub + 1..]
        .iter()
        .filter_map(|w| w.as_str())
        .filter(|t| !t.starts_with('-'))
        .collect();
    let chromium = browsers.is_empty()
        || browsers
            .iter()
            .any(|b| PLAYWRIGHT_CHROMIUM_BROWSERS.contains(b));
    if !chromium {
        return None;
    }
    let span = words[at].span.cover(sub_word.span);
    let what = if browsers.is_empty() {
        "playwright install".to_string()
    } else {
        format!("playwright install {}", browsers.join(" "))
    };
    Some((span, what))
}

/// Commands that run a package's binary (`npx playwright`, `pnpm exec
/// playwright`, `uv run playwright`); `python -m` is matched separately.
const RUNNERS: &[&str] = &[
    "npx", "pnpx", "bunx", "pnpm", "yarn", "npm", "exec", "run", "dlx", "sudo", "env", "uv",
    "poetry", "pipenv",
];

/// Whether an earlier command of the script (or the command's own prefix)
/// sets a puppeteer skip variable. `first_setter` is where the first
/// command that sets one for the rest of the script starts (see
/// [`first_puppeteer_skip`]), computed once per script.
fn puppeteer_skipped_in_script(command: &SimpleCommand, first_setter: Option<usize>) -> bool {
    command.assignments.iter().any(sets_puppeteer_skip)
        || command.args.iter().any(sets_puppeteer_skip)
        || first_setter.is_some_and(|start| start < command.span.start)
}

/// `PUPPETEER_SKIP_DOWNLOAD=...` (or the older variable).
fn sets_puppeteer_skip(word: &crate::shell::Word) -> bool {
    let text = word.raw.as_str();
    PUPPETEER_SKIP_VARS
        .iter()
        .any(|v| text.strip_prefix(v).is_some_and(|r| r.starts_with('=')))
}

/// Where the first command of the script that sets a puppeteer skip
/// variable (an assignment, `export`, `declare`, `typeset`) starts.
fn first_puppeteer_skip(script: &RunScript) -> Option<usize> {
    script
        .commands()
        .iter()
        .filter(|c| {
            work::add(1);
            c.assignments.iter().any(sets_puppeteer_skip)
                || (matches!(c.name_str(), Some("export" | "declare" | "typeset"))
                    && c.args.iter().any(sets_puppeteer_skip))
        })
        .map(|c| c.span.start)
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_browser_install_has_a_text_needle() {
        let names = CHROMIUM_PACKAGES
            .iter()
            .chain(PUPPETEER_PACKAGES)
            .chain(&["playwright"]);
        for name in names {
            assert!(
                BROWSER_TEXT_NEEDLES.iter().any(|n| name.contains(n)),
                "{name}"
            );
        }
    }

    #[test]
    fn package_names_drop_pins() {
        assert_eq!(package_name("chromium=120.0*"), "chromium");
        assert_eq!(package_name("chromium:amd64"), "chromium");
        assert_eq!(package_name("puppeteer@21.0.0"), "puppeteer");
        assert_eq!(package_name("@scope/pkg@1"), "@scope/pkg");
        assert_eq!(package_name("chromium"), "chromium");
        assert_eq!(
            installed_package("./google-chrome-stable_current_amd64.deb"),
            "google-chrome-stable"
        );
        assert_eq!(installed_package("chromium_1.0.rpm"), "chromium");
    }

    #[test]
    fn browser_names_and_commands() {
        for name in [
            "headless-chrome",
            "browserless/chromium",
            "selenium/node-chrome",
            "puppeteer-service",
            "docker/e2e-browser/Dockerfile",
            "Chromium",
        ] {
            assert!(is_browser_name(name), "{name}");
        }
        for name in ["web", "filebrowser", "api-server", "standard", "ponto"] {
            assert!(!is_browser_name(name), "{name}");
        }
        assert!(runs_browser(["/usr/bin/chromium", "--no-sandbox"]));
        assert!(runs_browser(["node", "--remote-debugging-port=9222"]));
        assert!(runs_browser(["npx", "playwright", "test"]));
        assert!(!runs_browser(["gunicorn", "config.wsgi"]));
        assert!(!runs_browser(["/bin/ponto"]));
    }
}
