#!/usr/bin/env python3
"""A token server for the registry's token auth, for the tests (stdlib only;
RS256 signatures by the openssl CLI).

The distribution registry (docker-registry) with `auth: token` answers 401
with `WWW-Authenticate: Bearer realm=...,service=...,scope=...`; a client
fetches a JWT from the realm and retries with `Authorization: Bearer JWT`.
This is the realm: it listens on 127.0.0.1 (a free port, written to
PORT_FILE once listening) and answers

  GET /token?service=SERVICE&scope=repository:NAME:ACTIONS[&scope=...]

with {"token": JWT, "access_token": JWT, "expires_in": 300, "issued_at": ...}.

Who gets what (USERS_FILE: one "NAME PASSWORD ACTIONS" line per user, with
ACTIONS a comma-separated subset of pull,push):
  - HTTP Basic credentials of a user in USERS_FILE: the requested actions
    among that user's ACTIONS, on each requested repository (type
    "repository" only), nothing else;
  - no credentials (anonymous): a token granting nothing, as Docker Hub
    gives for a private repository, so the registry refuses it and the
    client has to say that credentials are needed;
  - any other credentials: 401, and no token;
  - a service other than --service: 400.

The JWT header carries x5c (the signing certificate, which the registry
checks against its rootcertbundle) and kid (libtrust's fingerprint of the
key, which the registry would look up among the bundle's keys without x5c).

Every request is logged to stderr as one line:
  token user=NAME|anonymous service=SERVICE scope=SCOPE[ SCOPE...] granted=...[ expired]
  token user=NAME refused: invalid credentials
The password is never logged. After SIGUSR1 (logged as "next token expired")
the next token issued has expired long ago, as if a slow pull had outlived
it. Stop it with SIGTERM.
"""
import argparse
import base64
import hashlib
import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid

ACTIONS = ("pull", "push")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def pem_to_der(pem):
    body = [ln for ln in pem.strip().splitlines() if not ln.startswith("-----")]
    return base64.b64decode("".join(body))


def libtrust_kid(spki_der):
    # libtrust: SHA-256 of the DER public key, first 240 bits, base32, in
    # twelve colon-separated groups of four.
    b32 = base64.b32encode(hashlib.sha256(spki_der).digest()[:30]).decode()
    return ":".join(b32[i:i + 4] for i in range(0, len(b32), 4))


def parse_scope(scope):
    """'repository:NAME:a,b' -> ('repository', NAME, [a, b]); None if malformed."""
    first, last = scope.find(":"), scope.rfind(":")
    if first <= 0 or last == first:
        return None
    return scope[:first], scope[first + 1:last], [a for a in scope[last + 1:].split(",") if a]


class Signer:
    def __init__(self, key, cert):
        self.key = key
        with open(cert) as f:
            self.cert_der = pem_to_der(f.read())
        spki = subprocess.run(
            ["sh", "-c", 'openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform DER', "sh", cert],
            check=True, capture_output=True).stdout
        self.kid = libtrust_kid(spki)

    def sign(self, claims):
        header = {"typ": "JWT", "alg": "RS256", "kid": self.kid,
                  "x5c": [base64.b64encode(self.cert_der).decode()]}
        signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.key, "-binary"],
                             input=signing_input.encode(), check=True, capture_output=True).stdout
        return signing_input + "." + b64url(sig)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--key", required=True, help="PEM RSA private key")
    ap.add_argument("--cert", required=True, help="PEM certificate of that key")
    ap.add_argument("--issuer", required=True)
    ap.add_argument("--service", required=True)
    ap.add_argument("--users", required=True, help="USERS_FILE")
    ap.add_argument("--port-file", required=True)
    args = ap.parse_args()
    users = {}  # name -> (password, allowed actions)
    with open(args.users) as f:
        for line in f:
            if line.strip():
                name, password, actions = line.split()
                users[name] = (password, actions.split(","))
    signer = Signer(args.key, args.cert)
    log_lock = threading.Lock()
    expire_next = [False]

    def on_usr1(signum, frame):
        expire_next[0] = True
        print("next token expired", file=sys.stderr, flush=True)

    signal.signal(signal.SIGUSR1, on_usr1)

    def log(line):
        with log_lock:
            print(line, file=sys.stderr, flush=True)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):
            pass

        def answer(self, status, doc, extra=()):
            body = json.dumps(doc).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in extra:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def error(self, status, code, message, extra=()):
            self.answer(status, {"errors": [{"code": code, "message": message}]}, extra)

        def caller(self):
            """(name, ok): name None for anonymous; ok False for bad credentials."""
            h = self.headers.get("Authorization", "")
            if not h:
                return None, True
            scheme, _, value = h.partition(" ")
            if scheme.lower() != "basic":
                return "?", False
            try:
                name, _, pw = base64.b64decode(value.strip(), validate=True).decode().partition(":")
            except ValueError:
                return "?", False
            return name, name in users and users[name][0] == pw

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            if url.path != "/token":
                return self.error(404, "NOT_FOUND", "no such path")
            q = urllib.parse.parse_qs(url.query)
            name, ok = self.caller()
            if not ok:
                log(f"token user={name} refused: invalid credentials")
                return self.error(401, "UNAUTHORIZED", "invalid user name or password",
                                  [("WWW-Authenticate", 'Basic realm="roost-test-token"')])
            service = q.get("service", [""])[0]
            scopes = q.get("scope", [])
            if service != args.service:
                log(f"token user={name or 'anonymous'} refused: service {service!r}")
                return self.error(400, "DENIED", f"unknown service {service!r}")
            access = []
            for scope in scopes:
                for s in scope.split(" "):
                    parsed = parse_scope(s)
                    if not parsed or name is None or parsed[0] != "repository":
                        continue
                    granted = [a for a in ACTIONS if a in parsed[2] and a in users[name][1]]
                    if granted:
                        access.append({"type": "repository", "name": parsed[1], "actions": granted})
            now = int(time.time())
            with log_lock:
                expired, expire_next[0] = expire_next[0], False
            # Past the registry's leeway for clock skew (60 s).
            born = now - 3600 if expired else now
            claims = {"iss": args.issuer, "sub": name or "", "aud": service, "exp": born + 300,
                      "nbf": born - 10, "iat": born, "jti": uuid.uuid4().hex, "access": access}
            token = signer.sign(claims)
            granted_text = " ".join(f"repository:{a['name']}:{','.join(a['actions'])}" for a in access)
            log(f"token user={name or 'anonymous'} service={service} scope={' '.join(scopes) or '-'} "
                f"granted={granted_text or '-'}{' expired' if expired else ''}")
            self.answer(200, {"token": token, "access_token": token, "expires_in": 300,
                              "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))})

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(tmp, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
