"""A job's metrics from the workspace's MLflow tracking server (online-contract.md §2-§3).

The tracking URI is the workspace's ``mlFlowTrackingUri`` (``azureml://HOST/mlflow/v1.0/…``),
reached over https with an ARM token; the run id is the job name. Metric keys go through
``evaluation.normalise_header`` so the gate sees the same names as for classic evaluations.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from aml_retrain import _http
from aml_retrain.errors import ServiceError, ValidationError
from aml_retrain.evaluation import Metrics, parse_evaluation_csv
from aml_retrain.online._arm import decode_json, online_error
from aml_retrain.online._base import WorkspaceScope
from aml_retrain.online.names import check_resource
from aml_retrain.online.results import RunMetrics, as_object

__all__ = ["MetricsOps", "metrics_from_run", "tracking_base"]


def tracking_base(uri: str) -> str:
    """Return the https base of an ``azureml://`` (or https) MLflow tracking URI."""
    if uri.startswith("azureml://"):
        return "https://" + uri[len("azureml://"):].rstrip("/")
    if uri.startswith("https://"):
        return uri.rstrip("/")
    raise ValidationError(f"the workspace's mlFlowTrackingUri {uri!r} is neither azureml:// nor "
                          "https://: check the workspace")


def metrics_from_run(entries: Iterable[Any]) -> Metrics:
    """Map MLflow ``[{key, value, …}]`` to Metrics; ValidationError if no known metric is there.

    The pairs go through ``evaluation.parse_evaluation_csv`` itself (as a header and one row), so
    names, kinds and the keeping of unknown metrics are exactly the gate's for classic evaluations.
    """
    pairs = [(str(e["key"]), float(e["value"])) for e in entries
             if isinstance(e, dict) and e.get("key") and isinstance(e.get("value"), (int, float))
             and not isinstance(e.get("value"), bool)]
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow([name for name, _v in pairs])
    writer.writerow([repr(value) for _n, value in pairs])
    try:
        return parse_evaluation_csv(text.getvalue()) if pairs else _no_metric()
    except ValidationError:
        return _no_metric()


def _no_metric() -> Metrics:
    raise ValidationError("the job's MLflow run logged no known evaluation metric (expected e.g. "
                          "Accuracy, AUC or Mean Absolute Error): log one in the training script")


def _mlflow_hint(status: int) -> str:
    if status == 404:
        return "No MLflow run has that job's name: check the job name and that it logged metrics"
    if status in (401, 403):
        return "The tracking server refused the ARM token; check the credential's workspace role"
    return "Retry later and quote the request id" if status >= 500 else ""


class MetricsOps(WorkspaceScope):
    """MLflow reads of :class:`~aml_retrain.online.client.OnlineClient`."""

    _tracking: str | None = None

    def tracking_uri(self) -> str:
        """Return the workspace's MLflow tracking base (https), read once per client."""
        if self._tracking is None:
            props = self._arm.get(self.workspace_id).get("properties") or {}
            raw = props.get("mlFlowTrackingUri") if isinstance(props, dict) else None
            if not raw:
                raise ValidationError(f"workspace {self.workspace} has no mlFlowTrackingUri: it "
                                      "cannot report job metrics")
            self._tracking = tracking_base(str(raw))
        return self._tracking

    def run_metrics(self, job_name: str) -> RunMetrics:
        """GET the job's MLflow run and return its status and metrics."""
        url = (f"{self.tracking_uri()}/api/2.0/mlflow/runs/get?run_id="
               f"{quote(check_resource(job_name, 'job'), safe='')}")
        response = _http.request(self._session, "GET", url, token=self._arm.token(),
                                 timeout=self._arm.timeout, ok_statuses=range(300, 600))
        if response.status_code >= 300:
            raise online_error(response.status_code, dict(response.headers), response.content,
                               method="GET", url=url, hint=_mlflow_hint)
        body = decode_json(response.content)
        run = body.get("run") if isinstance(body, dict) else None
        if not isinstance(run, dict):
            raise ServiceError("the MLflow answer has no run", status_code=response.status_code,
                               url=url, method="GET")
        info = as_object(run.get("info"))
        data = as_object(run.get("data"))
        return RunMetrics(str(info.get("run_id") or job_name), str(info.get("status") or ""),
                          metrics_from_run(data.get("metrics") or []))
