"""Lists every EIP of the emulator's Alibaba account through the official aliyun-python-sdk-core +
aliyun-python-sdk-vpc (page size 100, as the SDK samples do) and prints them as one JSON array,
the same work `eipctl --output json list` does. Usage: sdk_list.py SIM_INFO_JSON_FILE."""

import json
import sys

from aliyunsdkcore.client import AcsClient
from aliyunsdkvpc.request.v20160428.DescribeEipAddressesRequest import DescribeEipAddressesRequest


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        ali = json.loads(f.readline())["alibaba"]
    client = AcsClient(ali["access_key_id"], ali["access_key_secret"], ali["region"])
    # The protocol defaults to http for an endpoint added this way.
    client.add_endpoint(ali["region"], "Vpc", ali["endpoint"].split("://", 1)[1].rstrip("/"))
    found, page = [], 1
    while True:
        req = DescribeEipAddressesRequest()
        req.set_PageSize(100)
        req.set_PageNumber(page)
        body = json.loads(client.do_action_with_exception(req))
        found.extend(body["EipAddresses"]["EipAddress"])
        if len(found) >= body["TotalCount"] or not body["EipAddresses"]["EipAddress"]:
            break
        page += 1
    json.dump(found, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
