"""Hostile values and input files for the CLI fuzz test (tests/cli/test_fuzz.py)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.offline import ACCOUNT, MODEL_URL, SVC, WORKSPACE

DEEP = 100_000
BLOB = f"https://{ACCOUNT}.blob.core.windows.net/models"

# name -> content (bytes); written fresh into each example's folder, since some commands edit
# or repair the files they are given.
FILES: dict[str, bytes] = {
    "deep.json": b"[" * DEEP + b"]" * DEEP,
    "deepobj.json": b'{"a":' * DEEP + b"1" + b"}" * DEEP,
    "deep.yaml": b"[" * DEEP + b"]" * DEEP,
    "empty.json": b"",
    "empty.yaml": b"",
    "blank.csv": b"\n\n",
    "null.json": b"null",
    "list.json": b"[1, 2, 3]",
    "string.yaml": b"just a string",
    "notjson.json": b"{not json",
    "binary.json": bytes(range(256)),
    "latin1.csv": "caf\xe9,x\n1,2\n".encode("latin-1"),
    "utf16.json": '{"a": 1}'.encode("utf-16"),
    "bigint.json": b'{"AUC": ' + b"9" * 5000 + b"}",
    "hugefloat.json": b'{"AUC": 1e400}',
    "nan.json": b'{"AUC": NaN, "Accuracy": Infinity}',
    "dupkeys.json": b'{"AUC": 0.5, "AUC": 0.9}',
    "tag.yaml": b"!!python/object/apply:os.system ['true']",
    "alias.yaml": b"a: &a [*a]",
    "bomb.yaml": b"a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
        f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]\n" for p, n in zip("abcdefgh", "bcdefghi")
    ).encode(),
    "tabs.yaml": b"a:\n\t- b",
    "metrics.json": b'{"AUC": 0.8, "Accuracy": 0.75}',
    "eval.csv": b"AUC,Accuracy\n0.8,0.75\n",
    "rows.csv": b"age,income\n39,50000\n",
    "rows.json": b'[{"age": 39, "income": 50000}]',
    "policy.yaml": b"rules:\n  - {metric: AUC, min: 0.7}\n",
    "badpolicy.yaml": b"rules:\n  - {metric: AUC, min: high}\n",
    "manifest.yaml": (
        f"version: 1\ntargets:\n  - target: classic:{SVC}/site-a\n    model_url: {BLOB}/m.ilearner\n"
    ).encode(),
    "manifest-bad.yaml": b"version: 1\ntargets:\n  - target: classic:\n    model_url: x\n",
    "definition.json": json.dumps({
        "name": "ws", "location": "westeurope",
        "properties": {"packageType": "Graph", "assets": {"a1": {
            "name": "m [trained model]", "type": "Resource",
            "locationInfo": {"uri": f"{BLOB}/old.ilearner"}}}},
    }).encode(),
    "plan.json": b'{"version": 1, "target": "classic:", "plan_hash": "x"}',
    "ledger.jsonl": b'{"seq": 1, "target": "classic:x/y"}\n{"seq": 2, "tar',
    "profile.json": json.dumps({"workspace_id": "nothex", "management_url": "http://x"}).encode(),
    "token.txt": b"\n",
    "model.ilearner": b"\x00model",
}
FOLDERS = ("folder",)

# Argument values: well-formed ones (so commands get past their first check) and hostile ones.
STRINGS = [
    "", " ", "-", "--", ".", "..", "/", "\t", "a b", "ünïcödé", "x" * 3000, "$(id)", "'; DROP",
    "-1", "0", "1", "3", "65", "1e309", "nan", "inf", "9" * 30, "0x10",
    SVC, SVC.upper(), "g" * 32, WORKSPACE[:31], "ep01", "default", "Bad_Name", "rg", "ws",
    "classic:", "classic:/", f"classic:{SVC}", f"classic:{SVC}/", f"classic:{SVC}/ep01",
    f"classic:{SVC}/ep01#", "arm:", "arm:/", "arm:rg/", "arm:rg/ws", "arm:rg/ws#", "other:x/y",
    MODEL_URL, f"{MODEL_URL}?se=notadate&sig=x", f"{MODEL_URL}?sv=2020-02-10&se=2099-01-01",
    f"{MODEL_URL}?se=2000-01-01T00:00:00Z&sig=x", "http://acct.blob.core.windows.net/m/x.ilearner",
    "https://user:pw@other.example/m.ilearner", "https://other.example:8443/m.ilearner",
    "https://[::1/x", "ftp://x/y", "az://", "az://c/", "az://c/ledger.jsonl",
    "/etc/x.csv", "../x.csv", "models//x", "job:", "job:nope", "NAME=VALUE", "=", "a=b=c",
    "/properties/package", "/properties/storageAccount", "not-a-pointer", "Low", "High", "Max",
    *FILES, *FOLDERS, "missing.json", "missing.yaml",
]
STDIN = ["", "\n", "token\n", f"{MODEL_URL}?sv=2020-02-10&se=2099-01-01T00:00:00Z&sig=abc\n",
         "not a url\n"]


def write_inputs(folder: Path) -> None:
    """Write every input file (and folder) into ``folder``."""
    for name, content in FILES.items():
        (folder / name).write_bytes(content)
    for name in FOLDERS:
        (folder / name).mkdir()
