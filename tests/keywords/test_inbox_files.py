"""The shared inbox helpers (``keywords.inbox``): archiving never loses a file, whether the run is
killed halfway or the archive is on another file system."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from keywords.inbox import archive_file


def test_archive_killed_between_copy_and_removal_then_again(tmp_path, monkeypatch):
    inbox, archive = tmp_path / "inbox", tmp_path / "archive"
    inbox.mkdir()
    (inbox / "a.pdf").write_bytes(b"form")
    real_unlink = Path.unlink

    def dies(self, *args, **kwargs):
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(Path, "unlink", dies)
    with pytest.raises(KeyboardInterrupt):
        archive_file(inbox / "a.pdf", archive)
    assert (inbox / "a.pdf").exists() and (archive / "a.pdf").exists()  # in both, never in neither
    monkeypatch.setattr(Path, "unlink", real_unlink)
    archive_file(inbox / "a.pdf", archive)  # the rerun
    assert not (inbox / "a.pdf").exists() and sorted(os.listdir(archive)) == ["a.pdf"]


def test_archive_across_file_systems_copies_then_renames(tmp_path, monkeypatch):
    inbox, archive = tmp_path / "inbox", tmp_path / "archive"
    inbox.mkdir()
    (inbox / "a.pdf").write_bytes(b"form")
    real_link = os.link

    def no_cross_device_link(src, dst, *args, **kwargs):
        if str(src).startswith(str(inbox)):
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        return real_link(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "link", no_cross_device_link)
    archive_file(inbox / "a.pdf", archive)
    assert os.listdir(archive) == ["a.pdf"] and (archive / "a.pdf").read_bytes() == b"form"
    assert not (inbox / "a.pdf").exists()
