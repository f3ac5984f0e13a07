"""What a v2 command job does here: train the census model on its bound input, for real.

Whatever ``command`` says (reference silent: the emulator runs no user code), the job reads the
CSV at ``inputs.training_data.uri`` (an http(s) blob URL, with a SAS or in the emulator's storage
account) and fits the same model the classic training experiment fits
(:func:`..classic.training.train`: label ``income``, Regularization 1.0, 75/25 split). Its
evaluation becomes the MLflow run's metrics, under the classic Evaluate Model names (Accuracy,
AUC…; online-contract §3). Literal inputs ``label_column`` and ``regularization`` override the
defaults (reference silent: our own knobs). A failure is one line, shown on the job.
"""

from __future__ import annotations

import csv
import io
import logging
import time
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from ..arm.blobs import account_of, shown
from ..classic.model import TrainedModel
from ..classic.training import TrainingError, census_csv, parse_table, train
from .state import Job

__all__ = ["INPUT", "OUTPUT", "input_uri", "run_job", "seed_training"]

_log = logging.getLogger(__name__)
INPUT = "training_data"
OUTPUT = "model_output"
LABEL = "income"
_MAX_INPUT = 64 * 1024 * 1024
_CLIENT_OPTIONS: dict[str, Any] = {"connection_timeout": 5, "read_timeout": 20, "retry_total": 0}
Training = tuple[TrainedModel, dict[str, float], dict[str, str]]


def input_uri(properties: Mapping[str, Any]) -> str | None:
    """``inputs.training_data.uri``, else the only uri_file/uri_folder input's uri."""
    inputs = properties.get("inputs") or {}
    chosen = inputs.get(INPUT)
    if not isinstance(chosen, dict):
        files = [v for v in inputs.values() if isinstance(v, dict)
                 and str(v.get("jobInputType", "")).lower() in ("uri_file", "uri_folder")]
        chosen = files[0] if len(files) == 1 else None
    uri = chosen.get("uri") if isinstance(chosen, dict) else None
    return uri if isinstance(uri, str) and uri else None


def _literal(properties: Mapping[str, Any], name: str) -> str | None:
    found = (properties.get("inputs") or {}).get(name)
    if isinstance(found, dict) and str(found.get("jobInputType", "")).lower() == "literal":
        return str(found.get("value"))
    return None


def _read(uri: str, storage: Mapping[str, str] | None) -> bytes:
    from azure.core.exceptions import AzureError, ResourceNotFoundError
    from azure.storage.blob import BlobClient

    if urlsplit(uri).scheme.lower() not in ("http", "https"):
        raise TrainingError(f"The input '{shown(uri)[:200]}' is not an http(s) blob URL; bind "
                            f"inputs.{INPUT} to a blob URL (with a SAS if it is private).")
    credential = None
    if storage and not urlsplit(uri).query and account_of(uri) == storage.get("name"):
        credential = {"account_name": storage["name"], "account_key": storage["key"]}
    try:
        client = BlobClient.from_blob_url(uri, credential=credential, **_CLIENT_OPTIONS)
        data: bytes = client.download_blob(offset=0, length=_MAX_INPUT + 1).readall()
    except ResourceNotFoundError:
        raise TrainingError(f"The input blob '{shown(uri)}' was not found.") from None
    except (AzureError, ValueError) as exc:
        raise TrainingError(f"The input blob '{shown(uri)}' could not be read "
                            f"({type(exc).__name__}).") from None
    if len(data) > _MAX_INPUT:
        raise TrainingError(f"The input blob is larger than {_MAX_INPUT} bytes.")
    return data


def metrics_of(evaluation: bytes) -> dict[str, float]:
    """The evaluation CSV (header + one row) as ``{metric: value}``."""
    header, values = list(csv.reader(io.StringIO(evaluation.decode("utf-8"))))[:2]
    return {name: float(value) for name, value in zip(header, values, strict=True)}


def _train(data: bytes, label: str, regularization: float, degrade: bool) -> Training:
    model, evaluation = train(parse_table(data, ".csv"), label, regularization, degrade=degrade)
    params = {"label_column": label, "regularization": f"{regularization:g}"}
    return model, metrics_of(evaluation), params


@lru_cache(maxsize=1)
def seed_training() -> Training:
    """The seeded job's result: the seed model's training on :func:`census_csv` (cached)."""
    return _train(census_csv(), LABEL, 1.0, False)


def _settings(properties: Mapping[str, Any]) -> tuple[str, float]:
    label = _literal(properties, "label_column") or LABEL
    raw = _literal(properties, "regularization")
    try:
        regularization = float(raw) if raw is not None else 1.0
    except ValueError:
        raise TrainingError(f"The literal input 'regularization' is not a number: "
                            f"{str(raw)[:40]!r}.") from None
    if not regularization > 0:
        raise TrainingError("The literal input 'regularization' must be positive.")
    return label, regularization


def run_job(job: Job, storage: Mapping[str, str] | None, degrade: bool,
            finished: Callable[[Job], None]) -> None:
    """The worker (a thread): read, train, record the result on *job*, then *finished*."""
    job.started_ms = int(time.time() * 1000)
    try:
        uri = input_uri(job.properties)
        if uri is None:
            raise TrainingError(f"The job has no input '{INPUT}' bound to a blob URL.")
        label, regularization = _settings(job.properties)
        job.model, job.metrics, job.params = _train(_read(uri, storage), label, regularization,
                                                    degrade)
    except TrainingError as exc:
        job.failure = " ".join(str(exc).split())
    except Exception:
        _log.exception("v2 job %s crashed", job.name)
        job.failure = "The job failed unexpectedly; see the emulator log."
    job.ended_ms = int(time.time() * 1000)
    job.done.set()
    finished(job)
