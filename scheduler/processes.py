"""Processes: named sequences of steps, each step a task of ``robot.yaml``.

They are described in ``processes.yaml`` at the root of the repository (or the file
named by ``NIGHTSHIFT_PROCESSES``)::

    processes:
      referrals:
        description: Key the night's referrals into the case management system
        manual_minutes: 6            # what a person takes per item: for hours saved
        trigger:                     # payload of the item that starts the first step
          inbox: ${NIGHTSHIFT_HOME}/inbox/referrals
        env:                         # environment of every step (${VAR} expanded)
          CASE_SYSTEM_URL: ${CASE_SYSTEM_URL:-http://127.0.0.1:8700}
        steps:
          - task: Referrals producer # a task in robot.yaml
            input_queue: referrals-trigger
            output_queue: referrals
            env: {NIGHTSHIFT_REFERENCE_FIELD: reference}
          - task: Referrals consumer
            input_queue: referrals
            output_queue: referrals-keyed
            timeout: 3600            # seconds; the run is stopped past it
            workers: 2               # robots working the input queue side by side

Steps run one after the other; a step's items reach the next through its output queue.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from workitems import InvalidInput
from workitems.config import home

DEFAULT_TIMEOUT_S = 3600
_VAR = re.compile(r"\$\{([A-Z0-9_]+)(?::-([^}]*))?\}")


@dataclass(frozen=True)
class Step:
    task: str
    command: list[str]  # from robot.yaml's shell line, without its own --outputdir
    input_queue: str | None = None
    output_queue: str | None = None
    timeout: float = DEFAULT_TIMEOUT_S
    env: dict[str, str] = field(default_factory=dict)
    workers: int = 1  # robots run side by side on the step's input queue

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.task.lower()).strip("-")


@dataclass(frozen=True)
class Process:
    name: str
    steps: list[Step]
    description: str = ""
    manual_minutes: float = 0.0
    trigger: dict[str, Any] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)


def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


def processes_file() -> Path:
    return Path(os.environ.get("NIGHTSHIFT_PROCESSES") or repo_root() / "processes.yaml")


def expand(value: Any) -> Any:
    """``${VAR}`` and ``${VAR:-default}`` from the environment (``NIGHTSHIFT_HOME`` defaults as everywhere)."""
    if isinstance(value, str):
        def sub(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2) or ""
            if name == "NIGHTSHIFT_HOME":
                return os.environ.get(name) or str(home())
            return os.environ.get(name) or default

        return _VAR.sub(sub, value)
    if isinstance(value, dict):
        return {k: expand(v) for k, v in value.items()}
    if isinstance(value, list):
        return [expand(v) for v in value]
    return value


def load_processes(path: Path | None = None, robot_yaml: Path | None = None) -> dict[str, "Process | InvalidInput"]:
    path = path or processes_file()
    robot_yaml = robot_yaml or path.parent / "robot.yaml"
    spec = read_yaml(path)
    tasks = read_yaml(robot_yaml).get("tasks") or {}
    processes: dict[str, Process | InvalidInput] = {}
    for name, body in (spec.get("processes") or {}).items():
        # A broken process is reported when it is used, not when another one is.
        try:
            processes[name] = _process(f"{path.name}: process {name!r}", name, body, tasks, robot_yaml.parent)
        except InvalidInput as exc:
            processes[name] = exc
    return processes


def _process(where: str, name: str, body: Any, tasks: dict[str, Any], root: Path) -> Process:
    if not isinstance(body, dict) or not body.get("steps"):
        raise InvalidInput(f"{where} has no steps")
    steps = [_step(where, i, raw, tasks, root) for i, raw in enumerate(body["steps"], 1)]
    return Process(
        name=name, steps=steps, description=str(body.get("description", "")),
        manual_minutes=float(body.get("manual_minutes", 0) or 0),
        trigger=dict(body.get("trigger") or {}), env={k: str(v) for k, v in (body.get("env") or {}).items()},
    )


def get_process(name: str) -> Process:
    processes = load_processes()
    if name not in processes:
        known = ", ".join(sorted(processes)) or "none"
        raise InvalidInput(f"no process named {name!r} in {processes_file()}: known processes are {known}")
    found = processes[name]
    if isinstance(found, InvalidInput):
        raise found
    return found


def read_yaml(path: Path, setting: str = "NIGHTSHIFT_PROCESSES") -> dict[str, Any]:
    """A YAML file holding a mapping; a missing or broken file is InvalidInput naming ``setting``."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise InvalidInput(f"{path} does not exist (set {setting} to the file to use)") from None
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{path} is not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise InvalidInput(f"{path} must hold a mapping at the top level")
    return data


def _step(where: str, n: int, raw: Any, tasks: dict[str, Any], root: Path) -> Step:
    if not isinstance(raw, dict) or "task" not in raw:
        raise InvalidInput(f"{where}, step {n}: give the robot.yaml task it runs as 'task: NAME'")
    task = str(raw["task"])
    if task not in tasks:
        raise InvalidInput(f"{where}, step {n}: robot.yaml has no task {task!r} (it has: {', '.join(tasks)})")
    shell = tasks[task].get("shell") if isinstance(tasks[task], dict) else None
    if not shell:
        raise InvalidInput(f"{where}, step {n}: robot.yaml task {task!r} has no 'shell' line")
    return Step(
        task=task, command=_command(shell, root), input_queue=raw.get("input_queue"),
        output_queue=raw.get("output_queue"), timeout=_number(raw, "timeout", DEFAULT_TIMEOUT_S, where, n),
        env={k: str(v) for k, v in (raw.get("env") or {}).items()},
        workers=int(_number(raw, "workers", 1, where, n, whole=True)),
    )


def _number(raw: dict[str, Any], key: str, default: float, where: str, n: int, whole: bool = False) -> float:
    value = raw.get(key, default)
    try:
        number = int(value) if whole else float(value)
        if isinstance(value, bool) or number <= 0 or (whole and float(value) != number):
            raise ValueError
    except (TypeError, ValueError):
        kind = "a whole number above 0" if whole else "a number of seconds above 0"
        raise InvalidInput(f"{where}, step {n}: {key} is {value!r}; give {kind}") from None
    return number


def _command(shell: str, root: Path) -> list[str]:
    """robot.yaml's shell line, run with this Python, relative paths from the repository root."""
    words = shlex.split(shell)
    out: list[str] = []
    skip = False
    for i, word in enumerate(words):
        if skip:
            skip = False
            continue
        if word in ("--outputdir", "-d"):
            skip = True  # the runner sets its own, under the run's artifacts
            continue
        if i == 0 and word in ("python", "python3"):
            word = sys.executable
        out.append(word)
    if out and not out[-1].startswith("-") and not Path(out[-1]).is_absolute():
        out[-1] = str(root / out[-1])
    return out
