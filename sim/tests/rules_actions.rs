//! docs/api.md §14 rules 21–27: alert close/dismiss/resolve/read, activity feedback, entity fetch and
//! tree, subnet create/update/delete, discovery.

mod common;

use common::{ids, Auth, Body, Harness};
use reqwest::Method;
use serde_json::{json, Value};

/// A well-formed alert id (24 hex digits) that no alert has.
const MISSING: &str = "0000000000000000000000ff";

async fn open_alert_ids(h: &Harness, n: usize) -> Vec<String> {
    let open = h
        .list_all("v1/alerts/", json!({"resolutionStatus": {"eq": [0]}}))
        .await;
    assert!(
        open.len() >= n,
        "the dataset has only {} open alerts",
        open.len()
    );
    ids(&open[..n])
}

async fn alert(h: &Harness, id: &str) -> Value {
    h.get(&format!("v1/alerts/{id}/")).await.expect(200)
}

#[tokio::test]
async fn rule_21_close_actions_select_alerts_by_id_set_the_resolution_status_and_list_unknown_ids()
{
    let h = Harness::start().await;
    let picked = open_alert_ids(&h, 6).await;
    for (i, (action, key, status)) in [
        ("close_benign", "closed_benign", 4),
        ("close_false_positive", "closed_false_positive", 3),
        ("close_true_positive", "closed_true_positive", 5),
    ]
    .into_iter()
    .enumerate()
    {
        let pair = &picked[2 * i..2 * i + 2];
        let comment = format!("rule 21 {action}");
        let mut body = json!({
            "filters": {"id": {"eq": pair}},
            "comment": comment,
            "sendFeedback": false,
        });
        if action != "close_true_positive" {
            body["reasonId"] = json!(4);
        }
        let reply = h
            .post(&format!("v1/alerts/{action}/"), body)
            .await
            .expect(200);
        assert_eq!(reply, json!({ key: 2 }), "{action}");
        for id in pair {
            let a = alert(&h, id).await;
            assert_eq!(a["resolutionStatusValue"], json!(status), "{action}: {a}");
            assert_eq!(a["comment"], json!(comment), "{action}: {a}");
        }

        // Unknown ids are listed; known ones still count.
        let other = &picked[(2 * i + 2) % 6];
        let reply = h
            .post(
                &format!("v1/alerts/{action}/"),
                json!({"filters": {"id": {"eq": [MISSING, other]}}, "comment": comment}),
            )
            .await
            .expect(200);
        assert_eq!(
            reply,
            json!({ key: 1, "alertsNotFound": [MISSING] }),
            "{action}"
        );

        let reply = h
            .post(
                &format!("v1/alerts/{action}/"),
                json!({"filters": {"id": {"eq": [MISSING]}}}),
            )
            .await
            .expect(200);
        assert_eq!(
            reply,
            json!({ key: 0, "alertsNotFound": [MISSING] }),
            "{action}"
        );
    }

    // The closed alerts leave the open set (the `alertOpen`/`resolutionStatus` filters).
    let still_open = ids(&h
        .list_all("v1/alerts/", json!({"resolutionStatus": {"eq": [0]}}))
        .await);
    assert!(picked.iter().all(|id| !still_open.contains(id)));
}

#[tokio::test]
async fn rule_22_deprecated_dismiss_and_resolve_behave_like_close_false_positive_and_close_true_positive(
) {
    let h = Harness::start().await;
    let picked = open_alert_ids(&h, 4).await;

    let reply = h
        .post(
            &format!("v1/alerts/{}/dismiss/", picked[0]),
            json!({"comment": "single dismiss"}),
        )
        .await;
    reply.expect(200);
    let a = alert(&h, &picked[0]).await;
    assert_eq!(a["resolutionStatusValue"], json!(3), "{a}");
    assert_eq!(a["comment"], json!("single dismiss"));

    h.post(
        "v1/alerts/dismiss_bulk/",
        json!({"filters": {"id": {"eq": [picked[1]]}}, "comment": "bulk dismiss"}),
    )
    .await
    .expect(200);
    let a = alert(&h, &picked[1]).await;
    assert_eq!(a["resolutionStatusValue"], json!(3), "{a}");
    assert_eq!(a["comment"], json!("bulk dismiss"));

    h.post(
        "v1/alerts/resolve/",
        json!({"filters": {"id": {"eq": [picked[2], picked[3]]}}, "comment": "bulk resolve"}),
    )
    .await
    .expect(200);
    for id in &picked[2..4] {
        let a = alert(&h, id).await;
        assert_eq!(a["resolutionStatusValue"], json!(5), "{a}");
        assert_eq!(a["comment"], json!("bulk resolve"));
    }

    let reply = h
        .post(
            &format!("v1/alerts/{MISSING}/dismiss/"),
            json!({"comment": "x"}),
        )
        .await;
    assert_eq!(reply.status, 404, "{}", reply.text);
}

#[tokio::test]
async fn rule_23_read_and_unread_set_status_value_and_an_unknown_alert_gets_404() {
    let h = Harness::start().await;
    let unread = h
        .list_all("v1/alerts/", json!({"read": {"eq": false}}))
        .await;
    let id = common::id_of(unread.first().expect("an unread alert"));
    assert_eq!(alert(&h, &id).await["statusValue"], json!(0));

    h.post(&format!("v1/alerts/{id}/read/"), json!({}))
        .await
        .expect(200);
    assert_eq!(alert(&h, &id).await["statusValue"], json!(1));
    let read = ids(&h
        .list_all("v1/alerts/", json!({"read": {"eq": true}}))
        .await);
    assert!(read.contains(&id), "the read filter sees the change");

    h.post(&format!("v1/alerts/{id}/unread/"), json!({}))
        .await
        .expect(200);
    assert_eq!(alert(&h, &id).await["statusValue"], json!(0));

    for action in ["read", "unread"] {
        let reply = h
            .post(&format!("v1/alerts/{MISSING}/{action}/"), json!({}))
            .await;
        assert_eq!(reply.status, 404, "{action}: {}", reply.text);
    }
}

#[tokio::test]
async fn rule_24_activity_feedback_accepts_the_documented_fields() {
    let h = Harness::start().await;
    let page = h
        .post("v1/activities/", json!({"limit": 1}))
        .await
        .expect(200);
    let id = common::id_of(&page["data"][0]);
    let feedback = json!({
        "feedbackValue": "0",
        "feedbackText": "Irrelevant",
        "allowContact": false,
        "contactEmail": "analyst@contoso.com",
    });
    // The documented path has no trailing slash (api.md §1).
    let reply = h
        .post(&format!("v1/activities/{id}/feedback"), feedback.clone())
        .await;
    reply.expect(200);
    // A Security reader may send feedback (Investigation.read covers it, api.md §3.4).
    let reader = h.sim.reader_token();
    h.send(
        Method::POST,
        &h.api(&format!("v1/activities/{id}/feedback")),
        Auth::Token(&reader),
        Body::Json(feedback.clone()),
    )
    .await
    .expect(200);
    let reply = h
        .post("v1/activities/no_such_activity/feedback", feedback)
        .await;
    assert_eq!(reply.status, 404, "{}", reply.text);
}

fn pk_json(record: &Value) -> Value {
    json!({
        "id": record["id"],
        "saas": record["appData"]["saas"],
        "inst": record["appData"]["instance"],
    })
}

#[tokio::test]
async fn rule_25_entity_fetch_decodes_base64_json_pks_and_retrieve_tree_links_users_and_accounts() {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    use base64::Engine;

    let h = Harness::start().await;
    let entities = h.list_all("v1/entities/", json!({})).await;
    let record = &entities[0];
    let compact = pk_json(record).to_string();
    let spaced = serde_json::to_string_pretty(&pk_json(record)).unwrap();
    for encoded in [
        STANDARD.encode(&compact),
        STANDARD_NO_PAD.encode(&compact),
        URL_SAFE.encode(&compact),
        URL_SAFE_NO_PAD.encode(&compact),
        STANDARD.encode(&spaced),
    ] {
        // Standard base64 may contain '/', '+' and '=': the client percent-encodes them (api.md §9).
        let path = encoded
            .replace('/', "%2F")
            .replace('+', "%2B")
            .replace('=', "%3D");
        let got = h.get(&format!("v1/entities/{path}/")).await.expect(200);
        assert_eq!(got["_id"], record["_id"], "pk {encoded}");
    }
    for bad in [
        "not-base64!",
        "bm90IGpzb24",
        &STANDARD.encode(r#"{"id":"nobody","saas":1,"inst":0}"#),
    ] {
        let reply = h.get(&format!("v1/entities/{bad}/")).await;
        assert_eq!(reply.status, 404, "pk {bad}: {}", reply.text);
    }

    // A user's tree holds the user and all of its accounts; an account's tree holds its parent
    // user and its siblings. "A user also matches its accounts" in the `entity` filter (api.md §9),
    // which gives the expected family independently of the tree.
    let user = entities
        .iter()
        .find(|r| r["type"] == json!(2) && family_of(&entities, r).len() > 1)
        .expect("a user with accounts");
    let family = family_of(&entities, user);
    let accounts: Vec<String> = ids(&h
        .list_all("v1/entities/", json!({"entity": {"eq": [pk_json(user)]}}))
        .await)
    .into_iter()
    .filter(|id| *id != common::id_of(user))
    .collect();
    assert_eq!(sorted(accounts.clone()), family, "entity filter on a user");

    let pk = URL_SAFE_NO_PAD.encode(pk_json(user).to_string());
    let tree = h
        .get(&format!("v1/entities/{pk}/retrieve_tree/"))
        .await
        .expect(200);
    assert_eq!(tree["user"]["_id"], user["_id"], "{tree}");
    assert_eq!(
        sorted(ids(tree["accounts"].as_array().expect("accounts"))),
        family
    );

    let account = entities
        .iter()
        .find(|r| common::id_of(r) == accounts[0])
        .expect("the account is listed");
    let pk = STANDARD
        .encode(pk_json(account).to_string())
        .replace('/', "%2F")
        .replace('+', "%2B")
        .replace('=', "%3D");
    let tree = h
        .get(&format!("v1/entities/{pk}/retrieve_tree/"))
        .await
        .expect(200);
    assert_eq!(
        tree["user"]["_id"], user["_id"],
        "an account's tree names its parent: {tree}"
    );
    assert_eq!(
        sorted(ids(tree["accounts"].as_array().expect("accounts"))),
        family,
        "siblings"
    );

    let reply = h.get("v1/entities/bm90IGpzb24/retrieve_tree/").await;
    assert_eq!(reply.status, 404, "{}", reply.text);
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// The listed accounts that carry the user's e-mail address: the same person in other apps.
fn family_of(all: &[Value], user: &Value) -> Vec<String> {
    sorted(
        all.iter()
            .filter(|r| {
                r["type"] == json!(1) && r["email"] == user["email"] && r["_id"] != user["_id"]
            })
            .map(common::id_of)
            .collect(),
    )
}

#[tokio::test]
async fn rule_26_subnets_are_created_with_unique_names_replaced_whole_on_update_and_deleted() {
    let h = Harness::start().await;
    let created = h
        .post(
            "v1/subnet/create_rule/",
            json!({
                "name": "Branch office",
                "category": 1,
                "subnets": ["197.198.192.20/16", "2001:db8::/32"],
                "organization": "Contoso ISP",
                "tags": ["branch"],
            }),
        )
        .await
        .expect(200);
    let id = created
        .as_str()
        .unwrap_or_else(|| panic!("create_rule returns a JSON string: {created}"))
        .to_string();

    let find = |all: &[Value]| all.iter().find(|r| r["_id"] == json!(id)).cloned();
    let all = h.list_all("v1/subnet/", json!({})).await;
    let record = find(&all).expect("the new range is listed");
    assert_eq!(record["name"], json!("Branch office"));
    assert_eq!(record["category"], json!(1));
    assert_eq!(record["organization"], json!("Contoso ISP"));
    assert_eq!(
        record["subnets"][0],
        json!({
            "mask": 112,
            "address": "0000:0000:0000:0000:0000:ffff:c5c6:0000",
            "originalString": "197.198.192.20/16",
        }),
        "IPv4 is echoed as IPv4-mapped IPv6 (docs/api.md §10)"
    );
    assert_eq!(record["subnets"][1]["mask"], json!(32));
    assert_eq!(
        record["subnets"][1]["originalString"],
        json!("2001:db8::/32")
    );

    // Names are unique.
    let dup = h
        .post(
            "v1/subnet/create_rule/",
            json!({"name": "Branch office", "category": 2, "subnets": ["10.0.0.0/8"]}),
        )
        .await;
    assert_eq!(dup.status, 400, "{}", dup.text);

    // Update replaces the whole record: omitted optional fields become empty.
    h.post(
        &format!("v1/subnet/{id}/update_rule/"),
        json!({"name": "Branch office 2", "category": 3, "subnets": ["10.1.0.0/16"]}),
    )
    .await
    .expect(200);
    let all = h.list_all("v1/subnet/", json!({})).await;
    let record = find(&all).expect("still listed after update");
    assert_eq!(record["name"], json!("Branch office 2"));
    assert_eq!(record["category"], json!(3));
    assert!(
        record["organization"].is_null() || record["organization"] == json!(""),
        "organization kept after a whole-record update: {record}"
    );
    assert_eq!(record["tags"], json!([]), "{record}");
    assert_eq!(record["subnets"].as_array().map(Vec::len), Some(1));
    assert_eq!(record["subnets"][0]["mask"], json!(112));

    // DELETE removes it; a second DELETE finds nothing.
    let admin = h.admin();
    h.send(
        Method::DELETE,
        &h.api(&format!("v1/subnet/{id}/")),
        Auth::Token(&admin),
        Body::None,
    )
    .await
    .expect(200);
    let all = h.list_all("v1/subnet/", json!({})).await;
    assert!(find(&all).is_none(), "deleted range still listed");
    let again = h
        .send(
            Method::DELETE,
            &h.api(&format!("v1/subnet/{id}/")),
            Auth::Token(&admin),
            Body::None,
        )
        .await;
    assert_eq!(again.status, 404, "{}", again.text);
}

#[tokio::test]
async fn rule_27_discovery_uploads_through_issued_urls_and_lists_streams_categories_and_block_scripts(
) {
    let h = Harness::start().await;
    let admin = h.admin();
    let root = h.sim.url();

    // Initiate: the upload URL points at the simulator's stand-in for Azure storage.
    let init = h
        .send(
            Method::GET,
            &h.api("v1/discovery/upload_url/"),
            Auth::Token(&admin),
            Body::Query(vec![
                ("filename".into(), "firewall 2026-01-01.log".into()),
                ("source".into(), "PALO_ALTO_SYSLOG".into()),
            ]),
        )
        .await
        .expect(200);
    assert_eq!(init["provider"], json!("azure"), "{init}");
    let upload_url = init["url"].as_str().expect("url string").to_string();
    assert!(upload_url.starts_with(&root), "{upload_url}");

    // The PUT target wants `x-ms-blob-type: BlockBlob`, like Azure (api.md §11).
    let log = "Jan 01 00:00:01 fw1 TRAFFIC,allow,10.0.0.7,52.1.2.3,https\n".repeat(50);
    let put = |blob_type: Option<&'static str>| {
        let mut req = h.http.put(&upload_url).body(log.clone());
        if let Some(t) = blob_type {
            req = req.header("x-ms-blob-type", t);
        }
        req.send()
    };
    let refused = put(None).await.expect("PUT without blob type");
    assert_eq!(refused.status().as_u16(), 400);
    let stored = put(Some("BlockBlob")).await.expect("PUT");
    assert_eq!(stored.status().as_u16(), 201);

    // Finalize: only an issued and filled URL, only once.
    let done = |url: &str| {
        h.post(
            "v1/discovery/done_upload/",
            json!({"uploadUrl": url, "inputStreamName": "Paris office", "uploadAsSnapshot": true}),
        )
    };
    done(&upload_url).await.expect(200);
    assert_eq!(done(&upload_url).await.status, 400, "finalized twice");
    let foreign = "https://example.blob.core.windows.net/uploads/firewall.log?sig=x";
    assert_eq!(done(foreign).await.status, 400, "a URL never issued");

    // Streams: `{"streams": [...]}`, now with the snapshot report named after the input stream.
    let streams = h
        .send(
            Method::GET,
            &format!("{root}/api/discovery/streams/"),
            Auth::Token(&admin),
            Body::None,
        )
        .await
        .expect(200);
    let list = streams["streams"].as_array().expect("streams list");
    assert!(
        list.iter()
            .any(|s| s["displayName"] == json!("Paris office")),
        "{streams}"
    );
    let stream_id = list[0]["_id"].as_str().expect("stream _id").to_string();

    // Categories: `streamId` required; a bare array of {"id","total"}.
    let reply = h
        .post("v1/discovery/discovered_apps/categories/", json!({}))
        .await;
    assert_eq!(reply.status, 400, "{}", reply.text);
    let categories = h
        .post(
            "v1/discovery/discovered_apps/categories/",
            json!({"streamId": stream_id, "limit": 5}),
        )
        .await
        .expect(200);
    let rows = categories.as_array().expect("a bare array");
    assert!(!rows.is_empty() && rows.len() <= 5, "{categories}");
    for row in rows {
        assert!(
            row["id"]
                .as_str()
                .is_some_and(|id| id.starts_with("SAASDB_")),
            "{row}"
        );
        assert!(row["total"].as_u64().is_some(), "{row}");
    }

    // Block scripts: plain text lines for the seven documented formats, with Token or Bearer.
    let bearer = h.manage_bearer().await;
    for format in [102, 104, 108, 112, 120, 129, 135] {
        let auth = if format % 2 == 0 {
            Auth::Token(&admin)
        } else {
            Auth::Bearer(&bearer)
        };
        let reply = h
            .send(
                Method::GET,
                &format!("{root}/api/discovery_block_scripts/"),
                auth,
                Body::Query(vec![
                    ("format".into(), format.to_string()),
                    ("type".into(), "banned".into()),
                ]),
            )
            .await;
        assert_eq!(reply.status, 200, "format {format}: {}", reply.text);
        assert!(
            reply.content_type().starts_with("text/plain"),
            "format {format}"
        );
        assert!(
            reply.text.lines().count() >= 1,
            "format {format}: empty script"
        );
    }
    let script = h
        .send(
            Method::GET,
            &format!("{root}/api/discovery_block_scripts/?format=102&type=banned"),
            Auth::Token(&admin),
            Body::None,
        )
        .await;
    assert!(
        script
            .text
            .lines()
            .all(|l| l.starts_with("url.domain=") && l.ends_with(" deny")),
        "BlueCoat lines: {:?}",
        script.text
    );
    let reply = h
        .send(
            Method::GET,
            &format!("{root}/api/discovery_block_scripts/?format=7"),
            Auth::Token(&admin),
            Body::None,
        )
        .await;
    assert_eq!(reply.status, 400, "{}", reply.text);

    // Discovery needs Discovery.* permissions (api.md §3.4): Investigation.read is refused.
    let read = h.reader_bearer().await;
    let reply = h
        .send(
            Method::GET,
            &format!("{root}/api/discovery/streams/"),
            Auth::Bearer(&read),
            Body::None,
        )
        .await;
    common::assert_rbac_refusal(&reply);
}
