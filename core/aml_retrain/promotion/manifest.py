"""Fan-out manifest: which targets get which model, with what gate, in which wave.

Format (YAML or JSON; relative paths resolve against the manifest's folder)::

    version: 1
    defaults:                        # all optional
      policy: gate-policy.yaml       # gate rules; a policy turns the gate on unless gate: false
      gate: false                    # run the evaluation gate (needs candidate metrics)
      training_service: <SERVICE_ID> # training service for `data` targets: classic id or arm:RG/NAME
                                     # (online: targets need none: the serving model's job re-runs)
      retrain: false                 # see `retrain` below
    waves: true                      # false: one wave, no canary
    rollout:                         # failure budget, rollback, pauses (see rollout.py)
      max_failures: 0                # per wave: N or "N%"
      on_failure: stop               # or rollback: undo every switch of the run
    targets:
      - name: site-a                 # unique; default: the target string
        target: classic:<SERVICE_ID>/site-a   # or another kind's form (docs/promotion.md)
        model_url: https://…/model-blob       # exactly one of model_url, from_job, data
        # from_job: <BES job id>     # the job's model output (and its metrics for the gate)
        # data: site-a.csv           # retrain on this file or blob URL first, deploy its model
        metrics: site-a-eval.csv     # candidate metrics for a gated model_url target
        policy: strict.yaml          # per-target overrides of the defaults
        gate: true
        training_service: <SERVICE_ID>
        retrain: true                # must be true (or unset) when `data` is given
        canary: true                 # wave 1; default canary: the first target
        wave: 2                      # explicit wave (1 = canary wave)

Waves: with ``waves: true`` and no ``canary``/``wave`` anywhere, the first target is the canary
(wave 1) and the rest form wave 2. Otherwise ``canary: true`` means wave 1, ``wave: N`` means N and
targets with neither go to wave 2.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aml_retrain.errors import ValidationError
from aml_retrain.promotion.context import NO_GATE, GateOptions
from aml_retrain.promotion.rollout import RolloutSettings, manifest_digest, parse_rollout

if TYPE_CHECKING:
    from aml_retrain.evaluation import Metrics
    from aml_retrain.promotion.gate import Policy
    from aml_retrain.promotion.health import HealthPolicy
    from aml_retrain.promotion.targets import Target

__all__ = ["Manifest", "TargetSpec", "load_manifest", "parse_manifest"]

TOP_KEYS = ("version", "defaults", "waves", "rollout", "targets")
DEFAULT_KEYS = ("policy", "gate", "training_service", "retrain")
TARGET_KEYS = ("name", "target", "model_url", "from_job", "data", "metrics", "policy", "gate",
               "training_service", "retrain", "canary", "wave")
SOURCES = ("model_url", "from_job", "data")


@dataclass(frozen=True)
class TargetSpec:
    """One manifest target, validated: where to deploy, what, with which gate, in which wave."""

    index: int
    name: str
    target: Target
    wave: int
    model_url: str | None = None
    job_id: str | None = None
    data: str | None = None
    training_service: str | None = None
    candidate: Metrics | None = None
    gating: GateOptions = NO_GATE
    canary: bool = False
    health: HealthPolicy | None = None  # the policy's health: thresholds (fan-out health checks)

    @property
    def gate(self) -> bool:
        """True when this target's promotion runs the gate."""
        return self.gating.enabled

    @property
    def policy(self) -> Policy | None:
        """The gate rules of this target (None: the default rules, or no gate)."""
        return self.gating.policy


@dataclass(frozen=True)
class Manifest:
    """A validated manifest: targets in file order, grouped into waves on demand."""

    source: str
    targets: tuple[TargetSpec, ...]
    rollout: RolloutSettings = field(default_factory=RolloutSettings)
    digest: str = ""  # of the content: a resumed run must be given the same manifest

    def waves(self) -> list[tuple[int, list[TargetSpec]]]:
        """Return ``[(wave number, targets)]`` in the order they run."""
        numbers = sorted({t.wave for t in self.targets})
        return [(n, [t for t in self.targets if t.wave == n]) for n in numbers]

    @property
    def canary_wave(self) -> int | None:
        """The wave whose gated targets stop the rollout: the first, when there are several."""
        waves = self.waves()
        return waves[0][0] if len(waves) > 1 else None


def load_manifest(path: str | Path) -> Manifest:
    """Read and validate a fan-out manifest (YAML or JSON)."""
    from aml_retrain.promotion._gate_files import _read_structured

    source = Path(path)
    return parse_manifest(_read_structured(source, "manifest"), source.resolve().parent, str(source))


class _Reader:
    """Validation helpers that name the manifest, target and key in every error."""

    def __init__(self, source: str, base: Path) -> None:
        self.source = source
        self.base = base
        self.policies: dict[Path, tuple[Policy | None, HealthPolicy]] = {}

    def error(self, where: str, why: str) -> ValidationError:
        return ValidationError(f"manifest {self.source}: {where}: {why}")

    def mapping(self, value: Any, where: str, keys: tuple[str, ...]) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.error(where, f"expected a mapping, not {type(value).__name__}")
        unknown = sorted(str(k) for k in value if k not in keys)
        if unknown:
            raise self.error(where, f"unknown key {unknown[0]!r} (expected one of {', '.join(keys)})")
        return value

    def text(self, data: Mapping[str, Any], key: str, where: str) -> str | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.error(f"{where}.{key}", f"expected a non-empty string, not {value!r}")
        return value.strip()

    def flag(self, data: Mapping[str, Any], key: str, where: str) -> bool | None:
        value = data.get(key)
        if value is not None and not isinstance(value, bool):
            raise self.error(f"{where}.{key}", f"expected true or false, not {value!r}")
        return value

    def path(self, text: str) -> Path:
        candidate = Path(text).expanduser()
        return candidate if candidate.is_absolute() else self.base / candidate

    def policy(self, text: str | None, where: str) -> tuple[Policy | None, HealthPolicy | None]:
        """A policy file's gate rules and health thresholds; a file of thresholds only is no gate."""
        if text is None:
            return None, None
        from aml_retrain.promotion.gate import load_policies

        path = self.path(text)
        if path not in self.policies:
            try:
                self.policies[path] = load_policies(path)
            except ValidationError as exc:
                raise self.error(where, str(exc)) from None
        return self.policies[path]


def parse_manifest(data: Any, base: Path, source: str = "<manifest>") -> Manifest:
    """Validate manifest ``data``; relative paths resolve against ``base``."""
    read = _Reader(source, base)
    top = read.mapping(data, "top level", TOP_KEYS)
    if top.get("version") != 1:
        raise read.error("version", f"expected 1, not {top.get('version')!r}")
    defaults = read.mapping(top.get("defaults") or {}, "defaults", DEFAULT_KEYS)
    waves = read.flag(top, "waves", "top level")
    raw = top.get("targets")
    if not isinstance(raw, list) or not raw:
        raise read.error("targets", "expected a non-empty list of targets")
    rollout = parse_rollout(top.get("rollout"), read.error, lambda text: read.path(text))
    specs = [_target(read, item, i, defaults) for i, item in enumerate(raw)]
    _check_unique(read, specs)
    return Manifest(source, tuple(_assign_waves(read, specs, raw, waves is not False)), rollout,
                    manifest_digest(data))


def _target(read: _Reader, item: Any, index: int, defaults: Mapping[str, Any]) -> TargetSpec:
    from aml_retrain.promotion.targets import parse_target

    where = f"targets[{index}]"
    data = read.mapping(item, where, TARGET_KEYS)
    text = read.text(data, "target", where)
    if text is None:
        from aml_retrain.promotion.targets import KINDS

        forms = " or ".join(kind.forms[0] for kind in KINDS.values())
        raise read.error(where, f"missing 'target' ({forms})")
    name = read.text(data, "name", where) or text
    where = f"targets[{index}] ({name})"
    try:
        target = parse_target(text)
    except ValidationError as exc:
        raise read.error(f"{where}.target", str(exc)) from None
    given = [key for key in SOURCES if data.get(key) is not None]
    if len(given) != 1:
        what = " and ".join(given) if given else "none of them"
        raise read.error(where, f"give exactly one of model_url, from_job, data (got {what})")
    model_url, job_id, data_source = (read.text(data, key, where) for key in SOURCES)
    if model_url is not None:
        _check(read, f"{where}.model_url", lambda text: _model_key(target, text), model_url)
    if job_id is not None:
        _check(read, f"{where}.from_job", _job_id, job_id)
    retrain = _pick(read, data, defaults, "retrain", where)
    if data_source is not None and retrain is False:
        raise read.error(f"{where}.retrain", "retrain is false but the target gives 'data' to train on")
    if data_source is None and retrain is True:
        raise read.error(f"{where}.retrain", "retrain is true but the target gives no 'data'")
    training = read.text(data, "training_service", where) or read.text(
        defaults, "training_service", "defaults")
    if training is not None:
        from aml_retrain.training_services import canonical_reference

        _check(read, f"{where}.training_service", canonical_reference, training)
    if data_source is not None:
        from aml_retrain.promotion.targets import kind_of

        if training is None and kind_of(target).needs_training_service:
            raise read.error(where, "'data' needs training_service (here or in defaults)")
        if not data_source.startswith(("https://", "http://", "azureml:")):
            data_source = str(read.path(data_source))
    policy_text = read.text(data, "policy", where) or read.text(defaults, "policy", "defaults")
    policy, health = read.policy(policy_text, f"{where}.policy")
    # gate: false turns a policy off; otherwise GateOptions lets the policy imply the gate.
    gate = _pick(read, data, defaults, "gate", where)
    gating = GateOptions(policy=None if gate is False else policy, gate=bool(gate))
    metrics = read.text(data, "metrics", where)
    return TargetSpec(
        index=index, name=name, target=target, wave=0, model_url=model_url, job_id=job_id,
        data=data_source, training_service=training,
        candidate=_metrics(read, metrics, f"{where}.metrics") if metrics else None,
        gating=gating,
        canary=bool(read.flag(data, "canary", where)), health=health,
    )


def _pick(read: _Reader, data: Mapping[str, Any], defaults: Mapping[str, Any], key: str,
          where: str) -> bool | None:
    value = read.flag(data, key, where)
    return read.flag(defaults, key, "defaults") if value is None else value


def _model_key(target: Target, text: str) -> None:
    from aml_retrain.promotion.targets import kind_of

    kind_of(target).model_key(target, text)


def _job_id(text: str) -> None:
    from aml_retrain.classic.bes import validate_job_id

    validate_job_id(text)


def _check(read: _Reader, where: str, check: Callable[[str], object], value: str) -> None:
    try:
        check(value)
    except ValidationError as exc:
        raise read.error(where, str(exc)) from None


def _metrics(read: _Reader, text: str, where: str) -> Metrics:
    from aml_retrain.promotion.gate import load_metrics

    try:
        return load_metrics(read.path(text))
    except ValidationError as exc:
        raise read.error(where, str(exc)) from None


def _check_unique(read: _Reader, specs: list[TargetSpec]) -> None:
    names: dict[str, int] = {}
    targets: dict[str, int] = {}
    for spec in specs:
        if spec.name in names:
            raise read.error(f"targets[{spec.index}]",
                             f"name {spec.name!r} is already used by targets[{names[spec.name]}]")
        # Two rows deploying to one target would race each other and the ledger's idea of it.
        key = str(spec.target)
        if key in targets:
            raise read.error(f"targets[{spec.index}] ({spec.name})",
                             f"target {key} is already listed as targets[{targets[key]}]")
        names[spec.name] = targets[key] = spec.index


def _assign_waves(read: _Reader, specs: list[TargetSpec], raw: list[Any],
                  waves: bool) -> list[TargetSpec]:
    from dataclasses import replace

    if not waves:
        return [replace(s, wave=1, canary=False) for s in specs]
    explicit = any(s.canary or raw[s.index].get("wave") is not None for s in specs)
    out = []
    for spec in specs:
        number = raw[spec.index].get("wave")
        where = f"targets[{spec.index}] ({spec.name}).wave"
        if number is not None and (isinstance(number, bool) or not isinstance(number, int)
                                   or number < 1):
            raise read.error(where, f"expected a whole number >= 1, not {number!r}")
        if spec.canary and number not in (None, 1):
            raise read.error(where, f"a canary runs in wave 1, not wave {number}")
        if number is None:
            number = 1 if spec.canary or (not explicit and spec.index == 0) else 2
        out.append(replace(spec, wave=number))
    first = min(s.wave for s in out)
    several = len({s.wave for s in out}) > 1
    return [replace(s, canary=several and s.wave == first) for s in out]
