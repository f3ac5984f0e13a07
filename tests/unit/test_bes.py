from __future__ import annotations

import json
import random
from typing import Any

import pytest

from aml_retrain.classic.bes import (
    BatchExecutionClient,
    BlobOutput,
    JobState,
    JobStatus,
)
from aml_retrain.errors import (
    AuthError,
    JobFailedError,
    OperationTimeoutError,
    ServiceError,
    ValidationError,
)

from .fakes import FakeAdapter, fake_session

API = "https://bes.test/workspaces/ws1/services/svc1"
JOBS = "/workspaces/ws1/services/svc1/jobs"
JOB = "539d0bc2fde945b6ac986b851d0000f0"
KEY = "endpoint-key-SECRET"
SIG = "sv=2015-02-21&sr=b&sig=OUTSIG%3D&se=2099-01-01T00%3A00%3A00Z&sp=r"


def bes(adapter: FakeAdapter) -> BatchExecutionClient:
    return BatchExecutionClient(API, KEY, session=fake_session(adapter))


# -- status ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (0, JobStatus.NOT_STARTED),
        (1, JobStatus.RUNNING),
        (2, JobStatus.FAILED),
        (3, JobStatus.CANCELLED),
        (4, JobStatus.FINISHED),
        ("0", JobStatus.NOT_STARTED),
        ("1", JobStatus.RUNNING),
        ("2", JobStatus.FAILED),
        ("3", JobStatus.CANCELLED),
        ("4", JobStatus.FINISHED),
        ("NotStarted", JobStatus.NOT_STARTED),
        ("Running", JobStatus.RUNNING),
        ("Failed", JobStatus.FAILED),
        ("Cancelled", JobStatus.CANCELLED),
        ("Finished", JobStatus.FINISHED),
        ("finished", JobStatus.FINISHED),
        (" Running ", JobStatus.RUNNING),
        ("Canceled", JobStatus.CANCELLED),
        (JobStatus.RUNNING, JobStatus.RUNNING),
    ],
)
def test_status_parse_accepts_every_form(raw: Any, expected: JobStatus) -> None:
    assert JobStatus.parse(raw) is expected


@pytest.mark.parametrize("raw", [5, -1, "5", "Done", "", None, True, 1.0, "STATUS_CODE"])
def test_status_parse_rejects_unknown(raw: Any) -> None:
    with pytest.raises(ValidationError, match="unknown job status"):
        JobStatus.parse(raw)


def test_terminal_and_succeeded() -> None:
    assert [s.terminal for s in JobStatus] == [False, False, True, True, True]
    assert [s.succeeded for s in JobStatus] == [False, False, False, False, True]
    assert JobStatus.FINISHED == "Finished"


# -- results --------------------------------------------------------------------------------


def ref(
    relative: str, base: str = "https://acct.blob.core.windows.net/", sas: str = f"?{SIG}"
) -> dict[str, Any]:
    return {"ConnectionString": None, "BaseLocation": base, "RelativeLocation": relative, "SasBlobToken": sas}


@pytest.mark.parametrize(
    "body",
    [
        {"StatusCode": "Running", "Results": None, "Details": None},
        {"StatusCode": 1},
        {"StatusCode": "1", "Result": "RESULT", "Details": None},
    ],
)
def test_results_null_missing_or_template(body: dict[str, Any]) -> None:
    state = JobState.from_api(JOB, body)
    assert state.status is JobStatus.RUNNING
    assert state.outputs == {}
    assert state.details is None


def test_singular_result_and_status_code_typo() -> None:
    state = JobState.from_api(JOB, {"Status Code": "Finished", "Result": {"output1": ref("c/m.ilearner")}})
    assert state.status is JobStatus.FINISHED
    assert list(state.outputs) == ["output1"]


def test_reference_final_response_parses() -> None:
    from pathlib import Path

    path = Path("/work/shared/reference/classic/response.final.json")
    if not path.exists():
        pytest.skip("reference capture not available")
    state = JobState.from_api(JOB, json.loads(path.read_text(encoding="utf-8-sig")))
    assert state.status is JobStatus.FINISHED
    assert list(state.outputs) == ["model", "performance", "trained", "setup"]
    assert state.model_output() == state.outputs["model"]


@pytest.mark.parametrize(
    ("base", "relative"),
    [
        ("https://a.blob.core.windows.net/", "c/m.ilearner"),
        ("https://a.blob.core.windows.net", "c/m.ilearner"),
        ("https://a.blob.core.windows.net/", "/c/m.ilearner"),
        ("https://a.blob.core.windows.net//", "//c/m.ilearner"),
    ],
)
def test_url_join_uses_exactly_one_slash(base: str, relative: str) -> None:
    out = BlobOutput.from_api("output1", ref(relative, base=base))
    assert out.url_without_sas == "https://a.blob.core.windows.net/c/m.ilearner"
    assert out.url == f"https://a.blob.core.windows.net/c/m.ilearner?{SIG}"
    assert out.is_model


def test_sas_without_question_mark_and_no_sas() -> None:
    assert BlobOutput("o", "https://a/", "c/x.csv", SIG).url == f"https://a/c/x.csv?{SIG}"
    plain = BlobOutput("o", "https://a/", "c/x.CSV")
    assert plain.url == "https://a/c/x.CSV" and not plain.is_model


def test_output_dict_and_repr_hide_the_signature() -> None:
    out = BlobOutput.from_api("output1", {**ref("c/m.ilearner"), "ConnectionString": "AccountKey=CSKEY"})
    text = (
        json.dumps(out.to_dict())
        + repr(out)
        + json.dumps(JobState(JOB, JobStatus.FINISHED, {"o": out}).to_dict())
    )
    assert "OUTSIG" not in text and "CSKEY" not in text
    assert out.to_dict()["url"].startswith("https://acct.blob.core.windows.net/c/m.ilearner?")


def test_details_are_redacted() -> None:
    state = JobState.from_api(JOB, {"StatusCode": 2, "Details": "bad blob AccountKey=LEAKED;x"})
    assert state.details is not None and "LEAKED" not in state.details


def test_non_object_body_is_rejected() -> None:
    with pytest.raises(ValidationError, match="not a JSON object"):
        JobState.from_api(JOB, ["Finished"])


# -- client ---------------------------------------------------------------------------------

REQUEST = {
    "GlobalParameters": {"Label column": "income"},
    "Inputs": {"input1": {"ConnectionString": "cs", "RelativeLocation": "c/train.csv"}},
    "Outputs": {
        "output1": {"ConnectionString": "cs", "RelativeLocation": "c/o/model.ilearner"},
        "output2": {"ConnectionString": "cs", "RelativeLocation": "c/o/eval.csv"},
    },
}


def test_submit_sends_exact_body_and_strips_quotes(adapter: FakeAdapter) -> None:
    adapter.add("POST", JOBS, text=f'"{JOB}"')
    assert bes(adapter).submit(REQUEST) == JOB
    assert adapter.calls() == [("POST", f"{JOBS}?api-version=2.0")]
    assert json.loads(adapter.requests[0].body or b"") == REQUEST
    assert adapter.requests[0].headers["Authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize(("status", "code", "sent"), [
    (429, "TooManyRequests", 2), (503, "RequestThrottled", 2), (503, "ServiceUnavailable", 1),
])
def test_submit_is_sent_again_only_when_the_answer_says_not_processed(
    adapter: FakeAdapter, monkeypatch: pytest.MonkeyPatch, status: int, code: str, sent: int
) -> None:
    from aml_retrain import _http

    monkeypatch.setattr(_http, "_sleep", lambda _s: None)
    adapter.add("POST", JOBS, status=status, headers={"Retry-After": "1"},
                json={"error": {"code": code, "message": "busy"}})
    adapter.add("POST", JOBS, text=f'"{JOB}"')
    if sent == 2:
        assert bes(adapter).submit(REQUEST) == JOB
    else:  # a bare 503 may have created the job: a second submit would make another
        with pytest.raises(ServiceError):
            bes(adapter).submit(REQUEST)
    assert len(adapter.requests) == sent


def test_submit_accepts_bare_id(adapter: FakeAdapter) -> None:
    adapter.add("POST", JOBS, text=JOB)
    assert bes(adapter).submit(REQUEST) == JOB


def test_submit_without_id_is_a_service_error(adapter: FakeAdapter) -> None:
    adapter.add("POST", JOBS, text='{"x": 1}')
    with pytest.raises(ServiceError, match="no job id"):
        bes(adapter).submit(REQUEST)


def test_submit_validates_before_sending(adapter: FakeAdapter) -> None:
    bad = {"Inputs": {"input1": {"ConnectionString": "cs", "RelativeLocation": "c/train.xlsx"}}}
    with pytest.raises(ValidationError, match="input 'input1'"):
        bes(adapter).submit(bad)
    assert adapter.requests == []


def test_start_get_cancel_urls(adapter: FakeAdapter) -> None:
    adapter.add("POST", f"{JOBS}/{JOB}/start", status=204)
    adapter.add(
        "GET", f"{JOBS}/{JOB}", json={"StatusCode": "Finished", "Results": {"output1": ref("c/m.ilearner")}}
    )
    adapter.add("DELETE", f"{JOBS}/{JOB}", status=204)
    client = bes(adapter)
    client.start(JOB)
    state = client.get(JOB)
    client.cancel(JOB)
    assert adapter.calls() == [
        ("POST", f"{JOBS}/{JOB}/start?api-version=2.0"),
        ("GET", f"{JOBS}/{JOB}?api-version=2.0"),
        ("DELETE", f"{JOBS}/{JOB}?api-version=2.0"),
    ]
    assert state.status is JobStatus.FINISHED and state.outputs["output1"].is_model


def test_swagger_none_on_404_and_bom_tolerated(adapter: FakeAdapter) -> None:
    adapter.add("GET", "/workspaces/ws1/services/svc1/swagger.json", status=404)
    adapter.add("GET", "/workspaces/ws1/services/svc1/swagger.json", text='\ufeff{"definitions": {}}')
    client = bes(adapter)
    assert client.swagger() is None
    assert client.swagger() == {"definitions": {}}


def test_bad_job_id_is_rejected_before_any_request(adapter: FakeAdapter) -> None:
    with pytest.raises(ValidationError, match="invalid job id"):
        bes(adapter).get("../x")
    assert adapter.requests == []


def test_auth_error_keeps_key_out(adapter: FakeAdapter) -> None:
    adapter.add(
        "GET",
        f"{JOBS}/{JOB}",
        status=401,
        json={"error": {"code": "Unauthorized", "message": "Invalid credentials provided."}},
    )
    with pytest.raises(AuthError) as info:
        bes(adapter).get(JOB)
    assert KEY not in str(info.value) and KEY not in repr(info.value)
    assert KEY not in repr(bes(adapter))


def test_client_rejects_non_http_location() -> None:
    with pytest.raises(ValidationError, match="https://"):
        BatchExecutionClient("bes.test/x", KEY)


# -- poller ---------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


class SimulatedJob(BatchExecutionClient):
    """A job that runs for ``duration`` seconds of the fake clock, then ends ``final``."""

    def __init__(self, clock: Clock, duration: float, final: dict[str, Any]) -> None:
        super().__init__(API, KEY, session=fake_session(FakeAdapter()))
        self.clock, self.duration, self.final = clock, duration, final
        self.gets = 0

    def get(self, job_id: str) -> JobState:
        self.gets += 1
        if self.clock.now < self.duration:
            return JobState.from_api(job_id, {"StatusCode": 1 if self.clock.now else 0})
        return JobState.from_api(job_id, self.final)


FINISHED = {"StatusCode": 4, "Results": {"output1": ref("c/m.ilearner")}}


def test_backoff_grows_to_the_cap_with_bounded_jitter() -> None:
    clock = Clock()
    rng = random.Random(7)
    job = SimulatedJob(clock, 200, FINISHED)
    poller = job.begin_wait(JOB, budget=1000, clock=clock, sleep=clock.sleep, rng=rng.random)
    poller.result()
    bases = [min(15.0, 2.0**n) for n in range(len(clock.sleeps))]
    for delay, base in zip(clock.sleeps, bases):
        assert base / 2 <= delay <= base
    assert max(clock.sleeps) <= 15.0
    assert clock.sleeps[0] <= 1.0
    assert poller.delays == clock.sleeps


def test_backoff_is_non_decreasing_for_a_fixed_jitter() -> None:
    clock = Clock()
    job = SimulatedJob(clock, 120, FINISHED)
    job.begin_wait(JOB, clock=clock, sleep=clock.sleep, rng=lambda: 0.5).result()
    assert clock.sleeps == sorted(clock.sleeps)
    assert clock.sleeps[:5] == [0.75, 1.5, 3.0, 6.0, 11.25]
    assert set(clock.sleeps[4:]) == {11.25}


@pytest.mark.parametrize("jitter", [0.0, 0.5, 0.999])
def test_a_60_second_job_takes_at_most_15_polls(jitter: float) -> None:
    clock = Clock()
    job = SimulatedJob(clock, 60, FINISHED)
    poller = job.begin_wait(JOB, clock=clock, sleep=clock.sleep, rng=lambda: jitter)
    state = poller.result()
    assert state.status is JobStatus.FINISHED
    assert poller.polls == job.gets <= 15
    assert poller.done() and poller.polls == job.gets  # no extra GET once terminal


def test_budget_exhaustion_cancels_and_says_how_to_run_again(adapter: FakeAdapter) -> None:
    adapter.add("GET", f"{JOBS}/{JOB}", json={"StatusCode": "Running"}, times=None)
    adapter.add("DELETE", f"{JOBS}/{JOB}", status=204)
    clock = Clock()
    poller = bes(adapter).begin_wait(JOB, budget=30, clock=clock, sleep=clock.sleep, rng=lambda: 1.0)
    with pytest.raises(OperationTimeoutError) as info:
        poller.result()
    assert adapter.calls()[-1] == ("DELETE", f"{JOBS}/{JOB}?api-version=2.0")
    assert sum(clock.sleeps) == pytest.approx(30)
    message = str(info.value)
    # Issue 13 item 9: a cancelled job cannot be resumed, so the message never says to.
    assert JOB in message and "it was cancelled" in message and "larger --timeout" in message
    assert f"jobs wait {JOB}" not in message and "resume" not in message.lower()


def test_budget_exhaustion_without_cancel_sends_no_delete(adapter: FakeAdapter) -> None:
    adapter.add("GET", f"{JOBS}/{JOB}", json={"StatusCode": "Running"}, times=None)
    clock = Clock()
    poller = bes(adapter).begin_wait(JOB, budget=10, cancel_on_timeout=False, clock=clock, sleep=clock.sleep)
    with pytest.raises(OperationTimeoutError, match="still queued or running; resume waiting "
                       f"with: aml-retrain jobs wait {JOB}"):
        poller.result()
    assert all(m == "GET" for m, _ in adapter.calls())


def test_a_failed_cancel_says_the_job_may_still_run(adapter: FakeAdapter) -> None:
    adapter.add("GET", f"{JOBS}/{JOB}", json={"StatusCode": "Running"}, times=None)
    adapter.add("DELETE", f"{JOBS}/{JOB}", status=500, times=None)
    clock = Clock()
    poller = bes(adapter).begin_wait(JOB, budget=10, clock=clock, sleep=clock.sleep)
    with pytest.raises(OperationTimeoutError, match="cancelling it failed too") as info:
        poller.result()
    assert f"aml-retrain jobs cancel {JOB}" in str(info.value)


def test_result_timeout_does_not_cancel(adapter: FakeAdapter) -> None:
    adapter.add("GET", f"{JOBS}/{JOB}", json={"StatusCode": "Running"}, times=None)
    clock = Clock()
    poller = bes(adapter).begin_wait(JOB, budget=100, clock=clock, sleep=clock.sleep)
    with pytest.raises(OperationTimeoutError, match="in the time given"):
        poller.result(timeout=5)
    assert all(m == "GET" for m, _ in adapter.calls())
    assert clock.now == pytest.approx(5)


def test_failed_job_raises_with_details() -> None:
    clock = Clock()
    job = SimulatedJob(
        clock, 3, {"StatusCode": "Failed", "Details": "Error 0018: Dataset contains invalid data"}
    )
    with pytest.raises(JobFailedError) as info:
        job.begin_wait(JOB, clock=clock, sleep=clock.sleep).result()
    assert info.value.details == "Error 0018: Dataset contains invalid data"
    assert info.value.job_id == JOB and info.value.status == "Failed"
    assert "Error 0018" in str(info.value) and info.value.exit_code == 1


def test_cancelled_job_raises_job_failed_saying_cancelled() -> None:
    clock = Clock()
    job = SimulatedJob(clock, 0, {"StatusCode": 3})
    with pytest.raises(JobFailedError, match="cancelled"):
        job.begin_wait(JOB, clock=clock, sleep=clock.sleep).result()
    assert clock.sleeps == []


def test_status_and_on_update() -> None:
    clock = Clock()
    seen: list[str] = []
    job = SimulatedJob(clock, 2, FINISHED)
    poller = job.begin_wait(
        JOB, clock=clock, sleep=clock.sleep, on_update=lambda s: seen.append(s.status.value)
    )
    assert poller.status() is JobStatus.NOT_STARTED and not poller.done()
    assert poller.polls == 2
    poller.result()
    assert seen[0] == "NotStarted" and seen[-1] == "Finished"
    assert len(seen) == poller.polls


@pytest.mark.parametrize("kw", [{"budget": 0}, {"initial": 0}, {"initial": 5, "maximum": 1}])
def test_begin_wait_rejects_bad_settings(adapter: FakeAdapter, kw: dict[str, float]) -> None:
    with pytest.raises(ValidationError):
        bes(adapter).begin_wait(JOB, **kw)
