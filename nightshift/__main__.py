"""``python -m nightshift``: the same as the ``nightshift`` command."""

from nightshift.cli import main

if __name__ == "__main__":
    main()
