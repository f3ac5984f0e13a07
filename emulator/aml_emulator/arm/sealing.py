"""Encrypted credential parameters of graph nodes, as ARM keeps them (PSREC2).

The real service stores a node's credential parameters (``Account Key`` of Import/Export Data)
encrypted with a certificate of its own: a GET shows ``{"value": <base64 PKCS#7 EnvelopedData>,
"certificateThumbprint": <SHA-1, 40 hex>}``, and **every write encrypts them again**: in PSREC2
the ``Account Key`` ciphertext differs after a PATCH that changed only the description and the
thumbprint stays. A client may send the value back as it read it (any earlier ciphertext of
this service) or as plain text.

The emulator's certificate is a random key per start (a reset keeps it, like the ARM token).
A sealed value is a DER ``ContentInfo`` with the ``envelopedData`` OID wrapping
``nonce || ciphertext || tag`` (SHA-256 keystream, HMAC-SHA-256 tag): the shape of the real
value and tamper-evident, not real PKCS#7 and no protection worth the name.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from typing import Any

__all__ = ["CREDENTIAL_PARAMETERS", "ParameterSealer"]

# Credential-typed module parameters the service encrypts even when sent in plain text:
# "Account Key" is the one recorded (PSREC2); "Password" (Import/Export Data's SQL forms) is
# inferred from the same module family.
CREDENTIAL_PARAMETERS = frozenset({"account key", "password"})
_ENVELOPED_DATA_OID = bytes.fromhex("06092a864886f70d010703")  # 1.2.840.113549.1.7.3
_NONCE, _TAG = 16, 32
Problem = dict[str, str]


def _der(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + content


class ParameterSealer:
    """Encrypts (seals) and decrypts (opens) node parameter values with this start's key."""

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or secrets.token_bytes(32)
        # A certificate thumbprint is a SHA-1 by definition (40 hex digits); nothing relies on it.
        digest = hashlib.sha1(b"aml-emulator-certificate" + self._key, usedforsecurity=False)
        self.thumbprint = digest.hexdigest().upper()

    def _stream(self, nonce: bytes, size: int) -> bytes:
        blocks = (size + 31) // 32
        return b"".join(hashlib.sha256(self._key + nonce + i.to_bytes(4, "big")).digest()
                        for i in range(blocks))[:size]

    def seal(self, plaintext: str) -> str:
        """A new ciphertext of *plaintext* (a fresh nonce every time)."""
        nonce = secrets.token_bytes(_NONCE)
        data = plaintext.encode("utf-8")
        body = nonce + bytes(a ^ b for a, b in zip(data, self._stream(nonce, len(data)),
                                                   strict=True))
        tag = hmac.new(self._key, body, hashlib.sha256).digest()
        content = _der(0x30, _ENVELOPED_DATA_OID + _der(0xA0, _der(0x04, body + tag)))
        return base64.b64encode(content).decode("ascii")

    def open(self, value: Any) -> str | None:
        """The plain text of a value this sealer made, else ``None``."""
        if not isinstance(value, str):
            return None
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return None
        start = raw.find(_ENVELOPED_DATA_OID)
        inner = raw[start + len(_ENVELOPED_DATA_OID):] if start > 0 else b""
        # Skip the [0] and OCTET STRING headers: their lengths are what is left.
        for _ in range(2):
            if len(inner) < 2:
                return None
            width = inner[1] & 0x7F if inner[1] & 0x80 else 0
            inner = inner[2 + width:]
        body, tag = inner[:-_TAG], inner[-_TAG:]
        if len(body) < _NONCE or not hmac.compare_digest(
                tag, hmac.new(self._key, body, hashlib.sha256).digest()):
            return None
        nonce, data = body[:_NONCE], body[_NONCE:]
        plain = bytes(a ^ b for a, b in zip(data, self._stream(nonce, len(data)), strict=True))
        try:
            return plain.decode("utf-8")
        except UnicodeDecodeError:
            return None

    def reseal(self, properties: dict[str, Any],
               previous: Mapping[str, Any] | None = None) -> list[Problem]:
        """Encrypt every credential parameter of ``properties.package.nodes`` anew, in place.

        A parameter is a credential when it arrives with a thumbprint, was stored encrypted
        before (*previous*), or has a credential name. Values that carry a thumbprint must be
        this service's ciphertext; the problems (400 details) list those that are not."""
        problems: list[Problem] = []
        for node_id, node in _nodes(properties).items():
            known = _nodes(previous or {}).get(node_id) or {}
            for name, parameter in (node.get("parameters") or {}).items():
                before = (known.get("parameters") or {}).get(name)
                sealed = self._reseal_one(name, parameter, before)
                if isinstance(sealed, dict):
                    node["parameters"][name] = sealed
                elif sealed is not None:
                    problems.append({
                        "code": "InvalidEncryptedParameter",
                        "target": f"properties.package.nodes.{node_id}.parameters['{name}']",
                        "message": sealed})
        return problems

    def _reseal_one(self, name: str, parameter: Any, before: Any) -> dict[str, str] | str | None:
        if not isinstance(parameter, dict):
            return None
        value, thumbprint = parameter.get("value"), parameter.get("certificateThumbprint")
        if thumbprint:
            if str(thumbprint).upper() != self.thumbprint:
                # Not documented how the service answers; our choice: 400 with this detail.
                return (f"Parameter '{name}' is encrypted with certificate {str(thumbprint)[:40]}, "
                        "which this service does not hold: send the value the GET returned, "
                        "or the plain text with an empty certificateThumbprint.")
            plain = self.open(value)
            if plain is None:
                return f"Parameter '{name}' could not be decrypted."
        elif (isinstance(before, dict) and before.get("certificateThumbprint")) or \
                name.lower() in CREDENTIAL_PARAMETERS:
            if not isinstance(value, str):
                return None
            plain = value
        else:
            return None
        return {"value": self.seal(plain), "certificateThumbprint": self.thumbprint}


def _nodes(properties: Mapping[str, Any]) -> dict[str, Any]:
    package = properties.get("package")
    nodes = package.get("nodes") if isinstance(package, dict) else None
    return nodes if isinstance(nodes, dict) else {}
