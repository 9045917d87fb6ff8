//! The owner portal's static files over real HTTP: content types, cache validation, security
//! headers, and that every file the page links is served.

use foodpatrol_tests::TestServer;
use reqwest::StatusCode;
use reqwest::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH, LOCATION,
    X_CONTENT_TYPE_OPTIONS,
};

fn header(response: &reqwest::Response, name: reqwest::header::HeaderName) -> String {
    response
        .headers()
        .get(&name)
        .unwrap_or_else(|| panic!("{} has no {name} header", response.url()))
        .to_str()
        .expect("header is ASCII")
        .to_owned()
}

#[tokio::test]
async fn portal_page_is_chinese_html() {
    let server = TestServer::start(20).await;
    let response = reqwest::get(format!("{}/owner", server.url())).await.unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, CONTENT_TYPE), "text/html; charset=utf-8");
    assert_eq!(header(&response, CACHE_CONTROL), "no-cache");
    assert_eq!(header(&response, X_CONTENT_TYPE_OPTIONS), "nosniff");
    let policy = header(&response, CONTENT_SECURITY_POLICY);
    assert!(policy.contains("script-src 'self'"), "{policy}");
    assert!(policy.contains("img-src 'self' blob:"), "{policy}");
    let html = response.text().await.unwrap();
    assert!(html.contains("<html lang=\"zh-CN\">"));
    assert!(html.contains("经营者登录"));
    assert!(
        html.contains("<noscript>"),
        "the page explains that it needs JavaScript"
    );
}

#[tokio::test]
async fn linked_assets_are_served() {
    let server = TestServer::start(20).await;
    let html = reqwest::get(format!("{}/owner", server.url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let linked: Vec<&str> = html
        .split(['"', '\''])
        .filter(|part| part.starts_with("/owner/"))
        .collect();
    assert!(linked.contains(&"/owner/app.js"), "{linked:?}");
    assert!(linked.contains(&"/owner/app.css"), "{linked:?}");

    for path in linked {
        let response = reqwest::get(format!("{}{path}", server.url())).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let expected = match path.rsplit('.').next() {
            Some("js") => "text/javascript; charset=utf-8",
            Some("css") => "text/css; charset=utf-8",
            Some("svg") => "image/svg+xml",
            other => panic!("unexpected asset type {other:?} for {path}"),
        };
        assert_eq!(header(&response, CONTENT_TYPE), expected, "{path}");
        assert!(!response.bytes().await.unwrap().is_empty(), "{path} is empty");
    }
}

#[tokio::test]
async fn matching_etag_gets_not_modified() {
    let server = TestServer::start(20).await;
    let client = reqwest::Client::new();
    let url = format!("{}/owner/app.js", server.url());
    let first = client.get(&url).send().await.unwrap();
    let etag = header(&first, ETAG);

    let again = client
        .get(&url)
        .header(IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(header(&again, ETAG), etag);
    assert!(again.bytes().await.unwrap().is_empty());

    let stale = client
        .get(&url)
        .header(IF_NONE_MATCH, "\"0000\"")
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::OK);
}

#[tokio::test]
async fn trailing_slash_redirects_and_unknown_file_is_404() {
    let server = TestServer::start(20).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    let slash = client
        .get(format!("{}/owner/", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(slash.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(header(&slash, LOCATION), "/owner");

    let missing = client
        .get(format!("{}/owner/missing.js", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}
