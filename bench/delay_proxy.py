"""A loopback TCP proxy that delays every chunk by a fixed time in each direction.

The kernel's netem is not available here, so this stands in for a network
between workers and the database: with a one-way delay d, every round trip
costs about 2*d more, which is what a saved round trip is worth in production.

Threads, not asyncio: asyncio's epoll timeouts have a 1 ms granularity, too
coarse for a 0.25 ms one-way delay; time.sleep() has microseconds. Each
direction of each connection has a reader (stamps every chunk with its due
time) and a writer (sleeps until that time, then sends), so chunks are
delayed, not serialised: a pipelined stream keeps its throughput.

It runs as its own process (`python -m bench.delay_proxy --target HOST:PORT
--one-way-ms 0.25`; it prints the port it listens on), so its threads never
compete with the benchmark's client for the same GIL.
"""

from __future__ import annotations

import argparse
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from types import TracebackType

CHUNK = 65536


def _pump_in(src: socket.socket, out: queue.SimpleQueue[tuple[float, bytes]], delay: float) -> None:
    """Read chunks from src and queue each with the time it may be sent."""
    try:
        while True:
            data = src.recv(CHUNK)
            out.put((time.monotonic() + delay, data))
            if not data:
                return
    except OSError:
        out.put((0.0, b""))


def _pump_out(dst: socket.socket, inbox: queue.SimpleQueue[tuple[float, bytes]]) -> None:
    """Send each queued chunk at its due time; an empty chunk means end of stream."""
    try:
        while True:
            due, data = inbox.get()
            if not data:
                dst.shutdown(socket.SHUT_WR)
                return
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            dst.sendall(data)
    except OSError:
        pass


def _pipe(src: socket.socket, dst: socket.socket, delay: float) -> list[threading.Thread]:
    chunks: queue.SimpleQueue[tuple[float, bytes]] = queue.SimpleQueue()
    threads = [
        threading.Thread(target=_pump_in, args=(src, chunks, delay), daemon=True),
        threading.Thread(target=_pump_out, args=(dst, chunks), daemon=True),
    ]
    for t in threads:
        t.start()
    return threads


def _serve_one(client: socket.socket, target: tuple[str, int], delay: float) -> None:
    try:
        upstream = socket.create_connection(target)
    except OSError:
        client.close()
        return
    for s in (client, upstream):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    threads = _pipe(client, upstream, delay) + _pipe(upstream, client, delay)
    for t in threads:
        t.join()
    client.close()
    upstream.close()


def serve(
    target: tuple[str, int], one_way_delay: float, port: int = 0, host: str = "127.0.0.1"
) -> None:
    """Accept on host:port forever; print the port once listening."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen(256)
    print(listener.getsockname()[1], flush=True)
    while True:
        client, _ = listener.accept()
        threading.Thread(
            target=_serve_one, args=(client, target, one_way_delay), daemon=True
        ).start()


class DelayProxy:
    """The proxy as a child process: ``with DelayProxy(host, port, rtt_ms=1.0) as p: p.port``."""

    def __init__(self, host: str, port: int, rtt_ms: float) -> None:
        self.target = (host, port)
        self.rtt_ms = rtt_ms
        self.proc: subprocess.Popen[str] | None = None
        self.port = 0

    def __enter__(self) -> DelayProxy:
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.delay_proxy",
                "--target",
                f"{self.target[0]}:{self.target[1]}",
                "--one-way-ms",
                str(self.rtt_ms / 2),
            ],
            cwd=root,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.port = int(self.proc.stdout.readline())
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", required=True, help="HOST:PORT of the server")
    parser.add_argument(
        "--one-way-ms",
        type=float,
        required=True,
        help="delay added to every chunk in each direction (ms)",
    )
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: any)")
    parser.add_argument("--listen", default="127.0.0.1", help="address to listen on")
    args = parser.parse_args()
    host, _, port = args.target.rpartition(":")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    serve((host, int(port)), args.one_way_ms / 1000.0, args.port, args.listen)
    return 0


if __name__ == "__main__":
    sys.exit(main())
