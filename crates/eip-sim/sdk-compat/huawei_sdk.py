"""huaweicloudsdkeip / huaweicloudsdkvpc / huaweicloudsdkiam (AK/SK) and a plain Keystone client against
eip-sim, unchanged.

Pointed at the emulator as huaweicloud-sdk-python-v3 3.1.219 supports: `BasicCredentials(ak, sk, project_id)` with
`with_endpoints(["http://host:port"])`; and, for the project-id discovery path, no project_id,
`with_region(Region(name, endpoint))` and `HUAWEICLOUD_SDK_IAM_ENDPOINT`.
"""

import os
import threading

import requests
from huaweicloudsdkcore.auth.credentials import BasicCredentials, GlobalCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException, SdkException, ServerResponseException
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkcore.region.region import Region
from huaweicloudsdkeip.v2 import (
    AddPublicipsIntoSharedBandwidthOption,
    AddPublicipsIntoSharedBandwidthRequest,
    AddPublicipsIntoSharedBandwidthRequestBody,
    BatchCreatePublicipTagsRequest,
    BatchCreatePublicipTagsRequestBody,
    BatchDeletePublicipTagsRequest,
    BatchDeletePublicipTagsRequestBody,
    CreatePublicipBandwidthOption,
    CreatePublicipTagRequest,
    CreatePublicipTagRequestBody,
    InsertPublicipInfo,
    ListPublicipsByTagsRequest,
    ListPublicipsByTagsRequestBody,
    ListPublicipTagsRequest,
    RemoveFromSharedBandwidthOption,
    RemovePublicipInfo,
    RemovePublicipsFromSharedBandwidthRequest,
    RemovePublicipsFromSharedBandwidthRequestBody,
    ResourceTagOption,
    ShowPublicipTagsRequest,
    TagReq,
    CreatePublicipOption,
    CreatePublicipRequest,
    CreatePublicipRequestBody,
    DeletePublicipRequest,
    EipClient,
    ListPublicipsRequest,
    ShowPublicipRequest,
    UpdateBandwidthOption,
    UpdateBandwidthRequest,
    UpdateBandwidthRequestBody,
    UpdatePublicipOption,
    UpdatePublicipRequest,
    UpdatePublicipsRequestBody,
)
from huaweicloudsdkiam.v3 import (
    AuthScope,
    AuthScopeProject,
    IamClient,
    KeystoneCreateUserTokenByPasswordRequest,
    KeystoneCreateUserTokenByPasswordRequestBody,
    PwdAuth,
    PwdIdentity,
    PwdPassword,
    PwdPasswordUser,
    PwdPasswordUserDomain,
)
from huaweicloudsdkvpc.v2 import ListPortsRequest, VpcClient

from simcompat import Calls, check, control, inject, load_info

calls = Calls("huawei_sdk")


def eip_client(hw, project_id=True, retry_times=0):
    if project_id:
        cred = BasicCredentials(hw["access_key"], hw["secret_key"], hw["project_id"])
        config = HttpConfig.get_default_config()
        config.retry_times = retry_times
        builder = EipClient.new_builder().with_credentials(cred).with_http_config(config)
        return builder.with_endpoints([hw["vpc_endpoint"]]).build()
    # huaweicloud-sdk-python-v3 3.1.219: without project_id the SDK asks IAM (GET /v3/projects?name=<region>) first.
    os.environ["HUAWEICLOUD_SDK_IAM_ENDPOINT"] = hw["iam_endpoint"]
    cred = BasicCredentials(hw["access_key"], hw["secret_key"])
    region = Region(hw["region"], hw["vpc_endpoint"])
    return EipClient.new_builder().with_credentials(cred).with_region(region).build()


def show(client, eip_id):
    return client.show_publicip(ShowPublicipRequest(publicip_id=eip_id)).publicip


def create(client):
    body = CreatePublicipRequestBody(
        bandwidth=CreatePublicipBandwidthOption(charge_mode="traffic", name="bw-sdk-compat", share_type="PER", size=5),
        publicip=CreatePublicipOption(type="5_bgp", alias="eip-sdk-compat"),
    )
    created = calls.call("create_publicip", client.create_publicip, CreatePublicipRequest(body=body)).publicip
    calls.poll("show_publicip(until DOWN)", lambda: show(client, created.id).status, lambda s: s == "DOWN")
    return show(client, created.id)


def primary_port(hw, server):
    """VpcClient.list_ports(device_id=...) and the primary interface (ListPorts, https://support.huaweicloud.com/intl/en-us/api-vpc/vpc_port01_0003.html)."""
    cred = BasicCredentials(hw["access_key"], hw["secret_key"], hw["project_id"])
    vpc = VpcClient.new_builder().with_credentials(cred).with_endpoints([hw["vpc_endpoint"]]).build()
    ports = calls.call("list_ports(device_id)", vpc.list_ports, ListPortsRequest(device_id=server["id"])).ports
    primary = [p for p in ports if p.bindingvif_details is not None and p.bindingvif_details.primary_interface]
    check([p.id for p in primary] == [server["primary_port_id"]], f"primary port of {server['id']}: {primary}")
    return primary[0]


def bind_unbind(client, eip, port):
    update = UpdatePublicipRequest(publicip_id=eip.id,
                                   body=UpdatePublicipsRequestBody(publicip=UpdatePublicipOption(port_id=port.id)))
    calls.call("update_publicip(bind)", client.update_publicip, update)
    bound = calls.poll("show_publicip(until ACTIVE)", lambda: show(client, eip.id), lambda p: p.status == "ACTIVE")
    check(bound.port_id == port.id and bound.private_ip_address == port.fixed_ips[0].ip_address,
          f"bound to the wrong port: {bound.port_id} {bound.private_ip_address}")

    listed = calls.call("list_publicips(port_id x2, public_ip_address)", client.list_publicips, ListPublicipsRequest(
        limit=100, port_id=[port.id, "d00f9c35-0000-0000-0000-00000000ffff"],
        public_ip_address=[eip.public_ip_address], enterprise_project_id="all_granted_eps")).publicips
    check([p.id for p in listed] == [eip.id], f"filtered list: {[p.id for p in listed]}")

    # huaweicloud-sdk-python-v3 3.1.219: port_id=None serialises as {"publicip": {}}, which unbinds.
    unbind = UpdatePublicipRequest(publicip_id=eip.id,
                                   body=UpdatePublicipsRequestBody(publicip=UpdatePublicipOption()))
    calls.call("update_publicip(unbind {})", client.update_publicip, unbind)
    down = calls.poll("show_publicip(until DOWN)", lambda: show(client, eip.id), lambda p: p.status == "DOWN")
    check(down.port_id is None, f"still bound after unbind: {down.port_id}")


def secondary_port_round(client, eip, server):
    """Alias alone in a PUT, a bind to a secondary port, the `{"publicip": {"port_id": ""}}` unbind
    (UpdatePublicip, https://support.huaweicloud.com/intl/zh-cn/api-eip/eip_api_0004.html) and the private_ip_address list filter."""
    renamed = calls.call("update_publicip(alias only)", client.update_publicip, UpdatePublicipRequest(
        publicip_id=eip.id, body=UpdatePublicipsRequestBody(publicip=UpdatePublicipOption(alias="eip-renamed"))))
    check(renamed.publicip.alias == "eip-renamed", f"alias {renamed.publicip.alias}")
    port = server["secondary_ports"][0]
    calls.call("update_publicip(bind secondary)", client.update_publicip, UpdatePublicipRequest(
        publicip_id=eip.id, body=UpdatePublicipsRequestBody(publicip=UpdatePublicipOption(port_id=port["id"]))))
    calls.poll("show_publicip(until ACTIVE)", lambda: show(client, eip.id).status, lambda s: s == "ACTIVE")
    listed = calls.call("list_publicips(private_ip_address)", client.list_publicips, ListPublicipsRequest(
        private_ip_address=[port["ip_address"], "10.255.255.254"])).publicips
    check([p.id for p in listed] == [eip.id], f"private_ip_address filter: {[p.id for p in listed]}")
    calls.call("update_publicip(unbind port_id='')", client.update_publicip, UpdatePublicipRequest(
        publicip_id=eip.id, body=UpdatePublicipsRequestBody(publicip=UpdatePublicipOption(port_id=""))))
    calls.poll("show_publicip(until DOWN)", lambda: show(client, eip.id).status, lambda s: s == "DOWN")


def paging(client, eips):
    """Marker pagination (ListPublicips, https://support.huaweicloud.com/intl/en-us/api-eip/eip_api_0003.html): pages of 1 until an empty page; and the repeated id filter."""
    seen, marker = [], None
    while True:
        page = calls.call("list_publicips(limit=1, marker)", client.list_publicips,
                          ListPublicipsRequest(limit=1, marker=marker)).publicips
        if not page:
            break
        seen.append(page[0].id)
        marker = page[0].id
    check(len(seen) == len(set(seen)) and set(e.id for e in eips) <= set(seen), f"pages: {seen}")
    by_id = calls.call("list_publicips(id x2)", client.list_publicips,
                       ListPublicipsRequest(id=[e.id for e in eips])).publicips
    check(sorted(p.id for p in by_id) == sorted(e.id for e in eips), "id filter")


def concurrent_clients(hw):
    """huaweicloud-sdk-python-v3 3.1.219: several clients keep their own keep-alive connections open at once."""
    clients = [eip_client(hw) for _ in range(3)]
    errors = []

    def work(client):
        try:
            for _ in range(10):
                client.list_publicips(ListPublicipsRequest(limit=1))
        except SdkException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    calls.count += 30
    check(not errors and not any(t.is_alive() for t in threads), f"concurrent clients: {errors}")


def injected_faults(info, hw, client):
    """Fault answers parse into the SDK's exceptions with the documented codes and a request id.
    A 429 is different: the SDK's urllib3 Retry (retry_times 0 by default) turns it into a
    ClientRequestException 429 without reading the body; with retry_times > 0 it retries
    (the EIP error codes, https://support.huaweicloud.com/intl/en-us/api-eip/ErrorCode.html)."""
    for kind, exc_type, status, code in (("unavailable", ServerResponseException, 503, "APIGW.0202"),
                                         ("internal", ServerResponseException, 500, "VPC.0514"),
                                         ("busy", ClientRequestException, 409, "VPC.0512")):
        inject(info, "huawei", "ListPublicips", {"error": kind})
        err = calls.expect_error(f"list_publicips({kind} fault)", exc_type, client.list_publicips,
                                 ListPublicipsRequest())
        check((err.status_code, err.error_code) == (status, code), f"{kind}: {err.status_code} {err.error_code}")
        check(bool(err.request_id), f"{kind}: no request_id")
    inject(info, "huawei", "ListPublicips", {"error": "throttled"})
    err = calls.expect_error("list_publicips(throttled, no retry)", ClientRequestException,
                             client.list_publicips, ListPublicipsRequest())
    check(err.status_code == 429, f"throttled: {err.status_code}")
    control(info, "DELETE", "/requests")
    inject(info, "huawei", "ListPublicips", {"error": "throttled"})
    calls.call("list_publicips(throttled once, retry_times=2)", eip_client(hw, retry_times=2).list_publicips,
               ListPublicipsRequest())
    statuses = [r["status"] for r in control(info, "GET", "/requests") if r["cloud"] == "huawei"]
    check(statuses == [429, 200], f"request log after the 429 retry: {statuses}")


def resize(client, eip):
    body = UpdateBandwidthRequestBody(bandwidth=UpdateBandwidthOption(name="bw-sdk-compat-new", size=10))
    calls.call("update_bandwidth", client.update_bandwidth,
               UpdateBandwidthRequest(bandwidth_id=eip.bandwidth_id, body=body))
    after = calls.call("show_publicip", show, client, eip.id)
    check(after.bandwidth_size == 10 and after.bandwidth_name == "bw-sdk-compat-new",
          f"bandwidth not reflected: {after.bandwidth_size} {after.bandwidth_name}")


def tags(client, eip, spare):
    """The v2.0 tag API (https://support.huaweicloud.com/intl/zh-cn/api-eip/eip_apitag_0004.html and
    ListPublicipsByTags, https://support.huaweicloud.com/api-eip/eip_apitag_0005.html): batch create, one tag,
    show, the project's tags, a tag-filtered query, a count, and a batch delete."""
    calls.call("batch_create_publicip_tags", client.batch_create_publicip_tags, BatchCreatePublicipTagsRequest(
        publicip_id=eip.id, body=BatchCreatePublicipTagsRequestBody(action="create", tags=[
            ResourceTagOption(key="team", value="web"), ResourceTagOption(key="env", value="prod")])))
    calls.call("create_publicip_tag", client.create_publicip_tag, CreatePublicipTagRequest(
        publicip_id=spare.id, body=CreatePublicipTagRequestBody(tag=ResourceTagOption(key="team", value="db"))))
    shown = calls.call("show_publicip_tags", client.show_publicip_tags, ShowPublicipTagsRequest(publicip_id=eip.id))
    check(sorted((t.key, t.value) for t in shown.tags) == [("env", "prod"), ("team", "web")], f"tags: {shown.tags}")
    check(sorted(show(client, eip.id).tags) == ["env=prod", "team=web"], "publicip object tags")
    project = calls.call("list_publicip_tags", client.list_publicip_tags, ListPublicipTagsRequest())
    check({t.key: sorted(t.values) for t in project.tags} == {"env": ["prod"], "team": ["db", "web"]},
          f"project tags: {project.tags}")
    found = calls.call("list_publicips_by_tags(filter)", client.list_publicips_by_tags, ListPublicipsByTagsRequest(
        body=ListPublicipsByTagsRequestBody(action="filter", limit=10, offset=0,
                                            tags=[TagReq(key="team", values=["web"])])))
    check([r.resource_id for r in found.resources] == [eip.id] and found.total_count == 1,
          f"filtered: {found.resources} {found.total_count}")
    counted = calls.call("list_publicips_by_tags(count)", client.list_publicips_by_tags, ListPublicipsByTagsRequest(
        body=ListPublicipsByTagsRequestBody(action="count", tags=[TagReq(key="team", values=[])])))
    check(counted.total_count == 2, f"count: {counted.total_count}")
    calls.call("batch_delete_publicip_tags", client.batch_delete_publicip_tags, BatchDeletePublicipTagsRequest(
        publicip_id=eip.id, body=BatchDeletePublicipTagsRequestBody(action="delete", tags=[
            ResourceTagOption(key="team", value="web"), ResourceTagOption(key="absent", value="x")])))
    after = client.show_publicip_tags(ShowPublicipTagsRequest(publicip_id=eip.id))
    check([(t.key, t.value) for t in after.tags] == [("env", "prod")], f"after delete: {after.tags}")
    err = calls.expect_error("batch_create_publicip_tags(37-character key)", ClientRequestException,
                             client.batch_create_publicip_tags, BatchCreatePublicipTagsRequest(
                                 publicip_id=eip.id, body=BatchCreatePublicipTagsRequestBody(
                                     action="create", tags=[ResourceTagOption(key="k" * 37, value="v")])))
    check((err.status_code, err.error_code) == (400, "VPC.0501"), f"long key: {err.status_code} {err.error_code}")


def shared_bandwidth(client, hw, eip):
    """Insert into and remove from a shared bandwidth
    (https://support.huaweicloud.com/intl/en-us/api-eip/eip_apisharedbandwidth_0004.html, ..._0005.html)."""
    shared = hw["shared_bandwidths"][0]["id"]
    calls.call("add_publicips_into_shared_bandwidth", client.add_publicips_into_shared_bandwidth,
               AddPublicipsIntoSharedBandwidthRequest(bandwidth_id=shared, body=AddPublicipsIntoSharedBandwidthRequestBody(
                   bandwidth=AddPublicipsIntoSharedBandwidthOption(publicip_info=[InsertPublicipInfo(publicip_id=eip.id)]))))
    joined = show(client, eip.id)
    check((joined.bandwidth_share_type, joined.bandwidth_id) == ("WHOLE", shared),
          f"after insert: {joined.bandwidth_share_type} {joined.bandwidth_id}")
    calls.call("remove_publicips_from_shared_bandwidth", client.remove_publicips_from_shared_bandwidth,
               RemovePublicipsFromSharedBandwidthRequest(bandwidth_id=shared, body=RemovePublicipsFromSharedBandwidthRequestBody(
                   bandwidth=RemoveFromSharedBandwidthOption(charge_mode="bandwidth", size=7,
                                                             publicip_info=[RemovePublicipInfo(publicip_id=eip.id)]))))
    left = show(client, eip.id)
    check((left.bandwidth_share_type, left.bandwidth_size) == ("PER", 7),
          f"after remove: {left.bandwidth_share_type} {left.bandwidth_size}")


def delete(client, eip):
    calls.call("delete_publicip", client.delete_publicip, DeletePublicipRequest(publicip_id=eip.id))

    def gone():
        try:
            show(client, eip.id)
            return False
        except ClientRequestException as exc:
            return exc.status_code == 404

    calls.poll("show_publicip(until 404)", gone, lambda g: g)
    err = calls.expect_error("show_publicip(deleted)", ClientRequestException, show, client, eip.id)
    check(err.status_code == 404 and err.error_code == "VPC.0504", f"{err.status_code} {err.error_code}")
    check(bool(err.request_id), "no request_id from X-Request-Id")


def discovery(hw):
    client = eip_client(hw, project_id=False)
    listed = calls.call("list_publicips(project id discovered via IAM)", client.list_publicips,
                        ListPublicipsRequest(limit=10))
    check(listed.publicips is not None, "discovery-path list answered without publicips")


def password_auth(hw):
    user = PwdPasswordUser(domain=PwdPasswordUserDomain(name=hw["domain_name"]), name=hw["user_name"],
                           password=hw["password"])
    return PwdAuth(identity=PwdIdentity(methods=["password"], password=PwdPassword(user=user)),
                   scope=AuthScope(project=AuthScopeProject(name=hw["project_name"])))


def keystone_sdk(hw):
    """huaweicloudsdkiam: AK/SK-signed POST /v3/auth/tokens?nocatalog=true (huaweicloud-sdk-python-v3 3.1.219)."""
    cred = GlobalCredentials(hw["access_key"], hw["secret_key"], hw["domain_id"])
    iam = IamClient.new_builder().with_credentials(cred).with_endpoints([hw["iam_endpoint"]]).build()
    req = KeystoneCreateUserTokenByPasswordRequest(
        nocatalog="true", body=KeystoneCreateUserTokenByPasswordRequestBody(auth=password_auth(hw)))
    resp = calls.call("keystone_create_user_token_by_password", iam.keystone_create_user_token_by_password, req)
    check(bool(resp.x_subject_token), "no X-Subject-Token")
    check(resp.token.project.id == hw["project_id"], f"token scoped to {resp.token.project.id}")
    check(resp.token.catalog in (None, []), "nocatalog=true still returned a catalog")
    return resp.x_subject_token


def keystone_wrong_password(hw):
    cred = GlobalCredentials(hw["access_key"], hw["secret_key"], hw["domain_id"])
    iam = IamClient.new_builder().with_credentials(cred).with_endpoints([hw["iam_endpoint"]]).build()
    auth = password_auth(hw)
    auth.identity.password.user.password = "not-the-password"
    req = KeystoneCreateUserTokenByPasswordRequest(nocatalog="true",
                                                   body=KeystoneCreateUserTokenByPasswordRequestBody(auth=auth))
    err = calls.expect_error("keystone_create_user_token_by_password(wrong password)", ClientRequestException,
                             iam.keystone_create_user_token_by_password, req)
    check(err.status_code == 401, f"wrong password: {err.status_code}")


def keystone_plain(hw):
    """Any Keystone v3 client: plain requests, no signing."""
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "domain": {"name": hw["domain_name"]}, "name": hw["user_name"], "password": hw["password"]}}},
        "scope": {"project": {"id": hw["project_id"]}}}}
    calls.count += 1
    resp = requests.post(f"{hw['iam_endpoint']}/v3/auth/tokens?nocatalog=true", json=body, timeout=10)
    check(resp.status_code == 201, f"Keystone token: HTTP {resp.status_code}")
    check(resp.json()["token"]["expires_at"].endswith("Z"), "expires_at without Z")
    return resp.headers["X-Subject-Token"]


def token_call(hw, token, label):
    calls.count += 1
    url = f"{hw['vpc_endpoint']}/v1/{hw['project_id']}/publicips?limit=5"
    resp = requests.get(url, headers={"X-Auth-Token": token}, timeout=10)
    check(resp.status_code == 200 and "publicips" in resp.json(), f"X-Auth-Token ({label}): HTTP {resp.status_code}")
    calls.count += 1
    bad = requests.get(url, headers={"X-Auth-Token": token + "x"}, timeout=10)
    check(bad.status_code == 401, f"tampered token accepted: HTTP {bad.status_code}")


def main():
    info = load_info()
    hw = info["huawei"]
    client = eip_client(hw)
    eip = create(client)
    spare = create(client)
    port = primary_port(hw, hw["servers"][0])
    bind_unbind(client, eip, port)
    secondary_port_round(client, eip, hw["servers"][0])
    paging(client, [eip, spare])
    resize(client, eip)
    tags(client, eip, spare)
    shared_bandwidth(client, hw, spare)
    delete(client, eip)
    delete(client, spare)
    discovery(hw)
    concurrent_clients(hw)
    injected_faults(info, hw, client)
    token_call(hw, keystone_sdk(hw), "huaweicloudsdkiam")
    keystone_wrong_password(hw)
    token_call(hw, keystone_plain(hw), "requests")
    calls.summary()


if __name__ == "__main__":
    main()
