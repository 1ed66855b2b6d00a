"""The enquiries settings (``enquiries.yaml``): the knowledge base, when a draft is written, how replies go out.

::

    knowledge_base: ${NIGHTSHIFT_CHATBOT_KB:-sandbox/local-offer}   # relative to the file's folder
    draft_threshold: 0.5          # the chatbot's confidence (0..1) at or above which a reply is drafted
    team: the SEND Local Offer team   # signs the replies
    reply:
      from: localoffer@riverside.example
      outbox: ${NIGHTSHIFT_HOME}/outbox    # one of outbox, email or notify
      # email: {host: smtp.council.example, port: 587, starttls: true,
      #         username: nightshift, password_env: NIGHTSHIFT_SMTP_PASSWORD}
      # notify: {base_url: https://api.notifications.service.gov.uk,
      #          api_key_env: NIGHTSHIFT_NOTIFY_API_KEY, template_id: <uuid>}

The file is ``NIGHTSHIFT_ENQUIRIES``, default ``enquiries.yaml`` beside ``processes.yaml``.
``outbox`` writes each approved reply as an ``.eml`` file into a folder (for trying nightshift
out, or for a mail system that collects files); ``email`` sends by SMTP and ``notify`` through
GOV.UK Notify, with the same settings as the scheduler's alerts (``scheduler/alerts.py``):
secrets are named by environment variables, never written in the file.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scheduler.alerts import EmailChannel, NotifyChannel
from scheduler.processes import expand, read_yaml, repo_root
from workitems import InvalidInput

SETTING = "NIGHTSHIFT_ENQUIRIES"
DEFAULT_FILE = "enquiries.yaml"
KEYS = ("knowledge_base", "draft_threshold", "team", "reply")
REPLY_KEYS = ("from", "outbox", "email", "notify")
_ADDRESS = re.compile(r"[^@\s<>,]+@[^@\s<>,]+")


@dataclass
class Settings:
    path: Path
    knowledge_base: Path
    draft_threshold: float
    team: str
    sender: str
    channel: str  # outbox, email or notify
    outbox: Path | None
    email: EmailChannel | None
    notify: NotifyChannel | None


def settings_path() -> Path:
    return Path(os.environ.get(SETTING) or repo_root() / DEFAULT_FILE).expanduser()


def load_settings(path: Path | str | None = None) -> Settings:
    """Read and check the settings; :class:`InvalidInput` names the file and the setting at fault."""
    path = Path(path) if path else settings_path()
    raw = expand(read_yaml(path, SETTING))
    where = str(path)
    unknown = sorted(str(k) for k in raw if k not in KEYS)
    if unknown:
        raise InvalidInput(f"{where}: {unknown[0]} is not a setting (the settings are {', '.join(KEYS)})")
    kb = raw.get("knowledge_base")
    if not kb:
        raise InvalidInput(f"{where}: knowledge_base is missing: give the folder of the knowledge base's pages")
    kb_path = Path(str(kb)).expanduser()
    if not kb_path.is_absolute():
        kb_path = (path.resolve().parent / kb_path)
    threshold = raw.get("draft_threshold", 0.5)
    try:
        threshold = float(threshold)
    except (TypeError, ValueError):
        threshold = -1.0
    if isinstance(raw.get("draft_threshold"), bool) or not 0.0 <= threshold <= 1.0:
        raise InvalidInput(f"{where}: draft_threshold must be a number from 0 to 1 (not {raw.get('draft_threshold')!r})")
    team = str(raw.get("team") or "the team")
    reply = raw.get("reply")
    if not isinstance(reply, dict):
        raise InvalidInput(f"{where}: reply must be a mapping with from and one of outbox, email or notify")
    unknown = sorted(str(k) for k in reply if k not in REPLY_KEYS)
    if unknown:
        raise InvalidInput(f"{where}: reply.{unknown[0]} is not a setting (the settings are {', '.join(REPLY_KEYS)})")
    sender = str(reply.get("from") or "")
    if not _ADDRESS.fullmatch(sender):
        raise InvalidInput(f"{where}: reply.from must be the address replies come from (not {sender!r})")
    channels = [name for name in ("outbox", "email", "notify") if reply.get(name) not in (None, "")]
    if len(channels) != 1:
        raise InvalidInput(f"{where}: reply needs exactly one of outbox, email or notify "
                           f"({'none' if not channels else ' and '.join(channels)} given)")
    channel = channels[0]
    outbox = email = notify = None
    if channel == "outbox":
        outbox = Path(str(reply["outbox"])).expanduser()
    elif channel == "email":
        config = reply["email"]
        if not isinstance(config, dict):
            raise InvalidInput(f"{where}: reply.email must be a mapping (host, port, starttls, username, password_env)")
        email = EmailChannel.from_config({**config, "from": sender}, where="reply.email", recipients=False)
    else:
        config = reply["notify"]
        if not isinstance(config, dict):
            raise InvalidInput(f"{where}: reply.notify must be a mapping (base_url, api_key_env, template_id)")
        notify = NotifyChannel.from_config(config, where="reply.notify", recipients=False)
    return Settings(path=path, knowledge_base=kb_path, draft_threshold=threshold, team=team, sender=sender,
                    channel=channel, outbox=outbox, email=email, notify=notify)


def describe(settings: Settings) -> dict[str, Any]:
    """What the portal shows about the settings (no secrets: the channels hold only variable names)."""
    where = {"outbox": str(settings.outbox), "email": f"{settings.email.host}:{settings.email.port}"
             if settings.email else "", "notify": settings.notify.base_url if settings.notify else ""}
    return {"channel": settings.channel, "to": where[settings.channel], "from": settings.sender,
            "draft_threshold": settings.draft_threshold}
