"""Realistic synthetic inputs for the bots, with the ground truth to score them against.

``generate(out_dir, seed=..., referrals=..., defect_rate=...)`` writes one night's set::

    OUT/
      inbox/referrals/   referrals as they arrive: filled PDF forms, e-mails with the form
                         attached, XLSX batches, online-form JSON exports, partner CSV exports
      inbox/invoices/    supplier invoice PDFs against the finance system's purchase orders
      world.json         the records ``nightshift sandbox seed`` loads into the stand-in systems:
                         children and diary (case system), bookings, suppliers and purchase orders
      manifest.json      what every input is and what a correct bot does with it

Appointments have no inbox files: the reconciliation bot downloads them from the booking and
case systems, so they live in ``world.json``, and ``manifest.json`` says which class each is in.

Modules: ``run`` (generate), ``referrals`` (which referrals, which defects), ``referral_files``
and ``pdf_form`` (the files), ``bookings``, ``invoices`` and ``invoice_pdf``, ``world``
(world.json's shape), ``manifest`` (manifest.json and ``load_manifest``), ``files`` (hashes,
byte-identical XLSX).
"""

from __future__ import annotations

from .manifest import BookingEntry, FileEntry, InvoiceEntry, Manifest, ReferralEntry, load_manifest
from .run import OutputNotEmpty, Progress, generate
from .world import check_world, read_world

__all__ = [
    "BookingEntry", "FileEntry", "InvoiceEntry", "Manifest", "OutputNotEmpty", "Progress", "ReferralEntry",
    "check_world", "generate", "load_manifest", "read_world",
]
