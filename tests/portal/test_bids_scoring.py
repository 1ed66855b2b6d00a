"""The README's worked examples of bid scoring, checked exactly against the code, and bids.yaml's errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from portal.bids.config import load_settings
from portal.bids.scoring import Facts, benefit, combined, ease, potential
from workitems import InvalidInput

ROOT = Path(__file__).resolve().parents[2]


def readme_examples() -> list[dict[str, str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- bids-worked-examples[^>]*-->\n(.*?)<!-- /bids-worked-examples -->", text, re.S)
    assert block, "README.md lost its table of worked bid examples"
    lines = [line for line in block.group(1).strip().splitlines() if line.startswith("|")]
    headers = [h.strip() for h in lines[0].strip("|").split("|")]
    return [dict(zip(headers, (c.strip() for c in line.strip("|").split("|")))) for line in lines[2:]]


EXAMPLES = readme_examples()


def test_the_readme_has_the_three_worked_examples():
    assert [e["example"] for e in EXAMPLES] == ["A", "B", "C"]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e["example"])
def test_each_worked_example_of_the_readme_comes_out_exactly(example):
    cfg = load_settings(ROOT / "bids.yaml")
    facts = Facts(float(example["volume"]), float(example["minutes"]), float(example["rules %"]),
                  float(example["structured %"]), float(example["changes"]), float(example["rework %"]),
                  example["data"], tuple(s.strip() for s in example["systems"].split(";")))
    p, e = potential(facts, cfg), ease(facts, cfg)
    b = benefit(facts, cfg, float(example["build days"]))
    assert f"{p.total:.1f}" == example["potential"]
    assert f"{e.total:.1f}" == example["ease"]
    assert f"{combined(p, e):.1f}" == example["score"]
    assert f"{b.hours_per_year:.1f}" == example["hours a year"]
    assert f"{b.fte:.2f}" == example["FTE"]
    assert str(b.cost_per_year) == example["£ a year"]
    assert f"{b.payback_months:.1f}" == example["payback months"]


def test_example_a_step_by_step_as_the_readme_prints_it():
    cfg = load_settings(ROOT / "bids.yaml")
    facts = Facts(400, 6, 90, 70, 1, 5, "personal", ("Case management system", "Shared mailbox"))
    p = potential(facts, cfg)
    assert [(x.name, x.points) for x in p.parts] == [("rules", 31.5), ("structured", 17.5), ("stability", 16.7),
                                                     ("volume", 8.0)]
    e = ease(facts, cfg)
    assert [(x.name, x.value, x.points) for x in e.parts] == [("systems", 0.8, 32.0), ("data", 0.6, 18.0),
                                                              ("exceptions", 0.95, 28.5)]
    b = benefit(facts, cfg, 15)
    assert (b.hours_per_year, b.cost_per_year, b.build_cost, b.payback_months) == (432.0, 10800, 6750.0, 7.5)
    assert benefit(facts, cfg).payback_months is None  # no build effort yet, no payback


def test_the_known_systems_name_only_processes_that_exist():
    from scheduler.processes import load_processes

    processes = load_processes()
    named = {p for ps in load_settings(ROOT / "bids.yaml").systems.values() for p in ps}
    assert named and named <= set(processes), named - set(processes)


def test_the_weights_are_configurable(tmp_path):
    path = tmp_path / "bids.yaml"
    path.write_text("potential_weights: {rules: 1, structured: 0, stability: 0, volume: 0}\nhourly_rate: 40\n")
    cfg = load_settings(path)
    facts = Facts(400, 6, 90, 70, 1, 5, "none", ())
    assert potential(facts, cfg).total == 90.0  # rules alone
    assert benefit(facts, cfg).cost_per_year == 432 * 40


@pytest.mark.parametrize("text, message", [
    ("hourly_rate: -3\n", "bids.yaml: hourly_rate is -3: give a number of 0 or more"),
    ("flag_below: 2\n", "bids.yaml: flag_below is 2: give a number from 0 to 1"),
    ("potential_weights: {rules: 0, structured: 0, stability: 0, volume: 0}\n", "potential_weights are all 0"),
    ("ease_weights: {speed: 3}\n", "ease_weights must map systems, data, exceptions to numbers"),
    ("max_attachment_mb: lots\n", "max_attachment_mb is 'lots': give a number"),
    ("hourly_rates: 20\n", "unknown setting 'hourly_rates'"),
    ("systems: {Finance system: invoices}\n", "systems.Finance system must be a list of process names"),
])
def test_a_wrong_setting_is_named(tmp_path, text, message):
    path = tmp_path / "bids.yaml"
    path.write_text(text)
    with pytest.raises(InvalidInput, match=re.escape(message)):
        load_settings(path)
