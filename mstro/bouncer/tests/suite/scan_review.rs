//! `mstro-bouncer scan --ai` against a fake Messages API on loopback: the reviewer's
//! allow clears a `review` finding, its deny makes it `deny`, any failure leaves it
//! `review` (so a scan never passes because the reviewer is down), `deny` findings and
//! baselined ones are never sent, and identical commands are reviewed once per scan.

use std::path::Path;
use std::process::{Command, Output};

use mstro_tests::binaries;
use mstro_tests::fake_api::{FakeApi, Reply, review, review_text};
use serde_json::Value;

/// A script the rules send to review (a shell profile edit).
const AMBIGUOUS: &str = "#!/bin/sh\necho 'export X=1' >> ~/.bashrc\n";
/// A script the rules deny.
const CRITICAL: &str = "#!/bin/sh\nrm -rf ~\n";
const FAST: &str = "reviewer:\n  provider: anthropic\n  timeout_seconds: 1\n";

struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    /// A home with `bouncer_yaml` as its configuration and a project with `files`.
    fn new(bouncer_yaml: &str, files: &[(&str, &str)]) -> Project {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("home/.mstro")).unwrap();
        std::fs::write(dir.path().join("home/.mstro/bouncer.yaml"), bouncer_yaml).unwrap();
        for (name, text) in files {
            let path = dir.path().join("project").join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        Project { dir }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    /// `scan --format json ARGS` in the project; (exit code, report).
    fn scan(&self, api: Option<&str>, args: &[&str]) -> (i32, Value) {
        let out = self.scan_raw(api, &[&["--format", "json"], args].concat());
        let stdout = String::from_utf8_lossy(&out.stdout);
        let report = serde_json::from_str(&stdout).unwrap_or_else(|e| {
            panic!(
                "{e}: {stdout}\nstderr: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out.status.code().unwrap(), report)
    }

    fn scan_raw(&self, api: Option<&str>, args: &[&str]) -> Output {
        let mut cmd = Command::new(binaries::mstro_bouncer());
        cmd.arg("scan")
            .args(args)
            .current_dir(self.root().join("project"))
            .env_clear()
            .env("HOME", self.root().join("home"))
            .env("PATH", "/usr/bin:/bin");
        if let Some(url) = api {
            cmd.env("ANTHROPIC_BASE_URL", url)
                .env("ANTHROPIC_API_KEY", "sk-ant-test");
        }
        cmd.output().unwrap()
    }
}

fn reviewer(answer: fn() -> Reply) -> FakeApi {
    FakeApi::with_reviewer(|_| Reply::Text("unused".into()), move |_| answer())
}

fn findings(report: &Value) -> &Vec<Value> {
    report["findings"].as_array().unwrap()
}

#[test]
fn without_ai_the_reviewer_is_never_asked() {
    let api = reviewer(|| review("allow", 95));
    let p = Project::new(FAST, &[("setup.sh", AMBIGUOUS)]);
    let (code, report) = p.scan(Some(api.url()), &["--fail-on", "review"]);
    assert_eq!(code, 1);
    assert_eq!(findings(&report)[0]["verdict"], "review");
    assert!(findings(&report)[0]["review"].is_null());
    assert!(api.reviews().is_empty());
}

#[test]
fn the_reviewer_allows_and_the_finding_no_longer_fails() {
    let api = reviewer(|| review("allow", 95));
    let p = Project::new(FAST, &[("setup.sh", AMBIGUOUS)]);
    let (code, report) = p.scan(Some(api.url()), &["--ai", "auto", "--fail-on", "review"]);
    let f = &findings(&report)[0];
    assert_eq!(f["verdict"], "allow", "{report:#}");
    assert_eq!(f["review"]["layer"], "ai");
    assert_eq!(f["review"]["confidence"], 95);
    assert_eq!(report["summary"]["allowed"], 1);
    assert_eq!(report["summary"]["review"], 0);
    assert_eq!(code, 0);

    // The reviewer read the command and why the rules escalated it.
    let reviews = api.reviews();
    assert_eq!(reviews.len(), 1);
    let prompt = reviews[0].to_string();
    assert!(prompt.contains("export X=1"), "{prompt}");
    let rule = f["rule_id"].as_str().unwrap();
    assert!(prompt.contains(rule), "{rule} not in {prompt}");

    // People see who cleared it.
    let text = p.scan_raw(Some(api.url()), &["--ai", "on"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains(": ALLOW ["), "{text}");
    assert!(text.contains("reviewed (ai, anthropic"), "{text}");
    assert!(text.contains("1 allowed by the reviewer"), "{text}");
}

#[test]
fn the_reviewer_denies_and_the_scan_fails() {
    let api = reviewer(|| review("deny", 90));
    let p = Project::new(FAST, &[("setup.sh", AMBIGUOUS)]);
    let (code, report) = p.scan(Some(api.url()), &["--ai", "on"]);
    assert_eq!(findings(&report)[0]["verdict"], "deny");
    assert_eq!(code, 1, "a reviewer deny fails the default --fail-on deny");
}

/// A reviewer that fails in any way leaves the finding at `review`: the scan fails
/// under `--fail-on review` exactly as it would without `--ai`.
#[test]
fn a_failing_reviewer_changes_nothing() {
    type Answer = (&'static str, fn() -> Reply);
    let answers: [Answer; 4] = [
        ("prose", || review_text("Looks fine to me.")),
        ("low confidence", || review("allow", 40)),
        ("500", || Reply::Error {
            status: 500,
            kind: "api_error".into(),
            message: "boom".into(),
        }),
        ("529", || Reply::Error {
            status: 529,
            kind: "overloaded_error".into(),
            message: "busy".into(),
        }),
    ];
    for (what, answer) in answers {
        let api = reviewer(answer);
        let p = Project::new(FAST, &[("setup.sh", AMBIGUOUS)]);
        let (code, report) = p.scan(Some(api.url()), &["--ai", "on", "--fail-on", "review"]);
        let f = &findings(&report)[0];
        assert_eq!(f["verdict"], "review", "{what}: {report:#}");
        assert_eq!(f["review"]["layer"], "ai-error", "{what}");
        assert_eq!(code, 1, "{what}");
    }
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let p = Project::new(FAST, &[("setup.sh", AMBIGUOUS)]);
    let (code, report) = p.scan(Some(&closed), &["--ai", "auto", "--fail-on", "review"]);
    assert_eq!(findings(&report)[0]["verdict"], "review");
    assert_eq!(code, 1);
}

#[test]
fn no_reviewer_auto_keeps_the_rules_verdict_and_on_says_so() {
    let p = Project::new("", &[("setup.sh", AMBIGUOUS)]);
    let (_, report) = p.scan(None, &["--ai", "auto"]);
    let f = &findings(&report)[0];
    assert_eq!(f["verdict"], "review");
    assert!(f["review"].is_null(), "{report:#}");
    let (_, report) = p.scan(None, &["--ai", "on"]);
    let f = &findings(&report)[0];
    assert_eq!(f["verdict"], "review");
    assert_eq!(f["review"]["layer"], "ai-error");
    assert!(
        f["review"]["reasoning"]
            .as_str()
            .unwrap()
            .contains("no reviewer"),
        "{report:#}"
    );
}

#[test]
fn deny_findings_baselined_ones_and_repeats_are_not_sent() {
    let api = reviewer(|| review("allow", 95));
    let p = Project::new(
        FAST,
        &[
            ("critical.sh", CRITICAL),
            ("one.sh", AMBIGUOUS),
            ("two.sh", AMBIGUOUS),
        ],
    );
    let (code, report) = p.scan(Some(api.url()), &["--ai", "on"]);
    assert_eq!(code, 1, "the rules' deny stands");
    let verdicts: Vec<(&str, &str, &str)> = findings(&report)
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap(),
                f["verdict"].as_str().unwrap(),
                f["review"]["layer"].as_str().unwrap_or("-"),
            )
        })
        .collect();
    assert_eq!(
        verdicts,
        [
            ("critical.sh", "deny", "-"),
            ("one.sh", "allow", "ai"),
            ("two.sh", "allow", "cache"),
        ]
    );
    assert_eq!(api.reviews().len(), 1, "the same script is reviewed once");

    // Accept two.sh's finding into a baseline: only one.sh is left to review.
    let baseline = p.root().join("baseline.json");
    let out = p.scan_raw(
        None,
        &["two.sh", "--write-baseline", baseline.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0));
    let api = reviewer(|| review("allow", 95));
    std::fs::write(p.root().join("project/one.sh"), CRITICAL).unwrap();
    let (_, report) = p.scan(
        Some(api.url()),
        &["--ai", "on", "--baseline", baseline.to_str().unwrap()],
    );
    assert_eq!(report["summary"]["suppressed"], 1, "{report:#}");
    assert!(
        api.reviews().is_empty(),
        "baselined findings are accepted, not reviewed"
    );
}
