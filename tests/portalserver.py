"""The portal served by uvicorn in a daemon thread, for browser tests: ``with Server(app) as url: ...``.

Import from a test module (``tests/`` is on ``sys.path`` through its conftest)::

    from portalserver import Server
"""

from portal.serving import PortalThread as Server

__all__ = ["Server"]
