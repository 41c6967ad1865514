"""Verification of a leaked key against its provider: an interface, off by default.

Whether a key still works can only be learnt by asking the provider, which needs the network and sends the key
to it.  aispm therefore never verifies unless asked to (``ScanOptions``/CLI wiring is up to the caller), and
nothing in this module runs on import or during a normal scan.  A verifier is one small object per provider
with a ``verify(secret)`` method; :class:`HttpVerifier` covers the common "GET an endpoint with the key in a
header" shape, and its transport is injectable so that tests never touch the network.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Protocol, runtime_checkable

from msgspec import Struct, field
from msgspec.structs import replace


class VerificationStatus(StrEnum):
    VALID = "valid"
    """The provider accepted the key: it is live and must be revoked."""
    INVALID = "invalid"
    """The provider rejected the key (revoked, or never real)."""
    UNKNOWN = "unknown"
    """The answer was neither (rate limit, outage, network error)."""
    SKIPPED = "skipped"
    """Verification is off, or no verifier exists for the provider."""


class VerificationResult(Struct, frozen=True):
    status: VerificationStatus
    detail: str = ""


@runtime_checkable
class Verifier(Protocol):
    """Checks whether one provider's key is live.  Implementations must not log or store the key."""

    @property
    def provider(self) -> str: ...

    def verify(self, secret: str) -> VerificationResult: ...


Transport = Callable[[str, str, Mapping[str, str], float], int]
"""(method, url, headers, timeout) -> HTTP status code; raises OSError on network failure."""


def urllib_transport(method: str, url: str, headers: Mapping[str, str], timeout: float) -> int:
    """The default transport: one HTTPS request with the standard library, body discarded."""
    if not url.startswith("https://"):
        raise ValueError("verification endpoints must be HTTPS")
    request = urllib.request.Request(url, method=method, headers=dict(headers))  # noqa: S310 - HTTPS enforced
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - HTTPS enforced
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


class HttpVerifier(Struct, frozen=True):
    """'GET ``url`` with the key in ``header``': 2xx means valid, 401/403 invalid, anything else unknown."""

    provider: str
    url: str
    header: str = "Authorization"
    scheme: str = "Bearer {key}"
    extra_headers: Mapping[str, str] = field(default_factory=dict)
    timeout: float = 10.0
    transport: Transport = urllib_transport

    def verify(self, secret: str) -> VerificationResult:
        headers = {**self.extra_headers, self.header: self.scheme.format(key=secret)}
        try:
            status = self.transport("GET", self.url, headers, self.timeout)
        except (OSError, ValueError) as exc:
            return VerificationResult(VerificationStatus.UNKNOWN, f"request failed: {type(exc).__name__}")
        if 200 <= status < 300:
            return VerificationResult(VerificationStatus.VALID, f"HTTP {status}")
        if status in (401, 403):
            return VerificationResult(VerificationStatus.INVALID, f"HTTP {status}")
        return VerificationResult(VerificationStatus.UNKNOWN, f"HTTP {status}")


def builtin_verifiers(transport: Transport = urllib_transport) -> dict[str, Verifier]:
    """Verifiers for providers whose documented 'who am I / list models' endpoint takes the key in a header."""
    specs: list[HttpVerifier] = [
        HttpVerifier("openai", "https://api.openai.com/v1/models"),
        HttpVerifier(
            "anthropic",
            "https://api.anthropic.com/v1/models",
            header="x-api-key",
            scheme="{key}",
            extra_headers={"anthropic-version": "2023-06-01"},
        ),
        HttpVerifier("huggingface", "https://huggingface.co/api/whoami-v2"),
        HttpVerifier("groq", "https://api.groq.com/openai/v1/models"),
        HttpVerifier("mistral", "https://api.mistral.ai/v1/models"),
        HttpVerifier("cohere", "https://api.cohere.com/v1/models"),
        HttpVerifier("openrouter", "https://openrouter.ai/api/v1/key"),
        HttpVerifier("xai", "https://api.x.ai/v1/api-key"),
        HttpVerifier("deepseek", "https://api.deepseek.com/models"),
        HttpVerifier("together", "https://api.together.xyz/v1/models"),
        HttpVerifier("replicate", "https://api.replicate.com/v1/account", scheme="Token {key}"),
        HttpVerifier("elevenlabs", "https://api.elevenlabs.io/v1/user", header="xi-api-key", scheme="{key}"),
        HttpVerifier("pinecone", "https://api.pinecone.io/indexes", header="Api-Key", scheme="{key}"),
    ]
    return {spec.provider: replace(spec, transport=transport) for spec in specs}


class VerificationService(Struct):
    """Runs the verifier of a key's provider, only when ``enabled``; results carry no part of the key."""

    enabled: bool = False
    verifiers: Mapping[str, Verifier] = field(default_factory=dict)

    def verify(self, provider: str, secret: str) -> VerificationResult:
        if not self.enabled:
            return VerificationResult(VerificationStatus.SKIPPED, "verification is off")
        verifier = self.verifiers.get(provider)
        if verifier is None:
            return VerificationResult(VerificationStatus.SKIPPED, f"no verifier for {provider}")
        return verifier.verify(secret)
