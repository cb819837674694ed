use crate::rules::adhoc_test_deps::RULE;
use crate::rules::testing::bake::{fix, lint};

const BAKE: &str = "variable \"REGISTRY\" {\n  default = \"ghcr.io/acme\"\n}\ntarget \"test\" {\n  context = \".\"\n  dockerfile = \"docker/test.Dockerfile\"\n  tags = [\"${REGISTRY}/shop-test:latest\"]\n}\ntarget \"web\" {\n  context = \".\"\n  dockerfile = \"docker/web.Dockerfile\"\n  tags = [\"${REGISTRY}/shop-web:latest\"]\n}\n";
const TEST_DOCKERFILE: &str = "FROM python:3.12-slim\nWORKDIR /app\nCOPY . /app\nRUN pip install --no-cache-dir -r requirements/test.txt\nCMD [\"pytest\"]\n";
const WEB_DOCKERFILE: &str = "FROM python:3.12-slim\nWORKDIR /app\nCOPY . /app\nRUN pip install --no-cache-dir -r requirements/base.txt\n";
const REQUIREMENTS: &str = "-r base.txt\npytest==8.3.3\n";

const WORKFLOW: &str = "name: CI\non: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    container: ghcr.io/acme/shop-test:latest\n    steps:\n      - name: Install the test tools\n        run: pip install pytest-xdist coverage==7.6.1\n      # the tests\n      - name: Run the tests\n        run: coverage run -m pytest -n auto\n";

fn project(workflow: &str) -> Vec<(&str, &str)> {
    vec![
        ("docker-bake.hcl", BAKE),
        ("docker/test.Dockerfile", TEST_DOCKERFILE),
        ("docker/web.Dockerfile", WEB_DOCKERFILE),
        ("requirements/test.txt", REQUIREMENTS),
        ("requirements/base.txt", "django\n"),
        (".github/workflows/ci.yml", workflow),
    ]
}

fn workflow_findings(workflow: &str) -> crate::rules::testing::bake::Linted {
    let mut linted = lint(&RULE, &project(workflow));
    linted
        .diagnostics
        .retain(|d| d.file.ends_with(".github/workflows/ci.yml"));
    linted
}

#[test]
fn a_step_in_the_test_image_is_moved_into_its_requirements() {
    let linted = workflow_findings(WORKFLOW);
    assert_eq!(linted.slices(), ["pytest-xdist coverage==7.6.1"]);
    let d = &linted.diagnostics[0];
    assert_eq!(
        d.message,
        "ad-hoc `pip install pytest-xdist coverage==7.6.1` in job \"test\", which runs in the image of bake target \"test\""
    );
    let help = d.help.as_deref().unwrap_or_default();
    assert!(
        help.starts_with("list pytest-xdist, coverage==7.6.1 in `requirements/test.txt` (the requirements file that image installs), pinned"),
        "{help}"
    );
    let fixed = fix(&[&RULE], &project(WORKFLOW));
    assert_eq!(
        fixed.read(".github/workflows/ci.yml"),
        "name: CI\non: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    container: ghcr.io/acme/shop-test:latest\n    steps:\n      # the tests\n      - name: Run the tests\n        run: coverage run -m pytest -n auto\n"
    );
    assert_eq!(
        fixed.read("requirements/test.txt"),
        "-r base.txt\npytest==8.3.3\npytest-xdist\ncoverage==7.6.1\n"
    );
    assert!(fixed.remaining.iter().all(|d| d.code != "BP012"));
}

#[test]
fn one_command_of_a_step_is_cut_out() {
    let chain = WORKFLOW.replace(
        "run: pip install pytest-xdist coverage==7.6.1",
        "run: apt-get update && pip install pytest-xdist && echo ok",
    );
    let fixed = fix(&[&RULE], &project(&chain));
    assert_eq!(
        fixed.read(".github/workflows/ci.yml"),
        chain.replace(" && pip install pytest-xdist", "")
    );
    assert_eq!(
        fixed.read("requirements/test.txt"),
        "-r base.txt\npytest==8.3.3\npytest-xdist\n"
    );
    let first = WORKFLOW.replace(
        "run: pip install pytest-xdist coverage==7.6.1",
        "run: pip install pytest-xdist && echo ok",
    );
    let fixed = fix(&[&RULE], &project(&first));
    assert_eq!(
        fixed.read(".github/workflows/ci.yml"),
        first.replace("pip install pytest-xdist && ", "")
    );
    let block = WORKFLOW.replace(
        "run: pip install pytest-xdist coverage==7.6.1",
        "run: |\n          set -e\n          pip install pytest-xdist \\\n            coverage\n          echo ok\n",
    );
    let linted = workflow_findings(&block);
    assert_eq!(linted.slices(), ["pytest-xdist \\\n            coverage"]);
    let fixed = fix(&[&RULE], &project(&block));
    assert_eq!(
        fixed.read(".github/workflows/ci.yml"),
        block.replace(
            "          pip install pytest-xdist \\\n            coverage\n",
            ""
        )
    );
    // Every command an install: the step goes.
    let only = WORKFLOW.replace(
        "run: pip install pytest-xdist coverage==7.6.1",
        "run: |\n          pip install pytest-xdist\n          pip install coverage",
    );
    let fixed = fix(&[&RULE], &project(&only));
    assert_eq!(
        fixed.read(".github/workflows/ci.yml"),
        WORKFLOW.replace(
            "      - name: Install the test tools\n        run: pip install pytest-xdist coverage==7.6.1\n",
            ""
        )
    );
    assert_eq!(
        fixed.read("requirements/test.txt"),
        "-r base.txt\npytest==8.3.3\npytest-xdist\ncoverage\n"
    );
}

#[test]
fn listed_packages_are_not_added_twice() {
    let dup = WORKFLOW.replace(
        "pytest-xdist coverage==7.6.1",
        "PyTest pytest_xdist pytest-xdist",
    );
    let fixed = fix(&[&RULE], &project(&dup));
    assert_eq!(
        fixed.read("requirements/test.txt"),
        "-r base.txt\npytest==8.3.3\npytest_xdist\n"
    );
}

#[test]
fn crlf_and_a_missing_final_newline_are_kept() {
    let mut files = project(WORKFLOW);
    files[3] = ("requirements/test.txt", "-r base.txt\r\npytest==8.3.3");
    let fixed = fix(&[&RULE], &files);
    assert_eq!(
        fixed.read("requirements/test.txt"),
        "-r base.txt\r\npytest==8.3.3\r\npytest-xdist\r\ncoverage==7.6.1\r\n"
    );
}

#[test]
fn findings_without_a_fix() {
    let cases = [
        // The step has an id later steps may read.
        (
            WORKFLOW.replace("      - name: Install the test tools\n", "      - id: tools\n"),
            "the step also has `id:`",
        ),
        // The only step of the job.
        (
            "on: push\njobs:\n  test:\n    container: ghcr.io/acme/shop-test:latest\n    steps:\n      - run: pip install pytest-xdist\n".to_string(),
            "it is the only step of job \"test\"",
        ),
        // A pipeline: not a plain list of commands.
        (
            WORKFLOW.replace(
                "run: pip install pytest-xdist coverage==7.6.1",
                "run: pip install pytest-xdist 2>&1 | tee log; echo ok",
            ),
            "not a plain list of commands",
        ),
        // A flow-style step.
        (
            WORKFLOW.replace(
                "      - name: Install the test tools\n        run: pip install pytest-xdist coverage==7.6.1\n",
                "      - {name: tools, run: pip install pytest-xdist}\n",
            ),
            "not a block list item",
        ),
        // Tooling in the same command.
        (
            WORKFLOW.replace("pytest-xdist coverage==7.6.1", "-U pip pytest-xdist"),
            "packaging or build tools",
        ),
    ];
    for (workflow, reason) in &cases {
        let linted = workflow_findings(workflow);
        assert_eq!(linted.diagnostics.len(), 1, "{workflow}");
        let d = &linted.diagnostics[0];
        assert!(d.fix.is_none(), "{workflow}");
        let help = d.help.as_deref().unwrap_or_default();
        assert!(help.contains(reason), "{reason}: {help}");
    }
    // No requirements file in the context.
    let mut files = project(WORKFLOW);
    files.remove(3);
    let linted = lint(&RULE, &files);
    let d = linted
        .diagnostics
        .iter()
        .find(|d| d.file.ends_with("ci.yml"))
        .expect("finding");
    assert!(d.fix.is_none());
    assert!(d
        .help
        .as_deref()
        .unwrap_or_default()
        .contains("`requirements/test.txt` was not found in the build context"));
}

#[test]
fn what_is_not_reported() {
    for workflow in [
        // Not a built image, no requirements file.
        WORKFLOW.replace("ghcr.io/acme/shop-test:latest", "python:3.12"),
        // The production image: test deps there would ship.
        WORKFLOW.replace("shop-test", "shop-web"),
        // An expression.
        WORKFLOW.replace(
            "ghcr.io/acme/shop-test:latest",
            "ghcr.io/acme/shop-test:${{ github.sha }}",
        ),
        WORKFLOW.replace(
            "pytest-xdist coverage==7.6.1",
            "pytest-xdist ${{ matrix.extra }}",
        ),
        // Conditional installs.
        WORKFLOW.replace(
            "        run: pip install",
            "        if: matrix.cov\n        run: pip install",
        ),
        WORKFLOW.replace(
            "run: pip install pytest-xdist coverage==7.6.1",
            "run: '[ -n \"$COV\" ] && pip install coverage'",
        ),
        // Not a shell.
        WORKFLOW.replace(
            "        run: pip install",
            "        shell: pwsh\n        run: pip install",
        ),
        // Tools, editable installs, requirements files, other indexes.
        WORKFLOW.replace(
            "pytest-xdist coverage==7.6.1",
            "--upgrade pip setuptools wheel",
        ),
        WORKFLOW.replace("pytest-xdist coverage==7.6.1", "tox pre-commit"),
        WORKFLOW.replace("pytest-xdist coverage==7.6.1", "-e ."),
        WORKFLOW.replace("pytest-xdist coverage==7.6.1", "-r requirements/test.txt"),
        WORKFLOW.replace(
            "pytest-xdist coverage==7.6.1",
            "-i https://example.org/simple x",
        ),
        // A reusable workflow call has no steps of its own.
        "on: push\njobs:\n  test:\n    uses: ./.github/workflows/t.yml\n".to_string(),
    ] {
        let linted = workflow_findings(&workflow);
        assert!(
            linted.diagnostics.is_empty(),
            "{workflow}: {:?}",
            linted.messages()
        );
    }
}

const HOST: &str = "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: pip install -r requirements-dev.txt\n        working-directory: backend\n      - run: pip install pytest-cov\n      - run: pytest --cov\n        working-directory: backend\n";

#[test]
fn a_test_requirements_file_of_the_job() {
    let files = [
        (".github/workflows/ci.yml", HOST),
        ("backend/requirements-dev.txt", "pytest\n"),
    ];
    let linted = lint(&RULE, &files);
    assert_eq!(linted.slices(), ["pytest-cov"]);
    assert_eq!(
        linted.diagnostics[0].message,
        "ad-hoc `pip install pytest-cov` in job \"test\" next to the requirements file `requirements-dev.txt`"
    );
    let fixed = fix(&[&RULE], &files);
    assert_eq!(
        fixed.read(".github/workflows/ci.yml"),
        HOST.replace("      - run: pip install pytest-cov\n", "")
    );
    assert_eq!(
        fixed.read("backend/requirements-dev.txt"),
        "pytest\npytest-cov\n"
    );
    // Production requirements, or no tests run: nothing to say.
    for workflow in [
        HOST.replace("requirements-dev.txt", "requirements.txt"),
        HOST.replace("pytest --cov", "python -m build"),
    ] {
        let files = [
            (".github/workflows/ci.yml", workflow.as_str()),
            ("backend/requirements.txt", "flask\n"),
            ("backend/requirements-dev.txt", "pytest\n"),
        ];
        assert!(lint(&RULE, &files).diagnostics.is_empty(), "{workflow}");
    }
}

#[test]
fn dockerfile_and_workflow_fixes_converge() {
    let dockerfile = "FROM python:3.12-slim\nWORKDIR /app\nCOPY . /app\nRUN pip install --no-cache-dir -r requirements/test.txt\nRUN pip install unittest-xml-reporting pytest-json-report\n";
    let mut files = project(WORKFLOW);
    files[1] = ("docker/test.Dockerfile", dockerfile);
    let fixed = fix(&[&RULE], &files);
    assert!(
        fixed.remaining.iter().all(|d| d.code != "BP012"),
        "{:?}",
        fixed.remaining
    );
    let requirements = fixed.read("requirements/test.txt");
    let mut lines: Vec<&str> = requirements.lines().collect();
    lines.sort_unstable();
    assert_eq!(
        lines,
        [
            "-r base.txt",
            "coverage==7.6.1",
            "pytest-json-report",
            "pytest-xdist",
            "pytest==8.3.3",
            "unittest-xml-reporting"
        ]
    );
    assert!(!fixed.read("docker/test.Dockerfile").contains("unittest"));
}

#[test]
fn a_package_both_sides_install_is_listed_once() {
    for (dockerfile_install, workflow_install, expected) in [
        // The same spelling: the Dockerfile's fix lists it.
        (
            "pytest-xdist",
            "pytest-xdist coverage",
            ["coverage", "pytest-xdist"].as_slice(),
        ),
        // Spelled differently: one fix after the other, no duplicate.
        (
            "pytest-xdist",
            "pytest_xdist==3.6.1",
            ["pytest_xdist==3.6.1"].as_slice(),
        ),
    ] {
        let dockerfile = format!(
            "FROM python:3.12-slim\nWORKDIR /app\nCOPY . /app\nRUN pip install -r requirements/test.txt\nRUN pip install {dockerfile_install}\n"
        );
        let workflow = WORKFLOW.replace("pytest-xdist coverage==7.6.1", workflow_install);
        let mut files = project(&workflow);
        files[1] = ("docker/test.Dockerfile", &dockerfile);
        let fixed = fix(&[&RULE], &files);
        assert!(fixed.remaining.iter().all(|d| d.code != "BP012"));
        let requirements = fixed.read("requirements/test.txt");
        let mut added: Vec<&str> = requirements.lines().skip(2).collect();
        added.sort_unstable();
        assert_eq!(added, expected, "{workflow_install}");
        assert!(!fixed
            .read(".github/workflows/ci.yml")
            .contains("pip install"));
    }
}

#[test]
fn crlf_requirements_keep_their_final_line_ending() {
    let mut files = project(WORKFLOW);
    files[3] = ("requirements/test.txt", "-r base.txt\r\npytest==8.3.3\r\n");
    let fixed = fix(&[&RULE], &files);
    assert_eq!(
        fixed.read("requirements/test.txt"),
        "-r base.txt\r\npytest==8.3.3\r\npytest-xdist\r\ncoverage==7.6.1\r\n"
    );
}

#[test]
fn odd_workflows_do_not_panic() {
    let odd = "on: push\r\njobs:\r\n  test:\r\n    container: ghcr.io/acme/shop-test:latest\r\n    steps:\r\n      - run: |\r\n          é && pip install 'ü' x[y== \"$(pip install z)\" && pip install -- -q \\\r\n            ok\r\n      - run: >-\r\n          pip install a\r\n          && pip install ${{ x }}\r\n      - &s\r\n        run: pip install b\r\n      - *s\r\n      - {run: \"pip install \\u0063\"}\r\n";
    let prefixes: Vec<&str> = odd.char_indices().map(|(i, _)| &odd[..i]).collect();
    let (mut found, mut fixed_some) = (0, 0);
    for prefix in prefixes.into_iter().step_by(3) {
        let files = project(prefix);
        let linted = workflow_findings(prefix);
        for d in &linted.diagnostics {
            assert!(d.span.end <= prefix.len());
            found += 1;
            if d.fix.is_some() {
                fixed_some += 1;
                let fixed = fix(&[&RULE], &files);
                let text = fixed.read(".github/workflows/ci.yml");
                assert!(crate::pipeline::workflow::load(&text).is_ok(), "{prefix:?}");
            }
        }
    }
    assert!(
        found > 0 && fixed_some > 0,
        "{found} findings, {fixed_some} fixed"
    );
}

const DOCKER_RUN: &str = "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: docker/bake-action@v5\n        with:\n          load: true\n      - name: Test\n        run: |\n          docker run --rm -e CI=1 -v \"$PWD/reports:/reports\" ghcr.io/acme/shop-test:latest \\\n            sh -c 'pip install pytest-xdist && pytest -n auto'\n";

#[test]
fn a_docker_run_of_the_test_image() {
    let linted = workflow_findings(DOCKER_RUN);
    assert_eq!(linted.slices(), ["pytest-xdist"]);
    assert_eq!(
        linted.diagnostics[0].message,
        "ad-hoc `pip install pytest-xdist` in job \"test\", in a `docker run` of the image of bake target \"test\""
    );
    let fixed = fix(&[&RULE], &project(DOCKER_RUN));
    assert_eq!(
        fixed.read(".github/workflows/ci.yml"),
        DOCKER_RUN.replace("pip install pytest-xdist && ", "")
    );
    assert_eq!(
        fixed.read("requirements/test.txt"),
        "-r base.txt\npytest==8.3.3\npytest-xdist\n"
    );
    // The install is all the container runs: no fix.
    let only = DOCKER_RUN.replace(" && pytest -n auto", "");
    let linted = workflow_findings(&only);
    assert_eq!(linted.slices(), ["pytest-xdist"]);
    assert!(linted.diagnostics[0].fix.is_none());
    // Not reported: an install on the runner, another image, a script in
    // double quotes with an expansion.
    for workflow in [
        DOCKER_RUN
            .replace(
                "          docker run",
                "          pip install coverage\n          docker run",
            )
            .replace("pip install pytest-xdist && ", ""),
        DOCKER_RUN.replace("ghcr.io/acme/shop-test:latest", "python:3.12"),
        DOCKER_RUN.replace(
            "ghcr.io/acme/shop-test:latest",
            "ghcr.io/acme/shop-web:latest",
        ),
        DOCKER_RUN.replace(
            "'pip install pytest-xdist && pytest -n auto'",
            "\"pip install $EXTRA && pytest\"",
        ),
    ] {
        let linted = workflow_findings(&workflow);
        assert!(
            linted.diagnostics.is_empty(),
            "{workflow}: {:?}",
            linted.messages()
        );
    }
}
