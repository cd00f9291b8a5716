#!/usr/bin/env python3
"""An HTTPS admission webhook for the end-to-end tests (AdmissionReview v1).

Usage: webhook_server.py <cert> <key> <port file>
Listens on a free port of 127.0.0.1 (written to <port file>) and answers:
  /validate  denies objects labelled deny=true, allows the rest with a warning
  /mutate    adds the label mutated=yes (a JSONPatch)
  /count     counts its calls in the label calls (for reinvocationPolicy)
  /second    adds the label second=yes
  /slow      answers "allowed" after 3 seconds (for timeoutSeconds tests)
"""
import base64
import json
import ssl
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def review_response(uid, allowed, **extra):
    response = {"uid": uid, "allowed": allowed}
    response.update(extra)
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": response}


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        review = json.loads(self.rfile.read(length))
        request = review["request"]
        uid = request["uid"]
        obj = request.get("object") or {}
        labels = (obj.get("metadata") or {}).get("labels") or {}
        path = self.path.split("?")[0]
        if path == "/validate":
            if labels.get("deny") == "true":
                answer = review_response(uid, False, status={
                    "code": 403, "message": "label deny=true is not allowed"})
            else:
                answer = review_response(uid, True, warnings=["checked by the test webhook"])
        elif path == "/mutate":
            if labels:
                patch = [{"op": "add", "path": "/metadata/labels/mutated", "value": "yes"}]
            else:
                patch = [{"op": "add", "path": "/metadata/labels", "value": {"mutated": "yes"}}]
            answer = review_response(uid, True, patchType="JSONPatch",
                                     patch=base64.b64encode(json.dumps(patch).encode()).decode())
        elif path in ("/count", "/second"):
            # /count: label calls = how many times this webhook saw the object (reinvocation);
            # /second: label second=yes, a change made after /count ran.
            if path == "/count":
                key, value = "calls", str(int(labels.get("calls", "0")) + 1)
            else:
                key, value = "second", "yes"
            if labels.get(key) == value:
                patch = []
            elif labels:
                patch = [{"op": "add", "path": "/metadata/labels/" + key, "value": value}]
            else:
                patch = [{"op": "add", "path": "/metadata/labels", "value": {key: value}}]
            answer = review_response(uid, True, patchType="JSONPatch",
                                     patch=base64.b64encode(json.dumps(patch).encode()).decode())
        elif path == "/slow":
            time.sleep(3)  # the webhook is slow on purpose; the API server must not wait for it
            answer = review_response(uid, True)
        else:
            self.send_error(404)
            return
        body = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        sys.stderr.write("webhook: " + fmt % args + "\n")


def main():
    cert, key, port_file = sys.argv[1:4]
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    import os
    os.rename(port_file + ".tmp", port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
