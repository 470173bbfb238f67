//! A real browser for the end-to-end tests: headless Chromium driven over WebDriver by
//! `chromedriver` on loopback, and bounded waits on what the page shows.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

/// How the test dependencies get installed (the skip message, or CI's failure).
const INSTALL_HINT: &str = "scripts/test installs chromium and chromium-driver with apt";

/// A `chromedriver` process on a free loopback port. Dropping it kills chromedriver
/// and every browser it started (its whole process group), also when a test panics,
/// and removes the browsers' temporary files.
pub struct Chromedriver {
    child: Child,
    reaped: bool,
    chromium: PathBuf,
    /// `http://127.0.0.1:PORT`
    pub url: String,
    /// chromedriver's and Chromium's `TMPDIR`: profiles, shared memory files.
    _scratch: tempfile::TempDir,
}

impl Chromedriver {
    /// Start chromedriver and wait until it is ready. `Err` only when chromium or
    /// chromedriver is not installed (for `require!`); any other trouble panics.
    pub async fn start() -> Result<Chromedriver, String> {
        let chromium = find_program(&["chromium", "chromium-browser"])
            .ok_or_else(|| format!("chromium is not installed ({INSTALL_HINT})"))?;
        let driver = find_program(&["chromedriver"])
            .ok_or_else(|| format!("chromedriver is not installed ({INSTALL_HINT})"))?;
        // The free port is found by binding and letting go of it, so another process
        // may take it in between: then chromedriver exits and we try another.
        let mut failures = Vec::new();
        for _ in 0..3 {
            match Chromedriver::try_start(&driver, &chromium).await {
                Ok(started) => return Ok(started),
                Err(why) => failures.push(why),
            }
        }
        panic!(
            "chromedriver ({}) did not start: {failures:?}",
            driver.display()
        );
    }

    async fn try_start(driver: &Path, chromium: &Path) -> Result<Chromedriver, String> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        let scratch = tempfile::tempdir().expect("a temporary directory");
        let mut command = Command::new(driver);
        command
            .arg(format!("--port={port}"))
            .env("TMPDIR", scratch.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            command.process_group(0);
        }
        let child = command
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", driver.display()))?;
        let mut started = Chromedriver {
            child,
            reaped: false,
            chromium: chromium.to_owned(),
            url: format!("http://127.0.0.1:{port}"),
            _scratch: scratch,
        };
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .expect("an HTTP client");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(status)) = started.child.try_wait() {
                started.reaped = true;
                return Err(format!("chromedriver on port {port} exited: {status}"));
            }
            if let Ok(response) = http.get(format!("{}/status", started.url)).send().await
                && let Ok(body) = response.json::<Value>().await
                && body["value"]["ready"] == json!(true)
            {
                return Ok(started);
            }
            if Instant::now() > deadline {
                return Err(format!("chromedriver on port {port} not ready after 20 s"));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A new session: headless Chromium in a 1280×800 window.
    pub async fn connect(&self) -> Client {
        // Both of rustls's providers are compiled in (see tests/Cargo.toml): without a
        // process default, fantoccini's `ClientBuilder::rustls()` panics.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": self.chromium,
                "args": [
                    "--headless=new",
                    // Tests may run as root, where Chromium's sandbox refuses to start.
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--window-size=1280,800",
                ],
            },
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        ClientBuilder::rustls()
            .expect("rustls initialises")
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "no browser session from chromedriver (Chromium at {}): {e}",
                    self.chromium.display()
                )
            })
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        // Chromium outlives a killed chromedriver: kill the whole group it leads.
        #[cfg(unix)]
        if !self.reaped {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", self.child.id())])
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        // `_scratch` is removed after this, with nothing left writing to it.
    }
}

/// The first of `names` found on `PATH`.
fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|candidate| is_executable(candidate))
    })
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

/// The workspace's target directory (the tests run from `<target>/<profile>/deps/`).
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test knows its own path");
    exe.ancestors()
        .nth(3)
        .expect("tests run from <target>/<profile>/deps")
        .to_owned()
}

/// Save a screenshot of the page as `<target>/<name>`; the path, or why not.
pub async fn screenshot(client: &Client, name: &str) -> Result<PathBuf, String> {
    let png = client.screenshot().await.map_err(|e| e.to_string())?;
    let path = target_dir().join(name);
    std::fs::write(&path, png).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

/// Poll `probe` (every 100 ms, for at most `limit`) until it gives a value. On
/// timeout, panic with `what` and what the page shows (its address, any `.error`, its
/// text), and save a screenshot as `<target>/browser-test-failure.png`.
pub async fn wait_for<T>(
    client: &Client,
    what: &str,
    limit: Duration,
    mut probe: impl AsyncFnMut(&Client) -> Option<T>,
) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = probe(client).await {
            return value;
        }
        if Instant::now() > deadline {
            let page = describe_page(client).await;
            let shot = match screenshot(client, "browser-test-failure.png").await {
                Ok(path) => format!("screenshot: {}", path.display()),
                Err(why) => format!("no screenshot: {why}"),
            };
            panic!("timed out after {limit:?} waiting for {what}\n{page}\n{shot}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The page's address, its `.error` messages and the start of its text.
pub async fn describe_page(client: &Client) -> String {
    let url = client
        .current_url()
        .await
        .map(|u| u.to_string())
        .unwrap_or_else(|e| format!("(unknown: {e})"));
    let errors = error_messages(client).await;
    let text = client
        .execute(
            "return document.body ? document.body.innerText : ''",
            vec![],
        )
        .await
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let text: String = text.chars().take(2000).collect();
    format!("page: {url}\nerrors shown: {errors:?}\npage text:\n{text}")
}

/// The text of every `.error` element on the page.
pub async fn error_messages(client: &Client) -> Vec<String> {
    let mut messages = Vec::new();
    for element in client
        .find_all(Locator::Css(".error"))
        .await
        .unwrap_or_default()
    {
        if let Ok(text) = element.text().await
            && !text.trim().is_empty()
        {
            messages.push(text);
        }
    }
    messages
}
