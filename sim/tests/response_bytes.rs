//! The exact bytes of list pages and records on the wire. The expected lengths and FNV-1a hashes were
//! taken from the simulator that built every record as a `serde_json::Value` (keys sorted, because
//! serde_json's default map is a BTreeMap); the records are now written as text, and these pins are
//! what proves that no byte moved.
//!
//! On a mismatch the test names every case that differs. With `MDCA_SIM_BYTES_DUMP=<dir>` it also
//! writes each body to `<dir>/<case>.json`, so two builds can be diffed record by record.

mod common;

use common::{ids, Harness};
use serde_json::{json, Value};

/// FNV-1a, 64 bit: stable across Rust releases, unlike `DefaultHasher`.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Collects the (case, length, hash) of every body and compares them with the pins at the end.
struct Pins {
    got: Vec<(String, usize, u64)>,
}

impl Pins {
    fn new() -> Self {
        Pins { got: Vec::new() }
    }

    fn body(&mut self, case: &str, text: &str) {
        if let Ok(dir) = std::env::var("MDCA_SIM_BYTES_DUMP") {
            std::fs::create_dir_all(&dir).expect("dump dir");
            std::fs::write(format!("{dir}/{case}.json"), text).expect("dump body");
        }
        self.got
            .push((case.to_string(), text.len(), fnv(text.as_bytes())));
    }

    #[track_caller]
    fn check(&self, expected: &[(&str, usize, u64)]) {
        let table: Vec<String> = self
            .got
            .iter()
            .map(|(c, n, h)| format!("(\"{c}\", {n}, 0x{h:016x}),"))
            .collect();
        let got: Vec<(&str, usize, u64)> = self
            .got
            .iter()
            .map(|(c, n, h)| (c.as_str(), *n, *h))
            .collect();
        let differing: Vec<&str> = got
            .iter()
            .zip(expected)
            .filter(|(g, e)| g != e)
            .map(|(g, _)| g.0)
            .collect();
        assert!(
            got.len() == expected.len() && differing.is_empty(),
            "bodies differ from the pins: {differing:?}\nall cases as measured:\n{}",
            table.join("\n")
        );
    }
}

async fn post(h: &Harness, path: &str, body: Value) -> String {
    let reply = h.post(path, body).await;
    assert_eq!(reply.status, 200, "{path}: {}", reply.text);
    reply.text
}

async fn get(h: &Harness, path: &str) -> String {
    let reply = h.get(path).await;
    assert_eq!(reply.status, 200, "{path}: {}", reply.text);
    reply.text
}

fn data(text: &str) -> Vec<Value> {
    let page: Value = serde_json::from_str(text).expect("a JSON page");
    page["data"].as_array().expect("data").clone()
}

/// Replaces the value of every `"resolveTime":"…"` with `*`: closing an alert stamps it with the wall
/// clock.
fn mask_resolve_times(text: &str) -> String {
    const KEY: &str = "\"resolveTime\":\"";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(KEY) {
        let value = at + KEY.len();
        out.push_str(&rest[..value]);
        let end = rest[value..].find('"').expect("a closed string") + value;
        out.push('*');
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[tokio::test]
async fn list_pages_of_every_entity_keep_their_bytes() {
    let h = Harness::start().await;
    let mut pins = Pins::new();
    for entity in ["activities", "alerts", "files", "entities", "subnet"] {
        let path = format!("v1/{entity}/");
        pins.body(
            &format!("{entity}_first"),
            &post(&h, &path, json!({})).await,
        );
        pins.body(
            &format!("{entity}_skip_37"),
            &post(&h, &path, json!({"skip": 37, "limit": 61})).await,
        );
        pins.body(
            &format!("{entity}_limit_0"),
            &post(&h, &path, json!({"limit": 0})).await,
        );
    }
    let sorted = [
        ("activities", "created", "asc"),
        ("alerts", "severity", "desc"),
        ("files", "createdDate", "asc"),
        ("entities", "username", "asc"),
        ("subnet", "name", "desc"),
    ];
    for (entity, field, dir) in sorted {
        let body = json!({"sortField": field, "sortDirection": dir, "skip": 5, "limit": 40});
        pins.body(
            &format!("{entity}_sorted_{field}_{dir}"),
            &post(&h, &format!("v1/{entity}/"), body).await,
        );
    }
    let filtered = [
        ("activities", json!({"actionType": {"contains": "File"}})),
        ("activities", json!({"activity.impersonated": {"eq": true}})),
        ("alerts", json!({"resolutionStatus": {"eq": [2, 3, 4, 5]}})),
        ("files", json!({"allowDeleted": {"eq": true}})),
        ("entities", json!({"isAdmin": {"eq": true}})),
    ];
    for (k, (entity, filters)) in filtered.into_iter().enumerate() {
        pins.body(
            &format!("{entity}_filtered_{k}"),
            &post(&h, &format!("v1/{entity}/"), json!({"filters": filters})).await,
        );
    }

    // Scan pages: the envelope gains `nextQueryFilters` until the last one.
    let mut filters = json!({"service": {"neq": [12345]}});
    for page in 0.. {
        let text = post(
            &h,
            "v1/activities/",
            json!({"filters": filters, "isScan": true, "limit": 1000}),
        )
        .await;
        pins.body(&format!("activities_scan_{page}"), &text);
        let v: Value = serde_json::from_str(&text).expect("a JSON page");
        if v["hasNext"] != json!(true) {
            break;
        }
        filters = v["nextQueryFilters"].clone();
    }
    pins.body(
        "activities_scan_whole",
        &post(&h, "v1/activities/", json!({"isScan": true, "limit": 5000})).await,
    );

    // Approximate totals: `total` moves and `moreThanTotal` may flip.
    h.sim.dataset(0).set_approximate_total(true);
    for skip in [0, 100, 200] {
        pins.body(
            &format!("activities_approximate_{skip}"),
            &post(&h, "v1/activities/", json!({"skip": skip})).await,
        );
    }

    pins.check(&[
        ("activities_first", 286745, 0x315b6b83548605e5),
        ("activities_skip_37", 174848, 0x93f7e12860f2ee92),
        ("activities_limit_0", 69, 0xb674a433bf9152d0),
        ("alerts_first", 169658, 0xb18d1d9ab16a8924),
        ("alerts_skip_37", 103533, 0xd4c044ee9d1887e2),
        ("alerts_limit_0", 68, 0x516fd345613fe59c),
        ("files_first", 284017, 0xe70a05ce5c5100e5),
        ("files_skip_37", 174629, 0x9b7867268a97ce42),
        ("files_limit_0", 68, 0xe400a54e40df82b3),
        ("entities_first", 63399, 0xa5e4c80c6833f014),
        ("entities_skip_37", 33738, 0x103c840739a9ce30),
        ("entities_limit_0", 67, 0x8a5ca250147bdf21),
        ("subnet_first", 4762, 0xf4ff504fe8995028),
        ("subnet_skip_37", 68, 0xc45245dae8f784f5),
        ("subnet_limit_0", 66, 0x1317e62ce91812fd),
        ("activities_sorted_created_asc", 113829, 0x4f30b3181569a256),
        ("alerts_sorted_severity_desc", 68925, 0xf710e22973b8aae6),
        ("files_sorted_createdDate_asc", 111422, 0x18a27fdff937b9ab),
        ("entities_sorted_username_asc", 32064, 0xc0d3cdfd4d0fab9a),
        ("subnet_sorted_name_desc", 1973, 0xe8b81dfd2ba9e980),
        ("activities_filtered_0", 305028, 0x32816435b8c06778),
        ("activities_filtered_1", 181623, 0x166a4840aa3e371d),
        ("alerts_filtered_2", 149155, 0x40c56debf398a542),
        ("files_filtered_3", 281465, 0x6f5f95ea451a51a1),
        ("entities_filtered_4", 69, 0xf9c553fccd97ed77),
        ("activities_scan_0", 2850720, 0xa36f83d3f394b97a),
        ("activities_scan_1", 2842844, 0x537b380815f412c9),
        ("activities_scan_2", 2836700, 0x79742949ed3423a1),
        ("activities_scan_3", 8280, 0xdacf6ab8025cad09),
        ("activities_scan_whole", 8538106, 0x0f57cffe9f4eb9b3),
        ("activities_approximate_0", 286744, 0xe74574309add3132),
        ("activities_approximate_100", 286165, 0x115b8c6fa7b2fd4c),
        ("activities_approximate_200", 284346, 0x3a6135cc061a4352),
    ]);
}

#[tokio::test]
async fn records_fetched_by_id_keep_their_bytes() {
    let h = Harness::start().await;
    let mut pins = Pins::new();
    for entity in ["activities", "alerts", "files", "subnet"] {
        let page = data(&post(&h, &format!("v1/{entity}/"), json!({"limit": 100})).await);
        for (k, id) in ids(&page).iter().enumerate().step_by(9) {
            pins.body(
                &format!("{entity}_get_{k}"),
                &get(&h, &format!("v1/{entity}/{id}/")).await,
            );
        }
    }
    let page = data(&post(&h, "v1/entities/", json!({"limit": 40})).await);
    for (k, e) in page.iter().enumerate().step_by(3) {
        let pk = mdca_sim::data::encode_pk(
            e["id"].as_str().expect("id"),
            e["appData"]["saas"].as_i64().expect("saas"),
            0,
        );
        pins.body(
            &format!("entities_get_{k}"),
            &get(&h, &format!("v1/entities/{pk}/")).await,
        );
        pins.body(
            &format!("entities_tree_{k}"),
            &get(&h, &format!("v1/entities/{pk}/retrieve_tree/")).await,
        );
    }
    pins.check(&[
        ("activities_get_0", 3037, 0x0ed119198301cb15),
        ("activities_get_9", 2802, 0x02a277e3d4c43252),
        ("activities_get_18", 2786, 0x2fb3d1bd42d8f51c),
        ("activities_get_27", 3062, 0x8a7b631afcc09f16),
        ("activities_get_36", 2641, 0x99a969229fd7ace7),
        ("activities_get_45", 2843, 0xb89533217d0cbfcd),
        ("activities_get_54", 2807, 0xcf8f2f03b8adb401),
        ("activities_get_63", 2785, 0xa15374d9362a0cd5),
        ("activities_get_72", 2978, 0xce79b7019682c164),
        ("activities_get_81", 3129, 0xc0b1f69963661318),
        ("activities_get_90", 2622, 0xc016749304788cf9),
        ("activities_get_99", 2914, 0xfd5e2856da96de8a),
        ("alerts_get_0", 1645, 0x6774269a451b1e40),
        ("alerts_get_9", 1736, 0xc2a8e46207ca4b3a),
        ("alerts_get_18", 1725, 0xb3b465cc333c7779),
        ("alerts_get_27", 1901, 0xe94a32805514ce59),
        ("alerts_get_36", 1646, 0x59e4f62e99e1167e),
        ("alerts_get_45", 1639, 0x1c31f820b3af3535),
        ("alerts_get_54", 1651, 0x99f370ec7f0c3e28),
        ("alerts_get_63", 1688, 0x055220ac2e2be335),
        ("alerts_get_72", 1664, 0x88d840897b27cff8),
        ("alerts_get_81", 1657, 0x33ca9ea23c5f8959),
        ("alerts_get_90", 1722, 0xaae1bd31f7373544),
        ("alerts_get_99", 1657, 0x6eaae3e912ac0af0),
        ("files_get_0", 3526, 0x5fdfab98c8306967),
        ("files_get_9", 3079, 0x34dcf3439bcb3142),
        ("files_get_18", 2406, 0x32e021d819587134),
        ("files_get_27", 3105, 0xc801f6e714e82069),
        ("files_get_36", 3471, 0x41b8379082086fb4),
        ("files_get_45", 2507, 0x5cb1831466e0c24b),
        ("files_get_54", 2348, 0x423b959a2d9ae055),
        ("files_get_63", 2787, 0x7a8c5c5c1afcf9df),
        ("files_get_72", 2406, 0x3bad0e7b99975275),
        ("files_get_81", 3531, 0x4df26472a8d74f41),
        ("files_get_90", 2525, 0xf904492bcc50499f),
        ("files_get_99", 3508, 0x26fc85c5344d60cc),
        ("subnet_get_0", 382, 0x005724c547246e3c),
        ("entities_get_0", 781, 0xedc71b51ef122566),
        ("entities_tree_0", 2962, 0xb52f5fb877f6b601),
        ("entities_get_3", 710, 0x2fd9f5a4a3606a5e),
        ("entities_tree_3", 2962, 0xb52f5fb877f6b601),
        ("entities_get_6", 708, 0xe7117e6647a37b27),
        ("entities_tree_6", 2895, 0x0be247c18be1fd96),
        ("entities_get_9", 713, 0x6db40ddb4dfe6780),
        ("entities_tree_9", 2220, 0x7b954e37088559f1),
        ("entities_get_12", 921, 0x1b63b0ad3cb7dd3d),
        ("entities_tree_12", 3523, 0x29d1ec1071624b6c),
        ("entities_get_15", 852, 0x9f61c177d6c70463),
        ("entities_tree_15", 3523, 0x29d1ec1071624b6c),
        ("entities_get_18", 721, 0x8cc2aa34f8edd1bb),
        ("entities_tree_18", 2226, 0x49347b35d449bd5c),
        ("entities_get_21", 871, 0x62c93233dab71ef8),
        ("entities_tree_21", 3558, 0x17fa49b863c9b10f),
        ("entities_get_24", 923, 0x29494b93f3331b18),
        ("entities_tree_24", 2681, 0xa744bc9d47202a11),
        ("entities_get_27", 856, 0x043e6ff6c9dbf86e),
        ("entities_tree_27", 883, 0x6983d048d421f51c),
        ("entities_get_30", 851, 0xed212a37195a7d6b),
        ("entities_tree_30", 3476, 0x25345fa2d1594387),
        ("entities_get_33", 725, 0xb19ca37227534cb2),
        ("entities_tree_33", 2966, 0xa55948cc5ebb374d),
        ("entities_get_36", 777, 0xa66496473700b717),
        ("entities_tree_36", 2960, 0xc37c8182382e0920),
        ("entities_get_39", 710, 0x474de356f36b101f),
        ("entities_tree_39", 2960, 0xc37c8182382e0920),
    ]);
}

#[tokio::test]
async fn mutated_and_inserted_records_keep_their_bytes() {
    let h = Harness::start().await;
    let mut pins = Pins::new();

    let activities = data(&post(&h, "v1/activities/", json!({"limit": 10})).await);
    let feedback = [
        json!({"feedbackValue": 1, "feedbackText": "expected", "allowContact": true,
               "contactEmail": "soc@contoso.com"}),
        json!({"feedbackValue": 2}),
    ];
    for (k, body) in feedback.into_iter().enumerate() {
        let id = ids(&activities)[3 * k].clone();
        pins.body(
            &format!("activity_feedback_reply_{k}"),
            &post(&h, &format!("v1/activities/{id}/feedback/"), body).await,
        );
        pins.body(
            &format!("activity_feedback_get_{k}"),
            &get(&h, &format!("v1/activities/{id}/")).await,
        );
    }
    pins.body(
        "activities_with_feedback",
        &post(&h, "v1/activities/", json!({"limit": 10})).await,
    );

    let alerts = ids(&data(
        &post(
            &h,
            "v1/alerts/",
            json!({"filters": {"resolutionStatus": {"eq": [0]}}, "limit": 8}),
        )
        .await,
    ));
    pins.body(
        "alert_read",
        &post(&h, &format!("v1/alerts/{}/read/", alerts[0]), json!({})).await,
    );
    pins.body(
        "alert_unread",
        &post(&h, &format!("v1/alerts/{}/unread/", alerts[1]), json!({})).await,
    );
    post(
        &h,
        "v1/alerts/close_benign/",
        json!({"filters": {"id": {"eq": [alerts[2], alerts[3]]}}, "comment": "fine — \"quoted\"",
               "reasonId": 4}),
    )
    .await;
    post(
        &h,
        "v1/alerts/close_true_positive/",
        json!({"filters": {"id": {"eq": [alerts[4]]}}}),
    )
    .await;
    pins.body(
        "alert_closed_get",
        &mask_resolve_times(&get(&h, &format!("v1/alerts/{}/", alerts[2])).await),
    );
    pins.body(
        "alerts_after_actions",
        &mask_resolve_times(
            &post(
                &h,
                "v1/alerts/",
                json!({"filters": {"id": {"eq": alerts}}, "limit": 8}),
            )
            .await,
        ),
    );

    for entity in ["activities", "alerts", "files", "entities", "subnet"] {
        let name = if entity == "subnet" {
            "subnets"
        } else {
            entity
        };
        let reply = h
            .send(
                reqwest::Method::POST,
                &h.url("/_sim/insert"),
                common::Auth::None,
                common::Body::Json(json!({"entity": name, "count": 7})),
            )
            .await;
        assert_eq!(reply.status, 200, "insert {entity}: {}", reply.text);
        // The alerts closed above are among the newest.
        let page = post(&h, &format!("v1/{entity}/"), json!({"limit": 20})).await;
        pins.body(
            &format!("{entity}_after_insert"),
            &mask_resolve_times(&page),
        );
    }
    pins.check(&[
        ("activity_feedback_reply_0", 180, 0x91572aa51edccbab),
        ("activity_feedback_get_0", 3147, 0x959b5c47cd587cd9),
        ("activity_feedback_reply_1", 162, 0xf0b3071fe0b0037a),
        ("activity_feedback_get_1", 2892, 0x3e95c0465a21a3f9),
        ("activities_with_feedback", 28655, 0xe74e7b85dd157721),
        ("alert_read", 1645, 0x6774269a451b1e40),
        ("alert_unread", 1674, 0x847ed00ffe31a475),
        ("alert_closed_get", 1717, 0xeb3b56a3a64c2a32),
        ("alerts_after_actions", 13412, 0x02396e9accf34e84),
        ("activities_after_insert", 57347, 0x6226ca8ff838d1df),
        ("alerts_after_insert", 33779, 0x5be1eaa3ff1d32f6),
        ("files_after_insert", 60780, 0x2f5c519d48ea9a11),
        ("entities_after_insert", 15589, 0xd90263dae327b899),
        ("subnet_after_insert", 9497, 0x8dee565199906ef2),
    ]);
}
