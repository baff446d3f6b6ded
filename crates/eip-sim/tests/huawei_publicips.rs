//! Huawei VPC v1 publicips, ports and bandwidths on the wire: lifecycle and transitions, every
//! error code, pagination with filters (the EIP API reference, <https://support.huaweicloud.com/api-eip/eip_api_0001.html–§6>).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod huawei_common;

use eip_sim::Cloud;
use huawei_common::{start, Auth, Hw};
use reqwest::Method;
use serde_json::{json, Value};

async fn token_hw() -> (Hw, Auth) {
    let hw = start().await;
    let token = Auth::Token(hw.token().await);
    (hw, token)
}

#[tokio::test]
async fn create_show_bind_unbind_delete_lifecycle() {
    let (hw, auth) = token_hw().await;
    let body = json!({"publicip": {"type": "5_bgp", "alias": "eip-test"},
        "bandwidth": {"name": "bw-test", "size": 5, "share_type": "PER", "charge_mode": "traffic"}});
    let created = hw.vpc(Method::POST, "/publicips", Some(body), &auth).await;
    assert_eq!(created.status, 200);
    let eip = &created.json["publicip"];
    assert_eq!(eip["status"], "PENDING_CREATE");
    assert_eq!(eip["type"], "5_bgp");
    assert_eq!(eip["ip_version"], 4);
    assert_eq!(eip["bandwidth_size"], 5);
    assert_eq!(eip["alias"], "eip-test");
    assert_eq!(eip["tenant_id"], hw.project.as_str());
    let create_time = eip["create_time"].as_str().unwrap();
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    assert!(
        time::PrimitiveDateTime::parse(create_time, format).is_ok(),
        "{create_time}"
    );
    let id = eip["id"].as_str().unwrap().to_owned();
    let address = eip["public_ip_address"].as_str().unwrap().to_owned();

    let down = hw.wait_status(&id, "DOWN", &auth).await;
    assert_eq!(down["bandwidth_name"], "bw-test");
    assert_eq!(down["bandwidth_share_type"], "PER");
    assert_eq!(down["public_ip_address"], address.as_str());
    assert!(down.get("port_id").is_none() && down.get("private_ip_address").is_none());

    let server = hw.info().servers[0].clone();
    let bound = hw.bind(&id, &server.primary_port_id, &auth).await;
    assert_eq!(bound.status, 200);
    assert_eq!(bound.json["publicip"]["status"], "PENDING_UPDATE");
    let active = hw.wait_status(&id, "ACTIVE", &auth).await;
    assert_eq!(active["port_id"], server.primary_port_id.as_str());
    assert_eq!(active["private_ip_address"], server.primary_ip.as_str());
    let inventory = hw.sim.inventory();
    let item = inventory.iter().find(|i| i.id == id).unwrap();
    assert_eq!(
        (item.cloud, item.status.as_str()),
        (Cloud::Huawei, "ACTIVE")
    );
    assert_eq!(
        item.bound_to.as_deref(),
        Some(server.primary_port_id.as_str())
    );
    assert_eq!(item.address.to_string(), address);
    assert_eq!(item.name.as_deref(), Some("eip-test"));

    let unbound = hw
        .vpc(
            Method::PUT,
            &format!("/publicips/{id}"),
            Some(json!({"publicip": {}})),
            &auth,
        )
        .await;
    assert_eq!(unbound.json["publicip"]["status"], "PENDING_UPDATE");
    let down = hw.wait_status(&id, "DOWN", &auth).await;
    assert!(down.get("port_id").is_none());

    let deleted = hw
        .vpc(Method::DELETE, &format!("/publicips/{id}"), None, &auth)
        .await;
    assert_eq!(deleted.status, 204);
    assert_eq!(deleted.json, Value::Null);
    assert!(deleted.request_id.is_some());
    // Lingering in PENDING_DELETE is asserted with a long delay in
    // `transitional_states_are_busy_0512`; 30 ms may already be over here.
    hw.wait_gone(&id, &auth).await;
    let gone = hw.show(&id, &auth).await;
    assert_eq!(
        gone.json,
        json!({"code": "VPC.0504", "message": "Floating IP could not be found."})
    );
    assert!(hw.sim.inventory().iter().all(|i| i.cloud != Cloud::Huawei));
}

#[tokio::test]
async fn unbind_with_empty_port_id_and_alias_only_updates() {
    let (hw, auth) = token_hw().await;
    let id = hw.ready(&auth).await;
    let port = hw.info().servers[1].primary_port_id.clone();
    assert_eq!(hw.bind(&id, &port, &auth).await.status, 200);
    hw.wait_status(&id, "ACTIVE", &auth).await;

    // UpdatePublicip, https://support.huaweicloud.com/intl/zh-cn/api-eip/eip_api_0004.html: alias together with port_id applies only the alias.
    let other = hw.info().servers[2].primary_port_id.clone();
    let renamed = hw
        .vpc(
            Method::PUT,
            &format!("/publicips/{id}"),
            Some(json!({"publicip": {"alias": "renamed", "port_id": other}})),
            &auth,
        )
        .await;
    assert_eq!(renamed.status, 200);
    assert_eq!(renamed.json["publicip"]["alias"], "renamed");
    assert_eq!(renamed.json["publicip"]["status"], "ACTIVE");
    assert_eq!(renamed.json["publicip"]["port_id"], port.as_str());

    let body = json!({"publicip": {"port_id": ""}});
    let unbound = hw
        .vpc(Method::PUT, &format!("/publicips/{id}"), Some(body), &auth)
        .await;
    assert_eq!(unbound.json["publicip"]["status"], "PENDING_UPDATE");
    let down = hw.wait_status(&id, "DOWN", &auth).await;
    assert_eq!(down["alias"], "renamed");
    assert!(down.get("port_id").is_none());
}

#[tokio::test]
async fn bind_conflicts_0510_0511_0517() {
    let (hw, auth) = token_hw().await;
    let a = hw.ready(&auth).await;
    let b = hw.ready(&auth).await;
    let ports: Vec<String> = hw
        .info()
        .servers
        .iter()
        .map(|s| s.primary_port_id.clone())
        .collect();
    assert_eq!(hw.bind(&a, &ports[0], &auth).await.status, 200);
    // Binding or bound to another port → 0510, whatever the timing.
    let again = hw.bind(&a, &ports[1], &auth).await;
    assert_eq!((again.status, again.code()), (409, "VPC.0510"));

    hw.wait_status(&a, "ACTIVE", &auth).await;
    // The same port again is refused too (documented choice: no "already done" answer).
    let same = hw.bind(&a, &ports[0], &auth).await;
    assert_eq!((same.status, same.code()), (409, "VPC.0510"));
    // Another EIP onto a port that has one → 0511.
    let taken = hw.bind(&b, &ports[0], &auth).await;
    assert_eq!((taken.status, taken.code()), (409, "VPC.0511"));
    // A bound EIP cannot be deleted → 0517.
    let delete = hw
        .vpc(Method::DELETE, &format!("/publicips/{a}"), None, &auth)
        .await;
    assert_eq!((delete.status, delete.code()), (409, "VPC.0517"));
    // An unknown port → 400 VPC.0501 "Port id is invalid.".
    let unknown = hw
        .bind(&b, "00000000-0000-0000-0000-000000000000", &auth)
        .await;
    assert_eq!(unknown.status, 400);
    assert_eq!(
        unknown.json,
        json!({"code": "VPC.0501", "message": "Port id is invalid."})
    );
    // A secondary NIC can take an EIP.
    let secondary = hw.info().servers[0].secondary_ports[0].id.clone();
    assert_eq!(hw.bind(&b, &secondary, &auth).await.status, 200);
    let active = hw.wait_status(&b, "ACTIVE", &auth).await;
    assert_eq!(active["port_id"], secondary.as_str());
}

#[tokio::test]
async fn transitional_states_are_busy_0512() {
    // A long delay, so every check below runs while the EIP is still in transition; the EIPs
    // are seeded DOWN, so nothing waits for it.
    let builder = eip_sim::SimBuilder::new().transition_delay(std::time::Duration::from_secs(30));
    let hw = huawei_common::start_with(builder).await;
    let auth = Auth::Token(hw.token().await);
    hw.sim
        .control(Cloud::Huawei, "seed_eips", json!({"count": 2}))
        .unwrap();
    let ids: Vec<String> = hw.sim.inventory().into_iter().map(|i| i.id).collect();
    let (a, b) = (&ids[0], &ids[1]);
    let ports: Vec<String> = hw
        .info()
        .servers
        .iter()
        .map(|s| s.primary_port_id.clone())
        .collect();

    let bound = hw.bind(a, &ports[0], &auth).await;
    assert_eq!(bound.json["publicip"]["status"], "PENDING_UPDATE");
    assert_eq!(
        hw.show(a, &auth).await.json["publicip"]["status"],
        "PENDING_UPDATE"
    );
    let again = hw.bind(a, &ports[1], &auth).await;
    assert_eq!((again.status, again.code()), (409, "VPC.0510"));
    let unbind = hw
        .vpc(
            Method::PUT,
            &format!("/publicips/{a}"),
            Some(json!({"publicip": {}})),
            &auth,
        )
        .await;
    assert_eq!((unbind.status, unbind.code()), (409, "VPC.0512"));
    let delete = hw
        .vpc(Method::DELETE, &format!("/publicips/{a}"), None, &auth)
        .await;
    assert_eq!((delete.status, delete.code()), (409, "VPC.0512"));
    // The port is taken as soon as the bind is accepted.
    let taken = hw.bind(b, &ports[0], &auth).await;
    assert_eq!((taken.status, taken.code()), (409, "VPC.0511"));

    // Delete: 204, then the EIP lingers in PENDING_DELETE (DeletePublicip, https://support.huaweicloud.com/api-eip/eip_api_0005.html) and is busy.
    assert_eq!(
        hw.vpc(Method::DELETE, &format!("/publicips/{b}"), None, &auth)
            .await
            .status,
        204
    );
    assert_eq!(
        hw.show(b, &auth).await.json["publicip"]["status"],
        "PENDING_DELETE"
    );
    let twice = hw
        .vpc(Method::DELETE, &format!("/publicips/{b}"), None, &auth)
        .await;
    assert_eq!((twice.status, twice.code()), (409, "VPC.0512"));
    let rename = hw
        .vpc(
            Method::PUT,
            &format!("/publicips/{b}"),
            Some(json!({"publicip": {"alias": "x"}})),
            &auth,
        )
        .await;
    assert_eq!((rename.status, rename.code()), (409, "VPC.0512"));

    // Creation: PENDING_CREATE is busy too.
    let fresh = hw.create(&auth, None).await;
    assert_eq!(
        hw.show(&fresh, &auth).await.json["publicip"]["status"],
        "PENDING_CREATE"
    );
    let busy = hw.bind(&fresh, &ports[3], &auth).await;
    assert_eq!((busy.status, busy.code()), (409, "VPC.0512"));
}

#[tokio::test]
async fn unknown_ids_are_404_vpc_0504() {
    let (hw, auth) = token_hw().await;
    let missing = "/publicips/6285e7be-fd9f-497c-bc2d-dd0bdea6efe0";
    for (method, body) in [
        (Method::GET, None),
        (Method::PUT, Some(json!({"publicip": {"alias": "x"}}))),
        (Method::DELETE, None),
    ] {
        let answer = hw.vpc(method, missing, body, &auth).await;
        assert_eq!((answer.status, answer.code()), (404, "VPC.0504"));
    }
    let bandwidth = hw
        .vpc(
            Method::PUT,
            "/bandwidths/nope",
            Some(json!({"bandwidth": {"size": 10}})),
            &auth,
        )
        .await;
    assert_eq!((bandwidth.status, bandwidth.code()), (404, "VPC.0504"));
    let unknown_route = hw.vpc(Method::GET, "/routers", None, &auth).await;
    assert_eq!(
        (unknown_route.status, unknown_route.code()),
        (404, "APIGW.0101")
    );
}

#[tokio::test]
async fn create_validation_errors() {
    let (hw, auth) = token_hw().await;
    let cases = [
        (json!({"publicip": {"type": "5_bgp"}}), 400, "VPC.0501"),
        (
            json!({"bandwidth": {"name": "b", "size": 5, "share_type": "PER"}}),
            400,
            "VPC.0501",
        ),
        (
            json!({"publicip": {"type": "9_xyz"}, "bandwidth": {"name": "b", "size": 5, "share_type": "PER"}}),
            400,
            "VPC.0501",
        ),
        (
            json!({"publicip": {"type": "5_bgp"}, "bandwidth": {"name": "b", "size": 0, "share_type": "PER"}}),
            400,
            "VPC.0501",
        ),
        (
            json!({"publicip": {"type": "5_bgp"}, "bandwidth": {"name": "b", "size": 2001, "share_type": "PER"}}),
            400,
            "VPC.0501",
        ),
        (
            json!({"publicip": {"type": "5_bgp"}, "bandwidth": {"name": "b", "size": 310, "share_type": "PER"}}),
            400,
            "VPC.0501",
        ),
        (
            json!({"publicip": {"type": "5_bgp"}, "bandwidth": {"name": "b", "size": 5, "share_type": "SOME"}}),
            400,
            "VPC.0301",
        ),
        (
            json!({"publicip": {"type": "5_bgp"}, "bandwidth": {"name": "bad name!", "size": 5, "share_type": "PER"}}),
            400,
            "VPC.0301",
        ),
        (
            json!({"publicip": {"type": "5_bgp", "alias": "x".repeat(65)}, "bandwidth": {"name": "b", "size": 5, "share_type": "PER"}}),
            400,
            "VPC.0501",
        ),
        (
            json!({"publicip": {"type": "5_bgp", "ip_version": 5}, "bandwidth": {"name": "b", "size": 5, "share_type": "PER"}}),
            400,
            "VPC.0501",
        ),
        (
            json!({"publicip": {"type": "5_bgp"}, "bandwidth": {"share_type": "WHOLE", "id": "nope"}}),
            400,
            "VPC.0501",
        ),
    ];
    for (body, status, code) in cases {
        let answer = hw
            .vpc(Method::POST, "/publicips", Some(body.clone()), &auth)
            .await;
        assert_eq!((answer.status, answer.code()), (status, code), "{body}");
    }
    let token = match &auth {
        Auth::Token(t) => t.clone(),
        _ => unreachable!(),
    };
    let url = format!("{}/v1/{}/publicips", hw.base, hw.project);
    let bad_json = hw
        .http
        .post(url)
        .header("x-auth-token", token)
        .body("{not json")
        .send()
        .await
        .unwrap();
    let bad_json = huawei_common::answer(bad_json).await;
    assert_eq!((bad_json.status, bad_json.code()), (400, "VPC.0501"));
    assert!(
        hw.sim.inventory().is_empty(),
        "no refused create left an EIP"
    );
}

#[tokio::test]
async fn shared_bandwidth_requested_ip_and_create_with_port() {
    let (hw, auth) = token_hw().await;
    let shared = hw.info().shared_bandwidths[0].clone();
    let body = json!({"publicip": {"type": "5_bgp", "ip_address": "121.36.200.7"}, "bandwidth": {"share_type": "WHOLE", "id": shared.id}});
    let created = hw
        .vpc(Method::POST, "/publicips", Some(body.clone()), &auth)
        .await;
    assert_eq!(created.status, 200);
    assert_eq!(
        created.json["publicip"]["bandwidth_size"], 0,
        "CreatePublicip, https://support.huaweicloud.com/api-eip/eip_api_0001.html: 0 for a shared bandwidth"
    );
    assert_eq!(
        created.json["publicip"]["public_ip_address"],
        "121.36.200.7"
    );
    let id = created.json["publicip"]["id"].as_str().unwrap().to_owned();
    let down = hw.wait_status(&id, "DOWN", &auth).await;
    assert_eq!(down["bandwidth_share_type"], "WHOLE");
    assert_eq!(down["bandwidth_size"], shared.size);
    let taken = hw.vpc(Method::POST, "/publicips", Some(body), &auth).await;
    assert_eq!((taken.status, taken.code()), (409, "VPC.0522"));

    let body = json!({"publicip": {"type": "5_bgp", "port_id": "no-such-port"}, "bandwidth": {"name": "b", "size": 1, "share_type": "PER"}});
    let bad_port = hw.vpc(Method::POST, "/publicips", Some(body), &auth).await;
    assert_eq!((bad_port.status, bad_port.code()), (500, "VPC.0508"));

    let port = hw.info().servers[4].primary_port_id.clone();
    let body = json!({"publicip": {"type": "5_bgp", "port_id": port}, "bandwidth": {"name": "b", "size": 1, "share_type": "PER"}});
    let created = hw.vpc(Method::POST, "/publicips", Some(body), &auth).await;
    let id = created.json["publicip"]["id"].as_str().unwrap().to_owned();
    let active = hw.wait_status(&id, "ACTIVE", &auth).await;
    assert_eq!(active["port_id"], port.as_str());
}

#[tokio::test]
async fn quota_is_vpc_0521() {
    let config = eip_sim::HuaweiConfig {
        quota: 2,
        ..Default::default()
    };
    let hw = huawei_common::start_with(
        eip_sim::SimBuilder::new()
            .transition_delay(std::time::Duration::from_millis(30))
            .huawei(config),
    )
    .await;
    let auth = Auth::Token(hw.token().await);
    hw.create(&auth, None).await;
    hw.create(&auth, None).await;
    let body = json!({"publicip": {"type": "5_bgp"}, "bandwidth": {"name": "b", "size": 5, "share_type": "PER"}});
    let over = hw.vpc(Method::POST, "/publicips", Some(body), &auth).await;
    assert_eq!((over.status, over.code()), (409, "VPC.0521"));
    assert_eq!(hw.sim.inventory().len(), 2);
}

#[tokio::test]
async fn marker_pagination_with_filters_over_250_eips() {
    let (hw, auth) = token_hw().await;
    let seeded = hw
        .sim
        .control(Cloud::Huawei, "seed_eips", json!({"count": 250}))
        .unwrap();
    assert_eq!(seeded["created"], 250);
    let mut seen: Vec<String> = Vec::new();
    let mut marker = String::new();
    let mut pages = 0;
    loop {
        let query = if marker.is_empty() {
            "?limit=100".to_owned()
        } else {
            format!("?limit=100&marker={marker}")
        };
        let page = hw
            .vpc(Method::GET, &format!("/publicips{query}"), None, &auth)
            .await;
        let items = page.json["publicips"].as_array().unwrap().clone();
        if items.is_empty() {
            break;
        }
        pages += 1;
        assert!(items.len() <= 100);
        marker = items.last().unwrap()["id"].as_str().unwrap().to_owned();
        seen.extend(items.iter().map(|i| i["id"].as_str().unwrap().to_owned()));
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 250);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, seen, "sorted by id, no duplicates");

    // Bind two, then filter by port_id (repeated, as the SDK sends it) and by other fields.
    let ports: Vec<String> = hw
        .info()
        .servers
        .iter()
        .map(|s| s.primary_port_id.clone())
        .collect();
    for (id, port) in seen.iter().zip(&ports).take(2) {
        assert_eq!(hw.bind(id, port, &auth).await.status, 200);
        hw.wait_status(id, "ACTIVE", &auth).await;
    }
    let query = format!("?port_id={}&port_id={}&limit=1", ports[0], ports[1]);
    let first = hw
        .vpc(Method::GET, &format!("/publicips{query}"), None, &auth)
        .await;
    let first = first.json["publicips"].as_array().unwrap().clone();
    assert_eq!(first.len(), 1);
    let next = format!(
        "/publicips{query}&marker={}",
        first[0]["id"].as_str().unwrap()
    );
    let second = hw.vpc(Method::GET, &next, None, &auth).await;
    let second = second.json["publicips"].as_array().unwrap().clone();
    assert_eq!(second.len(), 1);
    assert_ne!(first[0]["id"], second[0]["id"]);
    let empty = format!(
        "/publicips{query}&marker={}",
        second[0]["id"].as_str().unwrap()
    );
    assert_eq!(
        hw.vpc(Method::GET, &empty, None, &auth).await.json["publicips"],
        json!([])
    );

    let private = hw.info().servers[0].primary_ip.clone();
    let by_private = hw
        .vpc(
            Method::GET,
            &format!("/publicips?private_ip_address={private}"),
            None,
            &auth,
        )
        .await;
    assert_eq!(by_private.json["publicips"].as_array().unwrap().len(), 1);
    let ids = format!("/publicips?id={}&id={}&id={}", seen[5], seen[7], seen[9]);
    assert_eq!(
        hw.vpc(Method::GET, &ids, None, &auth).await.json["publicips"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let address = by_private.json["publicips"][0]["public_ip_address"]
        .as_str()
        .unwrap()
        .to_owned();
    let by_public = hw
        .vpc(
            Method::GET,
            &format!("/publicips?public_ip_address={address}"),
            None,
            &auth,
        )
        .await;
    assert_eq!(by_public.json["publicips"][0]["id"], seen[0].as_str());

    for bad in ["2001", "-1", "x"] {
        let answer = hw
            .vpc(Method::GET, &format!("/publicips?limit={bad}"), None, &auth)
            .await;
        assert_eq!(
            answer.json,
            json!({"code": "VPC.0501", "message": "Invalid limit."}),
            "{bad}"
        );
        assert_eq!(answer.status, 400);
    }
    let default_page = hw.vpc(Method::GET, "/publicips", None, &auth).await;
    assert_eq!(
        default_page.json["publicips"].as_array().unwrap().len(),
        250
    );
}

#[tokio::test]
async fn ports_with_filters() {
    let (hw, auth) = token_hw().await;
    let info = hw.info().clone();
    let all = hw.vpc(Method::GET, "/ports", None, &auth).await;
    let all = all.json["ports"].as_array().unwrap().clone();
    let expected = info
        .servers
        .iter()
        .map(|s| 1 + s.secondary_ports.len())
        .sum::<usize>()
        + info.free_ports.len();
    assert_eq!(all.len(), expected);

    let server = &info.servers[0];
    let by_device = hw
        .vpc(
            Method::GET,
            &format!("/ports?device_id={}", server.id),
            None,
            &auth,
        )
        .await;
    let nics = by_device.json["ports"].as_array().unwrap().clone();
    assert_eq!(nics.len(), 2, "primary and secondary");
    let primary: Vec<&Value> = nics
        .iter()
        .filter(|p| p["binding:vif_details"]["primary_interface"] == true)
        .collect();
    assert_eq!(primary.len(), 1);
    assert_eq!(primary[0]["id"], server.primary_port_id.as_str());
    assert_eq!(primary[0]["device_owner"], "compute:cn-north-4a");
    assert_eq!(
        primary[0]["fixed_ips"][0]["ip_address"],
        server.primary_ip.as_str()
    );
    assert_eq!(primary[0]["device_id"], server.id.as_str());
    assert!(primary[0]["mac_address"]
        .as_str()
        .unwrap()
        .starts_with("fa:16:3e"));
    let secondary = nics
        .iter()
        .find(|p| p["binding:vif_details"]["primary_interface"] == false)
        .unwrap();
    assert_eq!(secondary["id"], server.secondary_ports[0].id.as_str());

    let by_ip = hw
        .vpc(
            Method::GET,
            &format!("/ports?fixed_ips=ip_address%3D{}", server.primary_ip),
            None,
            &auth,
        )
        .await;
    assert_eq!(
        by_ip.json["ports"][0]["id"],
        server.primary_port_id.as_str()
    );
    assert_eq!(by_ip.json["ports"].as_array().unwrap().len(), 1);
    let ids = format!(
        "/ports?id={}&id={}",
        info.servers[1].primary_port_id, info.servers[2].primary_port_id
    );
    // v1 ListPorts documents `id` as one string: a repeated `id` uses the first value only.
    let listed = hw.vpc(Method::GET, &ids, None, &auth).await.json;
    let listed: Vec<&str> = listed["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [info.servers[1].primary_port_id.as_str()]);
    let owner = hw
        .vpc(
            Method::GET,
            "/ports?device_owner=compute:cn-north-4a&status=ACTIVE",
            None,
            &auth,
        )
        .await;
    assert_eq!(
        owner.json["ports"].as_array().unwrap().len(),
        expected - info.free_ports.len()
    );
    let mac = all[0]["mac_address"].as_str().unwrap();
    let by_mac = hw
        .vpc(
            Method::GET,
            &format!("/ports?mac_address={mac}"),
            None,
            &auth,
        )
        .await;
    assert_eq!(by_mac.json["ports"][0]["id"], all[0]["id"]);
    let network = all[0]["network_id"].as_str().unwrap();
    let by_network = hw
        .vpc(
            Method::GET,
            &format!("/ports?network_id={network}&name="),
            None,
            &auth,
        )
        .await;
    assert_eq!(by_network.json["ports"].as_array().unwrap().len(), expected);
    let free = hw
        .vpc(
            Method::GET,
            &format!("/ports?id={}", info.free_ports[0].id),
            None,
            &auth,
        )
        .await;
    assert_eq!(free.json["ports"][0]["device_id"], "");
    assert_eq!(
        free.json["ports"][0]["binding:vif_details"]["primary_interface"],
        false
    );
    let paged = hw.vpc(Method::GET, "/ports?limit=3", None, &auth).await;
    let paged = paged.json["ports"].as_array().unwrap().clone();
    assert_eq!(paged.len(), 3);
    let rest = hw
        .vpc(
            Method::GET,
            &format!("/ports?marker={}", paged[2]["id"].as_str().unwrap()),
            None,
            &auth,
        )
        .await;
    assert_eq!(rest.json["ports"].as_array().unwrap().len(), expected - 3);
    let none = hw
        .vpc(Method::GET, "/ports?device_id=unknown", None, &auth)
        .await;
    assert_eq!(none.json["ports"], json!([]));
}

#[tokio::test]
async fn bandwidth_update_is_reflected_on_the_eip() {
    let (hw, auth) = token_hw().await;
    let id = hw.ready(&auth).await;
    let eip = hw.show(&id, &auth).await.json["publicip"].clone();
    let bandwidth_id = eip["bandwidth_id"].as_str().unwrap().to_owned();
    let path = format!("/bandwidths/{bandwidth_id}");
    let updated = hw
        .vpc(
            Method::PUT,
            &path,
            Some(json!({"bandwidth": {"name": "bw-new", "size": 10}})),
            &auth,
        )
        .await;
    assert_eq!(updated.status, 200);
    assert_eq!(updated.json["bandwidth"]["name"], "bw-new");
    assert_eq!(updated.json["bandwidth"]["size"], 10);
    assert_eq!(
        updated.json["bandwidth"]["publicip_info"][0]["publicip_id"],
        id.as_str()
    );
    let eip = hw.show(&id, &auth).await.json["publicip"].clone();
    assert_eq!(
        (eip["bandwidth_name"].clone(), eip["bandwidth_size"].clone()),
        (json!("bw-new"), json!(10))
    );

    // Size only, given as a string (coerced, UpdateBandwidth, https://support.huaweicloud.com/intl/zh-cn/api-eip/eip_apiBandwidth_0003.html); an empty name means unchanged.
    let resized = hw
        .vpc(
            Method::PUT,
            &path,
            Some(json!({"bandwidth": {"name": "", "size": "300"}})),
            &auth,
        )
        .await;
    assert_eq!(resized.json["bandwidth"]["size"], 300);
    let eip = hw.show(&id, &auth).await.json["publicip"].clone();
    assert_eq!(
        (eip["bandwidth_name"].clone(), eip["bandwidth_size"].clone()),
        (json!("bw-new"), json!(300))
    );

    for bad in [
        json!({"bandwidth": {}}),
        json!({"bandwidth": {"size": 0}}),
        json!({"bandwidth": {"name": "a b"}}),
        json!({}),
    ] {
        let answer = hw.vpc(Method::PUT, &path, Some(bad.clone()), &auth).await;
        assert_eq!((answer.status, answer.code()), (400, "VPC.0501"), "{bad}");
    }
}

#[tokio::test]
async fn reset_forgets_eips_and_tokens() {
    let (hw, auth) = token_hw().await;
    hw.create(&auth, None).await;
    assert_eq!(hw.sim.inventory().len(), 1);
    hw.sim.reset();
    assert!(hw.sim.inventory().is_empty());
    let answer = hw.vpc(Method::GET, "/publicips", None, &auth).await;
    assert_eq!(answer.code(), "VPC.0008");
}

#[tokio::test]
async fn concurrent_creates_get_distinct_ids_and_addresses() {
    let (hw, auth) = token_hw().await;
    let creates = (0..300).map(|_| hw.create(&auth, None));
    let ids = futures::future::join_all(creates).await;
    let inventory = hw.sim.inventory();
    assert_eq!(inventory.len(), 300);
    let mut addresses: Vec<String> = inventory.iter().map(|i| i.address.to_string()).collect();
    addresses.sort();
    addresses.dedup();
    assert_eq!(addresses.len(), 300, "no address handed out twice");
    let mut ids = ids;
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 300);
}

#[tokio::test]
async fn ten_thousand_eips_list_in_pages_of_2000() {
    let (hw, auth) = token_hw().await;
    hw.sim
        .control(Cloud::Huawei, "seed_eips", json!({"count": 10_000}))
        .unwrap();
    let started = std::time::Instant::now();
    let mut marker = String::new();
    let mut total = 0;
    loop {
        let query = if marker.is_empty() {
            "?limit=2000".to_owned()
        } else {
            format!("?limit=2000&marker={marker}")
        };
        let page = hw
            .vpc(Method::GET, &format!("/publicips{query}"), None, &auth)
            .await;
        let items = page.json["publicips"].as_array().unwrap().clone();
        if items.is_empty() {
            break;
        }
        total += items.len();
        marker = items.last().unwrap()["id"].as_str().unwrap().to_owned();
    }
    assert_eq!(total, 10_000);
    eprintln!("listed 10,000 EIPs in {:?}", started.elapsed());
}
