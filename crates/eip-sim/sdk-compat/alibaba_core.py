"""aliyun-python-sdk-core (AcsClient, signature V1) + aliyun-python-sdk-vpc against eip-sim, unchanged.

Pointed at the emulator in the ways aliyun-python-sdk-core 2.16.1 supports: way B (`add_endpoint(region, 'Vpc', host:port)`)
for the main client, way A (`set_endpoint` + `set_protocol_type('http')` per request) for the STS one.
"""

import json
import uuid

from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.auth.credentials import StsTokenCredential
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest
from aliyunsdkvpc.request.v20160428.AllocateEipAddressRequest import AllocateEipAddressRequest
from aliyunsdkvpc.request.v20160428.AssociateEipAddressRequest import AssociateEipAddressRequest
from aliyunsdkvpc.request.v20160428.DescribeEipAddressesRequest import DescribeEipAddressesRequest
from aliyunsdkvpc.request.v20160428.ModifyEipAddressAttributeRequest import ModifyEipAddressAttributeRequest
from aliyunsdkvpc.request.v20160428.ReleaseEipAddressRequest import ReleaseEipAddressRequest
from aliyunsdkvpc.request.v20160428.UnassociateEipAddressRequest import UnassociateEipAddressRequest
from aliyunsdkvpc.request.v20160428.TagResourcesRequest import TagResourcesRequest
from aliyunsdkvpc.request.v20160428.ListTagResourcesRequest import ListTagResourcesRequest
from aliyunsdkvpc.request.v20160428.UnTagResourcesRequest import UnTagResourcesRequest
from aliyunsdkvpc.request.v20160428.AddCommonBandwidthPackageIpRequest import AddCommonBandwidthPackageIpRequest
from aliyunsdkvpc.request.v20160428.RemoveCommonBandwidthPackageIpRequest import RemoveCommonBandwidthPackageIpRequest
from aliyunsdkvpc.request.v20160428.DescribeCommonBandwidthPackagesRequest import DescribeCommonBandwidthPackagesRequest

from simcompat import Calls, check, host_port, inject, load_info

TAG = {"Key": "env", "Value": "test a*b~c d"}  # a space and `*`: aliyun-python-sdk-core 2.16.1 percent-encoding
calls = Calls("alibaba_core")


def send(client, request):
    """do_action_with_exception returns the raw body bytes (aliyun-python-sdk-core 2.16.1, alibabacloud-tea-openapi 0.4.6)."""
    return json.loads(client.do_action_with_exception(request))


def allocate(client, token):
    req = AllocateEipAddressRequest()
    req.set_Bandwidth("5")
    req.set_InternetChargeType("PayByTraffic")
    req.set_ClientToken(token)
    req.set_Tags([TAG])
    return calls.call("AllocateEipAddress", send, client, req)


def describe(client, allocation_id=None, status=None):
    req = DescribeEipAddressesRequest()
    req.set_PageSize(100)
    req.set_PageNumber(1)
    if status is not None:
        req.set_Status(status)
    if allocation_id is not None:
        req.set_AllocationId(allocation_id)
    return send(client, req)


def eips(body):
    return body["EipAddresses"]["EipAddress"]


def status_of(client, allocation_id):
    found = eips(describe(client, allocation_id=allocation_id))
    return found[0]["Status"] if found else None


def lifecycle(client, instance_id):
    token = f"sdkcompat-{uuid.uuid4().hex}"
    first = allocate(client, token)
    eip = first["AllocationId"]
    again = allocate(client, token)  # same ClientToken, same parameters: the original result
    check(again["AllocationId"] == eip, "ClientToken retry allocated a second EIP")

    listed = calls.call("DescribeEipAddresses(Status=Available)", describe, client, status="Available")
    mine = [e for e in eips(listed) if e["AllocationId"] == eip]
    check(len(mine) == 1, f"{eip} missing from the Available page")
    check(mine[0]["Tags"]["Tag"] == [TAG], f"tag did not round-trip: {mine[0].get('Tags')}")
    check(listed["PageSize"] == 100 and listed["PageNumber"] == 1, "paging echo")

    req = AssociateEipAddressRequest()
    req.set_AllocationId(eip)
    req.set_InstanceId(instance_id)
    req.set_InstanceType("EcsInstance")
    calls.call("AssociateEipAddress", send, client, req)
    calls.poll("DescribeEipAddresses(until InUse)", lambda: status_of(client, eip), lambda s: s == "InUse")

    req = ModifyEipAddressAttributeRequest()
    req.set_AllocationId(eip)
    req.set_Name("sdk-compat.core")
    req.set_Bandwidth("10")
    req.set_Description("Modified by aliyun-python-sdk-core")
    calls.call("ModifyEipAddressAttribute", send, client, req)
    row = eips(calls.call("DescribeEipAddresses(AllocationId)", describe, client, allocation_id=eip))[0]
    check(row["Name"] == "sdk-compat.core" and str(row["Bandwidth"]) == "10", f"modify not applied: {row}")
    check(row["InstanceId"] == instance_id, f"not bound to {instance_id}: {row}")

    req = UnassociateEipAddressRequest()
    req.set_AllocationId(eip)
    req.set_InstanceId(instance_id)
    calls.call("UnassociateEipAddress", send, client, req)
    calls.poll("DescribeEipAddresses(until Available)", lambda: status_of(client, eip), lambda s: s == "Available")

    req = ReleaseEipAddressRequest()
    req.set_AllocationId(eip)
    calls.call("ReleaseEipAddress", send, client, req)
    calls.poll("DescribeEipAddresses(until gone)", lambda: describe(client, allocation_id=eip),
               lambda body: body["TotalCount"] == 0 and eips(body) == [])
    return eip


def attributes(client, ali):
    """Tags and Internet Shared Bandwidth membership, as aliyun-python-sdk-vpc 3.0.48 sends them."""
    eip = allocate(client, f"sdkcompat-{uuid.uuid4().hex}")["AllocationId"]

    req = TagResourcesRequest()
    req.set_ResourceType("EIP")
    req.set_ResourceIds([eip])
    req.set_Tags([{"Key": "owner", "Value": "sdk compat"}])
    calls.call("TagResources", send, client, req)
    req = ListTagResourcesRequest()
    req.set_ResourceType("EIP")
    req.set_ResourceIds([eip])
    rows = calls.call("ListTagResources", send, client, req)["TagResources"]["TagResource"]
    tags = sorted((r["TagKey"], r["TagValue"]) for r in rows if r["ResourceId"] == eip)
    check(tags == [("env", TAG["Value"]), ("owner", "sdk compat")], f"tags listed: {tags}")
    req = UnTagResourcesRequest()
    req.set_ResourceType("EIP")
    req.set_ResourceIds([eip])
    req.set_TagKeys(["owner"])
    calls.call("UnTagResources", send, client, req)
    row = eips(describe(client, allocation_id=eip))[0]
    check(row["Tags"]["Tag"] == [TAG], f"untag not applied: {row['Tags']}")

    # The 21st tag is refused with the documented code.
    req = TagResourcesRequest()
    req.set_ResourceType("EIP")
    req.set_ResourceIds([eip])
    req.set_Tags([{"Key": f"k{n}", "Value": "v"} for n in range(19)])
    calls.call("TagResources(19 more)", send, client, req)
    req.set_Tags([{"Key": "one-too-many", "Value": "v"}])
    err = calls.expect_error("TagResources(21st tag)", ServerException, client.do_action_with_exception, req)
    check(err.get_error_code() == "OperationDenied.QuotaExceed", f"error code {err.get_error_code()}")

    package = ali["bandwidth_packages"][0]
    req = AddCommonBandwidthPackageIpRequest()
    req.set_BandwidthPackageId(package)
    req.set_IpInstanceId(eip)
    req.set_IpType("EIP")
    req.set_ClientToken(f"sdkcompat-{uuid.uuid4().hex}")
    calls.call("AddCommonBandwidthPackageIp", send, client, req)
    row = eips(describe(client, allocation_id=eip))[0]
    check(row["BandwidthPackageId"] == package, f"not in {package}: {row['BandwidthPackageId']}")
    req = DescribeCommonBandwidthPackagesRequest()
    req.set_BandwidthPackageId(package)
    body = calls.call("DescribeCommonBandwidthPackages", send, client, req)
    members = body["CommonBandwidthPackages"]["CommonBandwidthPackage"][0]["PublicIpAddresses"]["PublicIpAddresse"]
    check([m["AllocationId"] for m in members] == [eip], f"package members: {members}")
    req = RemoveCommonBandwidthPackageIpRequest()
    req.set_BandwidthPackageId(package)
    req.set_IpInstanceId(eip)
    req.set_ClientToken(f"sdkcompat-{uuid.uuid4().hex}")
    calls.call("RemoveCommonBandwidthPackageIp", send, client, req)
    row = eips(describe(client, allocation_id=eip))[0]
    check(row["BandwidthPackageId"] == "", f"still in a package: {row['BandwidthPackageId']}")

    req = ReleaseEipAddressRequest()
    req.set_AllocationId(eip)
    calls.call("ReleaseEipAddress(attributes)", send, client, req)


def expected_error(client):
    req = ReleaseEipAddressRequest()
    req.set_AllocationId("eip-sdkcompatdoesnotexist")
    err = calls.expect_error("ReleaseEipAddress(unknown id)", ServerException, client.do_action_with_exception, req)
    check(err.get_error_code() == "InvalidAllocationId.NotFound", f"error code {err.get_error_code()}")
    check(err.get_http_status() == 404, f"http status {err.get_http_status()}")
    check(bool(err.get_request_id()), "no RequestId in the error")


def wrong_secret(ali, endpoint):
    """the API reference error codes, https://api.alibabacloud.com/document/Vpc/2016-04-28/errorCode: on SignatureDoesNotMatch, core compares the server's string to sign with its
    own and, when they are equal, reports InvalidAccessKeySecret. So this code proves that the
    emulator canonicalised the SDK's request exactly as the SDK did, and still refused the secret."""
    client = AcsClient(ali["access_key_id"], "not-the-secret", ali["region"])
    client.add_endpoint(ali["region"], "Vpc", endpoint)
    err = calls.expect_error("DescribeEipAddresses(wrong secret)", ServerException,
                             client.do_action_with_exception, DescribeEipAddressesRequest())
    check(err.get_error_code() == "InvalidAccessKeySecret", f"error code {err.get_error_code()}")


def other_shapes(ali, endpoint):
    """Way C (port argument), GET, and a CommonRequest with parameters in a form body (aliyun-python-sdk-core 2.16.1, alibabacloud-tea-openapi 0.4.6)."""
    host, port = endpoint.rsplit(":", 1)
    client = AcsClient(ali["access_key_id"], ali["access_key_secret"], ali["region"], port=int(port))
    req = DescribeEipAddressesRequest()
    req.set_endpoint(host)
    req.set_protocol_type("http")
    req.set_method("GET")
    req.set_PageSize(3)
    body = calls.call("DescribeEipAddresses(GET, way C)", send, client, req)
    check(body["PageSize"] == 3, f"GET page size {body['PageSize']}")

    client = AcsClient(ali["access_key_id"], ali["access_key_secret"], ali["region"])
    common = CommonRequest(domain=endpoint, version="2016-04-28", action_name="DescribeEipAddresses")
    common.set_method("POST")
    common.set_protocol_type("http")
    common.add_query_param("PageNumber", "1")
    common.add_body_params("PageSize", "7")
    common.add_body_params("Status", "Available")
    body = calls.call("DescribeEipAddresses(CommonRequest, form body)", send, client, common)
    check(body["PageSize"] == 7, f"form-body page size {body['PageSize']}")


def injected_faults(info, client):
    """The emulator's fault answers parse into the SDK's ServerException with the documented codes."""
    for kind, status, code in (("throttled", 400, "Throttling.User"), ("unavailable", 503, "ServiceUnavailable"),
                               ("internal", 500, "InternalError"), ("busy", 409, "OperationConflict")):
        inject(info, "alibaba", "DescribeEipAddresses", {"error": kind})
        err = calls.expect_error(f"DescribeEipAddresses({kind} fault)", ServerException,
                                 client.do_action_with_exception, DescribeEipAddressesRequest())
        check((err.get_http_status(), err.get_error_code()) == (status, code),
              f"{kind}: {err.get_http_status()} {err.get_error_code()}")
        check(bool(err.get_request_id()), f"{kind}: no RequestId")


def sts_round(ali, endpoint):
    """STS credential (aliyun-python-sdk-core 2.16.1, alibabacloud-tea-openapi 0.4.6): SecurityToken in the query; endpoint set per request (way A)."""
    sts = ali["sts"]
    cred = StsTokenCredential(sts["access_key_id"], sts["access_key_secret"], sts["security_token"])
    client = AcsClient(region_id=ali["region"], credential=cred)
    req = DescribeEipAddressesRequest()
    req.set_endpoint(endpoint)
    req.set_protocol_type("http")
    req.set_PageSize(10)
    body = calls.call("DescribeEipAddresses(STS)", send, client, req)
    check("TotalCount" in body, "STS describe answered without TotalCount")
    # The same temporary key without its token must be refused: the token is really checked.
    bare = AcsClient(sts["access_key_id"], sts["access_key_secret"], ali["region"])
    bare.add_endpoint(ali["region"], "Vpc", endpoint)
    err = calls.expect_error("DescribeEipAddresses(STS key, no token)", ServerException,
                             bare.do_action_with_exception, DescribeEipAddressesRequest())
    check(err.get_http_status() in (400, 403, 404), f"STS without token: {err.get_http_status()}")


def main():
    info = load_info()
    ali = info["alibaba"]
    endpoint = host_port(ali["endpoint"])
    client = AcsClient(ali["access_key_id"], ali["access_key_secret"], ali["region"])
    client.add_endpoint(ali["region"], "Vpc", endpoint)  # way B; the protocol defaults to http
    lifecycle(client, ali["instances"][0])
    attributes(client, ali)
    expected_error(client)
    wrong_secret(ali, endpoint)
    other_shapes(ali, endpoint)
    injected_faults(info, client)
    if "sts" in ali:
        sts_round(ali, endpoint)
    calls.summary()


if __name__ == "__main__":
    main()
