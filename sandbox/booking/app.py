"""The booking system's app: its pages, in one list."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette

from sandbox.web import SystemSettings, make_app, page

from . import bookings, export_page
from .schema import SCHEMA

SYSTEM = "booking"
TITLE = "Booking System"
NAV = (("Bookings", "/"), ("New booking", "/bookings/new"), ("Export", "/export"))


def create_app(settings: SystemSettings) -> Starlette:
    """The booking system on ``settings`` (its database is ``<settings.home>/booking.db``)."""
    routes = [
        page("/", bookings.bookings),
        page("/bookings/new", bookings.new_booking, methods=["GET", "POST"]),
        page("/bookings/{booking_ref}", bookings.booking_page),
        page("/bookings/{booking_ref}/{action}", bookings.change_status, methods=["POST"]),
        page("/export", export_page.export, methods=["GET", "POST"]),
    ]
    return make_app(SYSTEM, TITLE, routes, Path(__file__).resolve().parent / "templates", settings,
                    schema=SCHEMA, nav=NAV)
