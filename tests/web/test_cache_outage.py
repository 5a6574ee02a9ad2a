"""A Redis that accepts connections and never answers (a partition, a hung server): the cache
gives up on it for a pause after the first failure instead of waiting on every call."""

from __future__ import annotations

import socket
import threading

from prm.web.cache import ResilientRedisCache


class SilentServer:
    """A TCP server on loopback that accepts and reads, and never says a word."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.received = []
        self.connections = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections.append(conn)
            threading.Thread(target=self._read, args=(conn,), daemon=True).start()

    def _read(self, conn):
        while True:
            try:
                data = conn.recv(65536)
            except OSError:
                return
            if not data:
                return
            self.received.append(data)

    def close(self):
        self.listener.close()
        for conn in self.connections:
            conn.close()


def test_after_redis_fails_to_answer_the_cache_leaves_it_alone_for_a_pause():
    server = SilentServer()
    try:
        cache = ResilientRedisCache(
            f"redis://127.0.0.1:{server.port}/0", {"OPTIONS": {"socket_timeout": 0.3, "socket_connect_timeout": 0.3}}
        )
        # when the first read times out, it misses (no error reaches the request)
        assert cache.get("some-key", "missed") == "missed"
        commands_sent = len(server.received)
        assert commands_sent >= 1
        # then the next calls, within the pause, miss without sending Redis anything
        assert cache.get_many(["a", "b"]) == {}
        cache.set("a", 1)
        assert cache.get("a") is None
        assert len(server.received) == commands_sent
    finally:
        server.close()
