"""Keywords that check a referral, an NHS number or a postcode."""

from __future__ import annotations

from datetime import date
from typing import Any

from robot.api.deco import keyword

from . import checks, normalise
from .errors import ReferralBusinessError


class ValidationKeywords:
    def __init__(self, ctx: Any):
        self.ctx = ctx

    @keyword
    def validate_referral(self, referral: dict[str, Any], today: date | None = None) -> None:
        """Fails with a ``ReferralBusinessError`` when a normalised referral cannot be keyed.

        :param referral: A referral as `Read Referrals From File` returns it.
        :param today: The date a date of birth may not be after (default: today in London).

        It checks, in field order: every field but ``school`` is given; ``referral_date`` and
        ``date_of_birth`` are real dates; the date of birth is neither after the referral date
        nor after ``today``, and the child is younger than the library's ``oldest_age``; ``gender``
        is Female, Male or Not known; the NHS number is ten digits with a correct Modulus 11
        check digit; the postcode has a UK format; the referrer's e-mail looks like an
        address; consent is given.

        The error reads ``CODE: field: problem — what to do`` for the first problem, and lists
        the others after a ``;``. It quotes no value from the referral. See `Error codes`.

        .. code-block:: robotframework

            TRY
                Validate Referral    ${referral}
            EXCEPT    INVALID_NHS_NUMBER:*    type=glob    AS    ${error}
                Log    ${error}
            END
        """
        problems = checks.problems(referral, today, self.ctx.oldest_age)
        if problems:
            first = problems[0]
            raise ReferralBusinessError(first.code, "; ".join(p.message for p in problems), first.field,
                                        reference=referral.get("reference"))

    @keyword
    def get_referral_problems(self, referral: dict[str, Any], today: date | None = None) -> list[dict[str, Any]]:
        """Returns every problem `Validate Referral` finds, without failing.

        :param referral: A referral as `Read Referrals From File` returns it.
        :param today: As for `Validate Referral`.

        :return: A list of ``{"code", "field", "message"}`` dictionaries, empty when the referral may
            be keyed.

        .. code-block:: robotframework

            @{problems} =    Get Referral Problems    ${referral}
            Should Be Empty    ${problems}
        """
        return [p.as_validation() for p in checks.problems(referral, today, self.ctx.oldest_age)]

    @keyword(name="NHS Number Should Be Valid")
    def nhs_number_should_be_valid(self, value: str, msg: str | None = None) -> None:
        """Fails unless the value is an NHS number with a correct check digit.

        :param value: Ten digits; spaces and hyphens are allowed (``943 476 5919``).
        :param msg: A message to fail with after the code, instead of the default one.

        The last digit must be the Modulus 11 check digit of the first nine.

        .. code-block:: robotframework

            NHS Number Should Be Valid    943 476 5919
        """
        if not checks.nhs_number_is_valid(value):
            raise ReferralBusinessError(
                "INVALID_NHS_NUMBER", msg or "nhs_number: not ten digits with a correct Modulus 11 check digit",
                "nhs_number",
            )

    @keyword
    def postcode_should_be_valid(self, value: str, msg: str | None = None) -> None:
        """Fails unless the value has the format of a UK postcode.

        :param value: A postcode, in any case, with or without its space (see `Normalise Postcode`).
        :param msg: A message to fail with after the code, instead of the default one.

        It checks the format and the letters Royal Mail allows in each position, not that
        the postcode exists.

        .. code-block:: robotframework

            Postcode Should Be Valid    sw1a1aa
        """
        if not checks.postcode_is_valid(normalise.postcode(value)):
            raise ReferralBusinessError(
                "INVALID_POSTCODE", msg or "postcode: not in a UK postcode format (like SW1A 1AA)", "postcode",
            )

    @keyword
    def normalise_postcode(self, value: str) -> str:
        """Returns a postcode in upper case with one space before the inward code.

        :param value: A postcode as typed.

        :return: The normalised postcode; a malformed one comes back as written, in upper case.

        .. code-block:: robotframework

            ${postcode} =    Normalise Postcode    sw1a1aa
            Should Be Equal    ${postcode}    SW1A 1AA
        """
        return normalise.postcode(value)

    @keyword(name="Normalise NHS Number")
    def normalise_nhs_number(self, value: str) -> str:
        """Returns the digits of an NHS number typed with spaces or hyphens.

        :param value: An NHS number as typed.

        .. code-block:: robotframework

            ${nhs} =    Normalise NHS Number    943 476 5919
            Should Be Equal    ${nhs}    9434765919
        """
        return normalise.nhs_number(value)
