"""What the JavaScript/TypeScript analyser knows about AI SDKs and frameworks, read from ``catalogue/javascript.yaml``.

The tables say which packages talk to which provider, which exports build agents or connect MCP servers and which
calls take a model id first; :mod:`aispm.discover.js_source` holds the logic.  Adding a framework is a data change.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from msgspec import Struct

from aispm.files.structured import load_shipped_yaml

Export = tuple[str, str]
"""(npm package, exported name)."""


class JsKnowledge(Struct, frozen=True):
    ai_scopes: frozenset[str]
    sdk_providers: Mapping[str, str]
    ai_sdk_provider_packages: frozenset[str]
    agent_builders: Mapping[Export, str]
    mcp_transports: Mapping[Export, str]
    mcp_server_maps: frozenset[Export]
    mcp_client_factories: frozenset[Export]
    model_first_argument: frozenset[Export]
    gateway_prefixes: Mapping[str, str]

    @property
    def packages(self) -> frozenset[str]:
        """Every package these tables name (each one is AI, catalogue or not)."""
        tables: list[Export] = [
            *self.agent_builders,
            *self.mcp_transports,
            *self.mcp_server_maps,
            *self.mcp_client_factories,
        ]
        return frozenset(self.sdk_providers) | self.ai_sdk_provider_packages | {package for package, _ in tables}


def _by_export(table: Mapping[str, Mapping[str, str]] | None) -> dict[Export, str]:
    return {(package, export): value for package, exports in (table or {}).items() for export, value in exports.items()}


def _exports(table: Mapping[str, list[str]] | None) -> frozenset[Export]:
    return frozenset((package, export) for package, exports in (table or {}).items() for export in exports)


@cache
def js_knowledge() -> JsKnowledge:
    text = (resources.files("aispm.discover") / "catalogue" / "javascript.yaml").read_text("utf-8")
    data: dict[str, Any] = load_shipped_yaml(text) or {}
    sdk_providers = {str(k): str(v) for k, v in (data.get("sdk_providers") or {}).items()}
    return JsKnowledge(
        ai_scopes=frozenset(data.get("ai_scopes") or ()),
        sdk_providers=sdk_providers,
        ai_sdk_provider_packages=frozenset(data.get("ai_sdk_provider_packages") or ())
        | {name for name in sdk_providers if name.startswith("@ai-sdk/")},
        agent_builders=_by_export(data.get("agent_builders")),
        mcp_transports=_by_export(data.get("mcp_transports")),
        mcp_server_maps=_exports(data.get("mcp_server_maps")),
        mcp_client_factories=_exports(data.get("mcp_client_factories")),
        model_first_argument=_exports(data.get("model_first_argument")),
        gateway_prefixes={str(k): str(v) for k, v in (data.get("gateway_prefixes") or {}).items()},
    )
