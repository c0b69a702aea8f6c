#!/usr/bin/env python3
"""Call a Loopline event-bus address through the TCP event-bus bridge, with the Python standard library only.

    scripts/bus_client.py [--host 127.0.0.1] [--port 7000] ADDRESS '{"json": "body"}'

Prints the reply body as JSON and exits 0, or prints the failure and exits 1. The bridge must be on
(bridge.enabled) and the address allowed by bridge.inbound. Frames are a 4-byte big-endian length followed
by a UTF-8 JSON object: {"type": "send", "address", "replyAddress", "headers", "body"}.
"""
import argparse
import json
import socket
import struct
import sys
import uuid


def send_frame(sock, message):
    data = json.dumps(message).encode("utf-8")
    sock.sendall(struct.pack(">I", len(data)) + data)


def read_exactly(sock, size):
    chunks = b""
    while len(chunks) < size:
        chunk = sock.recv(size - len(chunks))
        if not chunk:
            raise ConnectionError("the bridge closed the connection")
        chunks += chunk
    return chunks


def read_frame(sock):
    (size,) = struct.unpack(">I", read_exactly(sock, 4))
    return json.loads(read_exactly(sock, size).decode("utf-8"))


def request(host, port, address, body, timeout=10.0):
    """Sends body to address and returns the reply frame (type "message" or "err")."""
    reply_to = "bus-client." + str(uuid.uuid4())
    with socket.create_connection((host, port), timeout=timeout) as sock:
        send_frame(sock, {"type": "send", "address": address, "replyAddress": reply_to, "headers": {}, "body": body})
        while True:
            frame = read_frame(sock)
            if frame.get("type") == "err" or frame.get("address") == reply_to:
                return frame


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7000)
    parser.add_argument("address")
    parser.add_argument("body", nargs="?", default="{}")
    args = parser.parse_args()
    frame = request(args.host, args.port, args.address, json.loads(args.body))
    if frame.get("type") == "err" or frame.get("failureCode") is not None:
        print(json.dumps(frame), file=sys.stderr)
        sys.exit(1)
    print(json.dumps(frame.get("body")))


if __name__ == "__main__":
    main()
