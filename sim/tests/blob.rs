//! The discovery upload storage (api.md §14 rule 27, `src/blob.rs`) is as strict as Azure: block ids,
//! block lists, `Content-Length`, size limits, and `done_upload` only after a commit. Raw HTTP, so
//! every refusal is seen as a client that gets it wrong would see it.

use std::time::Duration;

use mdca_sim::{BlobLimits, SimConfig};
use serde_json::{json, Value};

fn client() -> reqwest::Client {
    // reqwest's features unify with the mdca library's `rustls-no-provider` in a workspace build.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("HTTP client")
}

fn b64(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .encode(s)
        .replace('=', "%3D")
}

async fn error_code(resp: reqwest::Response) -> (u16, String) {
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    let code = text
        .split("<Code>")
        .nth(1)
        .and_then(|r| r.split("</Code>").next())
        .unwrap_or("")
        .to_string();
    (status, code)
}

#[tokio::test]
async fn blocks_commit_in_list_order_and_every_mistake_is_refused_like_azure() {
    let sim = mdca_sim::start(SimConfig::for_tests()).await.unwrap();
    let http = client();
    let auth = format!("Token {}", sim.admin_token());
    let api = |p: &str| format!("{}/api/{p}", sim.url());
    let init: Value = http
        .get(api("v1/discovery/upload_url/"))
        .query(&[("filename", "fw.log"), ("source", "SQUID")])
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = init["url"].as_str().unwrap().to_string();
    let block = |id: &str, body: &'static str| {
        http.put(format!("{url}&comp=block&blockid={}", b64(id)))
            .body(body)
            .send()
    };
    assert_eq!(block("b-1", "second ").await.unwrap().status(), 201);
    assert_eq!(block("b-0", "first ").await.unwrap().status(), 201);
    // Ids of another length, and ids that are not base64.
    let (status, code) = error_code(block("b-10", "x").await.unwrap()).await;
    assert_eq!((status, code.as_str()), (400, "InvalidBlobOrBlock"));
    let r = http
        .put(format!("{url}&comp=block&blockid=%%%"))
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    // Staged but not committed: done_upload refuses, saying why.
    let done = || {
        http.post(api("v1/discovery/done_upload/"))
            .header("Authorization", &auth)
            .json(&json!({"uploadUrl": url, "inputStreamName": "Proxy"}))
            .send()
    };
    let r = done().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("never committed"));

    let list = |ids: &[&str]| {
        let mut xml = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>");
        for id in ids {
            xml.push_str(&format!("<Latest>{}</Latest>", b64(id).replace("%3D", "=")));
        }
        xml.push_str("</BlockList>");
        http.put(format!("{url}&comp=blocklist")).body(xml).send()
    };
    let (status, code) = error_code(list(&["b-0", "b-7"]).await.unwrap()).await;
    assert_eq!((status, code.as_str()), (400, "InvalidBlockList"));
    let r = http
        .put(format!("{url}&comp=blocklist"))
        .body("<BlockList><Latest>")
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(r).await.1, "InvalidXmlDocument");
    assert_eq!(list(&["b-0", "b-1"]).await.unwrap().status(), 201);

    // The committed blob is the blocks in list order, not in upload order.
    let blob = sim.blobs().pop().unwrap();
    let expected = ring::digest::digest(&ring::digest::SHA256, b"first second ");
    let hex: String = expected
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(blob.sha256.as_deref(), Some(hex.as_str()));
    assert_eq!(blob.length, Some(13));
    assert_eq!((blob.blocks, blob.uncommitted_blocks), (2, 0));
    assert_eq!(done().await.unwrap().status(), 200);
    assert!(sim.blobs()[0].finalized);

    // The control endpoint shows the same record.
    let listed: Value = http
        .get(format!("{}/_sim/blobs", sim.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["blobs"][0]["sha256"], json!(hex));
}

#[tokio::test]
async fn single_puts_need_a_length_and_stay_under_the_limit() {
    let sim = mdca_sim::start(SimConfig::for_tests()).await.unwrap();
    let http = client();
    let init: Value = http
        .get(format!("{}/api/v1/discovery/upload_url/", sim.url()))
        .query(&[("filename", "fw.log"), ("source", "SQUID")])
        .header("Authorization", format!("Token {}", sim.admin_token()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = init["url"].as_str().unwrap().to_string();
    // A chunked body (no Content-Length) is refused, as Azure does.
    let stream = futures_util::stream::iter(vec![Ok::<_, std::io::Error>(
        bytes::Bytes::from_static(b"abc"),
    )]);
    let r = http
        .put(&url)
        .header("x-ms-blob-type", "BlockBlob")
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(r).await,
        (411, "MissingContentLengthHeader".into())
    );
    sim.set_blob_limits(BlobLimits {
        put_blob_max: Some(10),
        put_block_max: Some(4),
    });
    let put = |body: &'static str| {
        http.put(&url)
            .header("x-ms-blob-type", "BlockBlob")
            .body(body)
            .send()
    };
    let (status, code) = error_code(put("eleven char").await.unwrap()).await;
    assert_eq!((status, code.as_str()), (413, "RequestBodyTooLarge"));
    assert_eq!(put("ten chars.").await.unwrap().status(), 201);
    let r = http
        .put(format!("{url}&comp=block&blockid={}", b64("a")))
        .body("12345")
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(r).await.1, "RequestBodyTooLarge");
    // Back to the limits of the service version (5000 MiB for the issued sv=2020-08-04).
    sim.set_blob_limits(BlobLimits::default());
    assert_eq!(put("ten chars.").await.unwrap().status(), 201);
    assert_eq!(sim.blobs()[0].length, Some(10));
}
