"""Attached files: encrypted blobs on disk, named by a keyed hash of their content.

Blobs live under ``NIGHTSHIFT_FILES`` (default ``NIGHTSHIFT_HOME/files``). With
PostgreSQL and several machines, point ``NIGHTSHIFT_FILES`` at a folder all of
them share. A file's *name* never touches the disk: it is kept, encrypted, in
the database, so a name like ``../../etc/passwd`` cannot escape the store; it
is still sanitised, because robots write attached files to their working
folder under that name.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from pathlib import Path

from .crypto import Cipher
from .errors import FileTooLarge, InvalidInput, StoreUnavailable

_UNSAFE = re.compile(r"[\x00-\x1f\x7f<>:\"|?*]")


def sanitize_name(name: str) -> str:
    """The last path component of ``name``, without control or reserved characters.

    >>> sanitize_name("../../etc/passwd")
    'passwd'
    """
    text = unicodedata.normalize("NFC", str(name))
    text = text.replace("\\", "/").split("/")[-1]
    text = _UNSAFE.sub("_", text).strip().lstrip(".").strip()
    if len(text) > 200:
        stem, dot, ext = text.rpartition(".")
        text = (stem[: 200 - len(ext) - 1] + dot + ext) if dot and len(ext) < 20 else text[:200]
    if not text:
        raise InvalidInput(f"file name {name!r} has nothing left once made safe: give the file a plain name")
    return text


class BlobStore:
    """Content-addressed, encrypted file contents."""

    def __init__(self, root: Path, cipher: Cipher, max_bytes: int):
        self.root = root
        self.cipher = cipher
        self.max_bytes = max_bytes

    def check_size(self, name: str, size: int) -> None:
        if size > self.max_bytes:
            raise FileTooLarge(name, size, self.max_bytes)

    def _path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest

    def put(self, name: str, content: bytes) -> str:
        """Store ``content`` (once, however many items carry it); returns its digest."""
        self.check_size(name, len(content))
        digest = self.cipher.digest(content)
        path = self._path(digest)
        if path.exists():
            return digest
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Write aside and rename: a reader never sees half a blob.
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(self.cipher.encrypt(content))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except OSError as exc:
            raise StoreUnavailable(f"cannot write to the file store {self.root}: {exc.strerror}") from None
        return digest

    def get(self, digest: str) -> bytes:
        path = self._path(digest)
        try:
            token = path.read_bytes()
        except FileNotFoundError:
            raise StoreUnavailable(
                f"an attached file is missing from the file store {self.root} "
                "(on several machines, NIGHTSHIFT_FILES must name a folder they share)"
            ) from None
        return self.cipher.decrypt(token)
