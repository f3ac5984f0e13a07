"""What classic and ARM targets share: a model is an ``.ilearner`` blob, recorded without SAS."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from aml_retrain.errors import AmlRetrainError, ConfigError, NotFoundError, ValidationError
from aml_retrain.promotion.kinds import JsonObject, Target, strip_sas

if TYPE_CHECKING:
    from aml_retrain._scoring import ScoringClient
    from aml_retrain.evaluation import Metrics
    from aml_retrain.promotion.context import PromotionContext
    from aml_retrain.promotion.health import Probe, ProbeResult

__all__ = ["BlobModels", "rrs_probe"]


@lru_cache(maxsize=256)
def _model_key(bare: str) -> str:
    # Pure (no SAS, so no expiry check) and asked for twice per target of a fan-out; errors are
    # not cached, a bad URL raises every time.
    from aml_retrain._blobs import parse_model_url

    return parse_model_url(bare).url_without_sas


class BlobModels:
    """Model handling of kinds whose model is a blob URL: validation, fingerprint, rollback check."""

    def model_key(self, target: Target, model: str) -> str:
        """Return a model URL as the ledger records it: validated ``.ilearner`` URL, no SAS."""
        return _model_key(strip_sas(model))

    def model_from_job(self, target: Target, context: PromotionContext, job_id: str,
                       training_service: str | None,
                       *, want_metrics: bool) -> tuple[str, Metrics | None]:
        """The job's trained-model output with a fresh SAS: a BES job of a training web service."""
        from aml_retrain.classic.retrain import model_url_from_job

        if context.journal is None:
            raise ValidationError(f"job {job_id}: the job journal is needed to look the job up")
        services = context.clients.training()
        url = model_url_from_job(services, job_id, journal=context.journal, service_id=training_service)
        return url, self.job_metrics(target, context, job_id, training_service) if want_metrics else None

    needs_training_service = True  # the model comes out of a training web service's BES job
    # A PATCH switches the one endpoint in place: there is nothing to score before the switch.
    smoke_scores = False
    # One endpoint serves one model: there is no split to step (the canary is a whole endpoint).
    traffic_steps = False

    def retrain(self, target: Target, context: PromotionContext, data: str,
                training_service: str | None, *, budget: float) -> tuple[str, Metrics | None]:
        """Run the training service's BES job on ``data`` (uploaded first if local), as retrain does."""
        from aml_retrain.classic.retrain import retrain

        conn = context.clients.storage_connection_string
        if not conn:
            raise ConfigError("retraining needs AML_RETRAIN_STORAGE_CONNECTION_STRING (data and "
                              "outputs live in that account)")
        if context.journal is None:
            raise ValidationError("retraining needs the job journal to record the BES job")
        if training_service is None:
            raise ValidationError(f"retraining {target} needs training_service (the training web "
                                  "service's id)")
        result = retrain(context.clients.training(), training_service, data,
                         storage_connection_string=conn, journal=context.journal, budget=budget)
        return result.job_id, result.metrics

    def job_metrics(self, target: Target, context: PromotionContext, job_id: str,
                    training_service: str | None) -> Metrics | None:
        """The evaluation output of a BES job of a training web service (None without one)."""
        from aml_retrain.classic.retrain import job_status

        if context.journal is None:
            raise ValidationError(f"job {job_id}: the job journal is needed to look the job up")
        return job_status(context.clients.training(), job_id, journal=context.journal,
                          service_id=training_service).metrics

    def fresh_model(self, target: Target, planned: str, context: PromotionContext,
                    from_job: Callable[[], str] | None) -> str:
        """The planned URL as is: the service reads the blob through its own account."""
        return planned

    def fingerprint_of(self, target: Target, context: PromotionContext, model: str,
                    key: str) -> tuple[JsonObject, list[str]]:
        """Return ``{size, etag, sha256}`` of the model blob; a missing blob is refused."""
        from aml_retrain.promotion.ledger import model_fingerprint as blob_digest

        cached = context.caches.get("fingerprints", key)
        if cached is not None:
            return dict(cached), []
        conn = context.clients.storage_connection_string
        # A SAS in the URL was issued for exactly this blob (maybe in another account); it is not kept.
        use_sas = "?" in model or not conn
        try:
            digest = dict(blob_digest(None if use_sas else conn, model if use_sas else key))
            context.caches.put("fingerprints", key, digest)
            return dict(digest), []
        except NotFoundError:
            raise ValidationError(
                f"model blob {key} does not exist: check the URL, or that the job's output "
                "was not deleted; nothing was changed"
            ) from None
        except ValidationError:
            raise  # e.g. a bare URL on another host: refused before anything is sent
        except AmlRetrainError as exc:
            # The deploy itself does not need it; an audit gap is reported, not fatal.
            return {"size": None, "etag": None, "sha256": None}, [
                f"could not fingerprint {key} ({exc}); recorded without size/etag/sha256"]

    def check_restorable(self, target: Target, context: PromotionContext, key: str,
                         chosen: Mapping[str, Any]) -> JsonObject:
        """Refuse a rollback to a blob that is gone or no longer holds the recorded bytes."""
        from aml_retrain import storage
        from aml_retrain.promotion.ledger import model_fingerprint as blob_digest

        conn = context.clients.storage_connection_string
        seq = chosen.get("seq")
        if not conn:
            raise ConfigError(
                f"rolling back checks that {key} still exists: set the storage connection string "
                "(AML_RETRAIN_STORAGE_CONNECTION_STRING) of the account holding it"
            )
        gone = ValidationError(
            f"the model of ledger entry #{seq}, {key}, no longer exists; nothing was changed "
            "(pick another entry with --to)"
        )
        try:
            if not storage.blob_exists(conn, key):
                raise gone
            blob = dict(blob_digest(conn, key))
        except NotFoundError:
            raise gone from None
        recorded = chosen.get("blob")
        was = recorded.get("sha256") if isinstance(recorded, Mapping) else None
        if was and blob.get("sha256") and was != blob["sha256"]:
            raise ValidationError(
                f"{key} was overwritten since ledger entry #{seq} (sha256 {was[:12]}… recorded, "
                f"{str(blob['sha256'])[:12]}… now): it is not the model that served then; "
                "nothing was changed"
            )
        return blob


def rrs_probe(open_client: Callable[[], ScoringClient], probe: Probe, deployment: str | None,
              clock: Callable[[], float]) -> ProbeResult:
    """Score each probe row through an RRS endpoint; a client that cannot be built fails every row."""
    from aml_retrain._scoring import predict_row
    from aml_retrain.promotion.health import ProbeResult, run_probe

    if deployment is not None:
        raise ValidationError("a Request-Response endpoint serves one model: there is no "
                              "deployment to pick")
    try:
        client = open_client()
    except AmlRetrainError as exc:
        return ProbeResult.failed(len(probe.rows), exc)
    with client:
        return run_probe(lambda row: predict_row(client, row), probe, clock=clock)
