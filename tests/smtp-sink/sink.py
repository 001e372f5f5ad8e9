#!/usr/bin/env python3
"""A local SMTP server that keeps what it receives, for fieldwork's tests and demo.

Each accepted message is written to DIR as N.eml with N.json beside it (the envelope's sender
and recipients), the .json last, so a reader that sees the .json sees the whole message.
Prints "listening on PORT" once ready. Debian: python3-aiosmtpd.

    sink.py --dir DIR [--port 0] [--starttls CERT KEY] [--tls CERT KEY]
            [--refuse ADDRESS]... [--tempfail-once ADDRESS]... [--delay SECONDS]
"""

import argparse
import asyncio
import itertools
import json
import os
import signal
import socket
import ssl
import threading
import time

from aiosmtpd.controller import Controller


class Keeper:
    def __init__(self, directory, refuse, tempfail_once, delay):
        self.directory = directory
        self.refuse = {a.lower() for a in refuse}
        self.tempfail = {a.lower() for a in tempfail_once}
        self.delay = delay
        self.counter = itertools.count(1)
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        if address.lower() in self.tempfail:
            self.tempfail.discard(address.lower())
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            n = next(self.counter)
        base = os.path.join(self.directory, "%06d" % n)
        with open(base + ".eml.part", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(base + ".eml.part", base + ".eml")
        meta = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                "tls": session.ssl is not None}
        with open(base + ".json.part", "w") as f:
            json.dump(meta, f)
        os.rename(base + ".json.part", base + ".json")
        return "250 Message accepted for delivery"


def context(cert, key):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    return ctx


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--refuse", action="append", default=[])
    p.add_argument("--tempfail-once", action="append", default=[])
    p.add_argument("--delay", type=float, default=0.0)
    args = p.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    port = args.port or free_port()
    handler = Keeper(args.dir, args.refuse, args.tempfail_once, args.delay)
    kwargs = {}
    if args.starttls:
        kwargs = {"tls_context": context(*args.starttls), "require_starttls": True}
    if args.tls:
        kwargs = {"ssl_context": context(*args.tls)}
    controller = Controller(handler, hostname="127.0.0.1", port=port,
                            server_hostname="localhost", **kwargs)
    controller.start()
    print("listening on %d" % port, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.is_set():
        time.sleep(0.1)
    controller.stop()


if __name__ == "__main__":
    main()
