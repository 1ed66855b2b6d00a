"""The tables, as SQLAlchemy Core. Alembic migrations (``workitems/migrations``) create them;
this module must match the latest migration.

Times are epoch seconds (float): portable across SQLite and PostgreSQL and cheap to compare
in the claim query. Columns ending in ``_enc`` hold Fernet tokens.
"""

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

# SQLite only makes INTEGER PRIMARY KEY an alias of the rowid; BIGINT elsewhere.
_Id = BigInteger().with_variant(Integer(), "sqlite")

meta = Table(
    "ns_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", LargeBinary, nullable=False),
)

queues = Table(
    "ns_queues",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("settings", Text, nullable=False),  # JSON of QueueSettings fields that differ from defaults
    Column("updated_at", Float, nullable=False),
)

items = Table(
    "ns_items",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("queue", String(200), nullable=False),
    Column("state", String(16), nullable=False),
    Column("payload_enc", LargeBinary, nullable=False),
    Column("reference", String(200)),
    Column("priority", Integer, nullable=False, default=0),
    Column("parent_id", _Id),
    Column("attempts", Integer, nullable=False, default=0),
    # When the item may next be claimed: its not-before time while pending.
    Column("available_at", Float, nullable=False),
    Column("not_before", Float),
    Column("deadline", Float),
    Column("lease_expires_at", Float),
    Column("worker", String(200)),
    Column("exc_type", String(16)),
    Column("exc_code", String(200)),
    Column("exc_message_enc", LargeBinary),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    UniqueConstraint("queue", "reference", name="uq_ns_items_queue_reference"),
)
Index("ix_ns_items_claim", items.c.queue, items.c.state, items.c.priority.desc(), items.c.id)
Index("ix_ns_items_queue_id", items.c.queue, items.c.id)
Index("ix_ns_items_parent", items.c.parent_id)

files = Table(
    "ns_files",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("item_id", _Id, ForeignKey("ns_items.id", ondelete="CASCADE"), nullable=False),
    Column("name_digest", String(64), nullable=False),  # keyed hash of the name: unique per item
    Column("name_enc", LargeBinary, nullable=False),
    Column("blob", String(64), nullable=False),  # keyed hash of the content: the blob's file name
    Column("size", BigInteger, nullable=False),
    Column("created_at", Float, nullable=False),
    UniqueConstraint("item_id", "name_digest", name="uq_ns_files_item_name"),
)

history = Table(
    "ns_history",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("item_id", _Id, nullable=False),
    Column("at", Float, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("from_state", String(16)),
    Column("to_state", String(16), nullable=False),
    Column("event", String(64), nullable=False),
    Column("detail_enc", LargeBinary),
)
Index("ix_ns_history_item", history.c.item_id, history.c.id)

# -- run history: written by the scheduler's workers and `nightshift run` ----------
# The work-item store is the one database every machine shares, so the runs live
# beside the items; the queries are the scheduler's (scheduler/history.py).
runs = Table(
    "ns_runs",
    metadata,
    Column("id", String(120), primary_key=True),  # 20261126T013000-referrals
    Column("process", String(200), nullable=False),
    Column("trigger", String(16), nullable=False),  # schedule, manual, queue, retry
    Column("schedule", String(200)),
    Column("scheduled_for", Float),  # the fire time a schedule was due (epoch seconds)
    Column("attempt", Integer, nullable=False, default=1),
    # queued, running, passed, failed, timeout, stopped, skipped, missed
    Column("status", String(16), nullable=False),
    Column("reason", Text),
    Column("request_item_id", _Id),  # the run request on the 'runs' queue
    Column("machine", String(200)),
    Column("worker", String(200)),
    Column("requested_at", Float, nullable=False),
    Column("started_at", Float),
    Column("ended_at", Float),
    Column("exit_code", Integer),
    Column("done", Integer, nullable=False, default=0),
    Column("business_failures", Integer, nullable=False, default=0),
    Column("application_failures", Integer, nullable=False, default=0),
    Column("artifacts", Text),
    # one fire of one schedule is recorded once, whichever scheduler saw it
    UniqueConstraint("schedule", "scheduled_for", "attempt", name="uq_ns_runs_fire"),
)
Index("ix_ns_runs_process", runs.c.process, runs.c.requested_at)
Index("ix_ns_runs_status", runs.c.status)

run_steps = Table(
    "ns_run_steps",
    metadata,
    Column("run_id", String(120), ForeignKey("ns_runs.id", ondelete="CASCADE"), primary_key=True),
    Column("n", Integer, primary_key=True),
    Column("task", String(200), nullable=False),
    Column("status", String(16), nullable=False),  # PASS, FAIL, TIMEOUT, STOPPED, ERROR
    Column("exit_code", Integer),
    Column("started_at", Float),
    Column("ended_at", Float),
    Column("items_in", Integer, nullable=False, default=0),
    Column("done", Integer, nullable=False, default=0),
    Column("business_failures", Integer, nullable=False, default=0),
    Column("application_failures", Integer, nullable=False, default=0),
    Column("tasks_passed", Integer, nullable=False, default=0),
    Column("tasks_failed", Integer, nullable=False, default=0),
    Column("workers", Integer, nullable=False, default=1),
    Column("artifacts", Text),
)

# -- the portal: people, their sign-in failures, and what they did ----------------
users = Table(
    "ns_users",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("role", String(16), nullable=False),  # viewer, approver, supervisor, admin
    Column("password_hash", String(255), nullable=False),  # Argon2id
    Column("created_at", Float, nullable=False),
    Column("disabled", Integer, nullable=False, default=0),
    Column("full_name", String(200)),  # shown in signatures (else the name)
    Column("signs_as", Text),  # JSON list: the approval matrix's roles this person signs as
)

login_failures = Table(
    "ns_login_failures",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("at", Float, nullable=False),
)
Index("ix_ns_login_failures_name", login_failures.c.name, login_failures.c.at)

audit = Table(
    "ns_audit",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(64), nullable=False),  # retry, resolve, edit, reveal, login, user-add, …
    Column("target", String(200)),  # "item 42", "queue referrals", "user ann"
    Column("detail_enc", LargeBinary),  # encrypted: a note or old and new values may be personal data
)
Index("ix_ns_audit_at", audit.c.at)

# -- the public chatbot: questions it declined, anonymous, for the content team ------
chat_declined = Table(
    "ns_chat_declined",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("day", String(10), nullable=False),  # YYYY-MM-DD: the day only, never the time
    Column("question_enc", LargeBinary, nullable=False),  # scrubbed of personal values, then encrypted
)
Index("ix_ns_chat_declined_day", chat_declined.c.day)

# -- automation bids: what teams propose to automate (portal/bids/) ------------------
# Team, title and systems stay readable so the ranked list filters and sorts in SQL (the form
# asks for no personal data there); the description, peak periods, comments, reasons and
# attachments may hold personal data and are encrypted.
bids = Table(
    "ns_bids",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("state", String(32), nullable=False),  # draft, submitted, under assessment, approved, …
    Column("author", String(200), nullable=False),  # the portal user who made it
    Column("team", String(200), nullable=False),
    Column("title", String(200), nullable=False),  # the process's name
    Column("description_enc", LargeBinary),
    Column("systems", Text, nullable=False),  # JSON list of system names
    Column("volume_per_month", Float),
    Column("minutes_per_case", Float),
    Column("rules_pct", Float),
    Column("structured_pct", Float),
    Column("changes_per_year", Float),
    Column("error_pct", Float),
    Column("peaks_enc", LargeBinary),
    Column("data", String(16)),  # none, personal, special
    Column("build_days", Float),  # the assessor's estimate
    Column("process", String(200)),  # the process (bot) of a live bid
    Column("live_since", Float),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("submitted_at", Float),
)
Index("ix_ns_bids_state", bids.c.state, bids.c.team)

bid_files = Table(
    "ns_bid_files",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("bid_id", _Id, ForeignKey("ns_bids.id", ondelete="CASCADE"), nullable=False),
    Column("name_enc", LargeBinary, nullable=False),
    Column("kind", String(8), nullable=False),  # pdf, png, jpeg, docx, xlsx, csv, txt
    Column("size", BigInteger, nullable=False),
    # in the row, not a blob file: a bid and its files are saved in one transaction, all or nothing
    Column("content_enc", LargeBinary, nullable=False),
    Column("created_at", Float, nullable=False),
)
Index("ix_ns_bid_files_bid", bid_files.c.bid_id)

bid_events = Table(
    "ns_bid_events",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("bid_id", _Id, ForeignKey("ns_bids.id", ondelete="CASCADE"), nullable=False),
    Column("at", Float, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("kind", String(16), nullable=False),  # comment, state, assess
    Column("from_state", String(32)),
    Column("to_state", String(32)),
    Column("text_enc", LargeBinary),  # the comment or the reason
)
Index("ix_ns_bid_events_bid", bid_events.c.bid_id, bid_events.c.id)
