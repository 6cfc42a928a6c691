//! docs/api.md §14 rules 1–4: routing and transport.

mod common;

use common::{ids, Auth, Body, Harness};
use reqwest::Method;
use serde_json::{json, Value};

/// The documented list routes (api.md §1, §6–§10).
const LISTS: [&str; 5] = [
    "v1/activities/",
    "v1/alerts/",
    "v1/files/",
    "v1/entities/",
    "v1/subnet/",
];

async fn first(h: &Harness, list: &str) -> Value {
    let page = h.post(list, json!({"limit": 1})).await.expect(200);
    page["data"][0].clone()
}

/// The fetch pk of an entity record: base64 of `{"id","saas","inst"}` (api.md §9).
fn entity_pk(record: &Value) -> String {
    use base64::Engine;
    let pk = json!({
        "id": record["id"],
        "saas": record["appData"]["saas"],
        "inst": record["appData"]["instance"],
    });
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(pk.to_string())
}

#[tokio::test]
async fn rule_01_every_route_is_served_under_api_and_cas_api_with_and_without_trailing_slash() {
    let h = Harness::start().await;
    let token = h.admin();
    let activity = common::id_of(&first(&h, "v1/activities/").await);
    let alert = common::id_of(&first(&h, "v1/alerts/").await);
    let file = common::id_of(&first(&h, "v1/files/").await);
    let entity = entity_pk(&first(&h, "v1/entities/").await);

    let mut n = 0;
    for prefix in ["api", "cas/api"] {
        for slash in ["/", ""] {
            n += 1;
            let url = |path: &str| {
                let path = path.trim_end_matches('/');
                format!("{}/{prefix}/{path}{slash}", h.sim.url())
            };
            let call = |method: Method, path: String, body: Body| {
                let token = token.clone();
                let h = &h;
                async move {
                    let reply = h
                        .send(method.clone(), &path, Auth::Token(&token), body)
                        .await;
                    assert_eq!(
                        reply.status, 200,
                        "{method} {path} answered {}: {}",
                        reply.status, reply.text
                    );
                    reply.json()
                }
            };
            let none = || Body::Json(json!({}));

            for list in LISTS {
                let page = call(Method::POST, url(list), none()).await;
                assert!(page["data"].is_array(), "{prefix} {list}{slash}: {page}");
                call(Method::GET, url(list), Body::None).await;
            }
            let got = call(
                Method::GET,
                url(&format!("v1/activities/{activity}/")),
                Body::None,
            )
            .await;
            assert_eq!(common::id_of(&got), activity);
            call(
                Method::POST,
                url(&format!("v1/activities/{activity}/feedback")),
                Body::Json(json!({"feedbackValue": "0", "feedbackText": "Irrelevant", "allowContact": false})),
            )
            .await;
            let got = call(Method::GET, url(&format!("v1/alerts/{alert}/")), Body::None).await;
            assert_eq!(common::id_of(&got), alert);
            call(
                Method::POST,
                url(&format!("v1/alerts/{alert}/read/")),
                Body::None,
            )
            .await;
            call(
                Method::POST,
                url(&format!("v1/alerts/{alert}/unread/")),
                Body::None,
            )
            .await;
            let unknown = json!({"filters": {"id": {"eq": ["0000000000000000000000ff"]}}});
            for close in [
                "close_benign",
                "close_false_positive",
                "close_true_positive",
                "dismiss_bulk",
                "resolve",
            ] {
                call(
                    Method::POST,
                    url(&format!("v1/alerts/{close}/")),
                    Body::Json(unknown.clone()),
                )
                .await;
            }
            let got = call(Method::GET, url(&format!("v1/files/{file}/")), Body::None).await;
            assert_eq!(common::id_of(&got), file);
            call(
                Method::GET,
                url(&format!("v1/entities/{entity}/")),
                Body::None,
            )
            .await;
            call(
                Method::GET,
                url(&format!("v1/entities/{entity}/retrieve_tree/")),
                Body::None,
            )
            .await;

            let name = format!("rule-01 range {n}");
            let created = call(
                Method::POST,
                url("v1/subnet/create_rule/"),
                Body::Json(
                    json!({"name": name, "category": 1, "subnets": [format!("10.{n}.0.0/16")]}),
                ),
            )
            .await;
            let subnet = created
                .as_str()
                .expect("create_rule returns the id as a string")
                .to_string();
            call(
                Method::POST,
                url(&format!("v1/subnet/{subnet}/update_rule/")),
                Body::Json(
                    json!({"name": name, "category": 2, "subnets": [format!("10.{n}.0.0/16")]}),
                ),
            )
            .await;
            call(
                Method::DELETE,
                url(&format!("v1/subnet/{subnet}/")),
                Body::None,
            )
            .await;

            // Discovery, including the two routes without a `v1` segment (api.md §1, §11).
            let query = |pairs: &[(&str, &str)]| {
                Body::Query(
                    pairs
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                )
            };
            let streams = call(Method::GET, url("discovery/streams/"), Body::None).await;
            let stream = streams["streams"][0]["_id"].clone();
            call(
                Method::POST,
                url("v1/discovery/discovered_apps/categories/"),
                Body::Json(json!({"streamId": stream})),
            )
            .await;
            call(
                Method::GET,
                url("v1/discovery/upload_url/"),
                query(&[("filename", "a.log"), ("source", "SQUID")]),
            )
            .await;
            let script = h
                .send(
                    Method::GET,
                    &url("discovery_block_scripts/"),
                    Auth::Token(&token),
                    query(&[("format", "120")]),
                )
                .await;
            assert_eq!(
                script.status, 200,
                "{prefix} block script{slash}: {}",
                script.text
            );
        }
    }

    // Sanity check that routing is not a catch-all: an undocumented path is 404.
    let reply = h
        .send(
            Method::GET,
            &h.api("v1/nonexistent/"),
            Auth::Token(&token),
            Body::None,
        )
        .await;
    assert_eq!(reply.status, 404, "{}", reply.text);
}

#[tokio::test]
async fn rule_02_list_routes_answer_get_and_post_identically_with_a_json_body_or_query_parameters()
{
    let h = Harness::start().await;
    let token = h.admin();
    let alerts = h.list_all("v1/alerts/", json!({})).await;
    let picked: Vec<String> = ids(&alerts).into_iter().step_by(3).take(8).collect();

    for list in LISTS {
        let filters = if list == "v1/alerts/" {
            json!({"id": {"eq": picked}})
        } else {
            json!({})
        };
        let body = json!({"filters": filters, "skip": 2, "limit": 4, "sortField": "date", "sortDirection": "asc"});
        let subnet_sort = list == "v1/subnet/";
        let body = if subnet_sort {
            json!({"filters": filters, "skip": 2, "limit": 4, "sortField": "name", "sortDirection": "asc"})
        } else {
            body
        };
        let url = h.api(list);
        let post = h
            .send(
                Method::POST,
                &url,
                Auth::Token(&token),
                Body::Json(body.clone()),
            )
            .await
            .expect(200);
        let get_json = h
            .send(
                Method::GET,
                &url,
                Auth::Token(&token),
                Body::Json(body.clone()),
            )
            .await
            .expect(200);
        let query = vec![
            ("filters".to_string(), filters.to_string()),
            ("skip".to_string(), "2".to_string()),
            ("limit".to_string(), "4".to_string()),
            (
                "sortField".to_string(),
                body["sortField"].as_str().unwrap().to_string(),
            ),
            ("sortDirection".to_string(), "asc".to_string()),
        ];
        let get_query = h
            .send(Method::GET, &url, Auth::Token(&token), Body::Query(query))
            .await
            .expect(200);
        assert_eq!(
            post["data"].as_array().map(Vec::len),
            Some(4),
            "{list}: {post}"
        );
        assert_eq!(
            post, get_json,
            "{list}: GET with a JSON body differs from POST"
        );
        assert_eq!(
            post, get_query,
            "{list}: GET with query parameters differs from POST"
        );
    }

    // The alert filter really was applied through every channel.
    let post = h
        .post("v1/alerts/", json!({"filters": {"id": {"eq": picked}}}))
        .await
        .expect(200);
    assert_eq!(post["total"], json!(picked.len()));
}

#[tokio::test]
async fn rule_03_post_bodies_are_accepted_as_json_form_urlencoded_or_multipart_and_responses_are_json(
) {
    let h = Harness::start().await;
    let token = h.admin();
    let url = h.api("v1/alerts/");
    let alerts = h.list_all("v1/alerts/", json!({})).await;
    let picked: Vec<String> = ids(&alerts)
        .into_iter()
        .skip(1)
        .step_by(2)
        .take(6)
        .collect();
    let filters = json!({"id": {"eq": picked}});

    let as_json = h
        .send(
            Method::POST,
            &url,
            Auth::Token(&token),
            Body::Json(json!({"filters": filters, "skip": 1, "limit": 3})),
        )
        .await;
    let pairs = vec![
        ("filters".to_string(), filters.to_string()),
        ("skip".to_string(), "1".to_string()),
        ("limit".to_string(), "3".to_string()),
    ];
    let as_form = h
        .send(
            Method::POST,
            &url,
            Auth::Token(&token),
            Body::Form(pairs.clone()),
        )
        .await;
    let as_multipart = h
        .send(
            Method::POST,
            &url,
            Auth::Token(&token),
            Body::Multipart(pairs),
        )
        .await;

    for (name, reply) in [
        ("json", &as_json),
        ("form", &as_form),
        ("multipart", &as_multipart),
    ] {
        assert!(
            reply.content_type().starts_with("application/json"),
            "{name}: content type {:?}",
            reply.content_type()
        );
        let page = reply.expect(200);
        assert_eq!(page["total"], json!(picked.len()), "{name}: {page}");
        let got = ids(page["data"].as_array().unwrap());
        assert_eq!(got.len(), 3, "{name}: {page}");
        assert!(got.iter().all(|id| picked.contains(id)), "{name}: {got:?}");
    }
    assert_eq!(as_json.json(), as_form.json());
    assert_eq!(as_json.json(), as_multipart.json());

    // Errors are JSON too.
    let reply = h.send(Method::GET, &url, Auth::None, Body::None).await;
    assert_eq!(reply.status, 401);
    assert!(reply.content_type().starts_with("application/json"));
    reply.json();
}

#[tokio::test]
async fn rule_04_fetch_routes_answer_get_and_tolerate_post() {
    let h = Harness::start().await;
    let token = h.admin();
    for list in ["v1/activities/", "v1/alerts/", "v1/files/", "v1/entities/"] {
        let record = first(&h, list).await;
        let pk = if list == "v1/entities/" {
            entity_pk(&record)
        } else {
            common::id_of(&record)
        };
        let url = h.api(&format!("{list}{pk}/"));
        let got = h
            .send(Method::GET, &url, Auth::Token(&token), Body::None)
            .await
            .expect(200);
        let posted = h
            .send(Method::POST, &url, Auth::Token(&token), Body::None)
            .await
            .expect(200);
        assert_eq!(got, posted, "{list}: POST on a fetch path differs from GET");
        assert_eq!(got["_id"], record["_id"], "{list}: fetched another record");
    }
    let unknown = h.get("v1/alerts/0000000000000000000000ff/").await;
    assert_eq!(unknown.status, 404, "{}", unknown.text);
}
