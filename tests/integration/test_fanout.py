"""``fanout run`` against the real emulator and Azurite: waves, stop on failure, resume, JUnit."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.emulator_support import Emulator, census_data
from tests.integration.cli import ok_json, run

pytestmark = pytest.mark.integration
SITES = ("site-a", "site-b", "site-c", "site-d")


def service(kind: str) -> str:
    return next(s["Id"] for s in ok_json("classic", "services", "list") if f"[{kind} Exp.]" in s["Name"])


@pytest.fixture
def setup(emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Four endpoints on the predictive service and one uploaded model; a ledger in tmp_path."""
    monkeypatch.setenv("AML_RETRAIN_LEDGER", str(tmp_path / "ledger.jsonl"))
    svc = service("Predictive")
    for site in SITES:
        ok_json("classic", "endpoints", "create", svc, site, "--exist-ok")
    model = tmp_path / "census-v2.ilearner"
    model.write_bytes(b"retrained model bytes")
    url = ok_json("storage", "upload", str(model), "--container", "models",
                  "--blob", "fanout/census-v2.ilearner")["url"]
    return {"svc": svc, "url": url, "dir": tmp_path}


def manifest(setup: dict[str, Any], *, waves: bool = True, **overrides: dict[str, Any]) -> Path:
    """Write a manifest deploying the uploaded model to every site (per-site key overrides)."""
    targets = [{"name": site, "target": f"classic:{setup['svc']}/{site}", "model_url": setup["url"],
                **overrides.get(site.replace("-", "_"), {})} for site in SITES]
    path = Path(setup["dir"]) / "fanout.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "waves": waves, "targets": targets}))
    return path


def fanout(path: Path, *args: str, code: int = 0) -> dict[str, Any]:
    result = run("-o", "json", "fanout", "run", str(path), *args)
    assert result.exit_code == code, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def statuses(data: dict[str, Any]) -> list[str]:
    return [r["status"] for r in data["results"]]


def served(emulator: Emulator, svc: str, site: str) -> str:
    shown = ok_json("classic", "endpoints", "show", svc, site)
    return str(shown["Resources"][0]["Location"]["RelativeLocation"])


def test_all_promoted_junit_valid_then_rerun_skips(emulator: Emulator, setup: dict[str, Any]) -> None:
    path = manifest(setup)
    junit = Path(setup["dir"]) / "out" / "fanout.xml"
    first = fanout(path, "--concurrency", "3", "--junit", str(junit))
    assert statuses(first) == ["promoted"] * 4
    assert [r["wave"] for r in first["results"]] == [1, 2, 2, 2]
    assert all(served(emulator, setup["svc"], s) == "models/fanout/census-v2.ilearner" for s in SITES)
    root = ET.parse(junit).getroot()
    cases = root.findall("./testsuite/testcase")
    assert root.tag == "testsuites" and root.get("tests") == "4" and root.get("failures") == "0"
    assert [c.get("name") for c in cases] == list(SITES)
    assert {c.get("classname") for c in cases} == {"fanout.wave1", "fanout.wave2"}
    assert not root.findall(".//failure") and not root.findall(".//skipped")
    seqs = sorted(r["seq"] for r in first["results"])
    assert seqs == [1, 2, 3, 4]

    again = fanout(path, "--junit", str(junit))
    assert statuses(again) == ["skipped"] * 4
    assert len([w for w in emulator.writes() if w["method"] == "PATCH"]) == 4  # none new
    assert len(ET.parse(junit).getroot().findall(".//skipped")) == 4


def test_failure_stops_the_wave_keep_going_runs_the_rest_rerun_resumes(
    emulator: Emulator, setup: dict[str, Any]
) -> None:
    path = manifest(setup, waves=False)
    svc = setup["svc"]
    emulator.fault("PATCH", f"/webservices/{svc}/endpoints/site-b$", count=1, status=500)
    stopped = fanout(path, "--concurrency", "1", code=1)
    assert statuses(stopped) == ["promoted", "failed", "not-run", "not-run"]
    assert "site-b failed" in stopped["stopped"]
    assert "ServiceError" in stopped["results"][1]["message"]

    emulator.fault("PATCH", f"/webservices/{svc}/endpoints/site-b$", count=1, status=500)
    kept = fanout(path, "--concurrency", "1", "--keep-going", code=1)
    assert statuses(kept) == ["skipped", "failed", "promoted", "promoted"]

    resumed = fanout(path)
    assert statuses(resumed) == ["skipped", "promoted", "skipped", "skipped"]
    assert served(emulator, svc, "site-b") == "models/fanout/census-v2.ilearner"


def test_canary_failure_stops_wave_two(emulator: Emulator, setup: dict[str, Any]) -> None:
    missing = str(setup["url"]).replace("census-v2", "missing")
    path = manifest(setup, site_a={"model_url": missing})
    junit = Path(setup["dir"]) / "fanout.xml"
    result = fanout(path, "--junit", str(junit), code=1)
    assert statuses(result) == ["failed", "not-run", "not-run", "not-run"]
    assert "does not exist" in result["results"][0]["message"]
    assert not [w for w in emulator.writes() if w["method"] == "PATCH"]
    root = ET.parse(junit).getroot()
    assert root.get("failures") == "1" and root.get("skipped") == "3"


def test_invalid_manifest_exits_2_naming_the_target(setup: dict[str, Any]) -> None:
    path = manifest(setup, site_c={"target": "classic:nope"})
    result = run("fanout", "run", str(path))
    assert result.exit_code == 2, result.output
    assert "targets[2] (site-c).target" in result.stderr


def test_data_targets_retrain_then_deploy(emulator: Emulator, setup: dict[str, Any]) -> None:
    data = census_data(Path(setup["dir"]) / "data")
    path = Path(setup["dir"]) / "retrain.yaml"
    path.write_text(yaml.safe_dump({
        "version": 1, "defaults": {"training_service": service("Training")},
        "targets": [{"name": s, "target": f"classic:{setup['svc']}/{s}",
                     "data": str(data["census-2026"].relative_to(setup["dir"]))}
                    for s in SITES[:2]],
    }))
    result = fanout(path)
    assert statuses(result) == ["promoted", "promoted"]
    assert all(r["job_id"] and r["model"].endswith(".ilearner") for r in result["results"])
    entries = ok_json("ledger", "show")
    assert {e["job_id"] for e in entries} == {r["job_id"] for r in result["results"]}
    assert all(e["metrics"] for e in entries)


def test_one_throttled_patch_does_not_stop_the_fanout(
        emulator: Emulator, setup: dict[str, Any]) -> None:
    # Issue 12.10: the canary's PATCH answered 429 once; it is sent again and the rollout goes on.
    emulator.fault("PATCH", r"/endpoints/site-a$", count=1, status=429, retry_after=1)
    data = fanout(manifest(setup))
    assert statuses(data) == ["promoted"] * len(SITES)
    assert all(served(emulator, setup["svc"], site).endswith("census-v2.ilearner") for site in SITES)
