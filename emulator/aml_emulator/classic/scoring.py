"""Score rows with an endpoint's current trained model (RRS and batch scoring).

The model is the blob at the endpoint's trained-model ``Location`` (``BaseLocation +
RelativeLocation + SasBlobToken``), parsed by :func:`.model.load_model` (JSON only, never
pickle). A PATCH that was accepted left its copy of the blob here (:meth:`ModelCache.keep_copy`):
the service serves the model it took then, even after the SAS expired or the blob was deleted
(users report predictions going on after they deleted the blob). Only a model no PATCH brought
(the seed's, one copied from the default endpoint) is downloaded when first used. Parsed models
are cached by that URL, so a PATCH to a new location is picked up at once (after propagation).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import requests

from .blobs import get_model_bytes
from .exec_errors import bad_user_argument, internal
from .interface import SCORED_LABELS, SCORED_PROBABILITIES
from .model import ModelFormatError, TrainedModel, load_model

__all__ = ["ModelCache", "ScoredTable", "model_url", "score_rows"]

_log = logging.getLogger(__name__)
_CACHE_SIZE = 32
# Copies taken at PATCH time. Models are a few hundred bytes; past this many the oldest copy
# goes, and an endpoint still pointing at it falls back to a download.
_COPIES = 4096


def model_url(resources: Sequence[dict[str, Any]]) -> tuple[str, str]:
    """(URL with SAS, ``RelativeLocation`` to show) of the endpoint's trained model."""
    models = [r for r in resources if r.get("Kind") == "TrainedModel"] or list(resources)
    if not models:
        raise internal("InvalidWebServiceResources",
                       "This endpoint has no trained model resource to score with.")
    location = models[0].get("Location") or {}
    base = str(location.get("BaseLocation") or "")
    relative = str(location.get("RelativeLocation") or "")
    sas = str(location.get("SasBlobToken") or "").strip()
    if sas and not sas.startswith("?"):
        sas = "?" + sas
    return base.rstrip("/") + "/" + relative.lstrip("/") + sas, relative


class ModelCache:
    """URL → parsed model (least recently used evicted), and URL → the bytes a PATCH took.

    Copies are keyed by the full URL (SAS included), as the endpoint's ``Location`` stores it.
    Inferred shortcut: two endpoints PATCHed to the very same URL share one copy, the later.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._models: OrderedDict[str, TrainedModel] = OrderedDict()
        self._copies: OrderedDict[str, bytes] = OrderedDict()

    def clear(self) -> None:
        """Forget parsed models and copies (a test hook: the next use downloads)."""
        with self._lock:
            self._models.clear()
            self._copies.clear()

    def keep_copy(self, url: str, data: bytes) -> None:
        """Keep the bytes an accepted PATCH read from *url*; scoring with it uses them."""
        with self._lock:
            self._copies[url] = data
            self._copies.move_to_end(url)
            self._models.pop(url, None)  # same URL, maybe new bytes: parse again
            while len(self._copies) > _COPIES:
                self._copies.popitem(last=False)

    def get(self, resources: Sequence[dict[str, Any]]) -> TrainedModel:
        """The model at the endpoint's trained-model ``Location``: the copy a PATCH took, else
        a download (anonymous or SAS)."""
        url, shown = model_url(resources)
        return self.load(url, shown, lambda: self._copy_or_download(url, shown))

    def _copy_or_download(self, url: str, shown: str) -> bytes:
        with self._lock:
            data = self._copies.get(url)
        return data if data is not None else _download(url, shown)

    def load(self, key: str, shown: str, fetch: Callable[[], bytes]) -> TrainedModel:
        """The model cached under *key*, else ``fetch()``ed and parsed (500 ``ResourceLoadFailed``
        when the bytes are not a model). *fetch* raises the execution error of a failed read."""
        with self._lock:
            if key in self._models:
                self._models.move_to_end(key)
                return self._models[key]
        data = fetch()
        try:
            model = load_model(data)
        except ModelFormatError as exc:
            raise internal("ResourceLoadFailed",
                           f"The trained model '{shown}' could not be loaded: {exc}") from None
        with self._lock:
            self._models[key] = model
            while len(self._models) > _CACHE_SIZE:
                self._models.popitem(last=False)
        return model


def _download(url: str, shown: str) -> bytes:
    # D-ERR 500 class InternalError: ResourceDownload (cannot fetch), ResourceLoadFailed
    # (fetched but not a model, also for a PATCHed copy: PATCH does not parse it).
    try:
        status, data = get_model_bytes(url)
    except requests.RequestException as exc:
        _log.info("model blob unreachable: %s", type(exc).__name__)
        raise internal("ResourceDownload", f"Could not download the trained model "
                                           f"'{shown}': storage is unreachable.") from None
    if status != 200:
        raise internal("ResourceDownload", f"Could not download the trained model '{shown}': "
                                           f"storage answered HTTP {status}.")
    return data


@dataclass(frozen=True)
class ScoredTable:
    columns: list[str]
    types: list[str]
    rows: list[list[Any]]  # input values as given, then the label and the probability


def _number(value: Any, column: str, row: int) -> float:
    try:
        if isinstance(value, bool):
            raise ValueError
        return float(value)
    except (TypeError, ValueError):
        raise bad_user_argument("InputParseError",
                                f"Row {row}, column '{column}': {str(value)[:40]!r} is not a "
                                "number.") from None


def _column_type(values: list[Any]) -> str:
    texts = [str(v) for v in values]
    for kind, parse in (("Int32", int), ("Double", float)):
        try:
            for text in texts:
                parse(text)
        except ValueError:
            continue
        return kind
    return "String"


def score_rows(model: TrainedModel, columns: Sequence[str],
               rows: Sequence[Sequence[Any]]) -> ScoredTable:
    """Append the scores to each row; extra columns pass through unused.

    A missing feature column is 400 ``BadUserArgument``/``InputParseError``: D-ERR lists
    ``InputMismatchError`` too, but does not say which the service picks (inferred).
    """
    missing = [name for name in model.features if name not in columns]
    if missing:
        raise bad_user_argument("InputParseError",
                                f"The input is missing column(s) {', '.join(map(repr, missing))} "
                                "that the trained model uses.")
    indexes = [list(columns).index(name) for name in model.features]
    out: list[list[Any]] = []
    for number, row in enumerate(rows, start=1):
        if len(row) != len(columns):
            raise bad_user_argument("InputParseError",
                                    f"Row {number} has {len(row)} values for {len(columns)} "
                                    "columns.")
        values = [_number(row[i], columns[i], number) for i in indexes]
        prediction = model.predict(values)
        scores: list[Any] = [prediction.label]
        if model.is_classifier:
            scores.append(prediction.probability)
        out.append([*row, *scores])
    extra = [SCORED_LABELS, SCORED_PROBABILITIES] if model.is_classifier else [SCORED_LABELS]
    types = [_column_type([row[i] for row in rows]) for i in range(len(columns))]
    types += ["String", "Double"] if model.is_classifier else ["Double"]
    return ScoredTable([*columns, *extra], types, out)

