"""The stand-in booking system of an emotional health service: online bookings and their exports.

Pages (all need login): the bookings list with filters (appointment dates, clinician,
status, and a name, NHS number or booking reference) at ``/``; a booking's page
(``/bookings/EHS-123456``) with the actions Cancel, Mark attended and Mark did not attend
(each a form with the session's token); a new booking (``/bookings/new``); and the export
page (``/export``), where a user picks a date range and CSV or XLSX and downloads the
bookings whose appointment falls in it.

The export has the quirks of a real one (see ``sandbox.booking.exports``): a UTF-8
byte-order mark on the CSV, trailing spaces in some text cells, a mix of date formats
across rows, and now and then a row written twice. The quirks are drawn per booking from
the system's seed (``--chaos-seed``, also with chaos off), so the same seed and the same
bookings always give the same bytes.
"""
