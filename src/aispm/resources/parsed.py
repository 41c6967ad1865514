"""What a parser hands to the rules: resources in their source's own shape, before normalisation.

A parser knows the source format (Terraform, CloudFormation, ARM ...), the resource's native type and its
evaluated properties; it also knows, for each property path, the line it sits on and where its value came from
("variable default, variables.tf:12").  :mod:`aispm.resources.mapping` turns these into normalised ``Resource``
records with the same provenance.
"""

from __future__ import annotations

from typing import Any

from msgspec import Struct, field


class Origin(Struct, frozen=True):
    """Where a value came from, in words, and the line that sets it (``None`` for defaults and derived values)."""

    text: str
    line: int | None = None


class NativeResource(Struct):
    """One resource as declared: native type, evaluated properties, lines and provenance by property path.

    ``address`` identifies it within its file set (``aws_sagemaker_notebook_instance.nb``, a CloudFormation
    logical id, an ARM symbolic name), so references from other resources can be followed to it.
    ``origins`` maps dotted native paths (``instance_metadata_service_configuration.minimum_...``) to origins;
    the longest recorded prefix of a path gives that path's origin.
    """

    source: str
    """terraform, cloudformation, arm, bicep, kubernetes, compose."""
    native_type: str
    address: str
    name: str
    properties: dict[str, Any]
    path: str
    """Relative path of the file that declares it."""
    start_line: int | None
    end_line: int | None
    origins: dict[str, Origin] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    """Other names by which references may reach it (an ARM resource's evaluated name, a Kubernetes name)."""
    context: str = ""
    """Which instantiation this is (a module caller, a ``for_each`` key), shown in findings when not empty."""
    format: str = ""
    """The shape of ``properties`` when it differs from the source's (a pipeline step is in API shape)."""

    def origin_of(self, path: str) -> Origin | None:
        """The origin of ``path`` or of its nearest recorded ancestor."""
        probe = path
        while probe:
            found = self.origins.get(probe)
            if found is not None:
                return found
            probe = probe.rpartition(".")[0]
        return self.origins.get("")
