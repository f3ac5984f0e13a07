"""JUnit XML for a fan-out run: one testcase per target, so Azure DevOps shows them as tests.

Shape (the common JUnit schema PublishTestResults@2 reads with ``testResultsFormat: JUnit``)::

    <testsuites name="aml-retrain fanout" tests= failures= errors="0" skipped= time=>
      <testsuite name="wave 1" tests= failures= errors="0" skipped= time= timestamp=>
        <properties><property name="run_id" value="…"/></properties>
        <testcase classname="fanout.wave1" name="site-a" time="1.234">
          <failure message="…" type="failed">…</failure>       failed
          <failure message="…" type="gated">…</failure>        gated
          <failure message="…" type="unhealthy">…</failure>    unhealthy (health figures in system-out)
          <skipped message="…"/>                               skipped, not-run
          <system-out>target, status, model, ledger seq</system-out>
        <testcase classname="fanout.wave2" name="failure budget">   in the wave over budget, if it
                                                                rolled the run back:
          <failure message="wave 2 exceeded its failure budget: …; rolled back: …" type="budget"/>
      <testsuite name="rollback">                               only when something rolled back
        <testcase classname="fanout.rollback" name="site-a">    one per target rolled back (alone
                                                                when unhealthy, or with the run)
          <failure message="…" type="failed|unknown"/>          when that rollback failed
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from aml_retrain.errors import ConfigError

if TYPE_CHECKING:
    from aml_retrain.promotion.fanout import FanoutResult, TargetResult
    from aml_retrain.promotion.runs import RollbackOutcome

__all__ = ["junit_xml", "write_junit"]

# XML 1.0 cannot carry most control characters, even escaped: service messages may hold them.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
FAILING = ("failed", "gated", "unhealthy")
HEALTH_LINES = ("healthy", "success_rate", "latency_p95_ms", "latency_p95_ratio", "agreement",
                "mean_abs_change", "probes", "failures")


def _clean(text: str) -> str:
    return _INVALID_XML.sub("?", text)


def _seconds(value: float) -> str:
    return f"{max(value, 0.0):.3f}"


def _case(parent: ET.Element, result: TargetResult) -> None:
    case = ET.SubElement(parent, "testcase", classname=f"fanout.wave{result.wave}",
                         name=_clean(result.name), time=_seconds(result.seconds))
    message = _clean(result.message or result.status)
    if result.status in FAILING:
        failure = ET.SubElement(case, "failure", message=message, type=result.status)
        failure.text = message
    elif result.status in ("skipped", "not-run"):
        ET.SubElement(case, "skipped", message=_clean(f"{result.status}: {message}"))
    out = ET.SubElement(case, "system-out")
    out.text = _clean(f"target: {result.target}\nstatus: {result.status}\n"
                      f"model: {result.model or '-'}\nledger seq: {result.seq or '-'}\n"
                      + _health_text(result.health))


def _health_text(health: dict[str, object] | None) -> str:
    """The probe's figures, one ``health.key: value`` line each (readable in the test's output)."""
    if not health:
        return ""
    return "".join(f"health.{key}: {health.get(key)}\n" for key in HEALTH_LINES if key in health)


def _counts(results: list[TargetResult]) -> dict[str, str]:
    failures = sum(1 for r in results if r.status in FAILING)
    skipped = sum(1 for r in results if r.status in ("skipped", "not-run"))
    return {"tests": str(len(results)), "failures": str(failures), "errors": "0",
            "skipped": str(skipped), "time": _seconds(sum(r.seconds for r in results))}


def _suite(root: ET.Element, name: str, counts: dict[str, str], stamp: datetime,
           run_id: str) -> ET.Element:
    suite = ET.SubElement(root, "testsuite", {"name": name, **counts})
    suite.set("timestamp", stamp.strftime("%Y-%m-%dT%H:%M:%S"))
    suite.set("hostname", "localhost")
    if run_id:
        properties = ET.SubElement(suite, "properties")
        ET.SubElement(properties, "property", name="run_id", value=_clean(run_id))
    return suite


def _budget_case(suite: ET.Element, result: FanoutResult) -> None:
    """A failing testcase in the wave over budget, naming what the run rolled back."""
    undone = ", ".join(f"{r.name} ({r.status})" for r in result.rollbacks
                       if r.scope == "run") or "nothing"
    message = _clean(f"wave {result.failed_wave} exceeded its failure budget: {result.stopped}; "
                     f"rolled back: {undone}")
    case = ET.SubElement(suite, "testcase", classname=f"fanout.wave{result.failed_wave}",
                         name="failure budget", time="0.000")
    ET.SubElement(case, "failure", message=message, type="budget").text = message


def _rollback_case(suite: ET.Element, outcome: RollbackOutcome) -> None:
    case = ET.SubElement(suite, "testcase", classname="fanout.rollback",
                         name=_clean(outcome.name), time="0.000")
    message = _clean(outcome.message or outcome.status)
    if outcome.status != "rolled-back":
        ET.SubElement(case, "failure", message=message, type=outcome.status).text = message
    ET.SubElement(case, "system-out").text = _clean(
        f"target: {outcome.target}\nwave: {outcome.wave}\nstatus: {outcome.status}\n"
        f"rolled back: {'alone (unhealthy)' if outcome.scope == 'target' else 'with the run'}\n"
        f"switched to: {outcome.replaced or '-'}\nrestored: {outcome.model or '-'}\n"
        f"ledger seq: {outcome.seq or '-'}\n")


def junit_xml(result: FanoutResult, *, now: datetime | None = None) -> bytes:
    """Return the run as JUnit XML bytes (UTF-8, with declaration)."""
    stamp = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    counts = _counts(list(result.results))
    # Only a run-wide rollback gets a budget case: a plain stop's failed cases say it all.
    budget = result.failed_wave if any(r.scope == "run" for r in result.rollbacks) else None
    if budget is not None:
        counts["tests"] = str(int(counts["tests"]) + 1)
        counts["failures"] = str(int(counts["failures"]) + 1)
    root = ET.Element("testsuites", {"name": "aml-retrain fanout", **counts})
    root.set("time", _seconds(result.seconds))
    for wave in sorted({r.wave for r in result.results}):
        members = [r for r in result.results if r.wave == wave]
        suite = _suite(root, f"wave {wave}", _counts(members), stamp, result.run_id)
        for member in members:
            _case(suite, member)
        if wave == budget:
            _budget_case(suite, result)
            suite.set("tests", str(int(suite.get("tests", "0")) + 1))
            suite.set("failures", str(int(suite.get("failures", "0")) + 1))
    if result.rollbacks:
        failed = sum(1 for r in result.rollbacks if r.status != "rolled-back")
        suite = _suite(root, "rollback", {"tests": str(len(result.rollbacks)), "failures": str(failed),
                                          "errors": "0", "skipped": "0", "time": "0.000"},
                       stamp, result.run_id)
        for outcome in result.rollbacks:
            _rollback_case(suite, outcome)
        root.set("tests", str(int(root.get("tests", "0")) + len(result.rollbacks)))
        root.set("failures", str(int(root.get("failures", "0")) + failed))
    ET.indent(root)
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body + b"\n"


def write_junit(result: FanoutResult, path: str | Path, *, now: datetime | None = None) -> Path:
    """Write the JUnit XML file (parent folders created); return its path."""
    target = Path(path).expanduser()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(junit_xml(result, now=now))
    except OSError as exc:
        raise ConfigError(f"cannot write JUnit file {target}: {exc.strerror or exc}") from exc
    return target
