from __future__ import annotations

import stat
from pathlib import Path

import pytest

from aml_retrain.classic.journal import JobJournal, JournalEntry
from aml_retrain.config import Settings
from aml_retrain.errors import ValidationError


def entry(job_id: str = "job1", **kw: str) -> JournalEntry:
    fields = {
        "job_id": job_id,
        "web_service_id": "svc",
        "endpoint": "default",
        "api_location": "https://bes.test/workspaces/ws/services/g?api_key=SECRETKEY",
        "workspace_id": "ws",
        "submitted_at": "2025-06-01T12:00:00Z",
        "model_output": "output1",
        "status": "NotStarted",
    }
    fields.update(kw)
    return JournalEntry(**fields)  # type: ignore[arg-type]


def test_round_trip_and_status_updates(tmp_path: Path) -> None:
    journal = JobJournal(tmp_path / "j" / "jobs.jsonl")
    journal.record(entry())
    journal.record(entry("job2", web_service_id="other"))
    journal.update_status("job1", "Running")
    journal.update_status("job1", "Finished")
    got = journal.get("job1")
    assert got.status == "Finished" and got.web_service_id == "svc" and got.model_output == "output1"
    assert got.api_location == "https://bes.test/workspaces/ws/services/g"
    assert journal.get("job2").status == "NotStarted"
    assert [e.job_id for e in journal.entries()] == ["job1", "job2"]
    assert stat.S_IMODE((tmp_path / "j" / "jobs.jsonl").stat().st_mode) == 0o600


def test_no_secrets_in_the_file(tmp_path: Path) -> None:
    journal = JobJournal(tmp_path / "jobs.jsonl")
    journal.record(entry())
    text = journal.path.read_text()
    assert "SECRETKEY" not in text and "api_key" not in text
    assert "ConnectionString" not in text and "AccountKey" not in text


def test_unknown_job_names_the_journal_and_the_option(tmp_path: Path) -> None:
    journal = JobJournal(tmp_path / "jobs.jsonl")
    with pytest.raises(ValidationError) as info:
        journal.get("nope")
    assert f"job nope is not in the journal at {journal.path}; pass --service" in str(info.value)
    journal.update_status("nope", "Running")  # unknown job: nothing written
    assert not journal.path.exists()


def test_partial_lines_are_skipped(tmp_path: Path) -> None:
    journal = JobJournal(tmp_path / "jobs.jsonl")
    journal.record(entry())
    with journal.path.open("a") as handle:
        handle.write('{"job_id": "job1", "sta')
    assert journal.get("job1").status == "NotStarted"


def test_settings_journal_path(tmp_path: Path) -> None:
    home = Path.home()
    assert Settings.resolve(env={}).journal_path == home / ".aml-retrain" / "jobs.jsonl"
    env = {"AML_RETRAIN_JOURNAL": str(tmp_path / "env.jsonl")}
    assert Settings.resolve(env=env).journal_path == tmp_path / "env.jsonl"
    profile = tmp_path / "p.json"
    profile.write_text('{"journal": "~/from-profile.jsonl"}')
    assert Settings.resolve(profile=profile, env={}).journal_path == home / "from-profile.jsonl"
    assert Settings.resolve(journal_path=tmp_path / "x.jsonl", env=env).journal_path == tmp_path / "x.jsonl"
