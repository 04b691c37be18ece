"""HTTPS server for test_url_tls.sh: serves the files of --root over TLS
with the certificate and key given, on 127.0.0.1 (port 0: a free one),
writes the port to --port-file, and serves until killed.

    python3 tlsserv.py --root DIR --cert PEM --key KEY --port-file FILE
"""
import argparse
import functools
import http.server
import os
import ssl


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--port-file", required=True)
    a = ap.parse_args()
    handler = functools.partial(Quiet, directory=a.root)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
