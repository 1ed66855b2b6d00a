"""nightshift: open robotic process automation for public-sector admin teams.

This package is the one place that wires the parts (``workitems``, ``scheduler``,
``keywords``, ``portal``, ``sandbox``) together, as the ``nightshift`` command.
"""

__version__ = "0.1.0"
