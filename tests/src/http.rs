//! HTTP helpers: every call returns a [`Resp`] holding status, headers and
//! body, with assertions that print the whole exchange when they fail.

use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::spawn::TestApp;

/// Anything that can stand for the caller of a request.
pub trait Bearer {
    fn bearer(&self) -> Option<&str>;
}

impl Bearer for &str {
    fn bearer(&self) -> Option<&str> {
        Some(self)
    }
}

impl Bearer for &String {
    fn bearer(&self) -> Option<&str> {
        Some(self.as_str())
    }
}

impl Bearer for Option<&str> {
    fn bearer(&self) -> Option<&str> {
        *self
    }
}

impl Bearer for &crate::Customer {
    fn bearer(&self) -> Option<&str> {
        Some(self.token.as_str())
    }
}

/// No `Authorization` header.
pub const ANON: Option<&str> = None;

#[derive(Debug, Clone)]
pub struct Resp {
    pub method: Method,
    pub path: String,
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
    /// The body parsed as JSON; `Value::Null` when it is not JSON.
    pub body: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn content_type(&self) -> &str {
        self.header("content-type").unwrap_or("")
    }

    fn describe(&self) -> String {
        format!(
            "{} {} -> {} ({})\n{}",
            self.method,
            self.path,
            self.status,
            self.content_type(),
            self.text
        )
    }

    /// Asserts the status and returns the JSON body.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Value {
        assert_eq!(
            self.status,
            status,
            "unexpected status: {}",
            self.describe()
        );
        &self.body
    }

    /// Asserts an RFC 9457 problem: status, `application/problem+json`, the
    /// stable `code`, and the members API.md names.
    #[track_caller]
    pub fn problem(&self, status: u16, code: &str) -> &Value {
        assert_eq!(
            self.status,
            status,
            "unexpected status: {}",
            self.describe()
        );
        assert!(
            self.content_type().starts_with("application/problem+json"),
            "not application/problem+json: {}",
            self.describe()
        );
        assert_eq!(
            self.body["code"].as_str(),
            Some(code),
            "unexpected problem code: {}",
            self.describe()
        );
        assert_eq!(
            self.body["status"].as_u64(),
            Some(u64::from(status)),
            "problem `status` member disagrees: {}",
            self.describe()
        );
        for member in ["type", "title"] {
            assert!(
                self.body[member].is_string(),
                "problem without `{member}`: {}",
                self.describe()
            );
        }
        &self.body
    }

    /// Asserts a 422 `validation_failed` naming `field` in `errors`.
    #[track_caller]
    pub fn invalid(&self, field: &str) -> &Value {
        self.problem(422, "validation_failed");
        let named = self.body["errors"]
            .as_array()
            .is_some_and(|errs| errs.iter().any(|e| e["field"].as_str() == Some(field)));
        assert!(
            named,
            "validation problem does not name `{field}`: {}",
            self.describe()
        );
        &self.body
    }
}

impl TestApp {
    /// Sends one request; `body` goes out as JSON.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        who: impl Bearer,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut req = self.client.request(method.clone(), self.url(path));
        if let Some(token) = who.bearer() {
            req = req.bearer_auth(token);
        }
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        Self::finish(method, path, req).await
    }

    /// Sends raw bytes with the given content type.
    pub async fn send_raw(
        &self,
        method: Method,
        path: &str,
        who: impl Bearer,
        content_type: &str,
        body: Vec<u8>,
    ) -> Resp {
        let mut req = self
            .client
            .request(method.clone(), self.url(path))
            .header("content-type", content_type)
            .body(body);
        if let Some(token) = who.bearer() {
            req = req.bearer_auth(token);
        }
        Self::finish(method, path, req).await
    }

    async fn finish(method: Method, path: &str, req: reqwest::RequestBuilder) -> Resp {
        let resp = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path} failed: {e:?}"));
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp {
            method,
            path: path.to_string(),
            status,
            headers,
            text,
            body,
        }
    }

    pub async fn get(&self, path: &str, who: impl Bearer) -> Resp {
        self.send(Method::GET, path, who, None, &[]).await
    }

    pub async fn post(&self, path: &str, who: impl Bearer, body: &Value) -> Resp {
        self.send(Method::POST, path, who, Some(body), &[]).await
    }

    /// A POST without a body (actions such as logout, cancel, fulfill).
    pub async fn post_empty(&self, path: &str, who: impl Bearer) -> Resp {
        self.send(Method::POST, path, who, None, &[]).await
    }

    pub async fn put(&self, path: &str, who: impl Bearer, body: &Value) -> Resp {
        self.send(Method::PUT, path, who, Some(body), &[]).await
    }

    pub async fn patch(&self, path: &str, who: impl Bearer, body: &Value) -> Resp {
        self.send(Method::PATCH, path, who, Some(body), &[]).await
    }
}

/// Serves `body` as the JSON answer to every request on a free port (a JWKS
/// endpoint of another service); its URL. The server lives as long as the
/// test's runtime.
pub async fn serve_json(body: String) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!(
        "http://{}/.well-known/jwks.json",
        listener.local_addr().expect("addr")
    );
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let body = body.clone();
            tokio::spawn(async move {
                let mut request = [0_u8; 8192];
                let _ = socket.read(&mut request).await;
                let reply = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                     content-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(reply.as_bytes()).await;
            });
        }
    });
    url
}
