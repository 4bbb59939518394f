"""Reading files of a run folder as an attacker with write access to it cannot abuse: no symbolic link is
followed, no file outside the folder is reached, nothing but a regular file is read, and no read is unbounded.

Every path is walked one name at a time from the configured `saved/` folder with `O_NOFOLLOW` (a link at any
step is refused by the kernel, not by a check that a swap could race), names are single components (no `/`,
no `..`), and the file must be regular (a FIFO would block a thread, a device would never end). Logs are read
from their end, at most a byte cap; `LineCounter` remembers how far it counted each log, so a poll for new
rows reads only the bytes written since (`?since=`).
"""

import os
import stat
import threading
from pathlib import Path

CHUNK = 64 * 2**10
_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


class NotInside(OSError):
    """A name that is a link, not a plain file or folder, or not a single path component."""


def _check_name(name: str) -> None:
    if not name or name in (".", "..") or "/" in name or "\0" in name:
        raise NotInside(f"not a plain name: {name!r}")


def open_inside(root: Path, *names: str, directory: bool = False) -> int:
    """A file descriptor of root/names[0]/.../names[-1], each step opened without following a link. `root`
    itself is the operator's configured folder and may be reached through a link."""
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for i, name in enumerate(names):
            _check_name(name)
            last = i == len(names) - 1
            step = os.open(name, _FILE if last and not directory else _DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = step
        kind = os.fstat(fd).st_mode
        if not (stat.S_ISDIR(kind) if directory else stat.S_ISREG(kind)):
            raise NotInside(f"not a {'folder' if directory else 'regular file'}: {'/'.join(names)}")
        return fd
    except BaseException:
        os.close(fd)
        raise


def read_capped(root: Path, *names: str, cap: int) -> bytes | None:
    """The whole file if it is at most `cap` bytes; None if it is missing, a link, not a file, or larger."""
    try:
        fd = open_inside(root, *names)
    except OSError:
        return None
    try:
        size = os.fstat(fd).st_size
        if size > cap:
            return None
        data = os.pread(fd, size + 1, 0)
        return data if len(data) <= cap else None
    finally:
        os.close(fd)


def entries(root: Path, *names: str) -> list[os.DirEntry]:
    """The entries of a folder inside `root` (opened without following links); [] if it is not one."""
    try:
        fd = open_inside(root, *names, directory=True)
    except OSError:
        return []
    try:
        with os.scandir(fd) as found:
            return list(found)
    finally:
        os.close(fd)


def lines_before(fd: int, end: int, count: int, cap: int) -> tuple[list[bytes], bool]:
    """Up to `count` whole lines ending at byte `end` (just after a newline), read backwards, at most `cap`
    bytes. Returns the lines in file order and whether the byte cap cut them short."""
    newest_first: list[bytes] = []
    carry, position = b"", max(end - 1, 0)  # the last newline ends the last line; it starts none
    while len(newest_first) < count and position > 0:
        size = min(CHUNK, position)
        if end - position + size > cap:
            return newest_first[::-1], True
        position -= size
        parts = (os.pread(fd, size, position) + carry).split(b"\n")
        carry = parts[0]  # a line that began before `position`, unless position is 0
        newest_first.extend(reversed(parts[1:]))
    if end and position == 0 and len(newest_first) < count:
        newest_first.append(carry)
    return newest_first[:count][::-1], False


class LineCounter:
    """Complete lines of append-only logs, counted once: a later call counts only the bytes added since.
    A log that was replaced, shortened or rewritten (a resumed run drops its last rows) is counted again."""

    def __init__(self, limit: int = 256):
        self._known: dict[tuple, tuple[int, int, bytes]] = {}  # key -> (offset after last newline, lines, seal)
        self._limit = limit
        self._lock = threading.Lock()

    def count(self, fd: int, key: tuple) -> tuple[int, int]:
        """(complete lines, byte offset just after the last of them) of the open file."""
        info = os.fstat(fd)
        ident = (*key, info.st_dev, info.st_ino)
        with self._lock:
            offset, lines, seal = self._known.get(ident, (0, 0, b""))
        if offset > info.st_size or (offset and os.pread(fd, len(seal), offset - len(seal)) != seal):
            offset, lines = 0, 0
        position = offset
        while position < info.st_size:
            block = os.pread(fd, min(16 * CHUNK, info.st_size - position), position)
            if not block:
                break
            newlines = block.count(b"\n")
            if newlines:
                lines += newlines
                offset = position + block.rindex(b"\n") + 1
            position += len(block)
        seal = os.pread(fd, min(64, offset), offset - min(64, offset)) if offset else b""
        with self._lock:
            self._known.pop(ident, None)
            self._known[ident] = (offset, lines, seal)
            while len(self._known) > self._limit:
                self._known.pop(next(iter(self._known)))
        return lines, offset
