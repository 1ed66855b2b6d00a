"""The case management system's app: its pages, in one list."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette

from sandbox.web import SystemSettings, make_app, page

from . import children, diary, referrals
from .schema import SCHEMA

SYSTEM = "casesystem"
TITLE = "Case Management System"
NAV = (("Search", "/"), ("New child", "/children/new"), ("New referral", "/referrals/new"),
       ("Diary export", "/diary/export"))


def create_app(settings: SystemSettings) -> Starlette:
    """The case system on ``settings`` (its database is ``<settings.home>/casesystem.db``)."""
    routes = [
        page("/", children.search),
        page("/children/new", children.new_child, methods=["GET", "POST"]),
        page("/children/{child_id:int}", children.child_page),
        page("/children/{child_id:int}/diary", diary.diary, methods=["GET", "POST"]),
        page("/diary/{entry_id:int}/cancel", diary.cancel, methods=["POST"]),
        page("/diary/export", diary.export_page),
        page("/diary/export.csv", diary.export_csv),
        page("/referrals/new", referrals.start),
        page("/referrals/new/{draft_id}/{step}", referrals.step, methods=["GET", "POST"]),
        page("/referrals/{case_ref}", referrals.view),
    ]
    return make_app(SYSTEM, TITLE, routes, Path(__file__).resolve().parent / "templates", settings,
                    schema=SCHEMA, nav=NAV)
