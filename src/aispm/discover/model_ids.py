"""What a model id looks like: the rules that turn one configured value into a model, or into nothing.

A value is a model only on solid ground, never by substring: an exact catalogue id (or a full match of a
provider's id pattern), a LiteLLM ``provider/model`` string, an ``hf://`` URI, a Hugging Face ``org/name`` id or
an Ollama ``name:tag``.  How much ground is needed depends on where the value sits: under a model-ish key
(``LLM_MODEL``, ``modelName``) the shape of an id is enough; anywhere else only a distinctive catalogue id counts
(``gpt-4o-mini``, never ``command`` or ``o3``).  Placeholders (``<your-model>``, ``YOUR_MODEL``, ``${VAR}``
without a default, Helm ``{{ }}``) are never models.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from msgspec import Struct
from msgspec.structs import replace

from aispm.discover.catalogue import load_catalogue

LITELLM_PROVIDERS: Mapping[str, str] = {
    "openai": "openai",
    "text-completion-openai": "openai",
    "anthropic": "anthropic",
    "bedrock": "aws-bedrock",
    "sagemaker": "aws-sagemaker",
    "azure": "azure-openai",
    "azure_ai": "azure-openai",
    "gemini": "google-gemini",
    "vertex_ai": "vertex-ai",
    "vertex_ai_beta": "vertex-ai",
    "mistral": "mistral",
    "codestral": "mistral",
    "cohere": "cohere",
    "cohere_chat": "cohere",
    "groq": "groq",
    "together_ai": "together",
    "deepseek": "deepseek",
    "xai": "xai",
    "openrouter": "openrouter",
    "ollama": "ollama",
    "ollama_chat": "ollama",
    "huggingface": "huggingface",
    "fireworks_ai": "fireworks",
    "perplexity": "perplexity",
    "replicate": "replicate",
    "cerebras": "cerebras",
    "nvidia_nim": "nvidia",
    "voyage": "voyage",
    "sambanova": "sambanova",
    "ai21": "ai21",
    "watsonx": "ibm-watsonx",
    "dashscope": "alibaba-dashscope",
    "moonshot": "moonshot",
    "github": "github-models",
    "anyscale": "anyscale",
}
"""LiteLLM's ``provider/`` prefixes -> our provider ids."""

LOCAL_PROVIDERS = frozenset({"ollama", "huggingface"})
"""Providers whose models run where they are pulled (no hosted API is called) unless LiteLLM routes to them."""

MODEL_KEYS = frozenset(
    {
        "model", "models", "model_id", "model_ids", "model_name", "model_names", "base_model", "llm_model",
        "llm", "embedding_model", "embeddings_model", "embed_model", "deployment_name", "model_name_or_path",
        "pretrained_model_name_or_path", "storage_uri", "storage_uris", "repo_id", "hf_model", "default_model",
        "chat_model", "completion_model", "model_repo", "azure_deployment", "azure_openai_deployment",
        "azure_openai_deployment_name", "engine", "fallbacks",
    }
)  # fmt: skip
MODEL_KEY_SUFFIXES = ("_model", "_model_id", "_model_name", "_model_name_or_path", "_deployment_name", "_models")
NESTED_NAME_KEYS = frozenset({"name", "id", "path", "repo", "uri"})
"""``model: {name: ...}``: these keys name the model when their parent key is model-ish."""
NON_MODEL_KEYS = frozenset(
    {
        "image", "version", "sku", "firmware", "product", "product_code", "serial", "serial_number", "part",
        "part_number", "hardware", "device", "cpu", "gpu", "chip", "board", "tag", "branch", "ref", "sha",
        "checksum", "hash", "digest", "description", "title", "summary", "help", "comment", "label", "url",
        "homepage", "repository", "license", "author", "email", "password", "token", "secret", "api_key",
        "example", "examples", "enum",
    }
)  # fmt: skip
"""Keys whose values are never model ids, even when they look like one (product codes, image tags)."""


FILE_SUFFIXES = (
    ".gguf", ".ggml", ".bin", ".pt", ".pth", ".safetensors", ".onnx", ".pkl", ".pickle", ".h5", ".hdf5",
    ".ckpt", ".joblib", ".tflite", ".pb", ".mlmodel", ".keras", ".zip", ".tar", ".gz", ".tgz", ".json",
    ".yaml", ".yml", ".txt", ".csv", ".parquet", ".py", ".sh", ".model", ".npz", ".npy", ".jsonl", ".md",
    ".xml", ".html", ".js", ".ts", ".tsv", ".arrow",
)  # fmt: skip
NOT_HUB_ORGS = frozenset(
    {
        "models", "model", "checkpoints", "checkpoint", "data", "dataset", "datasets", "output", "outputs",
        "weights", "tmp", "temp", "cache", "artifacts", "runs", "saved_models", "local", "mnt", "opt", "home",
        "var", "usr", "app", "src", "lib", "bin", "etc", "root", "workspace", "build", "dist", "assets",
        "static", "config", "configs", "application", "text", "image", "audio", "video", "multipart", "font",
        "api", "v1", "v2", "v3", "http", "https", "docs", "examples", "tests", "test", "node_modules", "public",
        "ckpt", "out", "saved_model", "results", "train",
    }
)  # fmt: skip
"""First segments that make ``x/y`` a path, MIME type or URL route rather than a Hugging Face repository."""

PLACEHOLDER_MARKERS = (
    "<", ">", "{{", "}}", "$", "%s", "%(", "...", "your", "changeme", "change-me", "change_me", "xxx",
    "placeholder", "example", "replace", "todo", "fixme", "insert-", "insert_", "dummy",
)  # fmt: skip
PLACEHOLDER_VALUES = frozenset(
    {
        "model", "models", "name", "none", "null", "nil", "default", "auto", "true", "false", "n/a", "na", "tbd",
        "org/model", "org/name", "org/repo", "user/model", "user/repo", "owner/repo", "owner/model",
        "username/model", "username/repo", "namespace/model", "organization/model", "org/model-name",
        "my-model", "my_model", "model-name", "model_name", "model-id", "model_id", "foo", "foo/bar", "string",
    }
)  # fmt: skip

LEGACY_HUB_IDS = frozenset(
    {
        "gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl", "distilgpt2", "bert-base-uncased", "bert-base-cased",
        "bert-large-uncased", "bert-base-multilingual-cased", "distilbert-base-uncased", "roberta-base",
        "roberta-large", "distilroberta-base", "xlm-roberta-base", "xlm-roberta-large", "albert-base-v2",
        "t5-small", "t5-base", "t5-large",
    }
)  # fmt: skip
"""Hugging Face's canonical models from before organisations (``gpt2``): hub ids without an ``org/``."""

_HF_PART = r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?"
_HF_ID = re.compile(rf"({_HF_PART})/({_HF_PART})")
_OLLAMA_NAME = re.compile(
    r"(?:(?P<namespace>[a-z0-9][a-z0-9._-]{0,63})/)?(?P<name>[a-z0-9][a-z0-9._-]{0,95})"
    r"(?::(?P<tag>[A-Za-z0-9][A-Za-z0-9._-]{0,127}))?"
)
_OLLAMA_FAMILIES = re.compile(
    r"(?:llama|codellama|qwen|qwq|gemma|codegemma|shieldgemma|phi|mistral|mixtral|ministral|deepseek|llava|"
    r"bakllava|granite|smollm|starcoder|nomic-embed|mxbai-embed|snowflake-arctic-embed|all-minilm|bge-|"
    r"tinyllama|vicuna|orca|dolphin|nous-hermes|hermes|openhermes|wizard|falcon|command-r|aya|olmo|exaone|"
    r"minicpm|moondream|gpt-oss|magistral|devstral|cogito|openchat|zephyr|neural-chat|stablelm|solar|"
    r"nemotron|athene|internlm|glm|kimi|llama-guard|paraphrase-multilingual|yi:|yi-)[a-z0-9._:-]*"
)
"""Well-known Ollama library families: a bare ``family:tag`` under a model key is an Ollama model."""
_OLLAMA_REGISTRY_PREFIXES = ("registry.ollama.ai/library/", "registry.ollama.ai/", "ollama.com/library/")
_HF_OLLAMA_PREFIXES = ("hf.co/", "huggingface.co/")
_BEDROCK_VERSION = re.compile(r"-v\d|:\d+$")
_ENV_REFERENCE = re.compile(r"\$\{(?P<var>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-=])(?P<default>[^}]*))?\}")
_LITELLM_REST = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@/+-]{0,200}")
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")

MAX_VALUE_LENGTH = 256


class ModelRef(Struct, frozen=True):
    """A resolved model: provider id, the id as written, and whether a hosted API serves it.

    ``provider`` is the model's own (the catalogue's maker for a known id, ``huggingface`` for a Hub repository),
    so the same model reached directly or through a router is one asset; ``served_by`` is the route (Azure
    OpenAI, OpenRouter, Together ...) when it is another provider.
    """

    provider: str
    model_id: str
    hosted: bool
    served_by: str | None = None

    @property
    def route(self) -> str:
        """The provider whose API is called for this model."""
        return self.served_by or self.provider


# ---------------------------------------------------------------------------------------------------- values


def normalise_key(key: str) -> str:
    """``modelName`` / ``MODEL-NAME`` / ``model.name`` -> ``model_name``."""
    return _CAMEL_BOUNDARY.sub("_", key).lower().replace("-", "_").replace(".", "_")


def is_model_key(key: str, parent: str = "") -> bool:
    """Keys whose value names a model (``LLM_MODEL``, ``modelId``, ``storageUri``; ``name`` under ``model:``)."""
    normal = normalise_key(key)
    if normal in MODEL_KEYS or normal.endswith(MODEL_KEY_SUFFIXES):
        return True
    return normal in NESTED_NAME_KEYS and bool(parent) and is_model_key(parent)


def is_placeholder(value: str) -> bool:
    lowered = value.lower()
    return lowered in PLACEHOLDER_VALUES or any(marker in lowered for marker in PLACEHOLDER_MARKERS)


def hub_repo_id(value: str) -> str | None:
    """``org/name`` when ``value`` is shaped like a Hugging Face repository id, not a path, URL, MIME type or
    container image."""
    match = _HF_ID.fullmatch(value)
    if match is None:
        return None
    org, name = match.groups()
    lowered = value.lower()
    if org.lower() in NOT_HUB_ORGS or "--" in value or ".." in value or lowered.endswith(FILE_SUFFIXES):
        return None
    if not any(c.isalpha() for c in org) or not any(c.isalpha() for c in name):
        return None
    return value


def _is_distinctive(lowered: str) -> bool:
    """Catalogue ids safe to accept outside a model key: not bare words (``command``, ``sonar``) or short
    product-code-like names (``o3``, ``o1-pro``)."""
    if len(lowered) < 5 or not any(c in lowered for c in "-.:"):
        return False
    return not (lowered[0] == "o" and lowered[1:2].isdigit() and len(lowered) < 10)


def catalogue_model(value: str, *, model_key: bool) -> ModelRef | None:
    """An exact catalogue id (full match of an id or a provider's id pattern)."""
    provider = load_catalogue().model_provider(value)
    if provider is None:
        return None
    lowered = value.lower()
    if provider == "aws-bedrock" and not _BEDROCK_VERSION.search(lowered):
        return None  # "amazon.com" or "meta.description" are not Bedrock model ids
    if not model_key and not _is_distinctive(lowered):
        return None
    return ModelRef(provider, value, hosted=provider not in LOCAL_PROVIDERS)


def ollama_model(value: str, *, certain: bool) -> ModelRef | None:
    """An Ollama model (``llama3.1:8b``, ``user/model``, ``hf.co/org/repo:Q4_K_M``); a file path is not.

    When not ``certain`` (a generic model key), only a well-known library family with an explicit tag counts.
    """
    lowered = value.lower()
    for prefix in _HF_OLLAMA_PREFIXES:
        if lowered.startswith(prefix):
            repo = hub_repo_id(value[len(prefix) :].split(":", 1)[0])
            return ModelRef("huggingface", repo, hosted=False) if repo else None
    if value.startswith((".", "/", "~")) or "\\" in value or lowered.endswith(FILE_SUFFIXES):
        return None
    for prefix in _OLLAMA_REGISTRY_PREFIXES:
        if lowered.startswith(prefix):
            value = value[len(prefix) :]
            break
    match = _OLLAMA_NAME.fullmatch(value)
    if match is None:
        return None
    if not certain and not (match.group("tag") and not match.group("namespace") and _OLLAMA_FAMILIES.fullmatch(value)):
        return None
    if value.endswith(":latest"):
        value = value[: -len(":latest")]
    return ModelRef("ollama", value, hosted=False)


def _routed(ref: ModelRef, route: str) -> ModelRef:
    return ref if ref.provider == route else replace(ref, served_by=route, hosted=True)


def litellm_model(value: str, *, model_key: bool, depth: int = 0) -> ModelRef | None:
    """A LiteLLM ``provider/model`` string, mapped to our provider ids.

    A route to a model the catalogue knows (``azure/gpt-4o-mini``), to another route (``openrouter/anthropic/...``)
    or to a Hub repository (``together_ai/mistralai/Mixtral-8x7B-Instruct-v0.1``) names that model, served by the
    route's provider; anything else (a deployment name) is the route's own model.
    """
    prefix, _, rest = value.partition("/")
    provider = LITELLM_PROVIDERS.get(prefix.lower())
    if provider is None or not _LITELLM_REST.fullmatch(rest) or is_placeholder(rest):
        return None
    if provider == "ollama":
        return ollama_model(rest, certain=True) if model_key else None
    if provider == "huggingface":
        parts = rest.split("/")
        if len(parts) >= 2:  # huggingface/<org>/<name>, optionally routed: huggingface/<router>/<org>/<name>
            repo = hub_repo_id("/".join(parts[-2:]))
            return ModelRef("huggingface", repo, hosted=True) if repo and model_key else None
        repo = hub_repo_id(value)  # the "huggingface" organisation's own models on the Hub
        return ModelRef("huggingface", repo, hosted=False) if repo and model_key else None
    known = catalogue_model(rest, model_key=model_key)
    if known is not None:
        return _routed(ModelRef(known.provider, rest, hosted=True), provider)
    if depth == 0 and "/" in rest:
        inner = litellm_model(rest, model_key=model_key, depth=1)
        if inner is not None:
            return _routed(inner, provider)
    if not model_key:
        return None
    if provider == "openai" and hub_repo_id(value):
        return ModelRef("huggingface", value, hosted=False)  # openai/whisper-large-v3 is a Hub repository
    if provider not in LOCAL_PROVIDERS and hub_repo_id(rest):
        return ModelRef("huggingface", rest, hosted=True, served_by=provider)
    return ModelRef(provider, rest, hosted=provider not in LOCAL_PROVIDERS)


def classify_value(value: str, *, model_key: bool, ollama_hint: bool = False) -> ModelRef | None:
    """The model ``value`` names, or None.  ``model_key``: the value sits under a model-ish key."""
    value = value.strip().strip("\"'").strip()
    if not value or len(value) > MAX_VALUE_LENGTH or any(c.isspace() for c in value) or is_placeholder(value):
        return None
    lowered = value.lower()
    if lowered.startswith("hf://"):
        repo = hub_repo_id(value[5:].split(":", 1)[0].rstrip("/"))
        return ModelRef("huggingface", repo, hosted=False) if repo else None
    if "://" in value:
        return None
    if not model_key and (len(value) < 5 or not any(c in value for c in "-.:/")):
        return None  # cheap exit: outside a model key only distinctive ids count
    known = catalogue_model(value, model_key=model_key)
    if known is not None:
        return known
    if "/" in value:
        routed = litellm_model(value, model_key=model_key)
        if routed is not None:
            return routed
    if not model_key:
        return None
    if ":" in value or lowered.startswith(_HF_OLLAMA_PREFIXES) or ollama_hint:
        pulled = ollama_model(value, certain=ollama_hint)
        if pulled is not None:
            return pulled
    repo = hub_repo_id(value) or (value if lowered in LEGACY_HUB_IDS else None)
    return ModelRef("huggingface", repo, hosted=False) if repo else None


class Resolved(Struct, frozen=True):
    """A value with ``${VAR:-default}`` references replaced by their defaults."""

    text: str
    variables: tuple[str, ...]
    had_default: bool


def resolve_env_defaults(value: str) -> Resolved | None:
    """Replace ``${VAR:-default}`` / ``${VAR-default}`` by the default; None when a reference has no default."""
    variables: list[str] = []
    had_default = False
    missing = False

    def substitute(match: re.Match[str]) -> str:
        nonlocal had_default, missing
        variables.append(match.group("var"))
        default = match.group("default")
        if match.group("op") is None or default is None or not default:
            missing = True
            return match.group(0)
        had_default = True
        return default

    if "${" not in value:
        return Resolved(value, (), False)
    text = _ENV_REFERENCE.sub(substitute, value)
    return None if missing else Resolved(text, tuple(variables), had_default)
