//! The web app's static files (`mstro/relay/web/`), embedded in the binary.

use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

#[derive(rust_embed::Embed)]
#[folder = "web/"]
// The web app's own unit tests (run with `node --test`) and its type-check inputs (the
// generated declarations, `jsconfig.json`) are not served.
#[exclude = "tests/*"]
#[exclude = "types/*"]
#[exclude = "jsconfig.json"]
// Of the vendored xterm.js (`web/vendor/xterm/`), the built modules, the stylesheet and
// the licences are served; its declarations and update script are for development.
#[exclude = "vendor/*/typings/*"]
#[exclude = "vendor/*.d.mts"]
#[exclude = "vendor/*/update.sh"]
struct Assets;

/// `/` is the app; any other path is a file of it, or 404.
pub async fn asset(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    let path = if path.is_empty() { "index.html" } else { path };
    match Assets::get(path) {
        Some(file) => {
            // Revalidate everything: after an upgrade a browser must not mix old and
            // new modules.
            let cache = "no-cache";
            (
                [
                    (header::CONTENT_TYPE, file.metadata.mimetype().to_owned()),
                    (header::CACHE_CONTROL, cache.to_owned()),
                ],
                file.data,
            )
                .into_response()
        }
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::Assets;

    #[test]
    fn the_app_is_embedded_and_its_unit_tests_are_not() {
        assert!(Assets::get("index.html").is_some());
        assert!(Assets::get("js/session/store.js").is_some());
        assert!(Assets::get("tests/store.test.mjs").is_none());
        assert!(Assets::iter().all(|p| !p.starts_with("tests/")));
    }

    #[test]
    fn xterm_is_served_as_modules_without_its_development_files() {
        let module = Assets::get("vendor/xterm/xterm.mjs").expect("xterm.js");
        // A module script needs a JavaScript type (browsers refuse anything else).
        assert!(
            module.metadata.mimetype().contains("javascript"),
            "{}",
            module.metadata.mimetype()
        );
        let css = Assets::get("vendor/xterm/xterm.css").expect("its stylesheet");
        assert_eq!(css.metadata.mimetype(), "text/css");
        for file in [
            "addon-fit.mjs",
            "addon-web-links.mjs",
            "addon-unicode11.mjs",
            "LICENSE",
        ] {
            assert!(
                Assets::get(&format!("vendor/xterm/{file}")).is_some(),
                "{file}"
            );
        }
        for file in ["typings/xterm.d.ts", "xterm.d.mts", "update.sh"] {
            assert!(
                Assets::get(&format!("vendor/xterm/{file}")).is_none(),
                "{file}"
            );
        }
    }
}
