"""The referrals keyword library against a generated inbox: every format read to the manifest's
values, every defect found on the manifest's field, the validators, archiving, and the keywords
through Robot Framework itself (``referrals.robot``)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
import robot
from robot.libdocpkg import LibraryDocumentation

from keywords.inbox import InboxUnavailable
from keywords.referrals import FIELDS, Referrals, ReferralBusinessError, ReferralFileUnreadable
from keywords.referrals.checks import nhs_check_digit, nhs_number_is_valid, postcode_is_valid
from keywords.referrals.normalise import postcode as normalise_postcode

ROOT = Path(__file__).resolve().parents[2]
ROBOT_SUITE = Path(__file__).with_name("referrals.robot")
UNREADABLE = {"corrupt_pdf": "UNREADABLE_PDF", "wrong_encoding": "WRONG_ENCODING"}
CODES = {"missing_dob": "MISSING_DATE_OF_BIRTH", "future_dob": "FUTURE_DATE_OF_BIRTH",
         "invalid_nhs_number": "INVALID_NHS_NUMBER", "invalid_postcode": "INVALID_POSTCODE",
         "no_consent": "NO_CONSENT"}


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """120 referrals, 40% defective: every format and every defect kind several times."""
    from sandbox.generate import generate

    out = tmp_path_factory.mktemp("generated")
    manifest = generate(out / "set", seed=7, referrals=120, defect_rate=0.4, invoices=0, bookings=0)
    return out / "set", manifest


@pytest.fixture(scope="module")
def library():
    return Referrals()


@pytest.fixture(scope="module")
def payloads(generated, library):
    """Every file's work-item payloads, by (file name, reference)."""
    root, _ = generated
    found = {}
    for path in sorted((root / "inbox" / "referrals").iterdir()):
        for payload in library.prepare_referral_work_items(path):
            found[(path.name, payload["reference"])] = payload
    return found


def comparable(values: dict, defect: str | None) -> dict:
    values = {k: values[k] for k in FIELDS}
    if defect == "invalid_postcode":
        # A malformed postcode is kept as typed; a form typed in lower case without the space
        # cannot say where the space was, so compare it without spaces.
        values["postcode"] = values["postcode"].replace(" ", "").upper()
    return values


@pytest.mark.parametrize("fmt", ["pdf", "eml", "xlsx", "json", "csv"])
def test_each_format_reads_to_the_manifests_expected_values(generated, library, fmt):
    root, manifest = generated
    entries = [e for e in manifest.referrals if e.format == fmt and e.defect not in UNREADABLE]
    assert entries, f"the generated set has no readable {fmt} referral"
    read = {}
    for name in sorted({e.file for e in entries}):
        for referral in library.read_referrals_from_file(root / name):
            read[(Path(name).name, referral["reference"])] = referral
    for entry in entries:
        referral = read[(Path(entry.file).name, entry.reference)]
        assert comparable(referral, entry.defect) == comparable(entry.expected, entry.defect), entry.reference
        row = entry.row if entry.row is not None else (entry.index + 1 if entry.index is not None else None)
        assert referral["source"] == {"file": Path(entry.file).name, "format": fmt, "row": row}


@pytest.mark.parametrize("defect", sorted(CODES))
def test_each_invalid_referral_is_marked_with_the_manifests_field(generated, payloads, defect):
    _, manifest = generated
    entries = [e for e in manifest.referrals if e.defect == defect]
    assert entries
    for entry in entries:
        validation = payloads[(Path(entry.file).name, entry.reference)]["validation"]
        assert validation is not None, f"{entry.reference}: {defect} not detected"
        assert (validation["field"], validation["code"]) == (entry.field, CODES[defect]), entry.reference
        assert validation["message"].startswith(f"{entry.field}: ")
        bad_value = entry.expected[entry.field]
        if isinstance(bad_value, str):  # the message names the problem, never the child's data
            assert bad_value not in validation["message"]


@pytest.mark.parametrize("defect", sorted(UNREADABLE))
def test_an_unreadable_file_becomes_one_payload_that_says_why(generated, library, defect):
    _, manifest = generated
    entries = [e for e in manifest.referrals if e.defect == defect]
    assert entries
    root, _ = generated
    for entry in entries:
        path = root / entry.file
        with pytest.raises(ReferralFileUnreadable) as caught:
            library.read_referrals_from_file(path)
        assert str(caught.value).startswith(f"{UNREADABLE[defect]}: {path.name}")
        [payload] = library.prepare_referral_work_items(path)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        assert payload["reference"] == f"FILE-{digest}"
        assert payload["validation"]["code"] == UNREADABLE[defect] and payload["validation"]["field"] is None
        assert payload["source"]["file"] == path.name
        assert all(payload[f] in ("", None) for f in FIELDS if f != "reference")
        if entry.format in ("pdf", "eml"):  # its name or subject says which referral it was
            assert entry.reference in payload["validation"]["message"]


def test_clean_referrals_and_duplicates_pass(generated, payloads):
    _, manifest = generated
    for entry in manifest.referrals:
        if entry.defect in (None, "duplicate"):
            assert payloads[(Path(entry.file).name, entry.reference)]["validation"] is None, entry.reference


def test_a_duplicate_has_the_same_reference_as_its_original(generated, payloads):
    _, manifest = generated
    for entry in (e for e in manifest.referrals if e.defect == "duplicate"):
        first = next(e for e in manifest.referrals if e.reference == entry.reference and e.defect != "duplicate")
        copy = payloads[(Path(entry.file).name, entry.reference)]
        original = payloads[(Path(first.file).name, first.reference)]
        assert {k: copy[k] for k in FIELDS} == {k: original[k] for k in FIELDS}


def test_validate_referral_raises_a_business_error_naming_the_field(generated, library, payloads):
    _, manifest = generated
    entry = next(e for e in manifest.referrals if e.defect == "missing_dob")
    referral = payloads[(Path(entry.file).name, entry.reference)]
    with pytest.raises(ReferralBusinessError) as caught:
        library.validate_referral(referral)
    assert str(caught.value).startswith(
        "MISSING_DATE_OF_BIRTH: date_of_birth: missing — ask the referrer for the child's date of birth")
    assert caught.value.field == "date_of_birth" and caught.value.code == "MISSING_DATE_OF_BIRTH"


def test_nhs_numbers():
    assert nhs_number_is_valid("9434765919")
    assert nhs_number_is_valid("943 476 5919") and nhs_number_is_valid("943-476-5919")
    assert not nhs_number_is_valid("9434765918")  # one digit off
    assert not nhs_number_is_valid("943476591") and not nhs_number_is_valid("94347659190")
    assert not nhs_number_is_valid("94347659l9") and not nhs_number_is_valid("")
    assert nhs_check_digit("943476591") == 9
    eleven = next(f"{n:09d}" for n in range(10**8, 10**9) if sum(
        int(d) * w for d, w in zip(f"{n:09d}", range(10, 1, -1))) % 11 == 0)
    assert nhs_check_digit(eleven) == 0 and nhs_number_is_valid(eleven + "0")  # 11 becomes 0
    ten = next(f"{n:09d}" for n in range(10**8, 10**9) if sum(
        int(d) * w for d, w in zip(f"{n:09d}", range(10, 1, -1))) % 11 == 1)
    assert nhs_check_digit(ten) is None  # 10: never issued
    assert not any(nhs_number_is_valid(ten + str(d)) for d in range(10))


@pytest.mark.parametrize("typed, normal", [
    ("SW1A 1AA", "SW1A 1AA"), ("sw1a1aa", "SW1A 1AA"), (" m1  1ae ", "M1 1AE"), ("B33 8TH", "B33 8TH"),
    ("CR2 6XH", "CR2 6XH"), ("DN55 1PT", "DN55 1PT"), ("W1A 0AX", "W1A 0AX"), ("GIR 0AA", "GIR 0AA"),
])
def test_valid_postcodes(typed, normal):
    assert normalise_postcode(typed) == normal and postcode_is_valid(normal)


@pytest.mark.parametrize("typed", [
    "QA1 1AA",  # Q never starts a postcode
    "SW1A 1A",  # a unit letter lost
    "1SW 1AA", "SW1A 1AAA", "SW123 1AA",
    "EC1A 1CA",  # C is not a unit letter
    "SW1A", "",
])
def test_invalid_postcodes(typed):
    assert not postcode_is_valid(normalise_postcode(typed))


def test_a_windows_1252_csv_is_refused_naming_the_file(tmp_path, library):
    header = ("Ref,Received,Child First Name,Child Last Name,DOB,Sex,NHS No,Address 1,Town,Postcode,School,"
              "Referrer,Referrer Role,Agency,Tel,Email,Category,Concerns,Consent\r\n")
    row = ("CSV-2026-00001,26/11/2026 10:00,Zoë,Test,01/02/2015,F,9434765919,1 High St,Town,SW1A 1AA,,"
           "A Person,GP,Surgery,01632 960000,a@b.example,Neglect,Details,Y\r\n")
    (tmp_path / "ansi.csv").write_bytes((header + row).encode("cp1252"))
    with pytest.raises(ReferralFileUnreadable, match=r"^WRONG_ENCODING: ansi.csv is not UTF-8 text .* line 2 "):
        library.read_referrals_from_file(tmp_path / "ansi.csv")
    (tmp_path / "bom.csv").write_bytes((header + row).encode("utf-8-sig"))
    [referral] = library.read_referrals_from_file(tmp_path / "bom.csv")
    assert referral["child_forename"] == "Zoë" and referral["source"]["row"] == 2


def test_list_inbox_files_leaves_out_partial_and_hidden_files(tmp_path, library):
    for name in ("b.pdf", "a.xlsx", ".hidden.pdf", "~$a.xlsx", "upload.pdf.part", "c.csv.tmp"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "folder").mkdir()
    assert [Path(p).name for p in library.list_inbox_files(tmp_path)] == ["a.xlsx", "b.pdf"]
    assert [Path(p).name for p in library.list_inbox_files(tmp_path, "*.pdf")] == ["b.pdf"]
    with pytest.raises(InboxUnavailable, match="does not exist"):
        library.list_inbox_files(tmp_path / "missing")


def test_archive_moves_and_never_overwrites(tmp_path, library):
    inbox, archive = tmp_path / "inbox", tmp_path / "archive"
    inbox.mkdir()
    (inbox / "a.pdf").write_bytes(b"first")
    assert library.archive_inbox_file(inbox / "a.pdf", archive) == str(archive / "a.pdf")
    assert not (inbox / "a.pdf").exists() and (archive / "a.pdf").read_bytes() == b"first"
    (inbox / "a.pdf").write_bytes(b"second night, same name")
    assert Path(library.archive_inbox_file(inbox / "a.pdf", archive)).name == "a (2).pdf"
    assert (archive / "a.pdf").read_bytes() == b"first"


def test_libdoc_renders_the_manual_and_every_keyword():
    doc = LibraryDocumentation("keywords.referrals")
    names = {kw.name for kw in doc.keywords}
    assert {"Read Referrals From File", "Prepare Referral Work Items", "Validate Referral", "List Inbox Files",
            "Archive Inbox File", "NHS Number Should Be Valid", "Postcode Should Be Valid"} <= names
    assert "*** Tasks ***" in doc.doc and all(kw.doc for kw in doc.keywords)


def test_no_product_code_imports_the_sandbox():
    package = ROOT / "keywords" / "referrals"
    for path in package.rglob("*.py"):
        assert not re.search(r"^\s*(from|import)\s+sandbox\b", path.read_text(), re.M), path


def test_the_robot_framework_suite_for_the_keywords(generated, tmp_path):
    root, manifest = generated

    def first(**where):
        return next(e for e in manifest.referrals if all(getattr(e, k) == v for k, v in where.items()))

    sheet, bad_nhs, corrupt = first(format="xlsx", defect=None), first(defect="invalid_nhs_number"), \
        first(defect="corrupt_pdf")
    variables = [
        f"CLEAN_PDF:{root / first(format='pdf', defect=None).file}", f"XLSX:{root / sheet.file}",
        f"XLSX_COUNT:{sum(1 for e in manifest.referrals if e.file == sheet.file)}",
        f"BAD_NHS_FILE:{root / bad_nhs.file}", f"BAD_NHS_REFERENCE:{bad_nhs.reference}",
        f"CORRUPT_PDF:{root / corrupt.file}", f"CORRUPT_REFERENCE:{corrupt.reference}",
        f"WORKDIR:{tmp_path / 'work'}",
    ]
    rc = robot.run(str(ROBOT_SUITE), outputdir=str(tmp_path / "out"), variable=variables, loglevel="INFO",
                   maxassignlength=0, console="none")
    assert rc == 0, f"{rc} Robot Framework test(s) failed: see {tmp_path / 'out' / 'log.html'}"


def _csv(rows: list[str]) -> bytes:
    header = ("Ref,Received,Child First Name,Child Last Name,DOB,Sex,NHS No,Address 1,Town,Postcode,School,"
              "Referrer,Referrer Role,Agency,Tel,Email,Category,Concerns,Consent")
    return "\r\n".join([header, *rows, ""]).encode("utf-8")


def _email(attachment: bytes | None) -> bytes:
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["Subject"] = "Referral EML-2026-00001 - request for support"
    msg.set_content("Please find the form attached.")
    if attachment is not None:
        msg.add_attachment(attachment, maintype="application", subtype="pdf", filename="form.pdf")
    return msg.as_bytes()


@pytest.mark.parametrize("name, content, code", [
    ("notes.txt", b"call the school back", "UNSUPPORTED_FILE_TYPE"),
    ("export.json", b'{"export": {"count": 3}, "submissions": [{"submission_id": "WEB-1"}]}', "INCOMPLETE_EXPORT"),
    ("export.json", b'{"export": {"count": 1}, "submissions": [{"submission_id": "WEB-1"', "UNREADABLE_JSON"),
    ("export.json", b'{"rows": 1}', "UNRECOGNISED_LAYOUT"),
    ("export.json", b'{"export": {"count": 0}, "submissions": []}', "NO_REFERRALS"),
    ("list.csv", b"Name,Date\r\nSomeone,01/01/2020\r\n", "UNRECOGNISED_COLUMNS"),
    ("list.csv", _csv([]), "NO_REFERRALS"),
    ("sheet.xlsx", b"PK\x03\x04 not really a workbook", "UNREADABLE_SPREADSHEET"),
    ("referral-EML-2026-00001.eml", _email(None), "NO_REFERRAL_FORM"),
    ("referral-EML-2026-00001.eml", _email(b"%PDF-1.4 cut"), "UNREADABLE_PDF"),
])
def test_other_files_that_cannot_be_read(tmp_path, library, name, content, code):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(ReferralFileUnreadable, match=rf"^{code}: "):
        library.read_referrals_from_file(tmp_path / name)
    [payload] = library.prepare_referral_work_items(tmp_path / name)
    assert payload["validation"]["code"] == code and payload["reference"].startswith("FILE-")
    if name.endswith(".eml"):
        assert "EML-2026-00001" in payload["validation"]["message"]


def test_a_plain_pdf_is_not_a_referral_form(tmp_path, library):
    from reportlab.pdfgen.canvas import Canvas

    Canvas(str(tmp_path / "letter.pdf")).save()
    with pytest.raises(ReferralFileUnreadable, match="^NO_REFERRAL_FORM: letter.pdf: the PDF is not a filled"):
        library.read_referrals_from_file(tmp_path / "letter.pdf")


def test_a_referral_without_a_reference_gets_a_stable_one(tmp_path, library):
    row = (",26/11/2026 10:00,Ann,Test,01/02/2015,F,9434765919,1 High St,Town,SW1A 1AA,,A Person,GP,Surgery,"
           "01632 960000,a@b.example,Neglect,Details,")
    (tmp_path / "p.csv").write_bytes(_csv([row]))
    [first] = library.prepare_referral_work_items(tmp_path / "p.csv")
    [again] = library.prepare_referral_work_items(tmp_path / "p.csv")
    assert first["reference"] == again["reference"] and re.fullmatch(r"NOREF-[0-9a-f]{16}-2", first["reference"])
    assert first["validation"]["code"] == "MISSING_REFERENCE"
    assert "consent: not recorded" in first["validation"]["message"]  # every problem is listed
