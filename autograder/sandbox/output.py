"""What the worker prints: its output pipe drained by a thread, head and tail kept."""

from __future__ import annotations

import contextlib
import os
import select
import threading


class _Stream:
    """One worker's output pipe (read end): non-blocking, closed once, under the lock."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.open = True


class OutputCapture:
    """Keeps the head and the tail of everything the worker prints (capped).

    A thread per worker drains its output pipe; :meth:`text` first takes in whatever is
    still in the pipe (the worker flushes before it answers a call, so what a call printed
    is there by then, even when the draining thread is slow on a busy machine).
    """

    def __init__(self, cap_bytes: int) -> None:
        self.half = max(cap_bytes // 2, 1)
        self.head = bytearray()
        self.tail = bytearray()
        self.dropped = 0
        self.lock = threading.RLock()
        self.threads: list[threading.Thread] = []
        self._streams: list[_Stream] = []

    def feed(self, data: bytes) -> None:
        with self.lock:
            room = self.half - len(self.head)
            if room > 0:
                self.head += data[:room]
                data = data[room:]
            if not data:
                return
            self.tail += data
            excess = len(self.tail) - self.half
            if excess > 0:
                del self.tail[:excess]
                self.dropped += excess

    def _pull(self, stream: _Stream) -> None:
        """Read what ``stream`` holds now (lock held); close it at its end."""
        while stream.open:
            try:
                chunk = os.read(stream.fd, 65536)
            except BlockingIOError:
                return
            except OSError:
                chunk = b""
            if not chunk:
                stream.open = False
                os.close(stream.fd)
                return
            self.feed(chunk)

    def attach(self, fd: int) -> None:
        """Drain ``fd`` in a daemon thread until EOF (then close it)."""
        os.set_blocking(fd, False)
        stream = _Stream(fd)
        with self.lock:
            self._streams.append(stream)

        def run() -> None:
            while True:
                with contextlib.suppress(OSError, ValueError):
                    select.select([stream.fd], [], [], 0.5)
                with self.lock:
                    if not stream.open:
                        return
                    self._pull(stream)

        t = threading.Thread(target=run, name="autograder-output", daemon=True)
        t.start()
        self.threads.append(t)

    def text(self) -> str:
        with self.lock:
            for stream in self._streams:
                self._pull(stream)
            self._streams = [s for s in self._streams if s.open]
            out = bytes(self.head)
            if self.dropped:
                out += f"\n[... {self.dropped} bytes of output omitted ...]\n".encode()
            out += bytes(self.tail)
        return out.decode("utf-8", errors="replace")
