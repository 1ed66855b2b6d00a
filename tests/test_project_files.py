"""The files RCC and newcomers read stay in step with the project."""

from __future__ import annotations

import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_conda_yaml_pins_the_same_ranges_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    conda = yaml.safe_load((ROOT / "conda.yaml").read_text())["dependencies"]
    pip = next(entry["pip"] for entry in conda if isinstance(entry, dict))
    assert sorted(pip) == sorted(project)


def test_robot_yaml_tasks_point_at_existing_robots():
    spec = yaml.safe_load((ROOT / "robot.yaml").read_text())
    assert spec["condaConfigFile"] == "conda.yaml" and spec["artifactsDir"]
    for name, task in spec["tasks"].items():
        folder = task["shell"].split()[-1]
        assert (ROOT / folder).is_dir(), f"task {name!r} runs {folder}, which does not exist"
