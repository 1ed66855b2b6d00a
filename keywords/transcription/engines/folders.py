"""Checks shared by the engines whose model the organisation provides: the folder and the package."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

from ..errors import EngineNotConfigured


def require_model_dir(engine: str, model_dir: Path | None, expect: str) -> Path:
    """The model folder, which must exist and hold ``expect``; never fetched from anywhere."""
    if model_dir is None:
        raise EngineNotConfigured(
            f"the {engine} engine needs a model folder and none is set: set NIGHTSHIFT_TRANSCRIBE_MODEL_DIR "
            f"(or pass --model-dir / model_dir=) to the folder holding the {engine} model; nothing is downloaded")
    folder = Path(model_dir).expanduser()
    if not folder.is_dir():
        raise EngineNotConfigured(
            f"the {engine} model folder {folder} does not exist: set NIGHTSHIFT_TRANSCRIBE_MODEL_DIR "
            f"(or --model-dir) to the folder holding the {engine} model; nothing is downloaded")
    if not (folder / expect).exists():
        raise EngineNotConfigured(
            f"{folder} does not look like a {engine} model (no {expect} in it): check "
            "NIGHTSHIFT_TRANSCRIBE_MODEL_DIR (or --model-dir)")
    return folder


def import_engine_package(engine: str, module: str, extra: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError:
        raise EngineNotConfigured(
            f"the {engine} engine needs the Python package {module}, which is not installed: "
            f"pip install 'nightshift[{extra}]', or set NIGHTSHIFT_TRANSCRIBE_ENGINE=pocketsphinx") from None
