"""What Kubernetes and compose workloads share: recognising AI containers and reading their risky settings.

A workload is AI when an image is a known AI product (``discover/catalogue/images.yaml``: Jupyter, Ray, MLflow,
vLLM, Ollama, TGI, Triton, Qdrant, Chroma ...), when it is an AI custom resource (KubeRay, KServe, Kubeflow), or
when a container listens on a port only AI tools use by default (8888 Jupyter, 8265 Ray dashboard, 11434 Ollama,
6333 Qdrant, 19530 Milvus).  Values of environment variables are looked at only to tell a literal key from a
reference or a placeholder; they are never stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from msgspec import Struct, field

from aispm.discover.catalogue import ImageInfo
from aispm.discover.container_images import ImageRef, match_image, parse_image
from aispm.resources.parsed import Origin

AI_PORTS: Mapping[int, str] = {
    8888: "Jupyter",
    8265: "Ray dashboard",
    11434: "Ollama",
    6333: "Qdrant",
    6334: "Qdrant",
    19530: "Milvus",
}
"""Ports that, on their own, say a container is an AI service."""

AI_KEY_NAME = re.compile(
    r"^(?:AZURE_)?(?:OPENAI|ANTHROPIC|CLAUDE|COHERE|CO|MISTRAL|GROQ|GEMINI|GOOGLE_GENAI|GOOGLE_AI|DEEPSEEK|XAI|"
    r"TOGETHER|FIREWORKS|PERPLEXITY|PPLX|REPLICATE|VOYAGE|OPENROUTER|PINECONE|QDRANT|WEAVIATE|LANGCHAIN|LANGSMITH|"
    r"WANDB|HUGGINGFACE|HUGGINGFACEHUB|HUGGING_FACE_HUB|HF|NVIDIA|NGC|AI21|LLAMA_CLOUD|JINA|ELEVENLABS|STABILITY|"
    r"LITELLM|LITELLM_MASTER|AZURE_AI|AZURE_OPENAI)_(?:API_)?(?:KEY|TOKEN|SECRET|API_TOKEN|MASTER_KEY)$",
    re.I,
)
AI_KEY_VALUE = re.compile(r"^(?:sk-ant-[\w-]{20,}|sk-(?:proj-)?[\w-]{20,}|hf_[A-Za-z0-9]{30,}|gsk_[A-Za-z0-9]{40,})$")
_PLACEHOLDER = re.compile(
    r"^(?:\$\{?[A-Za-z_].*|<.*>|\{\{.*\}\}|.*(?:your|changeme|change-me|placeholder|example|dummy|redacted|xxx|\.\.\.).*)$",
    re.I,
)
_JUPYTER_TOKEN_OFF = re.compile(
    r"--(?:NotebookApp|ServerApp|IdentityProvider)\.token\s*=\s*(?:''|\"\")?(?=\s|$|['\"]\s|['\"]$)"
)
_JUPYTER_PASSWORD = re.compile(
    r"--(?:NotebookApp|ServerApp|PasswordIdentityProvider)\.(?:hashed_)?password\s*=\s*['\"]?([^\s'\"]+)"
)
_RAY_DASHBOARD_ALL = re.compile(r"--dashboard-host(?:=|\s+)['\"]?(?:0\.0\.0\.0|::|\*)['\"]?(?=\s|$)")
GPU_RESOURCES = ("nvidia.com/gpu", "amd.com/gpu", "gpu.intel.com/i915", "nvidia.com/mig")


def is_placeholder(value: str) -> bool:
    text = value.strip()
    return not text or _PLACEHOLDER.match(text) is not None or len(set(text)) <= 2


def looks_like_ai_key(name: str, value: Any) -> bool:
    """A literal (not a reference, not a placeholder) AI provider key in ``name=value``."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        return False
    text = str(value).strip()
    if is_placeholder(text):
        return False
    return AI_KEY_NAME.match(name.strip()) is not None or AI_KEY_VALUE.match(text) is not None


def command_text(*parts: Any) -> str:
    """A container's command and arguments as one string (lists joined, scalars kept)."""
    words: list[str] = []
    for part in parts:
        if isinstance(part, list):
            words.extend(str(p) for p in part if isinstance(p, str | int | float))
        elif isinstance(part, str):
            words.append(part)
    return " ".join(words)


def jupyter_auth_disabled(command: str, env: Mapping[str, Any]) -> bool:
    """Token turned off (on the command line or ``JUPYTER_TOKEN=""``) and no password set."""
    token_off = _JUPYTER_TOKEN_OFF.search(command) is not None
    if "JUPYTER_TOKEN" in env and isinstance(env["JUPYTER_TOKEN"], str) and env["JUPYTER_TOKEN"].strip() in ("", "''"):
        token_off = True
    password = _JUPYTER_PASSWORD.search(command)
    has_password = bool(password and password.group(1) not in ("''", '""'))
    if isinstance(env.get("JUPYTER_PASSWORD"), str) and env["JUPYTER_PASSWORD"].strip():
        has_password = True
    return token_off and not has_password


def ray_dashboard_all_interfaces(command: str) -> bool:
    return _RAY_DASHBOARD_ALL.search(command) is not None


class ContainerFacts(Struct):
    """What a container says about itself: image, product, ports, command and its risky settings."""

    name: str
    image: ImageRef | None
    info: ImageInfo | None
    line: int
    init: bool = False
    ports: list[int] = field(default_factory=list)
    command: str = ""
    env: dict[str, Any] = field(default_factory=dict)
    env_lines: dict[str, int] = field(default_factory=dict)
    privileged: bool = False
    privileged_line: int | None = None
    gpu: bool = False

    @property
    def product(self) -> str | None:
        if self.info is not None:
            return self.info.product
        if "jupyter" in self.command.lower() and ("notebook" in self.command or "lab" in self.command):
            return "Jupyter"
        if re.search(r"\bray start\b", self.command):
            return "Ray"
        for port in self.ports:
            if port in AI_PORTS:
                return AI_PORTS[port]
        return None


def image_facts(reference: Any) -> tuple[ImageRef | None, ImageInfo | None]:
    if not isinstance(reference, str):
        return None, None
    image = parse_image(reference)
    return image, (match_image(image) if image is not None else None)


class WorkloadFacts(Struct):
    """A workload's properties in the normalised vocabulary of ``container.workload``, with origins."""

    properties: dict[str, Any] = field(default_factory=dict)
    origins: dict[str, Origin] = field(default_factory=dict)

    def put(self, name: str, value: Any, origin: Origin | None) -> None:
        self.properties[name] = value
        if origin is not None:
            self.origins[name] = origin


def container_facts_to_properties(
    facts: WorkloadFacts, containers: Iterable[ContainerFacts], relpath: str, products: list[str]
) -> None:
    """Fill the container-derived properties shared by Kubernetes and compose."""
    containers = list(containers)

    def at(line: int | None) -> Origin | None:
        return Origin(f"{relpath}:{line}", line) if line else None

    for container in containers:
        product = container.product
        if product and product not in products:
            products.append(product)
    facts.put("ai_products", products, at(containers[0].line) if containers else None)
    gpu = any(c.gpu for c in containers)
    facts.put("gpu", gpu, None)
    privileged = [c for c in containers if c.privileged]
    facts.put(
        "privileged_containers",
        [f"{'init container ' if c.init else ''}{c.name}" for c in privileged],
        at(privileged[0].privileged_line) if privileged else None,
    )
    plain: list[tuple[str, int | None]] = []
    for container in containers:
        for name, value in container.env.items():
            if looks_like_ai_key(name, value):
                plain.append((name, container.env_lines.get(name, container.line)))
    facts.put("plain_ai_keys", sorted({n for n, _ in plain}), at(plain[0][1]) if plain else None)
    jupyter = [c for c in containers if c.product in ("Jupyter", "JupyterHub", "Kubeflow Notebook")]
    disabled = [c for c in jupyter if jupyter_auth_disabled(c.command, c.env)]
    if jupyter:
        facts.put("jupyter_auth_disabled", bool(disabled), at((disabled or jupyter)[0].line))
    ray = [c for c in containers if ray_dashboard_all_interfaces(c.command)]
    if ray:
        facts.put("ray_dashboard_all_interfaces", True, at(ray[0].line))
    unpinned = [c for c in containers if c.info is not None and c.image is not None and not c.image.pinned]
    facts.put(
        "unpinned_ai_images",
        sorted({c.image.reference for c in unpinned if c.image is not None}),
        at(unpinned[0].line) if unpinned else None,
    )
