"""Which infrastructure format a file is in, and its resources: the one entry point of the parsers.

Every parser returns the resources the file declares (``own``, judged and reported here) and the resources it
can see (``visible``: its Terraform module, or the file itself), which cross-resource rules look through.  Cheap
text tests come first so that the thousands of YAML and JSON files of a repository that are not infrastructure
cost a substring search each.
"""

from __future__ import annotations

import re
from pathlib import Path

from msgspec import Struct, field

from aispm.files.structured import StructuredError, load_yaml_documents
from aispm.files.walk import FileRef
from aispm.resources import arm, bicep, cloudformation, compose, kubernetes, terraform
from aispm.resources.parsed import NativeResource
from aispm.resources.sagemaker_pipeline import pipeline_steps


class FormatError(ValueError):
    """A file in a recognised format that cannot be read; the message is fit for a per-file error."""


class ParsedFile(Struct):
    format: str
    own: list[NativeResource] = field(default_factory=list)
    visible: list[NativeResource] = field(default_factory=list)


_COMPOSE_NAME = re.compile(r"(?:docker-)?compose(?:[.-][\w.-]*)?\.ya?ml")
_YAML_SUFFIXES = (".yaml", ".yml", ".template")


def wanted(ref: FileRef) -> bool:
    """Files that may hold infrastructure code, judged by name alone."""
    name = ref.name_lower
    return name.endswith((".tf", ".tf.json", ".bicep", ".json", *_YAML_SUFFIXES))


def _with_pipeline_steps(resources: list[NativeResource]) -> list[NativeResource]:
    out = list(resources)
    for resource in resources:
        out.extend(pipeline_steps(resource))
    return out


def _terraform(ref: FileRef, text: str) -> ParsedFile:
    try:
        own, visible = terraform.terraform_resources(ref.path, ref.relpath, text, Path(ref.root))
    except terraform.TerraformError as exc:
        raise FormatError(str(exc)) from None
    return ParsedFile("terraform", _with_pipeline_steps(own), _with_pipeline_steps(visible))


def _cloudformation(ref: FileRef, document: object, text: str) -> ParsedFile:
    own = _with_pipeline_steps(cloudformation.cloudformation_resources(document, ref.relpath, text))
    return ParsedFile("cloudformation", own, own)


def _yaml_documents(text: str, what: str) -> list[object]:
    try:
        return load_yaml_documents(text)
    except StructuredError as exc:
        raise FormatError(f"{what}: {exc}") from None


def parse_file(ref: FileRef, text: str) -> ParsedFile | None:
    """The resources of ``ref`` (whose content is ``text``), or ``None`` when it is not infrastructure code."""
    name = ref.name_lower
    if name.endswith((".tf", ".tf.json")):
        return _terraform(ref, text)
    if name.endswith(".bicep"):
        try:
            own = bicep.bicep_resources(text, ref.relpath)
        except bicep.BicepError as exc:
            raise FormatError(str(exc)) from None
        return ParsedFile("bicep", own, own)
    if name.endswith(".json"):
        if cloudformation.looks_like_cloudformation(text):
            try:
                document = cloudformation.load_template(text, is_json=True)
            except cloudformation.TemplateError as exc:
                raise FormatError(str(exc)) from None
            return _cloudformation(ref, document, text) if cloudformation.is_template(document) else None
        if arm.looks_like_arm(text):
            try:
                own = arm.arm_resources(text, ref.relpath)
            except arm.ArmError as exc:
                raise FormatError(str(exc)) from None
            return ParsedFile("arm", own, own)
        return None
    if not name.endswith(_YAML_SUFFIXES):
        return None
    if cloudformation.looks_like_cloudformation(text):
        try:
            document = cloudformation.load_template(text, is_json=False)
        except cloudformation.TemplateError as exc:
            if "AWSTemplateFormatVersion" in text:
                raise FormatError(str(exc)) from None
            document = None  # prose or another YAML dialect that mentions AWS types: not a template
        if cloudformation.is_template(document):
            return _cloudformation(ref, document, text)
    if _COMPOSE_NAME.fullmatch(name) or compose.looks_like_compose(text):
        own = compose.compose_resources(_yaml_documents(text, "compose file"), ref.relpath)
        return ParsedFile("compose", own, own)
    if kubernetes.looks_like_kubernetes(text):
        try:
            documents = load_yaml_documents(text)
        except StructuredError as exc:
            if "{{" in text:
                return None  # an unrendered Helm template is not YAML yet; its rendered output is judged
            raise FormatError(f"Kubernetes manifest: {exc}") from None
        own = kubernetes.kubernetes_resources(
            documents, ref.relpath, lambda: kubernetes.directory_routes(ref.path, ref.relpath)
        )
        return ParsedFile("kubernetes", own, own)
    return None
