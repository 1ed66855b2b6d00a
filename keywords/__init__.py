"""nightshift's Robot Framework keyword libraries, one package per topic (``keywords.referrals``, …).

``make docs`` renders each with libdoc into ``docs/keywords/``.
"""
