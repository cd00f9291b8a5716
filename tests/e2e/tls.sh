#!/usr/bin/env bash
# The API server's TLS, checked with openssl s_client: TLS 1.2 and 1.3 only, forward-secret
# AEAD cipher suites only, ALPN http/1.1 (h2 is not offered).
# Usage: tls.sh <carrier binary>
source "$(dirname "$0")/lib.sh"
CARRIER=$1
start_carrier "$CARRIER"
SERVER=$(grep 'server:' "$KUBECONFIG" | awk '{print $2}')
HOSTPORT=${SERVER#https://}
CA="$CARRIER_DATA/pki/ca.crt"

# handshake <s_client flags...>: prints s_client's summary (empty input, closes at once; the
# "New, <protocol>, Cipher is <suite>" line is printed before any session ticket arrives).
handshake() {
  openssl s_client -connect "$HOSTPORT" -CAfile "$CA" -servername localhost "$@" </dev/null 2>&1
}
ok_handshake() { handshake "$@" | grep -q "^New, TLSv1"; }

expect_contains "TLS 1.3 works" "New, TLSv1.3, Cipher is TLS_" "$(handshake -tls1_3)"
expect_contains "TLS 1.2 works" "New, TLSv1.2, Cipher is ECDHE-" "$(handshake -tls1_2)"
expect_contains "ALPN http/1.1 is chosen" "ALPN protocol: http/1.1" "$(handshake -alpn h2,http/1.1)"
expect_contains "h2 alone gets no ALPN" "No ALPN negotiated" "$(handshake -alpn h2)"
for old in -tls1 -tls1_1; do
  if ok_handshake "$old" -cipher 'DEFAULT:@SECLEVEL=0'; then
    fail "$old was accepted"
  else
    echo "ok: $old is refused"
  fi
done
for weak in AES128-SHA AES256-GCM-SHA384 ECDHE-ECDSA-AES128-SHA DHE-RSA-AES128-GCM-SHA256 \
            ECDHE-ECDSA-AES128-SHA256; do
  if ok_handshake -tls1_2 -cipher "$weak"; then
    fail "TLS 1.2 cipher $weak was accepted"
  else
    echo "ok: TLS 1.2 cipher $weak is refused"
  fi
done
for good in ECDHE-ECDSA-AES128-GCM-SHA256 ECDHE-ECDSA-AES256-GCM-SHA384 \
            ECDHE-ECDSA-CHACHA20-POLY1305; do
  expect_contains "TLS 1.2 cipher $good" "Cipher is $good" "$(handshake -tls1_2 -cipher "$good")"
done
expect_eq "the server still answers" ok "$(curl -s --cacert "$CA" "$SERVER/healthz")"
finish
