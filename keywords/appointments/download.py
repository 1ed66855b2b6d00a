"""Keywords that download a file the way a person does: click the button or link, save the download."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from robot.api import logger
from robot.api.deco import keyword
from robot.libraries.BuiltIn import BuiltIn

POLL_MS = 100


class DownloadKeywords:
    """Downloads through the page ``keywords.legacyweb`` has open (same browser, same login)."""

    @keyword
    def download_file_by_clicking(self, name: str, folder: Path, timeout: float | None = None) -> str:
        """Click the button or link ``name`` on the current page, wait for the download it starts,
        save it into ``folder`` under the name the system gives it, and return the file's path.

        Needs ``keywords.legacyweb`` imported and a page open (`Open Legacy System`, `Log In`,
        `Go To Page`). A button is looked for first, then a link (exact text). ``timeout``
        (seconds; default the library's, at least 30: a big export takes a while) bounds the wait.

        When a page comes instead of the download, it is diagnosed at once, like any other:
        ``ApplicationError: SessionExpired``, ``SystemError`` or ``SystemBusy`` for those pages,
        ``BusinessError: FormRejected`` when the form came back with its validation box;
        ``ApplicationError: Timeout`` when nothing comes. A robot retries the ``ApplicationError``s
        as any other step.

        | Go To Page    /export
        | Fill By Label    From date    01/11/2026
        | ${file}=    Download File By Clicking    Export    ${OUTPUT DIR}/exports
        """
        from keywords.legacyweb import BrowserFailure, PageTimeout

        ctx = BuiltIn().get_library_instance("keywords.legacyweb").ctx
        page = ctx.page
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        button = page.get_by_role("button", name=name, exact=True)
        target = button if button.count() else page.get_by_role("link", name=name, exact=True)
        wait_s = float(timeout) if timeout else max(ctx.timeout_s, 30.0)
        came: list[Any] = []

        def handler(download: Any) -> None:  # a plain function: Playwright tags its listeners
            came.append(download)

        page.on("download", handler)
        try:
            with ctx.guard(f"the download from '{name}'"):
                ctx.last_status = None
                target.first.click(no_wait_after=True)
                deadline = time.monotonic() + wait_s
                while not came:
                    if time.monotonic() > deadline:
                        raise PageTimeout(f"the download from '{name}' did not come within {wait_s:g} s",
                                          page=ctx.path())
                    page.wait_for_timeout(POLL_MS)
                    if not came:
                        self._raise_page_trouble(ctx)
                download = came[0]
                suggested = re.sub(r"[^A-Za-z0-9_.-]+", "-", download.suggested_filename).strip("-.") or "download"
                path = folder / suggested
                download.save_as(str(path))
        finally:
            page.remove_listener("download", handler)
        failure = download.failure()
        if failure:
            raise BrowserFailure(f"the download from '{name}' failed: {failure}", page=ctx.path())
        logger.info(f"Downloaded {path.name} ({path.stat().st_size} bytes) by clicking '{name}'.")
        return str(path)

    @staticmethod
    def _raise_page_trouble(ctx: Any) -> None:
        """Raise what the page shows if a page (not the download) came: an error, busy or login page."""
        from playwright.sync_api import Error as PlaywrightError

        try:
            trouble = ctx.diagnose()
        except PlaywrightError:
            return  # the page is changing; look again on the next poll
        if trouble is not None:
            raise trouble
