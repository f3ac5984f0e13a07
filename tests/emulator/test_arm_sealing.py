"""ARM credential node parameters: encrypted at rest, encrypted anew on every write (PSREC2)."""

from __future__ import annotations

import base64
import copy
import re
from typing import Any

from aml_emulator import EmulatorServer
from aml_emulator.arm.sealing import ParameterSealer

from .arm_support import ArmApi, assert_arm_error, definition

TITLE_PATCH = {"properties": {"packageType": "Graph", "title": "Renamed"}}
ENVELOPED_DATA_OID = bytes.fromhex("06092a864886f70d010703")


def account_key(doc: dict[str, Any]) -> dict[str, str]:
    key: dict[str, str] = doc["properties"]["package"]["nodes"]["node6"]["parameters"][
        "Account Key"]
    return key


def seed_plaintext(arm: ArmApi) -> str:
    return str(arm.stored()["properties"]["storageAccount"]["key"])  # the seed used this key


def assert_sealed(parameter: dict[str, str]) -> None:
    raw = base64.b64decode(parameter["value"], validate=True)
    assert raw[0] == 0x30 and ENVELOPED_DATA_OID in raw[:20]  # DER ContentInfo, envelopedData
    assert re.fullmatch(r"[0-9A-F]{40}", parameter["certificateThumbprint"])


def test_get_shows_credentials_encrypted_and_other_parameters_plain(
    arm: ArmApi, server: EmulatorServer
) -> None:
    doc = arm.get()
    sealed = account_key(doc)
    assert_sealed(sealed)
    assert sealed["certificateThumbprint"] == server.app.arm.sealer.thumbprint
    assert seed_plaintext(arm) not in arm.call("GET", doc["id"]).text
    name = doc["properties"]["package"]["nodes"]["node6"]["parameters"]["Account Name"]
    assert name == {"value": "devstoreaccount1", "certificateThumbprint": ""}
    assert server.app.arm.sealer.open(sealed["value"]) == seed_plaintext(arm)
    assert account_key(arm.get()) == sealed  # stable between writes


def test_every_write_encrypts_again_even_without_package(arm: ArmApi, server: EmulatorServer) -> None:
    first = account_key(arm.get())
    arm.patch_done(TITLE_PATCH)
    second = account_key(arm.get())
    assert second["value"] != first["value"]
    assert second["certificateThumbprint"] == first["certificateThumbprint"]
    # A whole (older) GET document sent back: its stale ciphertext is accepted and sealed anew.
    stale = definition(arm.get())
    account_key(stale)["value"] = first["value"]
    assert arm.patch_done(stale)["status"] == "Succeeded"
    third = account_key(arm.get())
    assert third["value"] not in (first["value"], second["value"])
    assert server.app.arm.sealer.open(third["value"]) == seed_plaintext(arm)


def test_first_patch_drops_an_empty_parameters_object(arm: ArmApi) -> None:
    assert arm.get()["properties"]["parameters"] == {}
    arm.patch_done(TITLE_PATCH)
    assert "parameters" not in arm.get()["properties"]
    # Sending it back (a whole exported definition carries it) does not bring it back.
    arm.patch_done({"properties": {"packageType": "Graph", "parameters": {}}})
    assert "parameters" not in arm.get()["properties"]


def test_plain_text_credential_is_stored_encrypted(arm: ArmApi, server: EmulatorServer) -> None:
    body = {"properties": {"packageType": "Graph", "package": {"nodes": {"node6": {"parameters": {
        "Account Key": {"value": "a-new-plain-key", "certificateThumbprint": ""}}}}}}}
    arm.patch_done(body)
    sealed = account_key(arm.get())
    assert_sealed(sealed)
    assert server.app.arm.sealer.open(sealed["value"]) == "a-new-plain-key"
    assert "a-new-plain-key" not in str(arm.stored())


def test_foreign_or_tampered_ciphertext_is_refused_and_changes_nothing(arm: ArmApi) -> None:
    before = arm.get()
    sealed = account_key(before)
    for value, thumbprint in ((sealed["value"], "AB5C39DB612421C3A3870692316EB19F25BCDE70"),
                              (sealed["value"][:-8] + "AAAAAAA=", sealed["certificateThumbprint"])):
        body = copy.deepcopy(definition(before))
        account_key(body).update(value=value, certificateThumbprint=thumbprint)
        error = assert_arm_error(arm.patch(body), 400, "BadRequest", "InvalidEncryptedParameter")
        assert error["target"] == "properties.package.nodes.node6.parameters['Account Key']"
    assert arm.get() == before


def test_sealer_round_trip_is_fresh_each_time_and_tamper_evident() -> None:
    sealer, other = ParameterSealer(), ParameterSealer()
    one, two = sealer.seal("secret ✓"), sealer.seal("secret ✓")
    assert one != two and sealer.open(one) == sealer.open(two) == "secret ✓"
    assert other.open(one) is None and other.thumbprint != sealer.thumbprint
    raw = bytearray(base64.b64decode(one))
    raw[-40] ^= 1
    assert sealer.open(base64.b64encode(bytes(raw)).decode()) is None
    assert sealer.open("not base64!") is None and sealer.open(42) is None
    long_text = "k" * 300  # long DER lengths
    assert sealer.open(sealer.seal(long_text)) == long_text
