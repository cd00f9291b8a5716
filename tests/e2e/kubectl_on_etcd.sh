#!/usr/bin/env bash
# The kubectl verbs suite with `carrier serve` on a real etcd 3.4 (the distributed store)
# instead of the embedded SQLite file: etcd is started on free loopback ports and stopped
# when the suite ends.
# Usage: kubectl_on_etcd.sh <carrier binary> <kubectl binary>
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
start_etcd
CARRIER_SERVE_FLAGS="--etcd-servers=$ETCD_ENDPOINT" bash "$HERE/kubectl_verbs.sh" "$1" "$2"
