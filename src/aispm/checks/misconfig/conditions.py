"""The condition language of misconfiguration rules, evaluated with three values: true, false and unknown.

A rule's ``condition`` describes the *misconfigured* state; true means the resource fails the rule, false that it
passes, ``None`` that the code alone cannot tell (a variable without a value, a role defined elsewhere).  Forms::

    {property: P, equals: V}          also not_equals, in, not_in, matches (regex), contains, greater_than,
                                      less_than; add ``default: V`` to judge an omitted property as V
    {property: P, missing: true}      P is not set (null, "", empty); ``missing: false`` for "is set"
    {property: P, some: C}            some item of the list P satisfies C (also every, none); inside C,
                                      properties are the item's keys
    {all: [C, ...]}  {any: [C, ...]}  {not: C}
    {lookup: P, types: [T], then: C}  follow the reference in P to a resource in the same set and judge it;
                                      a reference to something outside the set is unknown
    {referenced_by: {type: T, property: P}}   some resource of type T points at this one through P

Values are compared leniently where infrastructure code is lenient: booleans written as strings are booleans and
strings compare without regard to case.  A reference or unknown value never equals anything: it is unknown.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from msgspec import Struct, field

from aispm.resources.mapping import ResourceView
from aispm.resources.parsed import Origin
from aispm.resources.resource_set import ResourceSet
from aispm.resources.values import as_bool, is_empty, is_open, is_reference, is_unknown

Verdict = bool | None

_VALUE_TESTS = ("equals", "not_equals", "in", "not_in", "matches", "contains", "greater_than", "less_than")
_LIST_TESTS = ("some", "every", "none")
_MISSING: Any = object()
MAX_DEPTH = 30


class ConditionError(ValueError):
    """A malformed condition in a rule file (caught by the catalogue tests, never at scan time)."""


def validate_condition(condition: Any, where: str, depth: int = 0) -> None:
    """Raise ``ConditionError`` for an unknown form, key or shape, so a typo in a rule fails loudly."""
    if depth > MAX_DEPTH:
        raise ConditionError(f"{where}: condition nested too deeply")
    if not isinstance(condition, Mapping) or not condition:
        raise ConditionError(f"{where}: a condition must be a non-empty mapping")
    keys = set(condition)
    if keys & {"all", "any"}:
        (name,) = keys & {"all", "any"}
        items = condition[name]
        if keys != {name} or not isinstance(items, list) or not items:
            raise ConditionError(f"{where}: {name} takes a non-empty list and nothing else")
        for item in items:
            validate_condition(item, where, depth + 1)
        return
    if "not" in keys:
        if keys != {"not"}:
            raise ConditionError(f"{where}: not takes one condition and nothing else")
        validate_condition(condition["not"], where, depth + 1)
        return
    if "lookup" in keys:
        if not keys <= {"lookup", "types", "then"} or "then" not in keys:
            raise ConditionError(f"{where}: lookup needs then (and optionally types)")
        validate_condition(condition["then"], where, depth + 1)
        return
    if "referenced_by" in keys:
        spec = condition["referenced_by"]
        if keys - {"referenced_by", "some"} or not isinstance(spec, Mapping) or set(spec) != {"type", "property"}:
            raise ConditionError(f"{where}: referenced_by takes {{type, property}} (and optionally some)")
        if "some" in keys:
            validate_condition(condition["some"], where, depth + 1)
        return
    if "property" not in keys:
        raise ConditionError(f"{where}: unknown condition {sorted(keys)}")
    tests = keys - {"property", "default"}
    if len(tests) != 1:
        raise ConditionError(f"{where}: a property condition takes exactly one test, got {sorted(tests)}")
    (test,) = tests
    if test in _LIST_TESTS:
        validate_condition(condition[test], where, depth + 1)
    elif test == "missing":
        if not isinstance(condition["missing"], bool):
            raise ConditionError(f"{where}: missing takes true or false")
    elif test not in _VALUE_TESTS:
        raise ConditionError(f"{where}: unknown test {test!r}")
    elif test in ("in", "not_in") and not isinstance(condition[test], list):
        raise ConditionError(f"{where}: {test} takes a list")
    elif test == "matches":
        try:
            re.compile(str(condition[test]))
        except re.error as exc:
            raise ConditionError(f"{where}: bad regular expression: {exc}") from None


class Observation(Struct, frozen=True):
    """A property value that a condition looked at, for the finding's evidence."""

    property: str
    value: Any
    origin: Origin | None

    def describe(self) -> str:
        where = f" ({self.origin.text})" if self.origin and self.origin.text else ""
        return f"{self.property} = {display_value(self.value)}{where}"


def display_value(value: Any) -> str:
    if value is _MISSING:
        return "not set"
    if is_unknown(value):
        return f"unknown ({value['$unknown']})"
    if is_reference(value):
        return f"set at deploy time ({value.get('text', '')})"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value) if len(value) <= 80 else repr(value[:77] + "...")
    text = json.dumps(value, default=str, sort_keys=True)
    return text if len(text) <= 80 else text[:77] + "..."


@cache
def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(text, re.I)


def _normalise(value: Any) -> Any:
    if isinstance(value, str):
        converted = as_bool(value) if value.strip().lower() in ("true", "false") else None
        return converted if converted is not None else value.strip().lower()
    return value


def _equal(actual: Any, expected: Any) -> bool:
    left, right = _normalise(actual), _normalise(expected)
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    return bool(left == right)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _value_test(test: str, expected: Any, actual: Any) -> Verdict:
    """One comparison; ``actual`` is concrete or _MISSING (markers are handled by the caller)."""
    if test == "equals":
        return False if actual is _MISSING else _equal(actual, expected)
    if test == "not_equals":
        return True if actual is _MISSING else not _equal(actual, expected)
    if test == "in":
        return False if actual is _MISSING else any(_equal(actual, e) for e in expected)
    if test == "not_in":
        return True if actual is _MISSING else not any(_equal(actual, e) for e in expected)
    if test == "matches":
        if actual is _MISSING or isinstance(actual, dict | list):
            return False
        return _pattern(str(expected)).search(str(actual)) is not None
    if test == "contains":
        if actual is _MISSING:
            return False
        items = actual if isinstance(actual, list) else [actual]
        if any(is_open(item) for item in items) and not any(_equal(i, expected) for i in items if not is_open(i)):
            return None
        return any(_equal(item, expected) for item in items)
    number = _number(actual)
    limit = _number(expected)
    if actual is _MISSING:
        return False
    if number is None or limit is None:
        return None
    return number > limit if test == "greater_than" else number < limit


class Evaluation(Struct):
    """Evaluates conditions against resources of one set, keeping what it looked at."""

    resources: ResourceSet
    observations: list[Observation] = field(default_factory=list)

    def check(self, condition: Mapping[str, Any], view: ResourceView) -> Verdict:
        return self._check(condition, view, view.properties, view.origins, "", 0)

    def _check(
        self,
        condition: Mapping[str, Any],
        view: ResourceView,
        properties: Mapping[str, Any],
        origins: Mapping[str, Origin],
        prefix: str,
        depth: int,
    ) -> Verdict:
        if depth > MAX_DEPTH:
            return None
        if "all" in condition:
            results = [self._check(c, view, properties, origins, prefix, depth + 1) for c in condition["all"]]
            if False in results:
                return False
            return None if None in results else True
        if "any" in condition:
            results = [self._check(c, view, properties, origins, prefix, depth + 1) for c in condition["any"]]
            if True in results:
                return True
            return None if None in results else False
        if "not" in condition:
            inner = self._check(condition["not"], view, properties, origins, prefix, depth + 1)
            return None if inner is None else not inner
        if "lookup" in condition:
            return self._lookup(condition, view, properties, origins, prefix, depth)
        if "referenced_by" in condition:
            return self._referenced_by(condition, view, depth)
        return self._property(condition, view, properties, origins, prefix, depth)

    def _property(
        self,
        condition: Mapping[str, Any],
        view: ResourceView,
        properties: Mapping[str, Any],
        origins: Mapping[str, Origin],
        prefix: str,
        depth: int,
    ) -> Verdict:
        name = str(condition["property"])
        value = properties.get(name, _MISSING)
        origin = origins.get(name)
        if value is None:
            value = _MISSING
        if value is _MISSING and "default" in condition:
            value = condition["default"]
            origin = Origin("provider default, attribute omitted", None)
        self.observations.append(Observation(prefix + name, value, origin))
        if "missing" in condition:
            if is_unknown(value):
                return None
            missing = value is _MISSING or (not is_reference(value) and is_empty(value))
            return missing if condition["missing"] else not missing
        for test in _LIST_TESTS:
            if test in condition:
                return self._quantify(test, condition[test], value, view, prefix + name, depth)
        (test,) = (t for t in condition if t not in ("property", "default"))
        if is_open(value):
            return None
        return _value_test(test, condition[test], value)

    def _quantify(
        self, test: str, inner: Mapping[str, Any], value: Any, view: ResourceView, name: str, depth: int
    ) -> Verdict:
        if value is _MISSING:
            return test != "some"
        if is_open(value):
            return None
        items = value if isinstance(value, list) else [value]
        results: list[Verdict] = []
        for item in items:
            if is_open(item):
                results.append(None)
            elif isinstance(item, Mapping):
                results.append(self._check(inner, view, item, {}, f"{name}[].", depth + 1))
            else:
                results.append(self._check(inner, view, {"value": item}, {}, f"{name}[].", depth + 1))
        if test == "some":
            return True if True in results else None if None in results else False
        if test == "every":
            return False if False in results else None if None in results else True
        return False if True in results else None if None in results else True

    def _lookup(
        self,
        condition: Mapping[str, Any],
        view: ResourceView,
        properties: Mapping[str, Any],
        origins: Mapping[str, Origin],
        prefix: str,
        depth: int,
    ) -> Verdict:
        name = str(condition["lookup"])
        value = properties.get(name)
        if value is None or value == "" or value == []:
            return False
        if is_unknown(value):
            return None
        types: Sequence[str] = condition.get("types") or ()
        values = value if isinstance(value, list) else [value]
        results: list[Verdict] = []
        for item in values:
            targets = self.resources.resolve(item, types)
            if targets is None:
                results.append(None)  # defined outside what we can see: unknown, not a failure
                continue
            for target in targets:
                results.append(
                    self._check(condition["then"], target, target.properties, target.origins, f"{name} -> ", depth + 1)
                )
        return True if True in results else None if None in results else False

    def _referenced_by(self, condition: Mapping[str, Any], view: ResourceView, depth: int) -> Verdict:
        spec = condition["referenced_by"]
        unknown_seen = False
        for other in self.resources.of_type(str(spec["type"])):
            points = self.resources.refers_to(other.properties.get(str(spec["property"])), view)
            if points is None:
                unknown_seen = True
                continue
            if not points:
                continue
            if "some" not in condition:
                return True
            inner = self._check(condition["some"], other, other.properties, other.origins, "", depth + 1)
            if inner:
                return True
            unknown_seen = unknown_seen or inner is None
        return None if unknown_seen else False
