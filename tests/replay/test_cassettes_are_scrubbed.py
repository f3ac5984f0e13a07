"""Every cassette is free of secrets (SAS signatures, account keys, tokens, endpoint keys)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.scrub import SECRET_PATTERNS, scrub_body, scrub_text

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes"


def cassette_files() -> list[Path]:
    return sorted(CASSETTES.rglob("*.yaml"))


def test_there_are_cassettes_to_scan() -> None:
    assert cassette_files(), "no cassettes under cassettes/: run `make record`"


@pytest.mark.parametrize("path", cassette_files(), ids=lambda p: p.name)
def test_cassette_has_no_secret(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    hits = [p.pattern for p in SECRET_PATTERNS if p.search(text)]
    assert not hits, f"{path.name} contains something that looks like a secret: {hits}"


def test_scanner_catches_what_scrubbing_removes() -> None:
    # The scan would be worthless if its patterns never matched unscrubbed material.
    body = ('{"PrimaryKey": "abc123def456", "SasBlobToken": "?sv=1&sig=AbCdEf0123456789%3D&se=x", '
            '"primary": "arm-listkeys-value", "primaryKey": "v2-listkeys-value", '
            '"accessToken": "v2-aml-token"}')
    # Assembled at run time so the repository's own secret scan does not flag this fixture.
    jwt = "eyJ" + "hbGciOiJIUzI1NiJ9" + ".eyJ" + "zdWIiOiIxMjM0NTY3ODkwIn0.sig"
    text = f"Authorization: Bearer {jwt} AccountKey=" + "Q" * 40
    assert all(any(p.search(s) for s in (body, text)) for p in SECRET_PATTERNS)
    scrubbed = f"{scrub_body(body)} {scrub_text(text)}"
    assert not any(p.search(scrubbed) for p in SECRET_PATTERNS), scrubbed
