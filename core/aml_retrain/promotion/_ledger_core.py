"""The ledger's chain rules: canonical JSON, entry hashes, verification, sealing and queries.

Storage-neutral: ``ledger.py`` adds the file and append-blob stores on top of ``LedgerBase``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from aml_retrain._redact import redact_text
from aml_retrain._structured import json_loads
from aml_retrain.errors import ValidationError

__all__ = [
    "ACTIONS", "MAX_BLOCK", "LedgerBase", "VerifyResult", "canonical_json", "entry_hash", "ledger_lines",
    "parse_line", "verify_text",
]

ACTIONS = ("promote", "rollback")
# Entries that record a run's progress, not a target's state (a shard's wave mark: promotion.shards).
MARKS = ("wave",)
_CHAIN_FIELDS = ("seq", "prev_hash", "hash")
# Azure rejects append blocks above 4 MiB; an entry that large is a bug anyway.
MAX_BLOCK = 4 * 1024 * 1024
VERIFY_HINT = "run `aml-retrain ledger verify`"

Clock = Callable[[], datetime]


def canonical_json(entry: Mapping[str, Any]) -> str:
    """Return ``entry`` as canonical JSON: sorted keys, no spaces, non-ASCII kept (hash it as UTF-8)."""
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def entry_hash(entry: Mapping[str, Any]) -> str:
    """Return the sha256 hex digest of the entry's canonical JSON without its ``hash`` field."""
    body = {k: v for k, v in entry.items() if k != "hash"}
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of recomputing the chain: ``problems`` name the line or ``seq`` at fault."""

    ok: bool
    count: int
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {"ok": self.ok, "count": self.count, "problems": list(self.problems)}


class LedgerBase:
    """Reading, verifying and sealing; subclasses store the bytes."""

    location: str

    def __init__(self, *, clock: Clock | None = None) -> None:
        self._clock = clock or (lambda: datetime.now(timezone.utc))

    def _read_text(self) -> str:
        raise NotImplementedError

    def entries(self, target: str | None = None) -> list[dict[str, Any]]:
        """Return all entries, or those of one target, oldest first."""
        found = []
        for number, line in enumerate(ledger_lines(self._read_text()), 1):
            entry = parse_line(line)
            if entry is None:
                raise ValidationError(
                    f"ledger {self.location} line {number} is not a valid entry: {VERIFY_HINT}"
                )
            if target is None or entry.get("target") == target:
                found.append(entry)
        return found

    def verify(self) -> VerifyResult:
        """Recompute the hash chain and report every break by line and ``seq``."""
        return verify_text(self._read_text())

    def current(self, target: str) -> dict[str, Any] | None:
        """Return the latest promote/rollback entry of ``target``: what is deployed now."""
        history = self._history(target)
        return history[-1] if history else None

    def previous(self, target: str) -> dict[str, Any] | None:
        """Return the latest entry before the current one with a different ``new_model``."""
        history = self._history(target)
        if not history:
            return None
        deployed = history[-1].get("new_model")
        return next((e for e in reversed(history[:-1]) if e.get("new_model") != deployed), None)

    def get(self, target: str, seq: int) -> dict[str, Any]:
        """Return entry ``seq`` of ``target``; ValidationError if there is none."""
        for entry in self.entries():
            if entry.get("seq") == seq:
                if entry.get("target") != target:
                    raise ValidationError(
                        f"ledger entry {seq} is for {entry.get('target')!r}, not {target!r}"
                    )
                return entry
        raise ValidationError(f"ledger {self.location} has no entry {seq}")

    def _history(self, target: str) -> list[dict[str, Any]]:
        return [e for e in self.entries(target) if e.get("action") in ACTIONS]

    def _prepare(self, entry: Mapping[str, Any]) -> dict[str, Any]:
        """Validate a caller's entry and stamp its time; chain fields are the ledger's to set."""
        if not isinstance(entry, Mapping):
            raise ValidationError(f"a ledger entry must be a mapping, not {type(entry).__name__}")
        record = {k: v for k, v in entry.items() if k not in _CHAIN_FIELDS}
        if record.get("action") not in ACTIONS + MARKS:
            raise ValidationError(
                f"ledger entry action must be promote, rollback or wave, not {record.get('action')!r}"
            )
        if not isinstance(record.get("target"), str) or not record["target"]:
            raise ValidationError("a ledger entry needs a target")
        where = _find_secret(record, "entry")
        if where:
            raise ValidationError(
                f"refusing to write a credential to the ledger ({where} holds a SAS signature, key or "
                "token): store blob URLs without their query string"
            )
        if record.get("time") is None:
            record["time"] = self._clock().astimezone(timezone.utc).isoformat(timespec="seconds")
        try:
            size = len(canonical_json(record).encode("utf-8"))
        except (TypeError, ValueError) as exc:
            raise ValidationError(f"a ledger entry must be plain JSON: {exc}") from None
        if size > MAX_BLOCK - 1024:
            raise ValidationError(f"a ledger entry must stay under 4 MiB, this one is {size} bytes")
        return record

    def _seal(self, record: Mapping[str, Any], tail: bytes | None) -> tuple[dict[str, Any], bytes]:
        """Chain ``record`` after the last line ``tail``; return the entry and its line."""
        last = None
        if tail is not None:
            last = parse_line(tail.decode("utf-8", errors="replace"))
            if last is None or not isinstance(last.get("seq"), int) or not isinstance(last.get("hash"), str):
                raise ValidationError(f"the last line of ledger {self.location} is damaged: {VERIFY_HINT}")
        return self._seal_after(record, last)

    def _seal_after(self, record: Mapping[str, Any], last: Mapping[str, Any] | None,
                    ) -> tuple[dict[str, Any], bytes]:
        """Chain ``record`` after the entry ``last`` (already checked, or just sealed)."""
        sealed = dict(record)
        sealed["seq"] = last["seq"] + 1 if last else 1
        sealed["prev_hash"] = last["hash"] if last else ""
        sealed["hash"] = entry_hash(sealed)
        return sealed, (canonical_json(sealed) + "\n").encode("utf-8")


def verify_text(text: str) -> VerifyResult:
    """Check seq order, each entry's hash and each prev_hash link of a ledger's text."""
    problems: list[str] = []
    count, expected = 0, 1
    prev: str | None = ""  # None: the previous line was unreadable, so its link cannot be checked
    lines = ledger_lines(text)
    for number, line in enumerate(lines, 1):
        entry = parse_line(line)
        if entry is None:
            problems.append(f"line {number} (expected seq {expected}): not a valid JSON entry")
            expected, prev = expected + 1, None
            continue
        count += 1
        seq = entry.get("seq")
        label = f"seq {seq} (line {number})" if isinstance(seq, int) else f"line {number}"
        if seq != expected:
            problems.append(f"{label}: expected seq {expected}: an entry is missing, duplicated or moved")
        stored = entry.get("hash")
        if stored != entry_hash(entry):
            problems.append(f"{label}: hash mismatch: the entry was edited")
        if prev is not None and entry.get("prev_hash") != prev:
            problems.append(f"{label}: prev_hash does not match the entry before it")
        prev = stored if isinstance(stored, str) else None
        expected = seq + 1 if isinstance(seq, int) else expected + 1
    if text and not text.endswith("\n"):
        problems.append(f"line {len(lines)}: no newline at the end (an interrupted write)")
    return VerifyResult(not problems, count, problems)


def ledger_lines(text: str) -> list[str]:
    """Split a ledger's text at newlines only: str.splitlines also splits at U+2028 and other
    separators, which canonical JSON leaves unescaped inside strings (a pasted --reason)."""
    lines = text.split("\n")
    return lines[:-1] if lines[-1] == "" else lines


def parse_line(line: str) -> dict[str, Any] | None:
    """Parse one ledger line; None if it is not a JSON object."""
    try:
        entry = json_loads(line, "a ledger line")
    except (ValueError, ValidationError):  # a line nested without end is no entry either
        return None
    return entry if isinstance(entry, dict) else None


def _find_secret(value: Any, where: str) -> str | None:
    """Return the field path of the first value or key that carries a credential."""
    path = _secret_path(value)
    return None if path is None else where + "".join(reversed(path))


def _secret_path(value: Any) -> list[str] | None:
    # The path is built only for a hit, innermost part first: most entries have none.
    if isinstance(value, Mapping):
        for key, item in value.items():
            if _has_secret(str(key)):
                return [" key"]
            found = _secret_path(item)
            if found is not None:
                found.append(f".{key}")
                return found
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            found = _secret_path(item)
            if found is not None:
                found.append(f"[{index}]")
                return found
    elif isinstance(value, str) and _has_secret(value):
        return []
    return None


def _has_secret(text: str) -> bool:
    # Every pattern redact_text replaces has a "=" or the word bearer: skip it for other text.
    if ("=" in text or "bearer" in text.lower()) and redact_text(text) != text:
        return True
    if "://" not in text:
        return False
    try:
        return "@" in urlsplit(text.strip()).netloc  # user:password@host
    except ValueError:
        return False
