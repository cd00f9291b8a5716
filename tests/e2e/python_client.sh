#!/usr/bin/env bash
# Runs python_client.py (Debian's python3-kubernetes) against a fresh `carrier serve`.
# Usage: python_client.sh <carrier binary>
source "$(dirname "$0")/lib.sh"
start_carrier "$1" ${CARRIER_SERVE_FLAGS:-}
/usr/bin/python3 "$(dirname "$0")/python_client.py" "$KUBECONFIG"
