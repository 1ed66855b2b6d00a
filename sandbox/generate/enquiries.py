"""E-mailed enquiries from parents about the local offer (``sandbox/local-offer``), some the pages do not answer.

``write_enquiries(folder, count=..., seed=...)`` writes ``.eml`` files into ``folder`` and
returns the ground truth, also written beside them as ``enquiries-manifest.json``: one entry
per file with ``file``, ``message_id``, ``from_address``, ``expect`` and ``page``:

==================  ======================================================  ==================
``expect``          the e-mail                                               a correct bot
==================  ======================================================  ==================
``draft``           asks what the page ``page`` answers                     a draft citing it
``needs-person``    asks what the local offer does not cover (bins,          no draft: a BUSINESS
                    council tax, parking...)                                 failure for the team
``unreadable``      is not a usable e-mail (no sender)                       a BUSINESS failure
``duplicate``       the same e-mail again (same Message-ID)                  no second item
==================  ======================================================  ==================

Every name and address is made up (Faker; ``example.com``-style domains). The wording is
how parents write: informal, sometimes misspelt, with greetings, signatures and quoted
earlier messages the bot must see past.
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path

from faker import Faker

MANIFEST = "enquiries-manifest.json"

# page -> questions as parents write them (not the pages' own wording)
ANSWERABLE: dict[str, list[tuple[str, str]]] = {
    "send-transport": [
        ("School transport", "My daughter has autism and cant manage the bus on her own. Can the council help get her "
                             "to school? We live about 4 miles away."),
        ("taxi to school??", "is there a taxi or minibus for kids with an EHCP to get to their special school"),
        ("Travel help", "How do I apply for help with transport to school for my son who uses a wheelchair?"),
        ("Transport refused", "We were turned down for school transport. How do we appeal the decision?"),
    ],
    "ehc-plans": [
        ("EHCP", "How do I ask for an EHC needs assessment for my son? School say they have done all they can."),
        ("how long does an ehcp take", "We asked for an education health and care plan in the spring. How long is it "
                                      "meant to take?"),
        ("Annual review", "When does my childs EHC plan get reviewed and who comes to the annual review meeting?"),
    ],
    "sen-support-in-school": [
        ("Worried about school", "I'm worried my son is falling behind with his reading. Who should I talk to at "
                                 "school about special educational needs support?"),
        ("SENCO", "what does the senco actually do and how do i get a meeting with them"),
    ],
    "short-breaks": [
        ("Respite", "Are there any short breaks or respite for parents of disabled children? We are exhausted."),
        ("Holiday clubs", "Can my disabled son join a holiday play scheme or youth club over the summer?"),
    ],
    "speech-and-language": [
        ("Speech therapy", "My 3 year old is hardly talking. How do we get a referral to speech and language "
                           "therapy?"),
        ("Waiting list", "How long is the waiting list for speech therapy at the moment?"),
    ],
    "preparing-for-adulthood": [
        ("Leaving school", "My son is 17 with learning disabilities. What college or apprenticeship options are "
                           "there when he leaves school?"),
        ("Adult social care", "When does my daughter move from children's services to adult social care?"),
    ],
}

UNANSWERABLE: list[tuple[str, str]] = [
    ("Bins", "Our recycling bin was not collected on Tuesday. When will the lorry come back?"),
    ("Council tax", "How do I set up a direct debit for my council tax?"),
    ("Parking permit", "How much is a residents parking permit for our street?"),
    ("Planning", "Do I need planning permission for a garden shed?"),
    ("Library", "What time does the central library open on Sundays?"),
]

_GREETINGS = ("Hello,", "Hi there,", "Dear Local Offer team,", "Good morning,", "")
_SIGN_OFFS = ("Thanks,", "Many thanks,", "Kind regards,", "Thank you", "Best wishes,")
_DOMAINS = ("example.com", "example.org", "example.net")


@dataclass
class EnquiryEntry:
    file: str
    message_id: str
    from_address: str
    expect: str  # draft, needs-person, unreadable, duplicate
    page: str | None
    duplicate_of: str | None = None


def write_enquiries(folder: Path | str, *, count: int = 20, seed: int = 1, unanswerable_rate: float = 0.2,
                    sent: datetime | None = None) -> list[EnquiryEntry]:
    """Write ``count`` e-mails into ``folder`` (plus one unreadable file and one resent copy when
    ``count`` is 8 or more) and ``enquiries-manifest.json``; returns the entries."""
    if count < 0 or not 0.0 <= unanswerable_rate <= 1.0:
        raise ValueError("count must be 0 or more and unanswerable_rate between 0 and 1")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"{seed}:enquiries")
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    start = sent or datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
    answerable = [(page, q) for page, questions in ANSWERABLE.items() for q in questions]
    rng.shuffle(answerable)
    unanswerable = list(UNANSWERABLE)
    rng.shuffle(unanswerable)
    entries: list[EnquiryEntry] = []
    for n in range(count):
        if rng.random() < unanswerable_rate and unanswerable:
            page, (subject, text) = None, unanswerable[n % len(unanswerable)]
        else:
            page, (subject, text) = answerable[n % len(answerable)][0], answerable[n % len(answerable)][1]
        name = f"{fake.first_name()} {fake.last_name()}"  # no titles: the sign-off is the first name
        address = f"{name.lower().replace(' ', '.').replace(chr(39), '')}{rng.randint(1, 99)}@{rng.choice(_DOMAINS)}"
        message_id = f"<{seed}.{n}.{rng.getrandbits(40):x}@{address.rpartition('@')[2]}>"
        body = _body(rng, text, name, quoted=rng.random() < 0.25)
        when = start + timedelta(minutes=17 * n)
        file = f"enquiry-{n + 1:03d}.eml"
        (folder / file).write_bytes(_email(name, address, subject, body, message_id, when, html=rng.random() < 0.2))
        entries.append(EnquiryEntry(file=file, message_id=message_id, from_address=address,
                                    expect="needs-person" if page is None else "draft", page=page))
    if count >= 8:
        bad = "enquiry-unreadable.eml"
        # Each night's differs (a real one would): the same bytes twice are one item, by design.
        (folder / bad).write_bytes(f"Subject: (no sender)\r\n\r\nThis message lost its headers on the way "
                                   f"(mail system reference {rng.randint(10**7, 10**8 - 1)}).\r\n".encode())
        entries.append(EnquiryEntry(file=bad, message_id="", from_address="", expect="unreadable", page=None))
        first = next(e for e in entries if e.expect == "draft")
        copy = f"enquiry-{count + 1:03d}-resent.eml"
        (folder / copy).write_bytes((folder / first.file).read_bytes())
        entries.append(EnquiryEntry(file=copy, message_id=first.message_id, from_address=first.from_address,
                                    expect="duplicate", page=first.page, duplicate_of=first.file))
    (folder / MANIFEST).write_text(json.dumps([asdict(e) for e in entries], indent=2) + "\n", encoding="utf-8")
    return entries


def load_enquiries_manifest(folder: Path | str) -> list[EnquiryEntry]:
    return [EnquiryEntry(**e) for e in json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))]


def _body(rng: random.Random, text: str, name: str, *, quoted: bool) -> str:
    lines = [rng.choice(_GREETINGS), "", text, "", rng.choice(_SIGN_OFFS), name.split()[0]]
    if rng.random() < 0.3:
        lines += ["", "-- ", name, "Sent from my phone"]
    if quoted:
        lines += ["", "On Mon, 2 Nov 2026 at 09:12, Millbrook Council <noreply@millbrook.example> wrote:",
                  "> Thank you for contacting Millbrook Council.", "> We aim to reply within 10 working days."]
    return "\n".join(line for line in lines if line is not None).strip() + "\n"


def _email(name: str, address: str, subject: str, body: str, message_id: str, when: datetime, *, html: bool) -> bytes:
    msg = EmailMessage()
    msg["From"] = formataddr((name, address))
    msg["To"] = "Millbrook Local Offer <localoffer@millbrook.example>"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = message_id
    msg.set_content(body)
    if html:
        paragraphs = "".join(f"<p>{line}</p>" for line in body.split("\n") if line and not line.startswith(">"))
        msg.add_alternative(f"<html><body>{paragraphs}</body></html>", subtype="html")
    return bytes(msg)
