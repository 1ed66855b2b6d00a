"""Keywords for forms and what pages show: fields found by their labels, lists, tick boxes, radio
buttons, buttons and links that lead to the next page, texts and tables read back.

Values typed into fields are never logged, only the labels: on these systems they are personal data.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from robot.api import logger
from robot.api.deco import keyword

from .context import LegacyWebContext
from .errors import InvalidDate, OptionNotFound

_TABLE_JS = """(table) => {
  const rows = Array.from(table.rows);
  if (!rows.length) return {headers: [], rows: []};
  const cells = r => Array.from(r.cells).map(c => c.innerText.trim());
  const head = rows[0].querySelectorAll('th').length ? cells(rows[0]) : [];
  const body = (head.length ? rows.slice(1) : rows).filter(r => r.querySelectorAll('td').length);
  return {headers: head, rows: body.map(cells)};
}"""


# A two-column table (<th>label</th><td>value</td> per row) as {label: value}.
_DETAILS_JS = """(table) => Object.fromEntries(Array.from(table.querySelectorAll('tr'))
  .filter(tr => tr.querySelector('th') && tr.querySelector('td'))
  .map(tr => [tr.querySelector('th').innerText.trim(), tr.querySelector('td').innerText.trim()]))"""


def _squash(text: str) -> str:
    """How table cells are compared: without spaces, case-folded (``943 476 5919`` = ``9434765919``)."""
    return re.sub(r"\s+", "", str(text)).casefold()


class FormKeywords:
    """Filling in and submitting the pages of a legacy system."""

    def __init__(self, ctx: LegacyWebContext) -> None:
        self.ctx = ctx

    def _field(self, label: str, exact: bool) -> Any:
        return self.ctx.page.get_by_label(label, exact=exact)

    @keyword
    def fill_by_label(self, label: str, value: str | None, exact: bool = False) -> None:
        """Type ``value`` into the field whose label is ``label`` (replacing what it held).

        Finds text boxes and text areas by their ``<label>``, also when the field has no id or
        name worth using and the label merely wraps it. ``exact=False`` (default) lets
        ``Date of birth`` find "Date of birth (dd/mm/yyyy)". ``None`` empties the field. Only the
        label is logged, never the value.

        | Fill By Label    Surname    ${referral}[child_surname]
        """
        logger.info(f"Filling the field labelled '{label}'.")
        with self.ctx.guard(f"the field labelled '{label}'"):
            self._field(label, exact).fill("" if value is None else str(value))

    @keyword
    def choose_by_label(self, label: str, option: str, exact: bool = False) -> None:
        """Choose ``option`` (its visible text) in the drop-down list labelled ``label``.

        Raises ``BusinessError: OptionNotFound`` at once, naming the options on offer, when none
        has that text (compared ignoring case and surrounding spaces): the input does not fit the
        system, which a person must sort out.

        | Choose By Label    Gender    ${referral}[gender]
        """
        logger.info(f"Choosing in the list labelled '{label}'.")
        field = self._field(label, exact)
        with self.ctx.guard(f"the list labelled '{label}'"):
            field.wait_for(state="visible")
            options = [o.strip() for o in field.locator("option").all_inner_texts()]
        wanted = str(option).strip().casefold()
        match = next((o for o in options if o.casefold() == wanted), None)
        if match is None or not wanted:
            offered = ", ".join(o for o in options if o and not o.startswith("--"))
            raise OptionNotFound(f"the list '{label}' has no option matching the item's value; it offers: {offered}",
                                 page=self.ctx.path())
        with self.ctx.guard(f"the list labelled '{label}'"):
            field.select_option(label=match)

    @keyword
    def choose_option_starting_with(self, label: str, start: str, exact: bool = True) -> None:
        """Choose, in the list labelled ``label``, the last option whose text starts with ``start``
        (a system that lists a document as ``signed-invoice-001.pdf (26/11/2026 21:04)``).

        Raises ``BusinessError: OptionNotFound`` when no option starts so.

        | Choose Option Starting With    Signed PDF    ${item}[pdf_file]
        """
        field = self._field(label, exact)
        with self.ctx.guard(f"the list labelled '{label}'"):
            options = [o.strip() for o in field.locator("option").all_inner_texts()]
        matching = [o for o in options if o.startswith(start)]
        if not matching:
            raise OptionNotFound(f"the list '{label}' has no option for {start}", page=self.ctx.path())
        with self.ctx.guard(f"the list labelled '{label}'"):
            field.select_option(label=matching[-1])

    @keyword
    def upload_file_by_label(self, label: str, path: str, exact: bool = True) -> None:
        """Choose the file ``path`` in the file field labelled ``label`` (then click the form's button).

        | Upload File By Label    Invoice PDF    ${pdf}
        | Click Button    Upload
        """
        with self.ctx.guard(f"the file field labelled '{label}'"):
            self._field(label, exact).set_input_files(str(path))
        logger.info(f"Chose {Path(path).name} for '{label}'.")

    @keyword
    def tick(self, label: str, exact: bool = False) -> None:
        """Tick the check box labelled ``label`` (left ticked if it is).

        | Tick    Young carer
        """
        logger.info(f"Ticking '{label}'.")
        with self.ctx.guard(f"the tick box labelled '{label}'"):
            self._field(label, exact).check()

    @keyword
    def untick(self, label: str, exact: bool = False) -> None:
        """Clear the check box labelled ``label`` (left clear if it is).

        | Untick    Young carer
        """
        logger.info(f"Unticking '{label}'.")
        with self.ctx.guard(f"the tick box labelled '{label}'"):
            self._field(label, exact).uncheck()

    @keyword
    def choose_radio(self, label: str, group: str | None = None) -> None:
        """Choose the radio button labelled exactly ``label``, within the fieldset whose legend
        contains ``group`` when given (two groups may both have a "Yes").

        | Choose Radio    Neglect    group=Category of concern
        | Choose Radio    Yes
        """
        where = f" in '{group}'" if group else ""
        logger.info(f"Choosing the radio button '{label}'{where}.")
        scope: Any = self.ctx.page
        if group:
            scope = scope.locator("fieldset").filter(has=self.ctx.page.locator("legend", has_text=group))
        button = scope.get_by_label(label, exact=True)
        if button.count() == 0:
            self.ctx.check(form_errors=False)  # an error page has no radio buttons either
            offered = scope.locator("input[type=radio]").evaluate_all(
                "els => els.map(e => (e.labels && e.labels[0] ? e.labels[0].innerText.trim() : e.value))")
            raise OptionNotFound(f"no radio button{where} matches the item's value; it offers: {', '.join(offered)}",
                                 page=self.ctx.path())
        with self.ctx.guard(f"the radio button '{label}'{where}"):
            button.check()

    @keyword
    def click_button(self, name: str, navigate: bool = True, exact: bool = True) -> None:
        """Click the button called ``name`` (its text, or the value of an ``<input type=submit>``)
        and check the page it leads to.

        With ``navigate`` (default) it waits for the next page; then raises ``ApplicationError``
        for an expired session, error or busy page, and ``BusinessError: FormRejected`` (with the
        system's own messages) when the page shows its validation box.

        | Click Button    Next
        """
        self._click(self.ctx.page.get_by_role("button", name=name, exact=exact), f"the button '{name}'", navigate)

    @keyword
    def click_link(self, name: str, navigate: bool = True, exact: bool = False) -> None:
        """Click the link whose text is ``name`` and check the page it leads to (as `Click Button`).

        | Click Link    Create a new child record
        """
        self._click(self.ctx.page.get_by_role("link", name=name, exact=exact), f"the link '{name}'", navigate)

    def _click(self, target: Any, what: str, navigate: bool) -> None:
        logger.info(f"Clicking {what}.")
        with self.ctx.guard(what):
            if navigate:
                with self.ctx.page.expect_navigation(wait_until="domcontentloaded"):
                    target.click()
            else:
                target.click()
        self.ctx.check()

    @keyword
    def format_date_for_form(self, iso_date: str | None, pattern: str = "%d/%m/%Y") -> str:
        """An ISO date (``2016-04-09``) written as a form wants it, by default ``09/04/2016``.

        Raises ``BusinessError: InvalidDate`` (not quoting the value) when ``iso_date`` is empty or
        not an ISO date: the item, not the system, is wrong.

        | ${dob}=    Format Date For Form    ${referral}[date_of_birth]
        """
        try:
            return date.fromisoformat(str(iso_date or "")[:10]).strftime(pattern)
        except ValueError:
            raise InvalidDate("a date in the item is missing or not an ISO date (yyyy-mm-dd)") from None

    @keyword
    def get_text(self, locator: str) -> str:
        """The visible text of the first element matching ``locator`` (a Playwright selector:
        ``id=case-reference``, ``css=.reference``, ``text=Case reference``).

        | ${case_ref}=    Get Text    id=case-reference
        """
        with self.ctx.guard(f"the element {locator}"):
            return self.ctx.page.locator(locator).first.inner_text().strip()

    @keyword
    def get_field_value(self, label: str, exact: bool = False) -> str:
        """What the field labelled ``label`` holds now (not logged).

        | ${dob}=    Get Field Value    Date of birth
        """
        with self.ctx.guard(f"the field labelled '{label}'"):
            return self._field(label, exact).input_value()

    @keyword
    def get_table_rows(self, locator: str) -> list[dict[str, str]]:
        """The rows of the table matching ``locator``, each a dictionary from column heading to cell text.

        Returns an empty list when the page has no such table (a search that found nothing). Use
        ``id=…`` rather than ``#…``: a cell starting with ``#`` is a comment in Robot Framework.

        | @{rows}=    Get Table Rows    id=referral-results
        | IF    $rows    RETURN    ${rows}[0][Case reference]
        """
        table = self.ctx.page.locator(locator)
        if table.count() == 0:
            return []
        with self.ctx.guard(f"the table {locator}"):
            data = table.first.evaluate(_TABLE_JS)
        headers = data["headers"] or [str(i + 1) for i in range(max((len(r) for r in data["rows"]), default=0))]
        rows = [dict(zip(headers, row)) for row in data["rows"]]
        logger.info(f"Table {locator} has {len(rows)} row(s).")
        return rows

    @keyword
    def get_details_table(self, locator: str) -> dict[str, str]:
        """A two-column table matching ``locator`` (a heading cell and a value cell per row) as a
        dictionary from heading to value; empty when the page has no such table.

        | ${order}=    Get Details Table    id=po-details
        | Log    ${order}[Status]
        """
        table = self.ctx.page.locator(locator)
        if table.count() == 0:
            return {}
        with self.ctx.guard(f"the table {locator}"):
            return table.first.evaluate(_DETAILS_JS)

    @keyword
    def choose_table_row(self, locator: str, column: str, value: str) -> bool:
        """Choose (tick its radio button or check box) the first row of the table ``locator``
        whose ``column`` holds ``value``; ``True`` if a row matched, ``False`` if none did.

        Cells and ``value`` are compared without spaces and case, so ``9434765919`` finds
        ``943 476 5919``. Neither is logged. A missing table counts as no match.

        | ${found}=    Choose Table Row    id=child-results    NHS number    ${referral}[nhs_number]
        """
        table = self.ctx.page.locator(locator)
        if table.count() == 0:
            logger.info(f"No table {locator} on the page.")
            return False
        with self.ctx.guard(f"the table {locator}"):
            data = table.first.evaluate(_TABLE_JS)
        if column not in data["headers"]:
            raise ValueError(f"The table {locator} has no column '{column}'; it has: {', '.join(data['headers'])}")
        index = data["headers"].index(column)
        wanted = _squash(value)
        for number, cells in enumerate(data["rows"]):
            if index < len(cells) and _squash(cells[index]) == wanted and wanted:
                row = table.first.locator("tr").filter(has=self.ctx.page.locator("td")).nth(number)
                with self.ctx.guard(f"the choice in row {number + 1} of {locator}"):
                    row.locator("input[type=radio], input[type=checkbox]").first.check()
                logger.info(f"Chose row {number + 1} of {locator}.")
                return True
        logger.info(f"No row of {locator} matched in column '{column}'.")
        return False
