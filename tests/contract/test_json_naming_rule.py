"""The naming checker itself: what it flags and where it stops (tests/contract/json_naming.py)."""

from __future__ import annotations

from tests.contract.json_naming import naming_problems


def test_tool_built_pascal_and_camel_case_are_flagged() -> None:
    old_upload = {"Url": "https://a/c/b", "Container": "c", "Blob": "b", "Size": 1}
    assert naming_problems(("storage", "upload"), old_upload) == ["Url", "Container", "Blob", "Size"]
    assert naming_problems(("promote",), {"entry": {"ledgerSeq": 1}}) == ["entry.ledgerSeq"]


def test_service_objects_and_data_keys_are_left_alone() -> None:
    endpoint = {"Name": "ep", "Resources": [{"Location": {"BaseLocation": "x"}}]}
    assert naming_problems(("classic", "endpoints", "show"), endpoint) == []
    assert naming_problems(("classic", "endpoints", "list"), [endpoint]) == []
    change = {"before": endpoint, "body": {"Resources": []}, "backup_path": "/b"}
    assert naming_problems(("classic", "endpoints", "set-model"), change) == []
    job = {"metrics": {"kind": "binary", "values": {"Average Log Loss": 0.3}},
           "outputs": {"output1": {"url_without_sas": "u", "IsModel": True}}}
    # metric and output names are data; what we put inside each output is still ours
    assert naming_problems(("classic", "retrain"), job) == ["outputs.output1.IsModel"]


def test_online_traffic_maps_are_keyed_by_deployment_names_only_where_the_contract_says() -> None:
    row = {"name": "census-online", "traffic": {"census-model-v2": 100}, "mirror_traffic": {}}
    assert naming_problems(("online", "endpoints", "list"), [row]) == []
    assert naming_problems(("online", "endpoints", "show"), row) == []
    retrained = {"job_id": "j", "metrics": {"F-Score": 0.7, "Accuracy": 0.8}}
    assert naming_problems(("online", "retrain"), retrained) == []
    # elsewhere the same keys are still ours, and flagged
    assert naming_problems(("online", "deployments", "show"), {"census-model-v2": 1}) == [
        "census-model-v2"]
    assert naming_problems(("classic", "retrain"), retrained) == ["metrics.F-Score",
                                                                  "metrics.Accuracy"]
