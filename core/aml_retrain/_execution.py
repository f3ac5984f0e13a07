"""What the BES and RRS clients share: one endpoint's execution API, reached with its API key."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, ClassVar, TypeVar

from aml_retrain import _http
from aml_retrain.errors import ValidationError

if TYPE_CHECKING:
    import requests

_C = TypeVar("_C", bound="ExecutionApiClient")


class ExecutionApiClient:
    """Base for clients of ``{ApiLocation}/…``: validated location, hidden key, owned session."""

    default_timeout: ClassVar[float] = 30.0

    def __init__(
        self,
        api_location: str,
        api_key: str,
        *,
        session: requests.Session | None = None,
        timeout: float | None = None,
        ca_bundle: str | None = None,
    ) -> None:
        # The endpoint key goes with every call: never over plain http.
        if not api_location.startswith("https://"):
            raise ValidationError(
                "the endpoint's ApiLocation must start with https:// "
                "(take it from aml-retrain classic endpoints show)"
            )
        if not api_key:
            raise ValidationError("no API key for the endpoint: the management API returned none")
        self.api_location = api_location.rstrip("/")
        self._key = api_key
        self.timeout = self.default_timeout if timeout is None else timeout
        self._owns_session = session is None
        self._session = session if session is not None else _http.make_session(ca_bundle=ca_bundle)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(api_location={self.api_location!r}, api_key='<hidden>')"

    def close(self) -> None:
        """Close the session if this client created it."""
        if self._owns_session:
            self._session.close()

    def __enter__(self: _C) -> _C:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
