"""Referrals: read referral forms from every channel, normalise them, check them, archive the files.

``Library    keywords.referrals`` gives a producer robot all it needs between an inbox
folder of referral files and one work item per referral. It reads filled PDF forms
(``.pdf``), e-mails with the form attached (``.eml``), spreadsheets (``.xlsx``) and
online-form and partner-portal exports (``.json``, ``.csv``); maps each onto one schema
(`Normalised referrals`); checks what a case worker would check (`Validate Referral`);
and moves each file to an archive once its work items are saved (`Archive Inbox File`).

.. contents::
   :local:

Example
=======

The referral bot's producer step (``robots/referrals/producer.robot``), in short:

.. code-block:: robotframework

    *** Settings ***
    Library    RPA.Robocorp.WorkItems
    Library    keywords.referrals

    *** Tasks ***
    Produce referrals
        ${inbox} =    Get Work Item Variable    inbox
        ${archive} =    Get Work Item Variable    archive
        @{files} =    List Inbox Files    ${inbox}
        FOR    ${file}    IN    @{files}
            @{payloads} =    Prepare Referral Work Items    ${file}
            FOR    ${payload}    IN    @{payloads}
                Create Output Work Item
                Set Work Item Payload    ${payload}
                Add Work Item File    ${file}
                Save Work Item
            END
            Archive Inbox File    ${file}    ${archive}
        END
        Release Input Work Item    DONE

Run it with ``--maxassignlength 0``, so that no assigned value reaches the log, and with
``NIGHTSHIFT_REFERENCE_FIELD=reference``, so that a referral read twice (sent twice, or
read again after a crash) makes one work item.

Normalised referrals
====================

Every format is mapped onto the same dictionary (``keywords/referrals/schema.py``):

.. list-table::
   :header-rows: 1

   * - Key
     - Value
   * - ``reference``
     - the referral's own reference, from the source (``PDF-2026-00017``)
   * - ``referral_date``
     - ISO date (``2026-11-26``) the referral was made or received
   * - ``child_forename``, ``child_surname``
     - text
   * - ``date_of_birth``
     - ISO date, or ``None`` when the source leaves it out
   * - ``gender``
     - ``Female``, ``Male`` or ``Not known``
   * - ``nhs_number``
     - ten digits, no spaces
   * - ``address_line1``, ``town``
     - text
   * - ``postcode``
     - upper case, one space before the inward code (``SW1A 1AA``)
   * - ``school``
     - text, empty when the child has none
   * - ``referrer_name``, ``referrer_role``, ``referrer_organisation``, ``referrer_phone``, ``referrer_email``
     - text
   * - ``concern_category``, ``concern_details``
     - text (the details keep their line breaks)
   * - ``consent``
     - ``True``, ``False``, or ``None`` when the source does not say
   * - ``source``
     - ``{"file": name, "format": "pdf", "row": n}``: ``row`` is the sheet or CSV row (the
       header being row 1) or the submission's place in a JSON export; ``None`` for a PDF
       or an e-mail

Payloads from `Prepare Referral Work Items` add ``validation``: ``None``, or
``{"code": ..., "field": ..., "message": ...}`` for a referral a person must deal with.

A value that cannot be normalised (a date that is not a date, a malformed postcode) is
kept as written, so that validation can say what is wrong; such a referral never passes.

Formats
=======

.. list-table::
   :header-rows: 1

   * - Extension
     - What it is
     - How it is read
   * - ``.pdf``
     - the fillable form RS1
     - its AcroForm fields (``FormReference``, ``ChildDOB``, ``NHSNumber``, ...); radio
       buttons for gender, a tick box for consent
   * - ``.eml``
     - an e-mail
     - each attached PDF is read as a form
   * - ``.xlsx``
     - a spreadsheet
     - sheet "Referrals" (else the first): a header row, one referral a row; date and
       number cells allowed
   * - ``.json``
     - an online-form export
     - ``{"export": {...}, "submissions": [...]}`` with nested fields; ``submitted_at``
       (UTC) gives the London date
   * - ``.csv``
     - a partner-portal export
     - UTF-8, a header row; dates ``dd/mm/yyyy``; sex ``F``/``M``/``U``; consent ``Y``/``N``

Spreadsheet and CSV columns are found by their heading ("Child forename" or "Child First
Name", "DOB", "NHS No", "Agency", ...), in any order. A sheet without a column for a
required field is refused as a whole (``UNRECOGNISED_COLUMNS``).

Validation
==========

`Validate Referral` checks, in field order: every field but ``school`` is given; the
referral date and date of birth are real dates; the date of birth is neither after the
referral date nor after today, and the child is younger than ``oldest_age`` (25 by
default: care leavers and young people with SEND are referred up to 25); gender is one
the case system knows; the NHS number is ten digits with a correct Modulus 11 check
digit; the postcode has a UK format; the referrer's e-mail looks like an address;
consent is given.

Error codes
===========

Both error types are BUSINESS errors: the input is wrong and a person must act, so they
are never retried. Their text is ``CODE: message``; the message names the field (or the
file), says what is wrong and what to do, and never quotes a child's data.

**ReferralBusinessError** (a referral was read but cannot be keyed): ``MISSING_<FIELD>``
(e.g. ``MISSING_DATE_OF_BIRTH``), ``INVALID_REFERRAL_DATE``, ``INVALID_DATE_OF_BIRTH``,
``FUTURE_DATE_OF_BIRTH``, ``DATE_OF_BIRTH_TOO_OLD``, ``INVALID_GENDER``,
``INVALID_NHS_NUMBER``, ``INVALID_POSTCODE``, ``INVALID_REFERRER_EMAIL``, ``NO_CONSENT``,
``CONSENT_NOT_RECORDED``.

**ReferralFileUnreadable** (the file cannot be read; its work item keeps it):
``UNREADABLE_PDF``, ``NO_REFERRAL_FORM``, ``UNREADABLE_SPREADSHEET``, ``UNREADABLE_JSON``,
``INCOMPLETE_EXPORT``, ``UNRECOGNISED_COLUMNS``, ``UNRECOGNISED_LAYOUT``,
``WRONG_ENCODING``, ``NO_REFERRALS``, ``UNSUPPORTED_FILE_TYPE``.

A consumer hands a marked payload's problem on to the queue as it is:

.. code-block:: robotframework

    ${problem} =    Get Work Item Variable    validation
    IF    $problem
        Release Input Work Item    FAILED    exception_type=BUSINESS
        ...    code=${problem}[code]    message=${problem}[message]
    END

Wrong text encoding
===================

CSV and JSON files must be UTF-8 (a byte-order mark is fine). A file that is not is
refused with ``WRONG_ENCODING``, naming the file and the line of the first bad byte.
There is **no** Windows-1252 fallback: Windows-1252 decodes almost any bytes without an
error, so a fallback would also "succeed" on files in other encodings and key a child's
name, misspelt, into the case record with nobody told. A morning's delay for a re-export
is the better failure.

Archiving
=========

`Archive Inbox File` links the file into the archive (or copies, flushes and renames it,
across file systems) before it removes the inbox copy, and a robot calls it only after it
has saved the file's work items. A step killed halfway leaves the file in the inbox, or
in both folders; the rerun reads it again, and the work items' references make that
second reading create nothing new.

Personal data
=============

Referrals are children's personal data. These keywords log counts, file names and
references, never a value from a referral, and no error message quotes one. Keep it so
in robots: set payloads with ``Set Work Item Payload`` (not ``Create Output Work Item
variables=...``, which rpaframework logs) and run Robot Framework with
``--maxassignlength 0``.
"""

from __future__ import annotations

from types import SimpleNamespace

from robotlibcore import DynamicCore

from .errors import ReferralBusinessError, ReferralError, ReferralFileUnreadable
from .inbox import InboxKeywords
from .reading import ReadingKeywords
from .schema import FIELDS, Referral
from .validation import ValidationKeywords

__all__ = ["FIELDS", "Referral", "ReferralBusinessError", "ReferralError", "ReferralFileUnreadable", "Referrals",
           "referrals"]

DEFAULT_REFERENCE_PATTERN = r"[A-Z]{2,5}-\d{4}-\d{3,6}"


class Referrals(DynamicCore):
    __doc__ = __doc__
    ROBOT_LIBRARY_SCOPE = "GLOBAL"
    ROBOT_LIBRARY_DOC_FORMAT = "REST"

    def __init__(self, reference_pattern: str = DEFAULT_REFERENCE_PATTERN, oldest_age: int = 25):
        r"""
        :param reference_pattern: A regular expression for the references your channels use.
            It finds the reference in the name (or e-mail subject) of a file that cannot be
            read, so that the supervisor's message says which referral it was.
        :param oldest_age: The age from which a date of birth is refused
            (``DATE_OF_BIRTH_TOO_OLD``).

        .. code-block:: robotframework

            *** Settings ***
            Library    keywords.referrals    reference_pattern=RF\\d{6}    oldest_age=19
        """
        self.ctx = SimpleNamespace(reference_pattern=reference_pattern, oldest_age=int(oldest_age))
        super().__init__([ReadingKeywords(self.ctx), ValidationKeywords(self.ctx), InboxKeywords(self.ctx)])


# Robot Framework imports ``keywords.referrals`` by looking for a class named like the module.
referrals = Referrals
