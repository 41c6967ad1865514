"""Which package a command line runs: ``npx -y @scope/pkg@1.2.3``, ``uvx pkg==1.0``, ``docker run image:tag`` ...

MCP clients start local servers through package runners that fetch code on every start, so the package, its
version and whether that version is pinned are what matters.  Commands are only read, never run.  Wrappers are
unwrapped first (``cmd /c npx ...`` on Windows, ``sh -c "..."``).  A command that runs a local file (``node
server.js``, ``python -m app``) has no package.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence

from msgspec import Struct
from msgspec.structs import replace

from aispm.discover.container_images import parse_image
from aispm.discover.redact import redact_url

_EXACT_SEMVER = re.compile(r"v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?")
_EXACT_PY_VERSION = re.compile(r"v?\d+(?:\.\d+)*(?:(?:a|b|rc|\.post|\.dev)\d+)*(?:\+[A-Za-z0-9.]+)?")
_PY_REQUIREMENT = re.compile(r"(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[[^\]]*\])?\s*(?P<rest>.*)")
_COMMIT = re.compile(r"[#@][0-9a-f]{40}$")
_LOCAL_PREFIXES = (".", "/", "~", "file:", "\\")
_ENV_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=.*", re.S)

_NPX_VALUE_OPTIONS = frozenset({"-p", "--package", "-c", "--call", "--registry", "--cache", "--node-options", "-w"})
_UVX_VALUE_OPTIONS = frozenset(
    {
        "--from", "--with", "--with-editable", "--with-requirements", "--python", "-p", "--index", "--index-url",
        "--extra-index-url", "--default-index", "-i", "--directory", "--project", "--cache-dir", "--env-file",
        "--config-file", "--refresh-package", "--reinstall-package", "--upgrade-package", "--python-platform",
        "--constraints", "--overrides", "--build-constraints", "--find-links", "-f", "--index-strategy",
        "--keyring-provider", "--resolution", "--prerelease", "--exclude-newer", "--link-mode", "--color",
    }
)  # fmt: skip
_PIPX_VALUE_OPTIONS = frozenset({"--spec", "--python", "--pip-args", "--index-url", "-i", "--backend"})
_DOCKER_VALUE_OPTIONS = frozenset(
    {
        "-e", "--env", "--env-file", "-v", "--volume", "--mount", "--name", "-p", "--publish", "--network", "--net",
        "-w", "--workdir", "--entrypoint", "-u", "--user", "--platform", "-l", "--label", "--label-file", "--pull",
        "-m", "--memory", "--cpus", "--add-host", "-h", "--hostname", "--dns", "--device", "--gpus", "--cap-add",
        "--cap-drop", "--security-opt", "--restart", "--runtime", "--shm-size", "--ulimit", "--log-driver",
        "--log-opt", "--ipc", "--pid", "--userns", "--tmpfs", "--cidfile", "--expose", "--group-add",
        "--health-cmd", "--stop-signal", "--stop-timeout", "--volumes-from", "--link", "--ip", "--ip6",
        "--memory-swap", "--cpu-shares", "-c", "--cpuset-cpus", "--attach", "-a",
    }
)  # fmt: skip


class Launch(Struct, frozen=True):
    """What a command line launches."""

    runner: str
    """The program after unwrapping (``npx``, ``uvx``, ``docker``, ``node`` ...)."""
    ecosystem: str | None = None
    """``npm``, ``pypi``, ``docker`` or ``go`` when a package is fetched; ``None`` for local programs."""
    package: str | None = None
    """The package name, or the URL it is fetched from (credentials redacted)."""
    version: str | None = None
    pinned: bool | None = None
    """Whether an exact version or digest is fixed; ``None`` when no package is fetched."""
    arguments: tuple[str, ...] = ()
    """The arguments after unwrapping (not yet redacted)."""
    env_names: tuple[str, ...] = ()
    """Environment variable names passed on the command line (``docker run -e NAME``)."""
    remote_url: str | None = None
    """The remote server a local proxy (``mcp-remote URL``) connects to."""


def program_name(command: str) -> str:
    """``/usr/local/bin/npx.cmd`` -> ``npx``."""
    base = re.split(r"[\\/]", command.strip())[-1].lower()
    for suffix in (".cmd", ".exe", ".bat", ".ps1"):
        if base.endswith(suffix):
            return base[: -len(suffix)]
    return base


def _unwrap(command: str, arguments: Sequence[str]) -> tuple[str, list[str]]:
    """Peel ``cmd /c``, ``sh -c "..."`` and ``env VAR=1`` wrappers (a few levels at most)."""
    args = list(arguments)
    command, args = _split_one_string(command, args)
    for _ in range(4):
        program = program_name(command)
        if program == "cmd" and args and args[0].lower() in ("/c", "/k", "/s") and len(args) > 1:
            command, args = args[1], args[2:]
        elif program in ("sh", "bash", "zsh", "dash") and len(args) >= 2 and args[0] in ("-c", "-lc", "-ic"):
            try:
                words = shlex.split(args[1])
            except ValueError:
                words = args[1].split()
            while words and _ENV_ASSIGNMENT.fullmatch(words[0]):  # "TOKEN=... npx pkg": the value is no program
                words = words[1:]
            if not words:
                break
            command, args = words[0], words[1:]
        elif program == "env":
            rest = [a for a in args if "=" not in a or a.startswith("-")]
            rest = [a for a in rest if not a.startswith("-")]
            if not rest:
                break
            command, args = rest[0], rest[1:]
        else:
            break
    return _split_one_string(command, args)


def _split_one_string(command: str, args: list[str]) -> tuple[str, list[str]]:
    """``"npx -y pkg"`` (or ``"sh -c '...'"``) written as one command string, without separate arguments."""
    if " " not in command.strip() or args:
        return command, args
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    return (words[0], words[1:]) if words else (command, args)


def _positionals(args: Sequence[str], value_options: frozenset[str]) -> tuple[list[str], dict[str, list[str]]]:
    """Positional arguments (up to and after ``--``) and the values of options that take one."""
    positionals: list[str] = []
    options: dict[str, list[str]] = {}
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if arg == "--":
            positionals.extend(args[index:])
            break
        if arg.startswith("-") and len(arg) > 1:
            name, sep, value = arg.partition("=")
            if sep:
                options.setdefault(name, []).append(value)
            elif name in value_options and index < len(args):
                options.setdefault(name, []).append(args[index])
                index += 1
            continue
        positionals.append(arg)
        positionals.extend(args[index:])
        break
    return positionals, options


def split_npm_spec(spec: str) -> tuple[str, str | None]:
    """``@scope/name@1.2.3`` -> (``@scope/name``, ``1.2.3``); ``name`` -> (``name``, None)."""
    spec = spec.strip()
    if spec.startswith("npm:"):
        spec = spec[4:]
    at = spec.find("@", 1)
    if at == -1:
        return spec, None
    return spec[:at], spec[at + 1 :] or None


def npm_pinned(version: str | None) -> bool:
    return bool(version) and bool(_EXACT_SEMVER.fullmatch(version or ""))


def _npm_launch(runner: str, spec: str, arguments: list[str]) -> Launch:
    if spec.startswith(_LOCAL_PREFIXES):
        return Launch(runner, arguments=tuple(arguments))
    if ":" in spec.split("@", 1)[0] or "://" in spec:  # github:user/repo, git+https://..., tarball URL
        return Launch(runner, "npm", redact_url(spec), None, bool(_COMMIT.search(spec)), tuple(arguments))
    name, version = split_npm_spec(spec)
    return Launch(runner, "npm", name, version, npm_pinned(version), tuple(arguments))


def split_python_spec(spec: str) -> tuple[str, str | None, bool]:
    """``pkg==1.0`` / ``pkg@1.0`` (uvx) / ``pkg>=1`` -> (name, version or spec, pinned)."""
    spec = spec.strip()
    if "@" in spec and "://" not in spec:
        name, _, version = spec.partition("@")
        version = version.strip()
        pinned = bool(_EXACT_PY_VERSION.fullmatch(version))
        return name.strip(), version or None, pinned
    match = _PY_REQUIREMENT.fullmatch(spec)
    if match is None:
        return spec, None, False
    rest = match["rest"].split(";", 1)[0].strip().replace(" ", "")
    if rest.startswith("==") and "," not in rest and "*" not in rest:
        exact = rest.lstrip("=")
        return match["name"], exact, bool(_EXACT_PY_VERSION.fullmatch(exact))
    return match["name"], rest or None, False


def _python_launch(runner: str, spec: str, arguments: list[str]) -> Launch:
    if spec.startswith(_LOCAL_PREFIXES):
        return Launch(runner, arguments=tuple(arguments))
    if "://" in spec:  # git+https://github.com/org/repo@<commit>
        return Launch(runner, "pypi", redact_url(spec), None, bool(_COMMIT.search(spec)), tuple(arguments))
    name, version, pinned = split_python_spec(spec)
    return Launch(runner, "pypi", name, version, pinned, tuple(arguments))


def _docker_launch(runner: str, args: list[str], arguments: list[str]) -> Launch:
    positionals, options = _positionals(args, _DOCKER_VALUE_OPTIONS)
    env_names = tuple(value.split("=", 1)[0] for key in ("-e", "--env") for value in options.get(key, []))
    if not positionals:
        return Launch(runner, arguments=tuple(arguments), env_names=env_names)
    image = parse_image(positionals[0])
    if image is None:
        return Launch(runner, arguments=tuple(arguments), env_names=env_names)
    name = image.path.removeprefix("library/")
    if image.registry != "docker.io":
        name = f"{image.registry}/{name}"
    return Launch(runner, "docker", name, image.version, image.pinned, tuple(arguments), env_names)


def _with_remote(launch: Launch, rest: Sequence[str]) -> Launch:
    """Local proxies to remote servers (``mcp-remote https://...``) name the server they reach."""
    for arg in rest:
        if arg.startswith(("http://", "https://")):
            return replace(launch, remote_url=arg)
    return launch


def _first(*candidates: list[str] | None) -> str | None:
    """The first value of the first non-empty list."""
    for values in candidates:
        if values:
            return values[0]
    return None


def parse_launch(command: str, arguments: Sequence[str] = ()) -> Launch:
    """The package (if any) that ``command arguments`` fetches and runs."""
    command, args = _unwrap(command, arguments)
    runner = program_name(command)
    if runner in ("npm", "pnpm", "yarn", "bun") and args[:1] in (["exec"], ["x"], ["dlx"]):
        runner, args = f"{runner} {args[0]}", args[1:]
    if runner in ("npx", "bunx", "pnpx", "npm exec", "npm x", "pnpm dlx", "yarn dlx", "bun x"):
        positionals, options = _positionals(args, _NPX_VALUE_OPTIONS)
        spec = _first(options.get("-p"), options.get("--package"), positionals)
        if spec is None:
            return Launch(runner, arguments=tuple(args))
        return _with_remote(_npm_launch(runner, spec, args), positionals[1:])
    if runner == "uv" and args[:2] == ["tool", "run"]:
        runner, args = "uvx", args[2:]
    if runner == "uvx":
        positionals, options = _positionals(args, _UVX_VALUE_OPTIONS)
        spec = _first(options.get("--from"), positionals)
        if spec is None:
            return Launch(runner, arguments=tuple(args))
        return _with_remote(_python_launch(runner, spec, args), positionals[1:])
    if runner == "pipx" and args[:1] == ["run"]:
        positionals, options = _positionals(args[1:], _PIPX_VALUE_OPTIONS)
        spec = _first(options.get("--spec"), positionals)
        if spec is None:
            return Launch(runner, arguments=tuple(args))
        return _python_launch(runner, spec, args)
    if runner in ("docker", "podman", "nerdctl"):
        rest = args[1:] if args[:1] == ["run"] else args[2:] if args[:2] == ["container", "run"] else None
        if rest is not None:
            return _docker_launch(runner, rest, args)
    if runner == "go" and args[:1] == ["run"]:
        positionals, _ = _positionals(args[1:], frozenset({"-C", "-mod", "-modfile", "-tags"}))
        if positionals and "@" in positionals[0] and not positionals[0].startswith(_LOCAL_PREFIXES):
            name, _, version = positionals[0].partition("@")
            return Launch(runner, "go", name, version, npm_pinned(version), tuple(args))
    return Launch(runner, arguments=tuple(args))


# --- MCP server identity, shared by config files and code ----------------------------------------------------


def mcp_server_target(launch: Launch | None, url: str | None, command: str | None, arguments: Sequence[str]) -> str:
    """What identifies an MCP server besides its name: runner and package, else the URL, else the local command
    and its first argument.  Config files (``discover.mcp``), Python and JavaScript all use this, so that one
    server found in a config and in code is one asset.  ``url``, ``command`` and ``arguments`` come redacted."""
    if launch is not None and launch.package:
        return f"{launch.runner} {launch.package}"
    if url:
        return url
    if command:
        first = next((a for a in arguments if not a.startswith("-")), "")
        return f"{command} {first}".strip()
    return "unknown"


def mcp_server_key(name: str, target: str) -> str:
    return f"mcp-server:{name}:{target}"


def launch_properties(launch: Launch) -> dict[str, str | bool | list[str] | None]:
    """The properties an MCP server asset carries about the package it runs (``local`` when it runs none)."""
    if not launch.package:
        return {"local": True}
    return {
        "package": launch.package,
        "ecosystem": launch.ecosystem,
        "runner": launch.runner,
        "version": launch.version,
        "pinned": bool(launch.pinned),
        "aliases": [launch.package],
    }
