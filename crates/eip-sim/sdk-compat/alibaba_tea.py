"""alibabacloud-vpc20160428 (tea / darabonba OpenAPI client) against eip-sim, unchanged.

Pointed at the emulator as alibabacloud-tea-openapi 0.4.6 supports: `Config(endpoint='host:port', protocol='http')`.
The lifecycle runs twice: with the default signature (V3, ACS3-HMAC-SHA256, sorted query, `+` for
spaces) and with `signature_algorithm='v2'` (V1 HMAC-SHA1, `Format=json`, no `SignatureType`).
"""

import uuid

from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
from alibabacloud_tea_openapi.models import Config
from alibabacloud_vpc20160428 import models as vpc
from alibabacloud_vpc20160428.client import Client
from darabonba.policy.retry import RetryOptions

from simcompat import Calls, check, control, host_port, inject, load_info

calls = Calls("alibaba_tea")


def make_client(ali, signature_algorithm=None, key=None, secret=None, token=None, retry=None):
    config = Config(
        access_key_id=key or ali["access_key_id"],
        access_key_secret=secret or ali["access_key_secret"],
        security_token=token,
        region_id=ali["region"],
        endpoint=host_port(ali["endpoint"]),
        protocol="http",
        retry_options=retry,
    )
    if signature_algorithm is not None:
        config.signature_algorithm = signature_algorithm
    return Client(config)


def describe(client, region, allocation_id=None, status=None):
    req = vpc.DescribeEipAddressesRequest(region_id=region, page_size=100, page_number=1,
                                          status=status, allocation_id=allocation_id)
    return client.describe_eip_addresses(req).body


def status_of(client, region, eip):
    found = describe(client, region, allocation_id=eip).eip_addresses.eip_address
    return found[0].status if found else None


def lifecycle(client, ali, label):
    region, instance = ali["region"], ali["instances"][1]
    tag = vpc.AllocateEipAddressRequestTag(key="env", value="test a*b~c d")
    token = f"sdkcompat-{uuid.uuid4().hex}"
    req = vpc.AllocateEipAddressRequest(region_id=region, bandwidth="5", internet_charge_type="PayByTraffic",
                                        client_token=token, tag=[tag], name=f"tea-{label}")
    eip = calls.call(f"AllocateEipAddress[{label}]", client.allocate_eip_address, req).body.allocation_id
    again = calls.call(f"AllocateEipAddress[{label}](same ClientToken)", client.allocate_eip_address, req)
    check(again.body.allocation_id == eip, "ClientToken retry allocated a second EIP")

    page = calls.call(f"DescribeEipAddresses[{label}](Status)", describe, client, region, status="Available")
    mine = [e for e in page.eip_addresses.eip_address if e.allocation_id == eip]
    check(len(mine) == 1, f"{eip} missing from the Available page")
    tags = [(t.key, t.value) for t in mine[0].tags.tag]
    check(tags == [("env", "test a*b~c d")], f"tag did not round-trip: {tags}")

    calls.call(f"AssociateEipAddress[{label}]", client.associate_eip_address,
               vpc.AssociateEipAddressRequest(region_id=region, allocation_id=eip, instance_id=instance,
                                              instance_type="EcsInstance"))
    calls.poll(f"DescribeEipAddresses[{label}](until InUse)", lambda: status_of(client, region, eip),
               lambda s: s == "InUse")

    calls.call(f"ModifyEipAddressAttribute[{label}]", client.modify_eip_address_attribute,
               vpc.ModifyEipAddressAttributeRequest(region_id=region, allocation_id=eip, bandwidth="8",
                                                    name=f"tea-{label}-renamed", description="Modified by tea"))
    row = calls.call(f"DescribeEipAddresses[{label}](AllocationId)", describe, client, region,
                     allocation_id=eip).eip_addresses.eip_address[0]
    check(row.name == f"tea-{label}-renamed" and str(row.bandwidth) == "8", f"modify not applied: {row.to_map()}")
    check(row.instance_id == instance, f"not bound to {instance}")

    calls.call(f"UnassociateEipAddress[{label}]", client.unassociate_eip_address,
               vpc.UnassociateEipAddressRequest(region_id=region, allocation_id=eip, instance_id=instance))
    calls.poll(f"DescribeEipAddresses[{label}](until Available)", lambda: status_of(client, region, eip),
               lambda s: s == "Available")

    calls.call(f"ReleaseEipAddress[{label}]", client.release_eip_address,
               vpc.ReleaseEipAddressRequest(region_id=region, allocation_id=eip))
    calls.poll(f"DescribeEipAddresses[{label}](until gone)", lambda: describe(client, region, allocation_id=eip),
               lambda body: body.total_count == 0 and not body.eip_addresses.eip_address)


def attributes(client, ali, label):
    """TagResources, ListTagResources and the Internet Shared Bandwidth calls of alibabacloud-vpc20160428 7.2.2."""
    region = ali["region"]
    req = vpc.AllocateEipAddressRequest(region_id=region, client_token=f"sdkcompat-{uuid.uuid4().hex}")
    eip = calls.call(f"AllocateEipAddress[{label}](attributes)", client.allocate_eip_address, req).body.allocation_id
    calls.call(f"TagResources[{label}]", client.tag_resources,
               vpc.TagResourcesRequest(region_id=region, resource_type="EIP", resource_id=[eip],
                                       tag=[vpc.TagResourcesRequestTag(key="owner", value="tea a+b")]))
    body = calls.call(f"ListTagResources[{label}]", client.list_tag_resources,
                      vpc.ListTagResourcesRequest(region_id=region, resource_type="EIP", resource_id=[eip])).body
    tags = [(t.tag_key, t.tag_value) for t in body.tag_resources.tag_resource]
    check(tags == [("owner", "tea a+b")], f"tags listed: {tags}")
    page = calls.call(f"DescribeEipAddresses[{label}](Tag filter)", client.describe_eip_addresses,
                      vpc.DescribeEipAddressesRequest(region_id=region, tag=[
                          vpc.DescribeEipAddressesRequestTag(key="owner", value="tea a+b")])).body
    check([e.allocation_id for e in page.eip_addresses.eip_address] == [eip], "tag filter")

    package = ali["bandwidth_packages"][1]
    calls.call(f"AddCommonBandwidthPackageIp[{label}]", client.add_common_bandwidth_package_ip,
               vpc.AddCommonBandwidthPackageIpRequest(region_id=region, bandwidth_package_id=package,
                                                      ip_instance_id=eip, ip_type="EIP",
                                                      client_token=f"sdkcompat-{uuid.uuid4().hex}"))
    row = describe(client, region, allocation_id=eip).eip_addresses.eip_address[0]
    check(row.bandwidth_package_id == package, f"not in {package}: {row.bandwidth_package_id}")
    calls.call(f"RemoveCommonBandwidthPackageIp[{label}]", client.remove_common_bandwidth_package_ip,
               vpc.RemoveCommonBandwidthPackageIpRequest(region_id=region, bandwidth_package_id=package,
                                                         ip_instance_id=eip,
                                                         client_token=f"sdkcompat-{uuid.uuid4().hex}"))
    row = describe(client, region, allocation_id=eip).eip_addresses.eip_address[0]
    check(not row.bandwidth_package_id, f"still in a package: {row.bandwidth_package_id}")
    calls.call(f"ReleaseEipAddress[{label}](attributes)", client.release_eip_address,
               vpc.ReleaseEipAddressRequest(region_id=region, allocation_id=eip))


def expected_errors(client, ali, label):
    req = vpc.ReleaseEipAddressRequest(region_id=ali["region"], allocation_id="eip-sdkcompatdoesnotexist")
    err = calls.expect_error(f"ReleaseEipAddress[{label}](unknown id)", AlibabaCloudException,
                             client.release_eip_address, req)
    check(err.code == "InvalidAllocationId.NotFound", f"error code {err.code}")
    check(err.status_code == 404, f"http status {err.status_code}")
    check(bool(err.request_id), "no RequestId in the error")


def wrong_secret(ali, label, algorithm):
    """A client with a wrong secret must be refused: the emulator really checks what the SDK signs."""
    client = make_client(ali, algorithm, secret="not-the-secret")
    err = calls.expect_error(f"DescribeEipAddresses[{label}](wrong secret)", AlibabaCloudException,
                             describe, client, ali["region"])
    check(err.code in ("SignatureDoesNotMatch", "IncompleteSignature"), f"error code {err.code}")


def no_region(client, label):
    """the official SDKs (aliyun-python-sdk-core 2.16.1, alibabacloud-tea-openapi 0.4.6): tea never adds RegionId on its own; the emulator must not require it."""
    body = calls.call(f"DescribeEipAddresses[{label}](no RegionId)", client.describe_eip_addresses,
                      vpc.DescribeEipAddressesRequest()).body
    check(body.total_count is not None, "answered without TotalCount")


def injected_faults(info, client, label):
    """Fault answers parse into tea's exceptions: ClientException for 4xx, ServerException for 5xx."""
    for kind, status, code, name in (("throttled", 400, "Throttling.User", "ClientException"),
                                     ("unavailable", 503, "ServiceUnavailable", "ServerException"),
                                     ("internal", 500, "InternalError", "ServerException"),
                                     ("busy", 409, "OperationConflict", "ClientException")):
        inject(info, "alibaba", "DescribeEipAddresses", {"error": kind})
        err = calls.expect_error(f"DescribeEipAddresses[{label}]({kind} fault)", AlibabaCloudException,
                                 describe, client, info["alibaba"]["region"])
        check((err.status_code, err.code, err.name) == (status, code, name),
              f"{kind}: {err.status_code} {err.code} {err.name}")
        check(bool(err.request_id), f"{kind}: no RequestId")


def retried_throttling(info, label, algorithm):
    """the API reference error codes, https://api.alibabacloud.com/document/Vpc/2016-04-28/errorCode: with retry_options, tea re-signs (new nonce and date) and retries; two
    throttled answers then a success: the emulator accepts the retries and logs three requests."""
    retry = RetryOptions({"retryable": True, "retryCondition": [
        {"maxAttempts": 3, "errorCode": ["Throttling.User"], "backoff": {"policy": "Fixed", "period": 10}}]})
    client = make_client(info["alibaba"], algorithm, retry=retry)
    control(info, "DELETE", "/requests")
    inject(info, "alibaba", "DescribeEipAddresses", {"error": "throttled"}, times=2)
    calls.call(f"DescribeEipAddresses[{label}](retried x2 after throttling)", describe, client,
               info["alibaba"]["region"])
    statuses = [r["status"] for r in control(info, "GET", "/requests") if r["cloud"] == "alibaba"]
    check(statuses == [400, 400, 200], f"request log after retries: {statuses}")


def sts_round(ali, label, algorithm):
    """STS (aliyun-python-sdk-core 2.16.1, alibabacloud-tea-openapi 0.4.6): V3 headers x-acs-security-token + x-acs-accesskey-id, V1 SecurityToken."""
    sts = ali["sts"]
    client = make_client(ali, algorithm, key=sts["access_key_id"], secret=sts["access_key_secret"],
                         token=sts["security_token"])
    body = calls.call(f"DescribeEipAddresses[{label}](STS)", describe, client, ali["region"])
    check(body.total_count is not None, "STS describe answered without TotalCount")


def main():
    info = load_info()
    ali = info["alibaba"]
    for label, algorithm in (("v3", None), ("v1", "v2")):
        client = make_client(ali, algorithm)
        lifecycle(client, ali, label)
        attributes(client, ali, label)
        expected_errors(client, ali, label)
        wrong_secret(ali, label, algorithm)
        no_region(client, label)
        injected_faults(info, client, label)
        retried_throttling(info, label, algorithm)
        if "sts" in ali:
            sts_round(ali, label, algorithm)
    calls.summary()


if __name__ == "__main__":
    main()
