#!/usr/bin/env python3
"""A fault-injecting HTTP proxy for the registry retry tests (stdlib only).

Listens on 127.0.0.1 (a free port, written to PORT_FILE once listening),
forwards every request to UPSTREAM (host:port, plain HTTP), and spoils the
first N GET requests for each blob path (/v2/.../blobs/sha256:...):

  503       answers 503 Service Unavailable
  429       answers 429 Too Many Requests with Retry-After: 1
  reset     resets the connection before any answer
  midreset  sends the status, headers and half the body, then resets
  stall     sends the status, headers and half the body, then nothing more
            (the client hangs there until it or the proxy is killed)
  unauthorized  forwards the request without its Authorization header, so
            the registry itself refuses it (401 and its challenge), as it
            refuses a token that expired

N = -1 spoils every such request. Each spoiled request is logged to stderr
as "spoiled PATH". --missing DIGEST answers 404 for that one blob instead,
every time (logged as "missing PATH"); with --mode stall, only a second
after another blob stalled. Stop it with SIGTERM.
"""
import argparse
import http.client
import http.server
import socket
import struct
import sys
import threading
import time

HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--mode", choices=["503", "429", "reset", "midreset", "stall", "unauthorized"], required=True)
    ap.add_argument("--fail", type=int, default=2)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--stall-min-bytes", type=int, default=16384)
    ap.add_argument("--missing", default="")
    args = ap.parse_args()
    host, port = args.upstream.rsplit(":", 1)
    counts = {}
    lock = threading.Lock()
    stalled = threading.Event()

    def note_spoiled(path):
        # One whole line per spoiled request: the tests count them, and
        # requests for several layers run at once.
        with lock:
            print("spoiled " + path, file=sys.stderr, flush=True)

    def spoil(path, method):
        if method != "GET" or "/blobs/sha256:" not in path:
            return False
        with lock:
            n = counts.get(path, 0)
            counts[path] = n + 1
        return args.fail < 0 or n < args.fail

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def reset(self):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True

        def forward(self):
            if args.missing and self.path.endswith("/blobs/" + args.missing):
                if args.mode == "stall":
                    # Once the stalled client has taken in what it got and sits idle.
                    stalled.wait(30)
                    time.sleep(1)
                with lock:
                    print("missing " + self.path, file=sys.stderr, flush=True)
                body = b'{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]}'
                self.send_response(404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            bad = spoil(self.path, self.command)
            if bad and args.mode != "stall":
                note_spoiled(self.path)
            if bad and args.mode in ("503", "429"):
                body = b'{"errors":[{"code":"UNAVAILABLE","message":"injected fault"}]}'
                self.send_response(int(args.mode))
                if args.mode == "429":
                    self.send_header("Retry-After", "1")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            if bad and args.mode == "reset":
                self.reset()
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP and k.lower() != "host"}
            if bad and args.mode == "unauthorized":
                headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}
            up = http.client.HTTPConnection(host, int(port), timeout=60)
            up.request(self.command, self.path, body=body, headers=headers)
            r = up.getresponse()
            data = r.read()
            self.send_response(r.status, r.reason)
            for k, v in r.getheaders():
                if k.lower() not in HOP and k.lower() != "content-length":
                    self.send_header(k, v)
            declared = r.getheader("Content-Length")
            self.send_header("Content-Length", declared if self.command == "HEAD" and declared else str(len(data)))
            self.end_headers()
            if self.command == "HEAD":
                return
            if bad and args.mode == "stall" and len(data) < args.stall_min_bytes:
                bad = False  # an image config: let it through, stall on a layer
            if bad and args.mode in ("midreset", "stall"):
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                if args.mode == "stall":
                    note_spoiled(self.path)
                    stalled.set()
                    threading.Event().wait()
                self.reset()
                return
            self.wfile.write(data)

        do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = forward

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    with open(args.port_file, "w") as f:
        f.write(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main()
