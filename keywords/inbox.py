"""The inbox and the archive, shared by the bots that read files from a folder: which files
wait, and moving one away without ever losing it.

``list_inbox`` gives the files of the inbox by name, so that a resent copy is met after its
original. It leaves out what is not (yet) a delivered file: sub-folders, hidden files
(``.*``), Office lock files (``~$*``) and partial downloads or temporary files (``*.tmp``,
``*.part``, ``*.partial``, ``*.crdownload``, ``*.download``). A missing inbox folder raises
``InboxUnavailable``: an unmounted share is a system problem, retried later, not bad input.

``archive_file`` never has a moment where the file is in neither folder: it links the file
into the archive (or copies it there under a temporary name, fsyncs and renames, when the
archive is on another file system), fsyncs the folder, and only then removes the inbox
copy. Killed at any point, the file is in the inbox, in the archive, or in both; a rerun
reads an inbox copy again (the queue's references make that harmless) and archiving it a
second time notices the identical archived copy and just removes the inbox one.
"""

from __future__ import annotations

import errno
import fnmatch
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

# Names that are not (yet) a delivered file: hidden files, Office lock files, partial downloads.
_NOT_YET = ("*.tmp", "*.part", "*.partial", "*.crdownload", "*.download", "~$*", ".*")


class InboxUnavailable(OSError):
    """The inbox folder is missing or unreadable: a system problem (retry later), not bad input."""


def list_inbox(inbox: Path, pattern: str = "*") -> list[Path]:
    """Files in ``inbox`` matching ``pattern``, by name, leaving out temporary and hidden ones."""
    inbox = Path(inbox)
    if not inbox.is_dir():
        raise InboxUnavailable(
            f"the inbox folder {inbox} does not exist or is not a folder — check the trigger item's "
            "'inbox' path, and that the shared drive is mounted"
        )
    found = []
    for entry in inbox.iterdir():
        if not entry.is_file() or not fnmatch.fnmatch(entry.name, pattern):
            continue
        if any(fnmatch.fnmatch(entry.name, skip) for skip in _NOT_YET):
            continue
        found.append(entry)
    return sorted(found, key=lambda p: p.name)


def sha256_of(path: Path) -> str:
    """The SHA-256 of the file at ``path``, in hex: how an archived copy is known to be this file."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def archive_file(path: Path, archive: Path) -> Path:
    """Move ``path`` into the folder ``archive``; returns where it is now.

    An archived file of the same name is never overwritten: an identical one means this
    file was archived before (the inbox copy is then removed), a different one makes this
    file ``name (2).ext``."""
    path, archive = Path(path), Path(archive)
    archive.mkdir(parents=True, exist_ok=True)
    own = None
    number = 1
    while True:
        target = archive / (path.name if number == 1 else f"{path.stem} ({number}){path.suffix}")
        if target.exists():
            own = own or sha256_of(path)
            if sha256_of(target) == own:
                break  # archived by an earlier run that died before removing the inbox copy
            number += 1
            continue
        try:
            _place(path, target)
        except FileExistsError:
            continue  # another worker archived a file of that name just now: look again
        break
    _fsync_dir(archive)
    path.unlink()
    _fsync_dir(path.parent)
    return target


def _place(path: Path, target: Path) -> None:
    """Make ``target`` a complete copy of ``path`` in one atomic step; never overwrites."""
    try:
        os.link(path, target)
        return
    except OSError as exc:
        if exc.errno not in (errno.EXDEV, errno.EPERM, errno.ENOTSUP, errno.EMLINK):
            raise
    # Another file system (or no hard links): copy aside, flush, then link into place.
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".archiving-")
    try:
        with os.fdopen(fd, "wb") as out, open(path, "rb") as src:
            shutil.copyfileobj(src, out)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(tmp, target)
        except OSError as exc:
            if exc.errno == errno.EEXIST:
                raise FileExistsError(str(target)) from None
            os.rename(tmp, target)  # no hard links at all here; we checked it did not exist
            tmp = None
    finally:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a folder; the rename is still atomic
    finally:
        os.close(fd)
