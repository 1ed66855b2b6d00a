"""``nightshift sandbox enquiries``: e-mailed enquiries from parents, for the enquiries bot to answer.

    nightshift sandbox enquiries --count 20          # into NIGHTSHIFT_HOME/inbox/enquiries
    nightshift run enquiries                         # then approve the drafts at /enquiries
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated, Optional

import typer

from .common import console, fail
from .sandbox import sandbox_app


@sandbox_app.command("enquiries")
def enquiries_command(
    out: Annotated[Optional[Path], typer.Option(
        "--out", metavar="DIR", help="Folder to write into (default: NIGHTSHIFT_HOME/inbox/enquiries).")] = None,
    count: Annotated[int, typer.Option("--count", metavar="N", help="How many e-mails.")] = 20,
    seed: Annotated[int, typer.Option("--seed", metavar="N", help="Same seed, same e-mails.")] = 1,
    unanswerable: Annotated[float, typer.Option(
        "--unanswerable", metavar="F", help="Share (0..1) asking what the local offer does not cover.")] = 0.2,
) -> None:
    """Write synthetic e-mails from parents (.eml) about the local offer, and their ground truth.

    Most ask what a page of sandbox/local-offer answers; some ask what it does not (bins,
    council tax); with 8 or more, one file is not a usable e-mail and one is sent twice.
    The ground truth goes beside the folder, in enquiries-manifest.json.
    """
    from sandbox.generate.enquiries import MANIFEST, write_enquiries
    from workitems.config import home

    if count < 1:
        fail(f"--count must be 1 or more, not {count}")
    if not 0.0 <= unanswerable <= 1.0:
        fail(f"--unanswerable must be between 0 and 1, not {unanswerable}")
    folder = (out or home() / "inbox" / "enquiries").expanduser()
    try:
        entries = write_enquiries(folder, count=count, seed=seed, unanswerable_rate=unanswerable)
        (folder / MANIFEST).replace(folder.parent / MANIFEST)  # the bot reads every file of its inbox
    except OSError as exc:
        fail(f"--out {folder}: cannot write there: {exc.strerror or exc}")
    kinds = Counter(e.expect for e in entries)
    console.print(f"{len(entries)} files in {folder}: " + ", ".join(f"{n} {k}" for k, n in kinds.items())
                  + f"; ground truth in {folder.parent / MANIFEST}", highlight=False, soft_wrap=True)
