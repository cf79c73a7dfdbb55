"""A loopback HTTP proxy that records what llm-pool sends upstream and relays the answers
unchanged, streaming (server-sent events) included.

One of the two llm-pool providers points at it, so tests can assert the exact request body that
reached llama.cpp. When the upstream cannot be reached, or dies mid-answer, the proxy drops the
client connection without an answer, as the dead server would.
"""
from __future__ import annotations

import http.client
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
              "proxy-authorization", "proxy-authenticate", "content-length", "host"}


class RecordingProxy:
    def __init__(self, upstream_port: int, port: int = 0):
        self.upstream_port = upstream_port
        self.records: list[dict] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                self._relay()

            def do_POST(self):
                self._relay()

            def _read_body(self) -> bytes:
                if self.headers.get("transfer-encoding", "").lower() == "chunked":
                    body = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            self.rfile.readline()
                            return body
                        body += self.rfile.read(size)
                        self.rfile.readline()
                return self.rfile.read(int(self.headers.get("content-length") or 0))

            def _relay(self):
                body = self._read_body()
                record = {"method": self.command, "path": self.path,
                          "headers": {k.lower(): v for k, v in self.headers.items()}, "raw": body}
                try:
                    record["json"] = json.loads(body) if body else None
                except ValueError:
                    record["json"] = None
                if self.path.endswith("/chat/completions"):
                    with proxy._lock:
                        proxy.records.append(record)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                conn = http.client.HTTPConnection("127.0.0.1", proxy.upstream_port, timeout=120)
                try:
                    conn.request(self.command, self.path, body=body or None, headers=headers)
                    resp = conn.getresponse()
                except OSError as e:
                    record["upstream_error"] = repr(e)
                    self.close_connection = True
                    return
                record["status"] = resp.status
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in HOP_BY_HOP:
                        self.send_header(k, v)
                self.send_header("Transfer-Encoding", "chunked")
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True
                received = bytearray()
                try:
                    while True:
                        piece = resp.read1(65536)
                        if not piece:
                            break
                        received += piece
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                        self.wfile.flush()
                    self.wfile.write(b"0\r\n\r\n")
                    self.wfile.flush()
                except (OSError, http.client.HTTPException) as e:
                    # Upstream died (or the client left): drop the connection without the
                    # terminating chunk, so the client sees a truncated answer.
                    record["relay_error"] = repr(e)
                    try:
                        self.connection.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                finally:
                    record["response"] = bytes(received)
                    conn.close()

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, name="recording-proxy", daemon=True)

    def start(self) -> "RecordingProxy":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def clear(self) -> None:
        with self._lock:
            self.records.clear()

    def completions(self) -> list[dict]:
        with self._lock:
            return list(self.records)
