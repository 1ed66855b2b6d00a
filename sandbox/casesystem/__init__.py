"""The stand-in case management system (children's social care): children, referrals, appointment diary.

Pages (all need login): search for a child by surname and date of birth, or a referral by
its external or case reference (``/``); create a child (``/children/new``); a child's page
with their referrals (``/children/ID``); a referral entered over several pages (child,
referrer, concerns, consent, check your answers) that ends with a case reference such as
``CR-2026-000123``; a per-child appointment diary (list, add, cancel); a CSV export of the
whole diary (``/diary/export``). Some fields have unhelpful names and no id (``f_17``);
every field has a label, so a bot finds them as a screen reader would.
"""
