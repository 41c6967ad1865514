"""Model ids wherever they are configured: env files, YAML/JSON/TOML and key-value configs, Modelfiles, shell
scripts, Dockerfiles and Makefiles.

Values are found by key (``LLM_MODEL=...``, ``model:``, ``storageUri:``), anywhere as distinctive catalogue ids,
and as the arguments of commands that fetch or serve a model (``ollama pull``, ``huggingface-cli download``,
``vllm serve``, ``--model``) or of a Modelfile ``FROM``; :mod:`aispm.discover.model_ids` decides what a value is.
Environment defaults (``${LLM_MODEL:-gpt-4o}``) are resolved.  Python and JavaScript sources belong to their own
analysers.
"""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import partial
from typing import Any

from msgspec import Struct

from aispm.analyser import Analyser, Record, file_location
from aispm.discover.catalogue import load_catalogue
from aispm.discover.model_ids import (
    MAX_VALUE_LENGTH,
    NON_MODEL_KEYS,
    ModelRef,
    classify_value,
    hub_repo_id,
    is_model_key,
    is_placeholder,
    normalise_key,
    ollama_model,
    resolve_env_defaults,
)
from aispm.files.content import FileContent, LineIndex
from aispm.files.structured import LineDict, LineList, StructuredError, load_json, load_yaml_documents
from aispm.files.walk import FileRef
from aispm.model import Asset, AssetKind, Relation, RelationKind

MODEL_FLAGS = frozenset(
    {
        "--model", "--model-id", "--model_id", "--model-name", "--model_name", "--model-name-or-path",
        "--model_name_or_path", "--base-model", "--base_model", "--pretrained-model-name-or-path",
        "--pretrained_model_name_or_path", "--hf-model", "--model-repo", "-m",
    }
)  # fmt: skip
"""Command-line flags of model servers and trainers (vLLM, TGI, SGLang, llama.cpp ...) that take a model id."""
HF_DOWNLOAD_OPTIONS_WITH_VALUE = frozenset(
    {
        "--repo-type", "--repo_type", "--revision", "--local-dir", "--local_dir", "--cache-dir", "--cache_dir",
        "--include", "--exclude", "--token", "--max-workers", "--max_workers", "--local-dir-use-symlinks",
        "--format",
    }
)  # fmt: skip
DOCKER_INSTRUCTIONS = frozenset(
    {
        "FROM", "RUN", "CMD", "ENTRYPOINT", "ENV", "ARG", "COPY", "ADD", "LABEL", "EXPOSE", "WORKDIR", "USER",
        "VOLUME", "SHELL", "HEALTHCHECK", "ONBUILD", "STOPSIGNAL", "MAINTAINER",
    }
)  # fmt: skip
SHELL_SEPARATORS = frozenset({"&&", "||", ";", "|", "&", "\\", ")", "(", "then", "do", "fi", "done"})

_ENV_ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_.-]*)=(.*)$", re.S)
_ENV_FILE_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*?)\s*$")
_SHELL_ASSIGNMENT = re.compile(
    r"^\s*(?:(?:export|readonly|local|declare(?:\s+-\w+)*)\s+)?([A-Za-z_][A-Za-z0-9_]*)=(\S*)"
)
_MAKE_ASSIGNMENT = re.compile(r"^\s*(?:export\s+|override\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*(?:\?=|:=|::=|\+=|=)\s*(.*)$")
_DOCKER_INSTRUCTION = re.compile(r"^\s*([A-Za-z]+)\s+(.*)$", re.S)
_LOOSE_PAIR = re.compile(r"""^[\s{\[,-]*["']?([A-Za-z_][\w.-]*)["']?\s*[:=]\s*["']?([^"'\s#,]+)""")
DATASET_KEYS = frozenset(
    {
        "dataset",
        "dataset_name",
        "dataset_id",
        "dataset_repo",
        "train_dataset",
        "eval_dataset",
        "hf_dataset",
        "dataset_path",
        "datasets_name",
    }
)
"""Keys whose Hugging Face ``org/name`` value is a dataset (training configs: ``dataset_name: org/name``)."""
SOURCE_SUFFIXES = frozenset(
    {".py", ".go", ".java", ".kt", ".kts", ".scala", ".cs", ".rb", ".php", ".rs", ".swift", ".dart", ".ex", ".exs"}
)
"""Source code whose model ids sit in literals after a model-ish name (``Model: "gpt-4o"``, ``.modelName("o3-mini")``,
``EMBEDDING_MODEL = "text-embedding-3-large"``). Python also has its own AST analyser; this reader catches the
constants of modules that import no AI package (a ``config.py``), and the ids merge into one asset."""
_SOURCE_LITERAL = re.compile(
    r"""(?<![A-Za-z0-9_])(?P<name>[A-Za-z_][A-Za-z0-9_]*+)["']?\s*(?::=|=>|[:=(,])\s*["'](?P<value>[^"'\s]{2,200})["']"""
)
"""A name starts only where an identifier starts (no retry inside a long one: that was quadratic in the line)."""
_COMMENT_LINE = re.compile(r"^\s*(?:#|//|/\*|\*|--)")
_COMMAND_HINT = re.compile(r"download|ollama|vllm|--model|-m\s|serve")
_HINT = re.compile(
    r"model|deploy|hf://|hf\.co/|huggingface|ollama|vllm|gpt|claude|gemini|mistral|mixtral|llama|bedrock|"
    r"anthropic|openai|command-|embed|rerank|grok|jamba|voyage|sonar|deepseek|whisper|dall-e|tts-|davinci|"
    r"babbage|download|repo_id|codestral|pixtral|ministral|magistral|devstral|voxtral|titan|nova|ai21|o1|o3|"
    r"o4|r1-|qwen|phi|gemma|bert|t5-"
)
"""Cheap test on the lower-cased text: no hint, nothing to parse."""

MAX_PARSE_CHARS = 4_000_000
"""Larger structured files are scanned line by line instead of parsed (data dumps, not configuration)."""
MAX_SCRIPT_LINES = 2000
MAX_COMMAND_WORDS = 64
"""How far past ``huggingface-cli download`` or ``ollama pull`` the model id is looked for: a line of thousands of
such commands must not cost a rescan of the rest of the line for each one."""
MAX_DEPTH = 100


# -------------------------------------------------------------------------------------------------- commands


class CommandModel(Struct, frozen=True):
    """A model a command fetches or serves, and the index of the word that names it."""

    ref: ModelRef
    source: str
    key: str
    token: int
    dataset: bool = False


def _token_value(token: str) -> str | None:
    resolved = resolve_env_defaults(token)
    return resolved.text if resolved is not None else None


def _hf_download(tokens: Sequence[str], start: int) -> CommandModel | None:
    """``huggingface-cli download [options] <repo_id> [files] [options]``: the repository, model or dataset."""
    repo: str | None = None
    repo_index = start
    repo_type = "model"
    index = start
    end = min(len(tokens), start + MAX_COMMAND_WORDS)
    while index < end and tokens[index] not in SHELL_SEPARATORS:
        token = tokens[index]
        if token.startswith("-"):
            option, has_value, inline = token.partition("=")
            if option in ("--repo-type", "--repo_type"):
                repo_type = (inline if has_value else (tokens[index + 1] if index + 1 < len(tokens) else "")).lower()
            if option in HF_DOWNLOAD_OPTIONS_WITH_VALUE and not has_value:
                index += 1
        elif repo is None:
            repo, repo_index = _token_value(token), index
        index += 1
    if repo is None or repo_type == "space" or is_placeholder(repo):
        return None
    repo_id = hub_repo_id(repo)
    if repo_id is None:
        return None
    ref = ModelRef("huggingface", repo_id, hosted=False)
    return CommandModel(ref, "cli download", "download", repo_index, dataset=repo_type == "dataset")


def _first_positional(tokens: Sequence[str], start: int) -> tuple[str | None, int]:
    for index in range(start, min(len(tokens), start + MAX_COMMAND_WORDS)):
        token = tokens[index]
        if token in SHELL_SEPARATORS:
            break
        if not token.startswith("-"):
            return _token_value(token), index
    return None, start


def models_in_command(tokens: Sequence[str]) -> Iterator[CommandModel]:
    """Models that a command line fetches or serves."""
    for index, token in enumerate(tokens):
        program = token.rsplit("/", 1)[-1]
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        if program in ("huggingface-cli", "hf") and following == "download":
            found = _hf_download(tokens, index + 2)
            if found is not None:
                yield found
        elif program == "ollama" and following in ("pull", "run"):
            tag, at = _first_positional(tokens, index + 2)
            ref = ollama_model(tag, certain=True) if tag and not is_placeholder(tag) else None
            if ref is not None:
                source = "cli download" if following == "pull" else "cli run"
                yield CommandModel(ref, source, f"ollama {following}", at)
        elif program == "vllm" and following == "serve":
            served, at = _first_positional(tokens, index + 2)
            ref = classify_value(served, model_key=True) if served else None
            if ref is not None:
                yield CommandModel(ref, "cli argument", "vllm serve", at)
        else:
            flag, has_inline, inline = token.partition("=")
            if flag not in MODEL_FLAGS or (flag == "-m" and has_inline):
                continue
            raw = inline if has_inline else following
            if not raw or raw.startswith("-"):
                continue
            value = _token_value(raw)
            # "-m" also means a commit message or a Python module: only a distinctive catalogue id counts there
            ref = classify_value(value, model_key=flag != "-m") if value else None
            if ref is not None:
                yield CommandModel(ref, "cli argument", flag, index if has_inline else index + 1)


def split_command(line: str) -> list[str]:
    """Shell words of one line; unbalanced quotes fall back to splitting on whitespace."""
    try:
        return shlex.split(line, comments=True)
    except ValueError:
        return line.split()


# ----------------------------------------------------------------------------------------------- file types

ENV_NAMES = frozenset({".env", ".envrc"})
YAML_SUFFIXES = frozenset({".yaml", ".yml"})
JSON_SUFFIXES = frozenset({".json", ".jsonc", ".json5"})
SKIPPED_NAMES = frozenset(
    {
        "package-lock.json", "npm-shrinkwrap.json", "pnpm-lock.yaml", "composer.json", "composer.lock",
        "packages.lock.json", "conda-lock.yml", "tokenizer.json", "tokenizer_config.json", "vocab.json",
        "special_tokens_map.json", "tsconfig.json", "jsconfig.json", ".eslintrc.json", "package.json",
        "renovate.json", ".prettierrc.json", "deno.lock",
    }
)  # fmt: skip
"""Structured files that never configure a model (lockfiles, tokenizer data, tool configs)."""
KEY_VALUE_SUFFIXES: Mapping[str, str] = {
    ".properties": "properties",
    ".ini": "ini config",
    ".cfg": "ini config",
    ".conf": "config file",
    ".tf": "terraform",
    ".tfvars": "terraform",
    ".hcl": "hcl config",
}
"""``key = value`` configuration formats read line by line (Spring AI properties, Terraform variables ...)."""
TEMPLATE_WRAPPERS = (".example", ".sample", ".template", ".tmpl", ".dist", ".local", ".j2", ".jinja", ".jinja2")


def file_type(ref: FileRef) -> str | None:
    """Which reader a file needs (env, yaml, json, toml, key_value, modelfile, dockerfile, makefile, shell)."""
    name = ref.name_lower
    if name in SKIPPED_NAMES:
        return None
    if name in ENV_NAMES or name.startswith(".env.") or name.endswith(".env"):
        return "env"
    if name == "modelfile" or name.startswith("modelfile.") or name.endswith(".modelfile"):
        return "modelfile"
    if name in ("dockerfile", "containerfile") or name.startswith(("dockerfile.", "containerfile.")):
        return "dockerfile"
    if name.endswith((".dockerfile", ".containerfile")):
        return "dockerfile"
    if name in ("makefile", "gnumakefile") or name.endswith(".mk"):
        return "makefile"
    for wrapper in TEMPLATE_WRAPPERS:
        if name.endswith(wrapper) and name != wrapper:
            name = name[: -len(wrapper)]
            break
    suffix = name[name.rfind(".") :] if "." in name else ""
    if suffix in YAML_SUFFIXES:
        return "yaml"
    if suffix in JSON_SUFFIXES:
        return "json"
    if suffix == ".toml":
        return "toml"
    if suffix in (".sh", ".bash", ".zsh"):
        return "shell"
    if suffix in KEY_VALUE_SUFFIXES:
        return "key_value"
    if suffix in SOURCE_SUFFIXES:
        return "source"
    return None


def yaml_flavour(name: str, document: object) -> str:
    """What a YAML document is, for the ``source`` property (compose, Helm values, KServe, LiteLLM ...)."""
    if isinstance(document, dict):
        api_version = str(document.get("apiVersion", ""))
        if "kserve.io" in api_version:
            return "kserve"
        if "model_list" in document or "litellm_settings" in document:
            return "litellm config"
        if api_version and "kind" in document:
            return "kubernetes manifest"
        if "compose" in name or (isinstance(document.get("services"), dict) and "version" in document):
            return "compose"
        if isinstance(document.get("services"), dict) and any(
            isinstance(s, dict) and ("image" in s or "build" in s) for s in document["services"].values()
        ):
            return "compose"
    if name.startswith("values") and name.endswith((".yaml", ".yml")):
        return "helm values"
    return "yaml config"


# ------------------------------------------------------------------------------------------------- analyser


Line = int | Callable[[], int]
"""A 1-based line, or a way to find it that is only paid for when a model is actually there."""


def _same_line(line: Line) -> Callable[[int], Line]:
    """Every word of a one-line command is on the same line."""
    return lambda _index: line


class _Collector:
    """Turns model references found in one file into records, once per model and line."""

    def __init__(self, file: FileContent) -> None:
        self.file = file
        self.records: list[Record] = []
        self._seen: set[tuple[str, int]] = set()
        self._providers: set[str] = set()
        self._index: LineIndex | None = None

    def locate(self, needle: str, start_line: int = 1) -> int:
        """The line of the first ``needle`` at or after ``start_line`` (1 when absent): for parsers without
        positions (JSON, TOML) and for lines inside multi-line YAML strings."""
        text = self.file.text
        if self._index is None:
            self._index = LineIndex.of(text)
        starts = self._index.starts
        begin = starts[min(max(start_line, 1), len(starts)) - 1]
        offset = text.find(needle, begin)
        return self._index.line_of(offset) if offset != -1 else max(start_line, 1)

    def add(self, ref: ModelRef, line: Line, source: str, key: str, *, dataset: bool = False) -> None:
        number = line if isinstance(line, int) else line()
        location = file_location(self.file, number)
        kind = AssetKind.DATASET if dataset else AssetKind.MODEL
        asset_key = (
            f"dataset:huggingface:{ref.model_id}" if dataset else f"model:{ref.provider}:{ref.model_id}"
        ).lower()
        if (asset_key, number) in self._seen:
            return
        self._seen.add((asset_key, number))
        properties: dict[str, object] = {"provider": ref.provider, "source": source, "key": key}
        if ref.served_by:
            properties["served_by"] = ref.served_by
        if dataset:
            properties = {"hub": "huggingface", "source": source}
        asset = Asset(kind=kind, name=ref.model_id, key=asset_key, locations=(location,), properties=properties)
        self.records.append(asset)
        route = ref.route
        info = load_catalogue().providers.get(route)
        if dataset or not ref.hosted or info is None:
            return
        provider = Asset(
            kind=AssetKind.PROVIDER,
            name=info.name,
            key=f"provider:{route}",
            locations=(location,),
            properties={"provider": route, "evidence": "model reference"},
        )
        if route not in self._providers:
            self._providers.add(route)
            self.records.append(provider)
        self.records.append(Relation(provider.id, RelationKind.SERVES, asset.id, location))

    def pair(
        self, key: str, value: str, line: Line, source: str, *, parent: str = "", ollama_hint: bool = False
    ) -> None:
        """A configured ``key = value`` (env line, YAML/JSON/TOML entry, compose environment item)."""
        if len(value) > MAX_VALUE_LENGTH * 4:
            return
        resolved = resolve_env_defaults(value)
        if resolved is None:
            return
        normal = normalise_key(key)
        if normal in DATASET_KEYS:
            repo = hub_repo_id(resolved.text.strip().strip("\"'"))
            if repo is not None and not is_placeholder(repo):
                self.add(ModelRef("huggingface", repo, hosted=False), line, source, key, dataset=True)
            return
        if normal in NON_MODEL_KEYS:
            return
        model_key = is_model_key(key, parent) or any(is_model_key(v) for v in resolved.variables)
        hint = ollama_hint or "ollama" in normal or any("OLLAMA" in v.upper() for v in resolved.variables)
        ref = classify_value(resolved.text, model_key=model_key, ollama_hint=hint and model_key)
        if ref is not None:
            label = f"{source} env default" if resolved.had_default and source != "env file" else source
            self.add(ref, line, label, key)

    def command(self, tokens: Sequence[str], line_of_token: Callable[[int], Line]) -> None:
        for found in models_in_command(tokens):
            self.add(found.ref, line_of_token(found.token), found.source, found.key, dataset=found.dataset)

    def script(self, text: str, first_line: Line) -> None:
        """A multi-line shell snippet inside a config value; each command line is located in the file."""
        for raw in text.splitlines()[:MAX_SCRIPT_LINES]:
            stripped = raw.strip()
            if not stripped or stripped.startswith("#") or not _COMMAND_HINT.search(stripped):
                continue
            found = list(models_in_command(split_command(stripped)))
            if found:
                start = first_line if isinstance(first_line, int) else first_line()
                number = self.locate(stripped, start)
                for command in found:
                    self.add(command.ref, number, command.source, command.key, dataset=command.dataset)


class _TreeWalker:
    """Walks parsed YAML/JSON/TOML, finding model ids by key, by value and in command lists."""

    def __init__(self, collector: _Collector, source: str, positions: bool) -> None:
        self.collector = collector
        self.source = source
        self.positions = positions
        """True for YAML (containers know their lines); False for JSON/TOML (lines are searched for)."""

    def line_in(self, container: Any, key: Any, value: Any) -> Line:
        if self.positions and isinstance(container, LineDict | LineList):
            return int(container.line_of(key))
        needle = json.dumps(value) if isinstance(value, str) and self.source.startswith("json") else str(value)
        return partial(self.collector.locate, needle)

    def walk(self, node: Any, parent: str = "", depth: int = 0) -> None:
        if depth > MAX_DEPTH:
            return
        if isinstance(node, dict):
            self.mapping(node, parent, depth)
        elif isinstance(node, list):
            self.sequence(node, parent, depth)

    def mapping(self, node: dict[str, Any], parent: str, depth: int) -> None:
        collector = self.collector
        fixture = "model" in node and ("fields" in node or "pk" in node)  # Django fixture: "model": "app.person"
        name, value = node.get("name"), node.get("value")
        env_entry = isinstance(name, str) and isinstance(value, str)
        if env_entry:  # Kubernetes env entry {name: X, value: Y}
            collector.pair(str(name), str(value), self.line_in(node, "value", value), self.source)
        sibling_provider = str(node.get("provider") or node.get("llm_provider") or node.get("type") or "").lower()
        ollama_hint = sibling_provider in ("ollama", "ollama_chat")
        for key, item in node.items():
            key = str(key)
            if (fixture and key == "model") or (env_entry and key == "value"):
                continue
            if isinstance(item, dict | list):
                self.walk(item, key, depth + 1)
            elif isinstance(item, str):
                line = self.line_in(node, key, item)
                if "\n" in item or (" " in item.strip() and _COMMAND_HINT.search(item)):
                    collector.script(item, line)
                else:
                    collector.pair(key, item, line, self.source, parent=parent, ollama_hint=ollama_hint)

    def sequence(self, node: list[Any], parent: str, depth: int) -> None:
        collector = self.collector
        words = [item if isinstance(item, str) else "" for item in node]
        is_command = len(words) > 1 and all(words)
        if is_command:  # ["--model", "org/name"], ["ollama", "pull", "llama3"]
            collector.command(words, lambda index: self.line_in(node, index, words[index]))
        for index, item in enumerate(node):
            if isinstance(item, dict | list):
                self.walk(item, parent, depth + 1)
                continue
            if not isinstance(item, str):
                continue
            line = self.line_in(node, index, item)
            assignment = _ENV_ASSIGNMENT.match(item)
            if item.startswith("-"):
                if not is_command:
                    collector.command([item], _same_line(line))
            elif assignment is not None:
                collector.pair(assignment.group(1), assignment.group(2), line, self.source)
            elif "\n" in item or (" " in item.strip() and _COMMAND_HINT.search(item)):
                collector.script(item, line)
            elif index == 0 or not words[index - 1].startswith("-"):
                collector.pair(parent, item, line, self.source)


class ModelReferenceAnalyser(Analyser):
    """Model ids configured in env files, YAML/JSON/TOML, Modelfiles, Dockerfiles, Makefiles and shell scripts."""

    name = "model-refs"
    family = "inventory"

    def wants(self, ref: FileRef) -> bool:
        return file_type(ref) is not None

    def analyse(self, file: FileContent) -> Iterable[Record]:
        kind = file_type(file.ref)
        text = file.text
        if kind is None or not text:
            return []
        if kind != "modelfile" and _HINT.search(text.lower()) is None:
            return []
        collector = _Collector(file)
        readers: dict[str, Callable[[_Collector, str], None]] = {
            "env": self._read_env,
            "modelfile": self._read_modelfile,
            "shell": self._read_shell,
            "makefile": self._read_makefile,
            "dockerfile": self._read_dockerfile,
            "yaml": self._read_yaml,
            "json": self._read_json,
            "toml": self._read_toml,
            "key_value": self._read_key_value,
            "source": self._read_source,
        }
        readers[kind](collector, text)
        return collector.records

    # Each reader fills the collector from one kind of file.

    def _read_env(self, collector: _Collector, text: str) -> None:
        for number, line in enumerate(text.splitlines(), start=1):
            match = _ENV_FILE_LINE.match(line)
            if match is None or line.lstrip().startswith("#"):
                continue
            collector.pair(match.group(1), _env_value(match.group(2)), number, "env file")

    def _read_source(self, collector: _Collector, text: str) -> None:
        for number, line in enumerate(text.splitlines(), start=1):
            if ("odel" not in line and "ODEL" not in line) or _COMMENT_LINE.match(line):
                continue
            for match in _SOURCE_LITERAL.finditer(line):
                if is_model_key(match.group("name")) or "model" in match.group("name").lower():
                    ref = classify_value(match.group("value"), model_key=True)
                    if ref is not None:
                        collector.add(ref, number, "source literal", match.group("name"))

    def _read_modelfile(self, collector: _Collector, text: str) -> None:
        for number, line in enumerate(text.splitlines(), start=1):
            words = line.split(None, 1)
            if len(words) == 2 and words[0].upper() == "FROM":
                ref = ollama_model(words[1].strip(), certain=True)
                if ref is not None:
                    collector.add(ref, number, "Modelfile", "FROM")

    def _read_shell(self, collector: _Collector, text: str) -> None:
        for number, line in enumerate(text.splitlines(), start=1):
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            assignment = _SHELL_ASSIGNMENT.match(stripped)
            if assignment is not None:
                collector.pair(assignment.group(1), _env_value(assignment.group(2)), number, "shell env")
            if _COMMAND_HINT.search(stripped):
                collector.command(split_command(stripped), _same_line(number))

    def _read_makefile(self, collector: _Collector, text: str) -> None:
        for number, line in enumerate(text.splitlines(), start=1):
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            assignment = _MAKE_ASSIGNMENT.match(line) if not line.startswith("\t") else None
            if assignment is not None:
                collector.pair(assignment.group(1), _env_value(assignment.group(2)), number, "makefile variable")
            elif _COMMAND_HINT.search(stripped):
                collector.command(split_command(stripped.lstrip("@-")), _same_line(number))

    def _read_dockerfile(self, collector: _Collector, text: str) -> None:
        for number, line in enumerate(text.splitlines(), start=1):
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            instruction = _DOCKER_INSTRUCTION.match(stripped)
            keyword = instruction.group(1).upper() if instruction else ""
            if instruction is None or keyword not in DOCKER_INSTRUCTIONS:
                keyword, rest = "", stripped  # a continuation line of a multi-line RUN
            else:
                rest = instruction.group(2)
            if keyword in ("ENV", "ARG"):
                for key, value in _docker_assignments(rest):
                    collector.pair(key, value, number, "dockerfile env")
            elif keyword not in ("", "RUN", "CMD", "ENTRYPOINT", "SHELL", "HEALTHCHECK", "ONBUILD"):
                continue
            elif _COMMAND_HINT.search(stripped):
                tokens = _exec_form(rest) if keyword in ("CMD", "ENTRYPOINT", "RUN") else None
                collector.command(tokens if tokens is not None else split_command(rest), _same_line(number))

    def _read_yaml(self, collector: _Collector, text: str) -> None:
        if len(text) > MAX_PARSE_CHARS:
            self._read_loosely(collector, text, "yaml config")
            return
        try:
            documents = load_yaml_documents(text)
        except StructuredError:
            self._read_loosely(collector, text, "yaml config")  # Helm templates and the like: best effort
            return
        name = collector.file.ref.name_lower
        for document in documents:
            _TreeWalker(collector, yaml_flavour(name, document), positions=True).walk(document)

    def _read_json(self, collector: _Collector, text: str) -> None:
        if len(text) > MAX_PARSE_CHARS:
            self._read_loosely(collector, text, "json config")
            return
        try:
            document = load_json(text, allow_comments=not collector.file.ref.name_lower.endswith(".json"))
        except StructuredError:
            try:
                document = load_json(text, allow_comments=True)
            except StructuredError:
                self._read_loosely(collector, text, "json config")
                return
        _TreeWalker(collector, "json config", positions=False).walk(document)

    def _read_toml(self, collector: _Collector, text: str) -> None:
        try:
            document = tomllib.loads(text) if len(text) <= MAX_PARSE_CHARS else None
        except (tomllib.TOMLDecodeError, RecursionError):
            document = None
        if document is None:
            self._read_loosely(collector, text, "toml config")
            return
        _TreeWalker(collector, "toml config", positions=False).walk(document)

    def _read_key_value(self, collector: _Collector, text: str) -> None:
        name = collector.file.ref.name_lower
        for wrapper in TEMPLATE_WRAPPERS:
            name = name.removesuffix(wrapper)
        self._read_loosely(collector, text, KEY_VALUE_SUFFIXES.get(name[name.rfind(".") :], "config file"))

    def _read_loosely(self, collector: _Collector, text: str, source: str) -> None:
        """Line-by-line ``key: value`` / ``key = value`` pairs: key-value formats, and files too large or too
        broken to parse."""
        for number, line in enumerate(text.splitlines(), start=1):
            if line.lstrip().startswith(("#", "//", ";", "/*", "*")):
                continue
            match = _LOOSE_PAIR.match(line)
            if match is not None:
                collector.pair(match.group(1), match.group(2), number, source)


def _env_value(raw: str) -> str:
    """The value of an env-file/shell assignment: quotes removed, an unquoted trailing ``# comment`` dropped."""
    raw = raw.strip()
    if raw[:1] in ("'", '"'):
        closing = raw.find(raw[0], 1)
        return raw[1:closing] if closing != -1 else raw[1:]
    comment = raw.find(" #")
    return (raw[:comment] if comment != -1 else raw).strip()


def _docker_assignments(rest: str) -> Iterator[tuple[str, str]]:
    """``ENV A=1 B="x y"`` and the legacy ``ENV A 1`` form."""
    words = split_command(rest)
    if words and "=" not in words[0]:
        if len(words) >= 2:
            yield words[0], " ".join(words[1:])
        return
    for word in words:
        key, has_value, value = word.partition("=")
        if has_value:
            yield key, value


def _exec_form(rest: str) -> list[str] | None:
    """The JSON exec form of ``CMD ["vllm", "serve", "..."]``; None for the shell form."""
    if not rest.lstrip().startswith("["):
        return None
    try:
        value = json.loads(rest)
    except ValueError:
        return None
    return [str(v) for v in value] if isinstance(value, list) else None
