//! The built web app (apps/web) served at `/`: files from `SHOP_WEB_DIR`,
//! `index.html` for any other non-API path (the app routes in the browser).
//! Hashed assets (`main-3KX7ZQ2M.js`) are cached for a year; everything else,
//! `index.html` first, is revalidated on every load. When the directory is
//! missing nothing is served and unknown paths answer 404 problem+json.

use std::path::{Path, PathBuf};

use actix_files::NamedFile;
use actix_web::http::Method;
use actix_web::http::header::{CACHE_CONTROL, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::payload;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const NO_CACHE: &str = "no-cache";

/// Paths that belong to the API: never answered with the app.
const API_PREFIXES: &[&str] = &["/api", "/healthz", "/readyz"];

#[derive(Debug, Clone)]
pub struct WebApp {
    dir: PathBuf,
}

impl WebApp {
    /// `Some` when `dir` holds an `index.html`.
    pub fn open(dir: &Path) -> Option<Self> {
        dir.join("index.html").is_file().then(|| Self {
            dir: dir.to_path_buf(),
        })
    }
}

/// The default service: the app when configured, else 404 problem+json.
pub async fn serve(req: HttpRequest, app: Option<web::Data<WebApp>>) -> HttpResponse {
    let Some(app) = app else {
        return payload::not_found(req).await;
    };
    let path = req.path();
    let is_api = API_PREFIXES
        .iter()
        .any(|p| path == *p || path.starts_with(&format!("{p}/")));
    if is_api || !(req.method() == Method::GET || req.method() == Method::HEAD) {
        return payload::not_found(req).await;
    }
    let Some(relative) = safe_relative(path) else {
        return payload::not_found(req).await;
    };
    let candidate = app.dir.join(&relative);
    if !relative.as_os_str().is_empty() && candidate.is_file() {
        let hashed = relative
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(is_hashed_name);
        return file(&req, &candidate, if hashed { IMMUTABLE } else { NO_CACHE }).await;
    }
    // A missing file with an extension is a missing asset, not an app route.
    let looks_like_file = relative
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.contains('.'));
    if looks_like_file {
        return payload::not_found(req).await;
    }
    file(&req, &app.dir.join("index.html"), NO_CACHE).await
}

async fn file(req: &HttpRequest, path: &Path, cache: &'static str) -> HttpResponse {
    match NamedFile::open(path) {
        Ok(named) => {
            let mut res = named.use_etag(true).into_response(req);
            res.headers_mut()
                .insert(CACHE_CONTROL, HeaderValue::from_static(cache));
            res
        }
        Err(_) => payload::not_found(req.clone()).await,
    }
}

/// The request path as a relative path inside the web directory, or `None`
/// when it tries to leave it or names a hidden file.
fn safe_relative(path: &str) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        if segment.starts_with('.') || segment.contains('\\') || segment.contains('\0') {
            return None;
        }
        out.push(segment);
    }
    Some(out)
}

/// Angular's output names: `name-HASH.ext` with an 8+ character upper-case
/// alphanumeric hash (`main-3KX7ZQ2M.js`, `chunk-ABCD1234.js`).
fn is_hashed_name(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or(name);
    stem.rsplit_once('-').is_some_and(|(_, hash)| {
        hash.len() >= 8
            && hash
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::{App, test as web_test};

    fn web_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("shop-web-test-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("index.html"), "<html>app</html>").unwrap();
        std::fs::write(dir.join("main-3KX7ZQ2M.js"), "console.log(1)").unwrap();
        std::fs::write(dir.join("favicon.ico"), "ico").unwrap();
        dir
    }

    #[test]
    fn hashed_names() {
        assert!(is_hashed_name("main-3KX7ZQ2M.js"));
        assert!(is_hashed_name("styles-ABCDEFGH.css"));
        assert!(!is_hashed_name("index.html"));
        assert!(!is_hashed_name("favicon.ico"));
        assert!(!is_hashed_name("my-file.js"));
    }

    #[test]
    fn rejects_escapes() {
        assert_eq!(safe_relative("/../etc/passwd"), None);
        assert_eq!(safe_relative("/.env"), None);
        assert_eq!(safe_relative("/a/b.js"), Some(PathBuf::from("a/b.js")));
    }

    #[actix_web::test]
    async fn serves_assets_index_and_fallback() {
        let dir = web_dir();
        let app = web_test::init_service(
            App::new()
                .app_data(web::Data::new(WebApp::open(&dir).unwrap()))
                .default_service(web::to(serve)),
        )
        .await;
        let res = web_test::call_service(
            &app,
            web_test::TestRequest::get()
                .uri("/main-3KX7ZQ2M.js")
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers().get(CACHE_CONTROL).unwrap(), IMMUTABLE);

        for uri in ["/", "/catalog", "/admin/orders/123"] {
            let res =
                web_test::call_service(&app, web_test::TestRequest::get().uri(uri).to_request())
                    .await;
            assert_eq!(res.status(), 200, "{uri}");
            assert_eq!(res.headers().get(CACHE_CONTROL).unwrap(), NO_CACHE);
            let body = web_test::read_body(res).await;
            assert_eq!(&body[..], b"<html>app</html>");
        }

        for uri in ["/api/v1/nothing", "/missing-ABCDEFGH.js", "/healthz/x"] {
            let res =
                web_test::call_service(&app, web_test::TestRequest::get().uri(uri).to_request())
                    .await;
            assert_eq!(res.status(), 404, "{uri}");
            assert_eq!(
                res.headers().get("content-type").unwrap(),
                "application/problem+json"
            );
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    #[actix_web::test]
    async fn without_a_directory_root_is_404_problem() {
        let app = web_test::init_service(App::new().default_service(web::to(serve))).await;
        let res =
            web_test::call_service(&app, web_test::TestRequest::get().uri("/").to_request()).await;
        assert_eq!(res.status(), 404);
        assert_eq!(
            res.headers().get("content-type").unwrap(),
            "application/problem+json"
        );
    }
}
