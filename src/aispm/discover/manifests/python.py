"""Python manifests: requirements files, pip commands, pyproject.toml (PEP 621, PEP 735, Poetry), setup.cfg, Pipfile.

Nothing is executed: ``setup.py`` is never run and requirement lines are split by a strict PEP 508 pattern, so
prose that happens to sit in a requirements file does not become a dependency.
"""

from __future__ import annotations

import configparser
import re
import shlex
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import unquote

from msgspec import Struct

from aispm.discover.manifests import DeclaredDependency, LineFinder, ManifestError

_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
_REQUIREMENT = re.compile(rf"(?P<name>{_NAME})\s*(?:\[(?P<extras>[^\]]*)\])?\s*(?P<rest>.*)", re.S)
_CLAUSE = r"(?:~=|===|==|!=|<=|>=|<|>)\s*[A-Za-z0-9.*+!_-]+"
_SPEC = re.compile(rf"\(?\s*{_CLAUSE}\s*(?:,\s*{_CLAUSE}\s*)*\)?")
_EGG = re.compile(rf"[#&]egg=(?P<name>{_NAME})")
_URL_START = re.compile(r"(?:git|hg|svn|bzr)\+|[A-Za-z][A-Za-z0-9+.-]*://|file:")
_WHEEL = re.compile(rf"(?P<name>{_NAME})-(?P<version>[0-9][A-Za-z0-9.+!_]*)(?:-[^-/]+){{3,4}}\.whl")
MAX_WHEEL_NAME = 255


def parse_requirement(text: str) -> tuple[str, str | None] | None:
    """``(name, spec or None)`` of one PEP 508 requirement, VCS/URL requirement with ``#egg=`` or wheel path.

    Returns None for anything else (local paths, URLs without a name, prose), never raises.
    """
    text = text.strip()
    if not text:
        return None
    if _URL_START.match(text) or text.endswith(".whl"):
        return _named_url(text)
    match = _REQUIREMENT.fullmatch(text)
    if match is None:
        return None
    rest = match["rest"].strip()
    if rest.startswith("@"):
        return match["name"], None
    spec = rest.split(";", 1)[0].strip()
    if not spec:
        return match["name"], None
    if not _SPEC.fullmatch(spec):
        return None
    return match["name"], re.sub(r"[\s()]+", "", spec)


def _named_url(url: str) -> tuple[str, str | None] | None:
    egg = _EGG.search(url)
    if egg is not None:
        return egg["name"], None
    filename = unquote(url.split("#", 1)[0].split("?", 1)[0].rsplit("/", 1)[-1])
    # a file name is short; matching a long "name" that is no wheel would backtrack over every dash and dot
    wheel = _WHEEL.fullmatch(filename) if len(filename) <= MAX_WHEEL_NAME and filename.endswith(".whl") else None
    if wheel is not None:
        return wheel["name"], "==" + wheel["version"]
    return None


# --- pip commands (notebooks, Dockerfiles, scripts) -------------------------------------------------------------

_PIP_PROGRAM = re.compile(r"(?:.*/)?pip(?:\d+(?:\.\d+)?)?")
_PYTHON_PROGRAM = re.compile(r"(?:.*/)?python(?:\d+(?:\.\d+)?)?")
_SEPARATORS = frozenset({"&&", "||", ";", "|", "&"})
_REDIRECT = re.compile(r"\d*>|&>|<")
_OPTIONS_WITH_VALUE = frozenset(
    {
        "-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-i", "--index-url", "--extra-index-url",
        "-f", "--find-links", "-t", "--target", "--prefix", "--root", "--platform", "--python-version",
        "--implementation", "--abi", "--trusted-host", "--proxy", "--cache-dir", "--src", "--upgrade-strategy",
        "--progress-bar", "--log", "--log-file", "--timeout", "--retries", "--exists-action", "--cert",
        "--client-cert", "--no-binary", "--only-binary", "-C", "--config-settings", "--global-option",
        "--install-option", "--report", "--python", "-p", "--keyring-provider", "--use-feature",
        "--use-deprecated", "--root-user-action", "--group", "--index-strategy", "--extra", "--index",
        "--default-index", "--resolution", "--prerelease", "--exclude-newer", "--override",
    }
)  # fmt: skip
"""pip (and ``uv pip``) options that take a value, so the value is not mistaken for a package."""


def _pip_tokens(command: str) -> list[str]:
    text = command.strip().lstrip("!%")
    try:
        tokens = shlex.split(text)
    except ValueError:  # unbalanced quotes: fall back to whitespace, still never raise
        tokens = text.split()
    out: list[str] = []
    for word in tokens:
        if word.startswith("#"):  # a shell comment (a '#' inside a word, as in '#egg=', is not one)
            break
        if word.endswith(";") and word != ";":
            out.extend((word[:-1], ";"))
        else:
            out.append(word)
    return out


def _segments(tokens: list[str]) -> Iterator[list[str]]:
    segment: list[str] = []
    for token in tokens:
        if token in _SEPARATORS:
            yield segment
            segment = []
        else:
            segment.append(token)
    yield segment


_COMMAND_PREFIXES = frozenset({"sudo", "env", "time", "exec", "command", "nohup"})
_ENV_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=.*")


def _install_arguments(segment: list[str]) -> list[str] | None:
    """The arguments after ``install`` when ``segment`` runs pip (or ``python -m pip``, ``uv pip``) install."""
    start = 0
    while start < len(segment) and (segment[start] in _COMMAND_PREFIXES or _ENV_ASSIGNMENT.fullmatch(segment[start])):
        start += 1
    if start >= len(segment):
        return None
    program, rest = segment[start], segment[start + 1 :]
    if _PYTHON_PROGRAM.fullmatch(program) and rest[:2] == ["-m", "pip"]:
        rest = rest[2:]
    elif program == "uv" and rest[:1] == ["pip"]:
        rest = rest[1:]
    elif not _PIP_PROGRAM.fullmatch(program):
        return None
    for index, argument in enumerate(rest):
        if argument == "install":
            return rest[index + 1 :]
        if not argument.startswith("-"):
            return None
    return None


def packages_from_pip_command(command: str) -> list[tuple[str, str | None]]:
    """``[(name, spec or None), ...]`` installed by a shell line such as ``!pip install -U "openai>=1.0" -q``.

    Flags, ``-r``/``-c`` files, index URLs, shell redirections and URLs without an ``#egg=`` name are ignored.
    """
    found: list[tuple[str, str | None]] = []
    for segment in _segments(_pip_tokens(command)):
        arguments = _install_arguments(segment)
        if arguments is None:
            continue
        skip_value = False
        for argument in arguments:
            if skip_value:
                skip_value = False
                continue
            if argument.startswith("-"):
                option = argument.split("=", 1)[0]
                skip_value = (
                    option in _OPTIONS_WITH_VALUE and "=" not in argument and option not in ("-e", "--editable")
                )
                continue
            if _REDIRECT.match(argument) or argument.startswith(("$", "{")):
                continue
            requirement = parse_requirement(argument)
            if requirement is not None and requirement not in found:
                found.append(requirement)
    return found


# --- requirements files -----------------------------------------------------------------------------------------

_COMMENT = re.compile(r"(?:^|\s)#.*")
_TRAILING_OPTIONS = re.compile(r"\s--?[A-Za-z].*")
_INCLUDE = re.compile(r"(?P<option>-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+|(?=[^\s-]))(?P<path>\S+)")
_EDITABLE = re.compile(r"(?:-e|--editable)(?:\s*=\s*|\s+)(?P<target>\S+)")


class RequirementsInclude(Struct, frozen=True):
    """A ``-r`` (requirements) or ``-c`` (constraints) reference to another file."""

    path: str
    line: int
    constraint: bool


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Requirement lines with comments removed and ``\\`` continuations joined, with their first line number."""
    pending: list[str] = []
    first = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not pending:
            first = number
        line = _COMMENT.sub("", raw)
        if line.rstrip().endswith("\\"):
            pending.append(line.rstrip()[:-1])
            continue
        pending.append(line)
        joined = " ".join(pending).strip()
        pending = []
        if joined:
            yield first, joined
    if pending and " ".join(pending).strip():
        yield first, " ".join(pending).strip()


def parse_requirements(text: str) -> list[DeclaredDependency]:
    """Every requirement of a pip requirements file (``-r`` includes are reported by :func:`requirements_includes`)."""
    found: list[DeclaredDependency] = []
    for line_number, line in _logical_lines(text):
        if line.startswith("-"):
            editable = _EDITABLE.match(line)
            requirement = _named_url(editable["target"]) if editable else None
        else:
            requirement = parse_requirement(_TRAILING_OPTIONS.sub("", line))
        if requirement is not None:
            found.append(DeclaredDependency(requirement[0], requirement[1], line_number))
    return found


def requirements_includes(text: str) -> list[RequirementsInclude]:
    """The ``-r``/``-c`` files a requirements file refers to (scanned on their own when they are in the tree)."""
    includes: list[RequirementsInclude] = []
    for line_number, line in _logical_lines(text):
        match = _INCLUDE.match(line)
        if match is not None:
            constraint = match["option"] in ("-c", "--constraint")
            includes.append(RequirementsInclude(match["path"], line_number, constraint))
    return includes


# --- pyproject.toml, Pipfile, setup.cfg -------------------------------------------------------------------------


def load_toml(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"invalid TOML: {exc}") from None
    except RecursionError:
        raise ManifestError("TOML nested too deeply") from None


def _table(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _strings(value: object) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _pep508_list(
    finder: LineFinder, requirements: Iterable[str], header: int, group: str | None, dev: bool
) -> Iterator[DeclaredDependency]:
    for raw in requirements:
        parsed = parse_requirement(raw)
        if parsed is None:
            continue
        name, spec = parsed
        line = finder.quoted(raw, header) or finder.find(name, header) or header
        yield DeclaredDependency(name, spec, line, group=group, dev=dev)


def _poetry_version(value: object) -> str | None:
    """The version constraint of a Poetry dependency value (string, table or list of tables)."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, Mapping):
        value = value.get("version")
    if isinstance(value, str) and value.strip() not in ("", "*"):
        return value.strip()
    return None


def _keyed_dependencies(
    finder: LineFinder, table: Mapping[str, Any], header: int, group: str | None, dev: bool
) -> Iterator[DeclaredDependency]:
    """Dependencies written as ``name = constraint`` (Poetry, Pipfile)."""
    for name, value in table.items():
        if name.lower() == "python" or not re.fullmatch(_NAME, name):
            continue
        line = finder.toml_key(name, header) or header
        yield DeclaredDependency(name, _poetry_version(value), line, group=group, dev=dev)


def parse_pyproject(text: str) -> list[DeclaredDependency]:
    """PEP 621 dependencies and extras, PEP 735 dependency groups, Poetry (and uv/PDM legacy) dev dependencies."""
    data = load_toml(text)
    finder = LineFinder(text)
    found: list[DeclaredDependency] = []
    project = _table(data.get("project"))
    project_line = finder.toml_table("project") or 1
    found += _pep508_list(finder, _strings(project.get("dependencies")), project_line, None, False)
    extras_line = finder.toml_table("project.optional-dependencies") or project_line
    for extra, requirements in _table(project.get("optional-dependencies")).items():
        line = finder.toml_key(extra, extras_line) or extras_line
        found += _pep508_list(finder, _strings(requirements), line, extra, False)
    groups_line = finder.toml_table("dependency-groups") or 1
    for group, requirements in _table(data.get("dependency-groups")).items():
        line = finder.toml_key(group, groups_line) or groups_line
        found += _pep508_list(finder, _strings(requirements), line, group, True)
    tool = _table(data.get("tool"))
    poetry = _table(tool.get("poetry"))
    line = finder.toml_table("tool.poetry.dependencies") or 1
    found += _keyed_dependencies(finder, _table(poetry.get("dependencies")), line, None, False)
    line = finder.toml_table("tool.poetry.dev-dependencies") or 1
    found += _keyed_dependencies(finder, _table(poetry.get("dev-dependencies")), line, "dev", True)
    for group, spec in _table(poetry.get("group")).items():
        line = finder.toml_table(f"tool.poetry.group.{group}.dependencies") or 1
        found += _keyed_dependencies(finder, _table(_table(spec).get("dependencies")), line, group, group != "main")
    uv_line = finder.toml_table("tool.uv") or 1
    found += _pep508_list(finder, _strings(_table(tool.get("uv")).get("dev-dependencies")), uv_line, "dev", True)
    pdm_line = finder.toml_table("tool.pdm.dev-dependencies") or 1
    for group, requirements in _table(_table(tool.get("pdm")).get("dev-dependencies")).items():
        found += _pep508_list(finder, _strings(requirements), pdm_line, group, True)
    return found


def parse_pipfile(text: str) -> list[DeclaredDependency]:
    """``[packages]`` and ``[dev-packages]`` (and any other pipenv category) of a Pipfile."""
    data = load_toml(text)
    finder = LineFinder(text)
    found: list[DeclaredDependency] = []
    for section, table in data.items():
        if section in ("source", "requires", "scripts", "pipenv") or not isinstance(table, Mapping):
            continue
        header = finder.toml_table(section) or 1
        group = None if section == "packages" else section
        found += _keyed_dependencies(finder, table, header, group, section != "packages")
    return found


def parse_setup_cfg(text: str) -> list[DeclaredDependency]:
    """``install_requires``, ``extras_require`` and ``tests_require`` of setup.cfg (setup.py is never run)."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        raise ManifestError(f"invalid setup.cfg: {exc.message}") from None
    finder = LineFinder(text)
    found: list[DeclaredDependency] = []
    heading = re.compile(r"^\s*\[\s*options\s*\]", re.M)
    options_line = finder.search(heading) or 1
    if parser.has_section("options"):
        for key, dev in (("install_requires", False), ("tests_require", True)):
            value = parser.get("options", key, fallback="")
            key_line = finder.find(key, options_line) or options_line
            found += _pep508_list(finder, _cfg_list(value), key_line, "test" if dev else None, dev)
    if parser.has_section("options.extras_require"):
        extras = re.compile(r"^\s*\[\s*options\.extras_require\s*\]", re.M)
        extras_line = finder.search(extras) or 1
        for extra, value in parser.items("options.extras_require"):
            key_line = finder.find(extra, extras_line) or extras_line
            found += _pep508_list(finder, _cfg_list(value), key_line, extra, False)
    return found


def _cfg_list(value: str) -> list[str]:
    """setuptools' list values: one item per line, or ``;``-separated on a single line."""
    lines = [line.strip() for line in value.splitlines() if line.strip()]
    if len(lines) == 1 and ";" in lines[0]:
        return [part.strip() for part in lines[0].split(";") if part.strip()]
    return lines
