#!/usr/bin/python3
"""HTTP server with gzip-encoded bodies for test_http_gzip.sh.

Usage: gzip_http.py PORT  (listens on 127.0.0.1 inside the test's namespace)
Paths: /small (a page), /big (about 1 MiB of lines), /truncated (a gzip
body cut short), /corrupt (not gzip at all), /empty (an empty gzip body).
Bodies are deterministic, so two scanners see the same bytes.
"""
import gzip
import http.server
import socketserver
import sys

PAGE = b"<html><head><title>Gzipped title ok</title></head><body>x</body></html>"
BIG = b"".join(b"line %07d of the big body\n" % i for i in range(40000))
BODIES = {
    "/small": gzip.compress(PAGE, mtime=0),
    "/big": gzip.compress(BIG, mtime=0),
    "/truncated": gzip.compress(BIG, mtime=0)[:5000],
    "/corrupt": b"this is not gzip data at all",
    "/empty": gzip.compress(b"", mtime=0),
}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_GET(self):
        body = BODIES.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


socketserver.TCPServer.allow_reuse_address = True
with socketserver.TCPServer(("127.0.0.1", int(sys.argv[1])), Handler) as s:
    s.serve_forever()
