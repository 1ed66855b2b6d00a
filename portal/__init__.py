"""The supervisor portal (see app.py)."""
