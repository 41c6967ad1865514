"""Reading a Dockerfile into instructions with line numbers: base images, RUN commands and EXPOSEd ports.

Only the syntax is parsed (line continuations, comments, the ``escape`` parser directive, BuildKit heredocs);
nothing is built or run.  ``ARG`` defaults declared before a ``FROM`` are substituted into it, the way the builder
does, so ``FROM ${BASE}`` still names its image.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator

from msgspec import Struct, field

from aispm.discover.container_images import ImageRef, parse_image, substitute_variables

MAX_INSTRUCTIONS = 20_000
_DIRECTIVE = re.compile(r"^#\s*([a-zA-Z]+)\s*=\s*(\S+)\s*$")
_HEREDOC = re.compile(r"<<-?\s*([\"']?)([A-Za-z_][A-Za-z0-9_]*)\1")
_INSTRUCTION = re.compile(r"^\s*([A-Za-z]+)(?:\s+(.*))?$", re.S)


class Instruction(Struct, frozen=True):
    keyword: str
    """Upper case (``FROM``, ``RUN``)."""
    arguments: str
    """The arguments with continuations joined (heredoc bodies appended after a newline)."""
    line: int
    """1-based line where the instruction starts."""


class BaseImage(Struct, frozen=True):
    image: ImageRef
    line: int
    stage: str | None
    """The ``AS`` name of the stage, when it has one."""


class RunCommand(Struct, frozen=True):
    command: str
    line: int


class Dockerfile(Struct):
    base_images: list[BaseImage] = field(default_factory=list)
    runs: list[RunCommand] = field(default_factory=list)
    exposed_ports: dict[int, list[int]] = field(default_factory=dict)
    """Ports named by ``EXPOSE``, by the index of the stage (in ``base_images``) they belong to."""


def _escape_char(lines: list[str]) -> str:
    """The ``# escape=`` parser directive (only valid before any other line), else backslash."""
    for line in lines:
        match = _DIRECTIVE.match(line.strip())
        if not match:
            break
        if match.group(1).lower() == "escape" and match.group(2) in ("\\", "`"):
            return match.group(2)
    return "\\"


def iter_instructions(text: str) -> Iterator[Instruction]:
    """Instructions in order, each with the line it starts on."""
    lines = text.splitlines()
    escape = _escape_char(lines)
    index = 0
    count = 0
    while index < len(lines):
        start = index
        stripped = lines[index].strip()
        index += 1
        if not stripped or stripped.startswith("#"):
            continue
        continued = stripped.endswith(escape)
        parts = [stripped[:-1].rstrip() if continued else stripped]
        while continued and index < len(lines):
            following = lines[index].strip()
            index += 1
            if not following or following.startswith("#"):
                continue  # blank lines and comments inside a continued instruction do not end it
            continued = following.endswith(escape)
            parts.append(following[:-1].rstrip() if continued else following)
        joined = " ".join(p for p in parts if p)
        for marker in _HEREDOC.finditer(joined):
            delimiter = marker.group(2)
            body: list[str] = []
            while index < len(lines) and lines[index].strip() != delimiter:
                body.append(lines[index])
                index += 1
            index += 1
            joined += "\n" + "\n".join(body)
        match = _INSTRUCTION.match(joined)
        if match is None:
            continue
        count += 1
        if count > MAX_INSTRUCTIONS:
            return
        yield Instruction(match.group(1).upper(), (match.group(2) or "").strip(), start + 1)


def _split(arguments: str) -> list[str]:
    try:
        return shlex.split(arguments, comments=False)
    except ValueError:
        return arguments.split()


def _arg_defaults(arguments: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for word in _split(arguments):
        name, sep, value = word.partition("=")
        if sep:
            out[name] = value
    return out


def _ports(arguments: str, known: dict[str, str]) -> list[int]:
    ports: list[int] = []
    for word in _split(arguments):
        expanded, _ = substitute_variables(word, known)
        number = expanded.split("/", 1)[0]
        if number.isdigit() and 0 < int(number) < 65536:
            ports.append(int(number))
    return ports


def parse_dockerfile(text: str) -> Dockerfile:
    """Base images (not stages built earlier in the file, not ``scratch``), RUN commands and EXPOSEd ports."""
    result = Dockerfile()
    global_args: dict[str, str] = {}
    stage_args: dict[str, str] = {}
    stage_bases: dict[str, int] = {}
    """Stage name -> index in ``base_images`` of the image the stage ultimately starts from."""
    seen_from = False
    stage_index = -1
    for instruction in iter_instructions(text):
        keyword = instruction.keyword
        if keyword == "ARG":
            defaults = _arg_defaults(instruction.arguments)
            (stage_args if seen_from else global_args).update(defaults)
        elif keyword == "FROM":
            seen_from = True
            stage_args = dict(global_args)
            words = [w for w in _split(instruction.arguments) if not w.startswith("--")]
            if not words:
                continue
            stage = words[2].lower() if len(words) >= 3 and words[1].lower() == "as" else None
            reference = words[0]
            if reference.lower() in stage_bases:
                stage_index = stage_bases[reference.lower()]  # built on an earlier stage of this file
            else:
                image = parse_image(reference, global_args)
                if image is None:
                    stage_index = -1
                else:
                    result.base_images.append(BaseImage(image, instruction.line, stage))
                    stage_index = len(result.base_images) - 1
            if stage:
                stage_bases[stage] = stage_index
        elif keyword == "RUN":
            result.runs.append(RunCommand(instruction.arguments, instruction.line))
        elif keyword == "EXPOSE" and stage_index >= 0:
            known = {**global_args, **stage_args}
            result.exposed_ports.setdefault(stage_index, []).extend(_ports(instruction.arguments, known))
    return result
