"""What a string in code or configuration names: a model id, a Hugging Face repository, an API endpoint.

Language-neutral and data-driven (the provider catalogue): the Python and notebook analysers use it, and any
other source analyser can.  Model ids match exactly or as a full match of a catalogue pattern, never as a
substring (``gpt-4o-mini-custom-thing`` is nothing); Hugging Face ids must have the ``org/name`` shape and must not
look like a local path; URLs keep only scheme, host, port and path (no credentials, no query).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from msgspec import Struct

from aispm.discover.catalogue import load_catalogue
from aispm.discover.endpoints import host_matcher, provider_of_host
from aispm.discover.model_ids import hub_repo_id
from aispm.discover.redact import redact_path


def words(text: str) -> tuple[str, ...]:
    """A table of names written as one space-separated string (keeps long lists short on screen)."""
    return tuple(text.split())


MAX_ID_LENGTH = 200
BARE_HUB_NAME = re.compile(r"[A-Za-z0-9][\w.-]{1,95}")
DEPLOYMENT_NAME = re.compile(r"[A-Za-z0-9][\w.-]{0,63}")
OLLAMA_TAG = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}(?::[A-Za-z0-9._-]{1,64})?")
LOCAL_DIR_NAMES = frozenset(
    words(
        "model models checkpoint checkpoints ckpt output outputs out data dataset datasets tmp temp weights "
        "saved_model saved_models artifacts runs results cache local src train test"
    )
)
FILE_SUFFIXES = words(
    ".bin .pt .pth .safetensors .gguf .ggml .onnx .h5 .ckpt .pkl .pickle .joblib .json .jsonl .yaml .yml "
    ".txt .csv .tsv .parquet .arrow .zip .tar .gz .py .xml"
)
PROVIDER_PREFIXES = {
    "openai": "openai",
    "anthropic": "anthropic",
    "google-gla": "google-gemini",
    "google_genai": "google-gemini",
    "gemini": "google-gemini",
    "google-vertex": "vertex-ai",
    "google_vertexai": "vertex-ai",
    "vertex_ai": "vertex-ai",
    "groq": "groq",
    "mistral": "mistral",
    "mistralai": "mistral",
    "cohere": "cohere",
    "bedrock": "aws-bedrock",
    "bedrock_converse": "aws-bedrock",
    "azure": "azure-openai",
    "azure_openai": "azure-openai",
    "ollama": "ollama",
    "ollama_chat": "ollama",
    "deepseek": "deepseek",
    "xai": "xai",
    "together": "together",
    "together_ai": "together",
    "fireworks": "fireworks",
    "fireworks_ai": "fireworks",
    "huggingface": "huggingface",
    "openrouter": "openrouter",
}
"""``provider:model`` (PydanticAI, LangChain ``init_chat_model``) and ``provider/model`` (LiteLLM) prefixes."""

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "0.0.0.0", "::1", "host.docker.internal"})  # noqa: S104
DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def is_bare_hub_name(text: str) -> bool:
    """A hub name without an owner (``imdb``, ``all-MiniLM-L6-v2``), not a local file or folder name."""
    return (
        BARE_HUB_NAME.fullmatch(text) is not None
        and text.lower() not in LOCAL_DIR_NAMES
        and not text.lower().endswith(FILE_SUFFIXES)
    )


class ModelRef(Struct, frozen=True):
    provider: str
    model_id: str

    @property
    def key(self) -> str:
        return f"model:{self.provider}:{self.model_id}".lower()


def plausible_id(value: str) -> bool:
    return 0 < len(value) <= MAX_ID_LENGTH and not any(c.isspace() for c in value)


def is_hub_id(value: str) -> bool:
    """A Hugging Face ``org/name`` repository id, not a local path such as ``./models/x`` or ``/opt/m``: the one
    rule configs use too (:func:`aispm.discover.model_ids.hub_repo_id`), so code and configs agree."""
    return hub_repo_id(value) is not None


def classify_model(value: str, provider_hint: str | None = None, allow_hub: bool = False) -> ModelRef | None:
    """What model a string names, if any: exact catalogue ids and patterns, ``provider:model`` and
    ``provider/model`` forms, Ollama tags where the call is Ollama's, and (where allowed) Hugging Face ids."""
    text = value.strip()
    if not plausible_id(text):
        return None
    catalogue = load_catalogue()
    provider = catalogue.model_provider(text)
    if provider is not None:
        return ModelRef(provider, text)
    for separator in (":", "/"):
        prefix, found, tail = text.partition(separator)
        named = PROVIDER_PREFIXES.get(prefix.lower()) if found else None
        if named is None or not tail:
            continue
        provider = catalogue.model_provider(tail)
        if provider is not None:
            return ModelRef(provider, tail)
        if named == "ollama" and OLLAMA_TAG.fullmatch(tail):
            return ModelRef("ollama", tail.removesuffix(":latest"))
        if separator == ":" and (named != "huggingface" or is_hub_id(tail)):
            return ModelRef(named, tail)
    if provider_hint == "ollama" and OLLAMA_TAG.fullmatch(text) and any(c.isalpha() for c in text):
        return ModelRef("ollama", text.removesuffix(":latest"))  # Ollama's default tag: the same model
    if allow_hub and is_hub_id(text):
        return ModelRef("huggingface", text)
    return None


class Endpoint(Struct, frozen=True):
    """A URL an AI client is pointed at, with the parts that identify it (never credentials or the query; key-like
    path segments masked)."""

    scheme: str
    host: str
    port: int
    path: str

    @property
    def url(self) -> str:
        """The URL as a client would write it: the port only when it is not the scheme's default."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = "" if DEFAULT_PORTS.get(self.scheme) == self.port else f":{self.port}"
        return f"{self.scheme}://{host}{port}{self.path}"

    @property
    def key(self) -> str:
        return f"endpoint:{self.host}:{self.port}"

    def properties(self) -> dict[str, str | int]:
        """What an ``endpoint`` asset says of the URL, whichever analyser found it."""
        return {"host": self.host, "port": self.port, "scheme": self.scheme, "url": self.url}


def parse_endpoint(value: str) -> Endpoint | None:
    """Parse ``https://host[:port]/path`` (or ``host:port``, as Ollama accepts); None when it is not a URL."""
    text = value.strip()
    if not plausible_id(text) or text.startswith("/"):
        return None
    if "://" not in text:
        if not re.fullmatch(r"[A-Za-z0-9.-]+:\d{1,5}(?:/\S*)?", text):
            return None
        text = "http://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in DEFAULT_PORTS or not host or not re.fullmatch(r"[a-z0-9.:_-]+", host):
        return None
    return Endpoint(scheme, host, port or DEFAULT_PORTS[scheme], redact_path(parts.path.rstrip("/")))


def provider_of_endpoint(endpoint: Endpoint) -> str | None:
    """The provider whose API host (or well-known local port) the endpoint is: the same host matcher as the
    endpoint analyser's, so code and text agree on what a provider's host is."""
    matcher = host_matcher()
    provider = provider_of_host(endpoint.host.rstrip("."), matcher)
    if provider is None and endpoint.host in LOCAL_HOSTS:
        provider = matcher.local_ports.get(str(endpoint.port))
    return provider
