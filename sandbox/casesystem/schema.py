"""The case system's tables and the choices its forms offer."""

from __future__ import annotations

SCHEMA = """
CREATE TABLE IF NOT EXISTS children (
    id INTEGER PRIMARY KEY,
    forename TEXT NOT NULL,
    surname TEXT NOT NULL,
    surname_key TEXT NOT NULL,          -- casefolded, for search (SQLite's lower() knows only ASCII)
    dob TEXT NOT NULL,                  -- ISO date
    gender TEXT NOT NULL,
    nhs_number TEXT NOT NULL UNIQUE,    -- 10 digits
    address_line1 TEXT NOT NULL,
    town TEXT NOT NULL,
    postcode TEXT NOT NULL,
    school TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS children_by_name ON children (surname_key, dob);

CREATE TABLE IF NOT EXISTS referrals (
    id INTEGER PRIMARY KEY,
    case_ref TEXT UNIQUE,
    external_ref TEXT NOT NULL DEFAULT '',
    external_ref_key TEXT NOT NULL DEFAULT '',
    child_id INTEGER NOT NULL REFERENCES children (id),
    referrer_name TEXT NOT NULL,
    referrer_role TEXT NOT NULL,
    referrer_org TEXT NOT NULL,
    referrer_phone TEXT NOT NULL,
    referrer_email TEXT NOT NULL,
    category TEXT NOT NULL,
    risk_factors TEXT NOT NULL DEFAULT '[]',   -- JSON list
    details TEXT NOT NULL,
    consent TEXT NOT NULL,                     -- Yes / No
    consent_date TEXT,                         -- ISO date
    status TEXT NOT NULL DEFAULT 'Open',
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS referrals_by_external_ref ON referrals (external_ref_key);
CREATE INDEX IF NOT EXISTS referrals_by_child ON referrals (child_id);

CREATE TABLE IF NOT EXISTS referral_drafts (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    data TEXT NOT NULL DEFAULT '{}',           -- JSON: the answers so far
    saved_case_ref TEXT,                       -- set once saved; the draft then only points there
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS diary (
    id INTEGER PRIMARY KEY,
    child_id INTEGER NOT NULL REFERENCES children (id),
    starts_at TEXT NOT NULL,                   -- YYYY-MM-DDTHH:MM, Europe/London
    clinician TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'booked',     -- booked / cancelled
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    cancelled_at TEXT
);
CREATE INDEX IF NOT EXISTS diary_by_child ON diary (child_id, starts_at);
"""

GENDERS = ("Female", "Male", "Not known")
REFERRER_ROLES = (
    "Health visitor", "GP", "Teacher", "Designated safeguarding lead", "School nurse", "Police officer",
    "Midwife", "Paediatrician", "Youth worker", "Housing officer", "Social worker", "Parent or carer", "Other",
)
CONCERN_CATEGORIES = (
    "Emotional wellbeing", "Neglect", "Physical abuse", "Emotional abuse", "Sexual abuse", "Domestic abuse",
    "Child development", "School attendance", "Self-harm", "Parenting support", "Other",
)
RISK_FACTORS = (
    "Domestic abuse in the household", "Parental substance misuse", "Parental mental ill health",
    "Missing from home or education", "Previous child protection plan", "Child is under one year old",
    "Young carer", "Special educational needs",
)
CONSENT_CHOICES = ("Yes", "No")
DIARY_KINDS = ("Initial assessment", "Follow-up", "Therapy session", "Review", "Home visit", "Telephone consultation")
DIARY_STATUSES = ("booked", "cancelled")
