"""Keywords for the inbox folder: what waits there, and archiving what has been queued."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from robot.api import logger
from robot.api.deco import keyword

from keywords.inbox import archive_file, list_inbox


class InboxKeywords:
    def __init__(self, ctx: Any):
        self.ctx = ctx

    @keyword
    def list_inbox_files(self, inbox: Path, pattern: str = "*") -> list[str]:
        """Returns the files waiting in the inbox, sorted by name.

        :param inbox: The inbox folder.
        :param pattern: A glob the file names must match.

        :return: Their paths, by name, so that a resent copy is met after its original. Hidden
            files, Office lock files (``~$...``) and partial downloads (``*.tmp``, ``*.part``,
            ``*.crdownload``) are left out.

        Fails when the folder does not exist: an unmounted share is a system problem, so the
        step fails as an APPLICATION error and is retried later.

        .. code-block:: robotframework

            @{files} =    List Inbox Files    ${inbox}
            @{sheets} =    List Inbox Files    ${inbox}    pattern=*.xlsx
        """
        files = list_inbox(Path(inbox), pattern)
        logger.info(f"{len(files)} file(s) waiting in the inbox")
        return [str(f) for f in files]

    @keyword
    def archive_inbox_file(self, path: Path, archive: Path) -> str:
        """Moves a file into the archive folder, never losing it. Call it only after the
        file's work items are saved.

        :param path: The file in the inbox.
        :param archive: The archive folder, made if missing.

        :return: The file's path in the archive.

        The file is linked (or copied, flushed and renamed) into the archive before the inbox
        copy is removed, so a step killed halfway leaves it in the inbox, to be read again, or
        in both folders. An archived file of the same name is never overwritten: if it is
        identical, this file was archived before and the inbox copy is just removed; if not,
        this one becomes ``name (2).ext``. See `Archiving`.

        .. code-block:: robotframework

            Archive Inbox File    ${file}    ${archive}
        """
        target = archive_file(Path(path), Path(archive))
        logger.info(f"Archived {Path(path).name} as {target.name}")
        return str(target)
