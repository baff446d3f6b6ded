#!/bin/sh
# keepalived notify_master hook: claim the Elastic IP for this machine when VRRP makes it MASTER.
#
#   vrrp_instance VI_1 { ... notify_master "/etc/keepalived/notify_master.sh" }
#
# Settings come from /etc/default/eip-keepalived (or the environment):
#   EIP_ID=eip-bp1...                      the address
#   EIP_PROVIDER=alibaba://cn-hangzhou     eipctl provider spec
#   EIP_TARGET=i-bp1...                    this machine's instance (`self` once the metadata
#                                          lookup is available in eipctl)
#   plus the cloud's credentials (ALIBABA_CLOUD_ACCESS_KEY_ID, ... or HUAWEICLOUD_SDK_AK, ...)
#
# The claim is a compare-and-swap on the binding: bound here already sends nothing, otherwise
# the current holder is unbound (fenced on that holder) and the address bound here. It gives up
# after EIP_TIMEOUT seconds (default 60) rather than retrying behind keepalived's back.
set -u
[ -r /etc/default/eip-keepalived ] && . /etc/default/eip-keepalived

exec eipctl --provider "${EIP_PROVIDER}" claim "${EIP_ID}" \
    --to "${EIP_TARGET}" --expect any --timeout "${EIP_TIMEOUT:-60}"
