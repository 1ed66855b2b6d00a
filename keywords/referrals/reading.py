"""Keywords that read referral files and turn them into work-item payloads."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Any

from robot.api import logger
from robot.api.deco import keyword

from . import checks
from .errors import ReferralFileUnreadable
from .readers import file_format, read_file
from .schema import empty_referral


class ReadingKeywords:
    def __init__(self, ctx: Any):
        self.ctx = ctx

    @keyword
    def read_referrals_from_file(self, path: Path) -> list[dict[str, Any]]:
        """Reads every referral in a file and returns them normalised.

        :param path: The file. Its extension says its format: ``.pdf`` (a filled form RS1), ``.eml``
            (an e-mail with forms attached), ``.xlsx`` (one referral a row), ``.json`` (an
            online-form export) or ``.csv`` (a partner-portal export).

        :return: One dictionary per referral, with the keys in `Normalised referrals`.

        Fails with a ``ReferralFileUnreadable`` error (``UNREADABLE_PDF: ...``,
        ``WRONG_ENCODING: ...``, see `Error codes`) when the file cannot be read. Logs the
        number of referrals and their references, nothing else.

        .. code-block:: robotframework

            @{referrals} =    Read Referrals From File    ${INBOX}/referrals-batch-01.xlsx
            Length Should Be    ${referrals}    8
        """
        path = Path(path)
        found = read_file(path, self.ctx.reference_pattern)
        logger.info(f"Read {len(found)} referral(s) from {path.name}: {_refs(found)}")
        return found

    @keyword
    def prepare_referral_work_items(self, path: Path, today: date | None = None) -> list[dict[str, Any]]:
        """Reads a file and returns one work-item payload per referral, each checked.

        :param path: The file, as for `Read Referrals From File`.
        :param today: The date `Validate Referral` checks dates of birth against
            (default: today in London).

        :return: One payload per referral: the `Normalised referrals` keys plus ``validation``.

        It never fails because of the input, so that nothing is dropped:

        - a referral that passes `Validate Referral` gets ``validation: None``;
        - one that does not still gets its payload, with ``validation`` set to
          ``{"code": ..., "field": ..., "message": ...}`` for its first problem (the message
          lists them all);
        - a file that cannot be read gives one payload, with every referral field empty,
          ``reference`` set to ``FILE-`` and a hash of the file's content (the same file read
          again gives the same reference), and ``validation`` saying why (``field`` is ``None``;
          the message names the referral when the file's name or e-mail subject does).

        A referral without a reference gets ``NOREF-`` and a hash of its file and row, so that
        reading the file again finds the same work item.

        .. code-block:: robotframework

            @{payloads} =    Prepare Referral Work Items    ${file}
            FOR    ${payload}    IN    @{payloads}
                Create Output Work Item
                Set Work Item Payload    ${payload}
                Add Work Item File    ${file}
                Save Work Item
            END
        """
        path = Path(path)
        try:
            referrals = read_file(path, self.ctx.reference_pattern)
        except ReferralFileUnreadable as exc:
            payload = empty_referral({"file": path.name, "format": file_format(path) or path.suffix.lstrip("."),
                                      "row": None}, reference=f"FILE-{_digest(path.read_bytes())}")
            message = exc.message
            if exc.reference:
                message = f"{message} (referral {exc.reference}, going by the file's name or subject)"
            payload["validation"] = {"code": exc.code, "field": None, "message": message}
            logger.warn(f"{path.name} cannot be read: {exc.code}; it becomes one work item "
                        f"{payload['reference']} for a person to deal with")
            return [payload]
        payloads = []
        invalid = []
        for referral in referrals:
            problems = checks.problems(referral, today, self.ctx.oldest_age)
            if not referral["reference"]:
                row = referral["source"]["row"] or 1
                referral["reference"] = f"NOREF-{_digest(path.read_bytes())}-{row}"
            if problems:
                first = problems[0]
                referral["validation"] = {"code": first.code, "field": first.field,
                                          "message": "; ".join(p.message for p in problems)}
                invalid.append(f"{referral['reference']} {first.code}")
            else:
                referral["validation"] = None
            payloads.append(referral)
        note = f"; {len(invalid)} invalid: {', '.join(invalid)}" if invalid else ""
        logger.info(f"{path.name}: {len(payloads)} referral(s) {_refs(payloads)}{note}")
        return payloads


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def _refs(referrals: list[dict[str, Any]]) -> str:
    return ", ".join(str(r.get("reference") or "(no reference)") for r in referrals)
