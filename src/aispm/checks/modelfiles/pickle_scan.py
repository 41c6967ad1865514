"""A streaming pickle opcode walker: finds every global a pickle imports, without loading it.

The walker decodes opcodes from a :class:`~aispm.checks.modelfiles.streams.ByteSource` and simulates the stack and
the memo just far enough to resolve callables: ``GLOBAL``/``INST`` name them inline, ``STACK_GLOBAL`` takes them
from the stack (often through ``MEMOIZE``/``BINGET``), and ``REDUCE``, ``NEWOBJ``, ``NEWOBJ_EX``, ``OBJ``,
``INST`` and ``BUILD`` say what is called with what.  Values are modelled only as far as that needs (short strings,
small ints and containers, global references, call results); every other value is opaque.  Large byte and string
operands are skipped, never read, so a pickle's cost is proportional to its opcodes, not to its size.

Everything is bounded (opcodes, memo, stack, kept operand and container sizes).  A limit that stops the walk is
recorded as an ``incomplete`` issue: no limit ever makes a file look clean.  Malformed opcodes end the walk with a
``malformed`` issue; globals seen before that point are still reported, since ``pickle.load`` would already
have imported and called them.
"""

from __future__ import annotations

import codecs
import re
import struct
from collections.abc import Callable
from typing import Any

from msgspec import Struct, field

from aispm.checks.modelfiles.streams import ByteSource, CorruptData, LimitExceeded, Truncated

HIGHEST_PROTOCOL = 5


class PickleLimits(Struct, frozen=True):
    max_opcodes: int = 10_000_000
    max_memo: int = 1_000_000
    max_stack: int = 500_000
    """Items on the simulated stack, including those parked under MARKs."""
    max_kept_items: int = 1_000_000
    """Items held in simulated containers, over the whole walk."""
    max_marks: int = 100_000
    max_pickles: int = 100_000
    max_nested: int = 16
    """Pickles inside pickles (joblib object arrays) and nested walks."""
    kept_operand: int = 256
    """Strings up to this size are held (to resolve names); longer ones, and all bytes, are opaque."""
    container_items: int = 256
    """Items kept per simulated list, tuple or dict; more are counted, not held."""


DEFAULT_LIMITS = PickleLimits()


class Malformed(Exception):
    """The bytes are not a valid pickle at this point (``pickle.load`` would fail here too)."""


class GlobalRef(Struct, frozen=True):
    """A global the pickle imports (``module.name``), as a value on the simulated stack."""

    module: str
    name: str

    @property
    def dotted(self) -> str:
        return f"{self.module}.{self.name}"


class Instance:
    """What a call or instantiation produced: the factory, its arguments and any state BUILD gave it."""

    __slots__ = ("args", "factory", "state")

    def __init__(self, factory: Any, args: Any) -> None:
        self.factory = factory
        self.args = args
        self.state: Any = None


class _Opaque:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<opaque>"


OPAQUE: Any = _Opaque()
"""Any value the walker does not model (floats, big strings, persistent objects ...)."""


class ImportedGlobal(Struct):
    module: str
    name: str
    opcode: str
    offset: int
    called: bool = False
    count: int = 1
    resolved: int = 0
    """Calls of ``getattr`` on a global with a constant name: each became a global of its own (``module.Class.attr``,
    opcode ``getattr``), judged like any other import."""

    @property
    def dotted(self) -> str:
        return f"{self.module}.{self.name}"


class PickleIssue(Struct, frozen=True):
    kind: str
    """``malformed`` (not a valid pickle), ``incomplete`` (a limit stopped the walk), ``unresolved`` (an import
    whose name is computed), ``tampering`` (BUILD modifying an imported global), ``extension`` (copyreg code)."""
    message: str
    offset: int | None = None


class PickleScan(Struct):
    """What one walk found: imported globals in order of first use, issues, and counts."""

    globals: dict[tuple[str, str], ImportedGlobal] = field(default_factory=dict)
    issues: list[PickleIssue] = field(default_factory=list)
    pickles: int = 0
    opcodes: int = 0
    protocol: int | None = None
    trailing_bytes: int = 0
    """Bytes after the last pickle that were not a pickle (legacy checkpoints keep raw storage there)."""

    @property
    def complete(self) -> bool:
        return not any(issue.kind in ("incomplete", "malformed") for issue in self.issues)

    def record(self, module: str, name: str, opcode: str, offset: int) -> None:
        seen = self.globals.get((module, name))
        if seen is None:
            self.globals[(module, name)] = ImportedGlobal(module, name, opcode, offset)
        else:
            seen.count += 1

    def mark_called(self, ref: GlobalRef) -> None:
        seen = self.globals.get((ref.module, ref.name))
        if seen is not None:
            seen.called = True

    def mark_resolved(self, ref: GlobalRef) -> None:
        seen = self.globals.get((ref.module, ref.name))
        if seen is not None:
            seen.resolved += 1


BuildHook = Callable[["PickleWalker", Instance], Any]
"""Called after BUILD with the built instance: returns the value that replaces it on the stack, or ``None``.

Lets a format that writes raw data inside a pickle stream (joblib's arrays) consume that data."""

_BUILTIN_MODULES = frozenset({"builtins", "__builtin__"})
_IDENTIFIER = re.compile(r"[A-Za-z_]\w{0,200}")


def _attribute_path(factory: GlobalRef, args: Any) -> GlobalRef | None:
    """``getattr(<imported global>, "<identifier>")`` as the global it reaches (``zoneinfo.ZoneInfo._unpickle``,
    as pickle writes a classmethod; or ``os.system`` when a pickle hides it so), else ``None``."""
    if factory.name != "getattr" or factory.module not in _BUILTIN_MODULES:
        return None
    if type(args) is not tuple or len(args) != 2:
        return None
    owner, name = args
    if type(owner) is not GlobalRef or type(name) is not str or _IDENTIFIER.fullmatch(name) is None:
        return None
    return GlobalRef(owner.module, f"{owner.name}.{name}")


_MODULE_NAME = re.compile(r"[A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*")
_GLOBAL_NAME = re.compile(r"[A-Za-z_][\w]*(?:\.[A-Za-z_<>][\w<>]*)*")
_MAX_NAME = 1024
_MISSING = object()

_U8 = struct.Struct("<B")
_U16 = struct.Struct("<H")
_I32 = struct.Struct("<i")
_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")
_F64 = struct.Struct(">d")


class PickleWalker:
    """Walks the pickles of one stream, recording into ``scan``."""

    def __init__(
        self,
        source: ByteSource,
        scan: PickleScan | None = None,
        limits: PickleLimits = DEFAULT_LIMITS,
        build_hook: BuildHook | None = None,
        depth: int = 0,
    ) -> None:
        self.source = source
        self.scan = scan if scan is not None else PickleScan()
        self.limits = limits
        self.build_hook = build_hook
        self.depth = depth
        self.stack: list[Any] = []
        self.metastack: list[list[Any]] = []
        self.memo: dict[int, Any] = {}
        self.parked = 0
        """Items parked on the metastack under MARKs."""
        self.watch_getattr = False
        """Set once the pickle imports getattr: every call then goes through :meth:`_call`, which resolves
        getattr's calls and notes getattr handed to another callable as called."""
        self.kept_items = 0
        self.op_offset = 0

    # --- the walk ----------------------------------------------------------------------------------------------

    def load_one(self) -> Any:
        """Walk one pickle to its STOP and return the simulated top value.

        Raises :class:`Malformed`, :class:`~.streams.Truncated` or :class:`~.streams.LimitExceeded`.
        """
        self.stack, self.metastack, self.memo, self.parked = [], [], {}, 0
        source, scan, dispatch, memo, metastack = self.source, self.scan, _DISPATCH, self.memo, self.metastack
        max_opcodes, max_stack, max_marks = self.limits.max_opcodes, self.limits.max_stack, self.limits.max_marks
        max_memo, kept_operand = self.limits.max_memo, self.limits.kept_operand
        container_items, max_kept_items = self.limits.container_items, self.limits.max_kept_items
        count = scan.opcodes
        # Limits are checked every _CHECK_EVERY opcodes (an opcode adds at most one stack item), not on each one.
        check_at = min(count + _CHECK_EVERY, max_opcodes + 1)
        # The buffer and position live in locals on the hot path; ``source.pos`` and ``op_offset`` are written back
        # only before a handler runs (handlers read and move the source, and name the opcode's offset in errors).
        buf, pos, stack = source.buf, source.pos, self.stack
        size = len(buf)
        try:
            while True:
                if pos < size:  # the hot path: the opcode is already buffered
                    code = buf[pos]
                    pos += 1
                else:
                    source.pos = pos
                    self.op_offset = source.offset
                    code = source.byte()
                    if code < 0:
                        raise Truncated(f"pickle ends at offset {self.op_offset} without a STOP opcode")
                    buf, pos = source.buf, source.pos
                    size = len(buf)
                count += 1
                if count >= check_at:
                    if count > max_opcodes or len(self.stack) + self.parked > max_stack:
                        source.pos, self.op_offset = pos, source.start + pos - 1
                        if count > max_opcodes:
                            raise LimitExceeded(f"more than {max_opcodes:,} pickle opcodes")
                        raise LimitExceeded(f"pickle stack deeper than {max_stack:,} items")
                    check_at = min(count + _CHECK_EVERY, max_opcodes + 1)
                # Inline fast paths for the most frequent opcodes (nine in ten of a typical pickle) when their operand
                # is buffered and no edge case applies; anything else goes to the handler, which checks all.
                if code == 0x94:  # MEMOIZE
                    index = len(memo)
                    if stack and index < max_memo:
                        memo[index] = stack[-1]
                        continue
                elif code == 0x8C:  # SHORT_BINUNICODE
                    if pos < size:
                        end = pos + 1 + buf[pos]
                        if end <= size and buf[pos] <= kept_operand:
                            try:
                                stack.append(buf[pos + 1 : end].decode("utf-8", "surrogatepass"))
                            except UnicodeDecodeError:
                                pass  # the handler reports it
                            else:
                                pos = end
                                continue
                elif code == 0x4B:  # BININT1
                    if pos < size:
                        stack.append(buf[pos])
                        pos += 1
                        continue
                elif code == 0x71:  # BINPUT
                    if pos < size and stack and (len(memo) < max_memo or buf[pos] in memo):
                        memo[buf[pos]] = stack[-1]
                        pos += 1
                        continue
                elif code == 0x68:  # BINGET
                    if pos < size:
                        value = memo.get(buf[pos], _MISSING)
                        if value is not _MISSING:
                            stack.append(value)
                            pos += 1
                            continue
                elif code == 0x4E:  # NONE
                    stack.append(None)
                    continue
                elif code == 0x28:  # MARK
                    if len(metastack) < max_marks:
                        metastack.append(stack)
                        self.parked += len(stack)
                        self.stack = stack = []
                        continue
                elif code == 0x89:  # NEWFALSE
                    stack.append(False)
                    continue
                elif code == 0x88:  # NEWTRUE
                    stack.append(True)
                    continue
                elif code == 0x85:  # TUPLE1
                    if stack:
                        stack[-1] = (stack[-1],)
                        continue
                elif code == 0x87:  # TUPLE3
                    if len(stack) >= 3:
                        stack[-3:] = [(stack[-3], stack[-2], stack[-1])]
                        continue
                elif code == 0x86:  # TUPLE2
                    if len(stack) >= 2:
                        stack[-2:] = [(stack[-2], stack[-1])]
                        continue
                elif code == 0x52:  # REDUCE (once getattr is imported, calls go to the handler: see _call)
                    if len(stack) >= 2 and not self.watch_getattr:
                        args = stack.pop()
                        factory = stack[-1]
                        if isinstance(factory, GlobalRef):
                            scan.mark_called(factory)
                        stack[-1] = Instance(factory, args)
                        continue
                elif code == 0x74 and metastack:  # TUPLE: the items since the last MARK
                    items = stack
                    stack = self.stack = metastack.pop()
                    self.parked -= len(stack)
                    if len(items) > container_items:  # as _keep: too big to hold, opaque
                        stack.append(OPAQUE)
                    else:
                        self.kept_items += len(items)
                        stack.append(OPAQUE if self.kept_items > max_kept_items else tuple(items))
                    continue
                elif code == 0x58 and pos + 4 <= size:  # BINUNICODE
                    end = pos + 4 + _U32.unpack_from(buf, pos)[0]
                    if end - pos - 4 <= kept_operand and end <= size:
                        try:
                            stack.append(buf[pos + 4 : end].decode("utf-8", "surrogatepass"))
                        except UnicodeDecodeError:
                            pass  # the handler reports it
                        else:
                            pos = end
                            continue
                elif code == 0x29:  # EMPTY_TUPLE
                    stack.append(())
                    continue
                elif code == 0x4A and pos + 4 <= size:  # BININT
                    stack.append(_I32.unpack_from(buf, pos)[0])
                    pos += 4
                    continue
                source.pos = pos
                self.op_offset = source.start + pos - 1
                handler = dispatch[code]
                if handler is None:
                    raise Malformed(f"invalid opcode 0x{code:02x} at offset {self.op_offset}")
                if handler(self) is _STOP:
                    value = self._pop()
                    scan.pickles += 1
                    return value
                buf, pos, stack = source.buf, source.pos, self.stack  # the handler may have moved all three
                size = len(buf)
        finally:
            scan.opcodes = count

    # --- stack helpers -----------------------------------------------------------------------------------------

    def _pop(self) -> Any:
        if not self.stack:
            raise Malformed(f"stack underflow at offset {self.op_offset}")
        return self.stack.pop()

    def _top(self) -> Any:
        if not self.stack:
            raise Malformed(f"stack underflow at offset {self.op_offset}")
        return self.stack[-1]

    def _pop_mark(self) -> list[Any]:
        if not self.metastack:
            raise Malformed(f"no MARK for the opcode at offset {self.op_offset}")
        items = self.stack
        self.stack = self.metastack.pop()
        self.parked -= len(self.stack)
        return items

    def _keep(self, items: list[Any]) -> list[Any] | None:
        """``items`` when a container of that size may be held, ``None`` (opaque) when too big."""
        if len(items) > self.limits.container_items:
            return None
        self.kept_items += len(items)
        if self.kept_items > self.limits.max_kept_items:
            return None
        return items

    def _memo_put(self, index: int) -> None:
        if index < 0:
            raise Malformed(f"negative memo index at offset {self.op_offset}")
        memo = self.memo
        if len(memo) >= self.limits.max_memo and index not in memo:
            raise LimitExceeded(f"pickle memo larger than {self.limits.max_memo:,} entries")
        if not self.stack:
            raise Malformed(f"stack underflow at offset {self.op_offset}")
        memo[index] = self.stack[-1]

    def _memo_get(self, index: int) -> None:
        value = self.memo.get(index, _MISSING)
        if value is _MISSING:
            raise Malformed(f"memo entry {index} read before it was written (offset {self.op_offset})")
        self.stack.append(value)

    # --- operands ----------------------------------------------------------------------------------------------

    def _line(self) -> bytes:
        data, complete = self.source.line(_MAX_NAME * 64)
        if not complete:
            raise Malformed(f"text operand longer than {_MAX_NAME * 64} bytes at offset {self.op_offset}")
        return data

    def _text_line(self) -> tuple[bytes, bool]:
        return self.source.line(self.limits.kept_operand)

    def _sized(self, length: int) -> bytes | None:
        """A length-prefixed operand: its bytes when small, ``None`` after skipping it when large."""
        if length <= self.limits.kept_operand:
            return self.source.take(length)
        self.source.skip(length)
        return None

    def _skip_sized(self, length: int) -> None:
        """A length-prefixed operand whose value is never needed (bytes): passed over, opaque on the stack."""
        self.source.skip(length)
        self.stack.append(OPAQUE)

    def _decode_name(self, raw: bytes, what: str, pattern: re.Pattern[str]) -> str:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise Malformed(f"{what} is not UTF-8 at offset {self.op_offset}") from None
        if len(text) > _MAX_NAME or pattern.fullmatch(text) is None:
            raise Malformed(f"{what} {text[:60]!r} is not a Python name (offset {self.op_offset})")
        return text

    # --- globals and calls -------------------------------------------------------------------------------------

    def _import(self, module: str, name: str, opcode: str) -> GlobalRef:
        self.scan.record(module, name, opcode, self.op_offset)
        if name == "getattr" and module in _BUILTIN_MODULES:
            self.watch_getattr = True
        return GlobalRef(module, name)

    def _call(self, factory: Any, args: Any) -> Any:
        if self.watch_getattr and type(args) is tuple:
            for item in args:  # getattr handed to another callable, which may call it with anything
                if type(item) is GlobalRef and item.name == "getattr" and item.module in _BUILTIN_MODULES:
                    self.scan.mark_called(item)
        if isinstance(factory, GlobalRef):
            attribute = _attribute_path(factory, args)
            if attribute is not None:  # getattr(<global>, "name"): the pickle imports the attribute
                self.scan.record(attribute.module, attribute.name, "getattr", self.op_offset)
                self.scan.mark_resolved(factory)
                return attribute
            self.scan.mark_called(factory)
        return Instance(factory, args)

    # --- opcode handlers (names follow pickletools) ------------------------------------------------------------

    def op_mark(self) -> None:
        if len(self.metastack) >= self.limits.max_marks:
            raise LimitExceeded(f"more than {self.limits.max_marks:,} nested MARKs")
        self.metastack.append(self.stack)
        self.parked += len(self.stack)
        self.stack = []

    def op_stop(self) -> object:
        return _STOP

    def op_pop(self) -> None:
        if self.stack:
            self.stack.pop()
        else:
            self._pop_mark()

    def op_pop_mark(self) -> None:
        self._pop_mark()

    def op_dup(self) -> None:
        self.stack.append(self._top())

    def op_float(self) -> None:
        raw = self._line()
        try:
            float(raw)
        except ValueError:
            raise Malformed(f"FLOAT operand is not a number at offset {self.op_offset}") from None
        self.stack.append(OPAQUE)

    def op_int(self) -> None:
        raw = self._line()
        if raw == b"00":
            self.stack.append(False)
        elif raw == b"01":
            self.stack.append(True)
        else:
            self.stack.append(self._parse_int(raw))

    def op_long(self) -> None:
        raw = self._line()
        self.stack.append(self._parse_int(raw[:-1] if raw.endswith(b"L") else raw))

    def _parse_int(self, raw: bytes) -> Any:
        try:
            return int(raw)
        except ValueError:
            raise Malformed(f"integer operand {raw[:40]!r} is not a number at offset {self.op_offset}") from None

    def op_binint(self) -> None:
        self.stack.append(_I32.unpack(self.source.take(4))[0])

    def op_binint1(self) -> None:
        self.stack.append(self.source.take(1)[0])

    def op_binint2(self) -> None:
        self.stack.append(_U16.unpack(self.source.take(2))[0])

    def op_long1(self) -> None:
        length = self.source.take(1)[0]
        self.stack.append(int.from_bytes(self.source.take(length), "little", signed=True))

    def op_long4(self) -> None:
        length = _I32.unpack(self.source.take(4))[0]
        if length < 0:
            raise Malformed(f"LONG4 with negative length at offset {self.op_offset}")
        data = self._sized(length)
        self.stack.append(OPAQUE if data is None else int.from_bytes(data, "little", signed=True))

    def op_none(self) -> None:
        self.stack.append(None)

    def op_newtrue(self) -> None:
        self.stack.append(True)

    def op_newfalse(self) -> None:
        self.stack.append(False)

    def op_binfloat(self) -> None:
        self.stack.append(_F64.unpack(self.source.take(8))[0])

    def op_string(self) -> None:
        raw, complete = self._text_line()
        if not complete:
            self.stack.append(OPAQUE)
            return
        if len(raw) < 2 or raw[:1] not in (b"'", b'"') or raw[-1:] != raw[:1]:
            raise Malformed(f"STRING operand is not quoted at offset {self.op_offset}")
        try:
            value = codecs.escape_decode(raw[1:-1])[0]
        except ValueError:
            raise Malformed(f"STRING operand has a bad escape at offset {self.op_offset}") from None
        self.stack.append(value.decode("latin-1"))

    def op_unicode(self) -> None:
        raw, complete = self._text_line()
        if not complete:
            self.stack.append(OPAQUE)
            return
        try:
            self.stack.append(raw.decode("raw-unicode-escape"))
        except UnicodeDecodeError:
            raise Malformed(f"UNICODE operand has a bad escape at offset {self.op_offset}") from None

    def _push_text(self, data: bytes | None) -> None:
        if data is None:
            self.stack.append(OPAQUE)
            return
        try:
            self.stack.append(data.decode("utf-8", "surrogatepass"))
        except UnicodeDecodeError:
            raise Malformed(f"string operand is not UTF-8 at offset {self.op_offset}") from None

    def op_binunicode(self) -> None:
        self._push_text(self._sized(_U32.unpack(self.source.take(4))[0]))

    def op_short_binunicode(self) -> None:
        self._push_text(self._sized(self.source.take(1)[0]))

    def op_binunicode8(self) -> None:
        self._push_text(self._sized(_U64.unpack(self.source.take(8))[0]))

    def _push_latin1(self, data: bytes | None) -> None:
        # Python 2 strings: pickle decodes them to str (ASCII by default), so they can name globals.
        self.stack.append(OPAQUE if data is None else data.decode("latin-1"))

    def op_binstring(self) -> None:
        length = _I32.unpack(self.source.take(4))[0]
        if length < 0:
            raise Malformed(f"BINSTRING with negative length at offset {self.op_offset}")
        self._push_latin1(self._sized(length))

    def op_short_binstring(self) -> None:
        self._push_latin1(self.source.take(self.source.take(1)[0]))

    def op_binbytes(self) -> None:
        self._skip_sized(_U32.unpack(self.source.take(4))[0])

    def op_short_binbytes(self) -> None:
        self._skip_sized(self.source.take(1)[0])

    def op_binbytes8(self) -> None:
        self._skip_sized(_U64.unpack(self.source.take(8))[0])

    def op_bytearray8(self) -> None:
        self._skip_sized(_U64.unpack(self.source.take(8))[0])

    def op_next_buffer(self) -> None:
        self.stack.append(OPAQUE)

    def op_readonly_buffer(self) -> None:
        self._top()

    def op_empty_list(self) -> None:
        self.stack.append([])

    def op_empty_dict(self) -> None:
        self.stack.append({})

    def op_empty_tuple(self) -> None:
        self.stack.append(())

    def op_empty_set(self) -> None:
        self.stack.append(OPAQUE)

    def op_list(self) -> None:
        items = self._keep(self._pop_mark())
        self.stack.append(OPAQUE if items is None else list(items))

    def op_tuple(self) -> None:
        items = self._keep(self._pop_mark())
        self.stack.append(OPAQUE if items is None else tuple(items))

    def op_tuple1(self) -> None:
        self.stack.append((self._pop(),))

    def op_tuple2(self) -> None:
        second = self._pop()
        self.stack.append((self._pop(), second))

    def op_tuple3(self) -> None:
        third = self._pop()
        second = self._pop()
        self.stack.append((self._pop(), second, third))

    def op_dict(self) -> None:
        items = self._pop_mark()
        target: dict[Any, Any] = {}
        self._set_items(target, items)
        self.stack.append(target)

    def op_frozenset(self) -> None:
        self._pop_mark()
        self.stack.append(OPAQUE)

    def op_additems(self) -> None:
        self._pop_mark()
        self._top()

    def op_append(self) -> None:
        value = self._pop()
        target = self._top()
        if isinstance(target, list) and self._keep([value]) is not None and len(target) < self.limits.container_items:
            target.append(value)

    def op_appends(self) -> None:
        items = self._pop_mark()
        target = self._top()
        if isinstance(target, list):
            room = self.limits.container_items - len(target)
            kept = self._keep(items[: max(room, 0)])
            if kept:
                target.extend(kept)

    def op_setitem(self) -> None:
        value = self._pop()
        key = self._pop()
        target = self._top()
        if isinstance(target, dict):
            self._set_items(target, [key, value])

    def op_setitems(self) -> None:
        items = self._pop_mark()
        target = self._top()
        if isinstance(target, dict):
            self._set_items(target, items)

    def _set_items(self, target: dict[Any, Any], items: list[Any]) -> None:
        if len(items) % 2:
            raise Malformed(f"odd number of items for a dict at offset {self.op_offset}")
        for index in range(0, len(items), 2):
            if len(target) >= self.limits.container_items:
                return
            key = items[index]
            hashable = isinstance(key, str | int | bytes | bool) or key is None
            if hashable and self._keep([key]) is not None:
                target[key] = items[index + 1]

    def op_get(self) -> None:
        raw = self._line()
        self._memo_get(self._parse_int(raw))

    def op_binget(self) -> None:
        self._memo_get(self.source.take(1)[0])

    def op_long_binget(self) -> None:
        self._memo_get(_U32.unpack(self.source.take(4))[0])

    def op_put(self) -> None:
        raw = self._line()
        self._memo_put(self._parse_int(raw))

    def op_binput(self) -> None:
        self._memo_put(self.source.take(1)[0])

    def op_long_binput(self) -> None:
        self._memo_put(_U32.unpack(self.source.take(4))[0])

    def op_memoize(self) -> None:
        self._memo_put(len(self.memo))

    def op_global(self) -> None:
        module = self._decode_name(self._line(), "GLOBAL module", _MODULE_NAME)
        name = self._decode_name(self._line(), "GLOBAL name", _GLOBAL_NAME)
        self.stack.append(self._import(module, name, "GLOBAL"))

    def op_stack_global(self) -> None:
        name = self._pop()
        module = self._pop()
        if isinstance(module, str) and isinstance(name, str):
            if _MODULE_NAME.fullmatch(module) is None or _GLOBAL_NAME.fullmatch(name) is None:
                raise Malformed(f"STACK_GLOBAL names {module[:60]!r}.{name[:60]!r} (offset {self.op_offset})")
            self.stack.append(self._import(module, name, "STACK_GLOBAL"))
            return
        self.scan.issues.append(
            PickleIssue("unresolved", "STACK_GLOBAL imports a name computed at load time", self.op_offset)
        )
        self.stack.append(OPAQUE)

    def op_inst(self) -> None:
        module = self._decode_name(self._line(), "INST module", _MODULE_NAME)
        name = self._decode_name(self._line(), "INST name", _GLOBAL_NAME)
        args = self._keep(self._pop_mark())
        ref = self._import(module, name, "INST")
        self.stack.append(self._call(ref, OPAQUE if args is None else tuple(args)))

    def op_obj(self) -> None:
        items = self._pop_mark()
        if not items:
            raise Malformed(f"OBJ without a class at offset {self.op_offset}")
        args = self._keep(items[1:])
        self.stack.append(self._call(items[0], OPAQUE if args is None else tuple(args)))

    def op_reduce(self) -> None:
        args = self._pop()
        factory = self._pop()
        self.stack.append(self._call(factory, args))

    def op_newobj(self) -> None:
        args = self._pop()
        cls = self._pop()
        self.stack.append(self._call(cls, args))

    def op_newobj_ex(self) -> None:
        self._pop()  # keyword arguments
        args = self._pop()
        cls = self._pop()
        self.stack.append(self._call(cls, args))

    def op_build(self) -> None:
        state = self._pop()
        target = self._top()
        if isinstance(target, GlobalRef):
            self.scan.issues.append(
                PickleIssue("tampering", f"BUILD sets attributes on the imported {target.dotted}", self.op_offset)
            )
        elif isinstance(target, Instance):
            target.state = state
            if self.build_hook is not None:
                replacement = self.build_hook(self, target)
                if replacement is not None:
                    self.stack[-1] = replacement

    def op_persid(self) -> None:
        self._line()
        self.stack.append(OPAQUE)

    def op_binpersid(self) -> None:
        self._pop()
        self.stack.append(OPAQUE)

    def _extension(self, code: int) -> None:
        if code <= 0:
            raise Malformed(f"extension code {code} at offset {self.op_offset}")
        self.scan.issues.append(
            PickleIssue("extension", f"copyreg extension code {code} (resolved by the loading process)",
                        self.op_offset)
        )  # fmt: skip
        self.stack.append(OPAQUE)

    def op_ext1(self) -> None:
        self._extension(self.source.take(1)[0])

    def op_ext2(self) -> None:
        self._extension(_U16.unpack(self.source.take(2))[0])

    def op_ext4(self) -> None:
        self._extension(_I32.unpack(self.source.take(4))[0])

    def op_proto(self) -> None:
        protocol = self.source.take(1)[0]
        if protocol > HIGHEST_PROTOCOL:
            raise Malformed(f"unsupported pickle protocol {protocol} at offset {self.op_offset}")
        self.scan.protocol = max(self.scan.protocol or 0, protocol)

    def op_frame(self) -> None:
        # A frame only announces how many bytes of opcodes follow: its content is walked like any other.
        self.source.take(8)

    # --- nested pickles ------------------------------------------------------------------------------------------

    def load_nested(self) -> Any:
        """Walk a pickle that starts at the current position (inside this one) with its own stack and memo."""
        if self.depth >= self.limits.max_nested:
            raise LimitExceeded(f"pickles nested more than {self.limits.max_nested} deep")
        inner = PickleWalker(self.source, self.scan, self.limits, self.build_hook, self.depth + 1)
        inner.kept_items = self.kept_items
        value = inner.load_one()
        self.kept_items = inner.kept_items
        return value


_STOP = object()

_HANDLERS = {
    "(": "op_mark",
    ".": "op_stop",
    "0": "op_pop",
    "1": "op_pop_mark",
    "2": "op_dup",
    "F": "op_float",
    "I": "op_int",
    "J": "op_binint",
    "K": "op_binint1",
    "L": "op_long",
    "M": "op_binint2",
    "N": "op_none",
    "P": "op_persid",
    "Q": "op_binpersid",
    "R": "op_reduce",
    "S": "op_string",
    "T": "op_binstring",
    "U": "op_short_binstring",
    "V": "op_unicode",
    "X": "op_binunicode",
    "a": "op_append",
    "b": "op_build",
    "c": "op_global",
    "d": "op_dict",
    "}": "op_empty_dict",
    "e": "op_appends",
    "g": "op_get",
    "h": "op_binget",
    "i": "op_inst",
    "j": "op_long_binget",
    "l": "op_list",
    "]": "op_empty_list",
    "o": "op_obj",
    "p": "op_put",
    "q": "op_binput",
    "r": "op_long_binput",
    "s": "op_setitem",
    "t": "op_tuple",
    ")": "op_empty_tuple",
    "u": "op_setitems",
    "G": "op_binfloat",
    "\x80": "op_proto",
    "\x81": "op_newobj",
    "\x82": "op_ext1",
    "\x83": "op_ext2",
    "\x84": "op_ext4",
    "\x85": "op_tuple1",
    "\x86": "op_tuple2",
    "\x87": "op_tuple3",
    "\x88": "op_newtrue",
    "\x89": "op_newfalse",
    "\x8a": "op_long1",
    "\x8b": "op_long4",
    "B": "op_binbytes",
    "C": "op_short_binbytes",
    "\x8c": "op_short_binunicode",
    "\x8d": "op_binunicode8",
    "\x8e": "op_binbytes8",
    "\x8f": "op_empty_set",
    "\x90": "op_additems",
    "\x91": "op_frozenset",
    "\x92": "op_newobj_ex",
    "\x93": "op_stack_global",
    "\x94": "op_memoize",
    "\x95": "op_frame",
    "\x96": "op_bytearray8",
    "\x97": "op_next_buffer",
    "\x98": "op_readonly_buffer",
}
"""Every opcode of protocols 0-5 -> its handler."""

_DISPATCH: list[Callable[[PickleWalker], Any] | None] = [None] * 256
for _code, _handler in _HANDLERS.items():
    _DISPATCH[ord(_code)] = getattr(PickleWalker, _handler)
_CHECK_EVERY = 64

_OPENING_BYTES = frozenset(b"(cil}])N\x80")
"""Bytes a further pickle in the same stream may plausibly open with."""


def looks_like_pickle_start(head: bytes) -> bool:
    """Whether data after a pickle's STOP plausibly starts another pickle (rather than raw data)."""
    if not head:
        return False
    if head[0] == 0x80:
        return len(head) > 1 and 2 <= head[1] <= HIGHEST_PROTOCOL
    return head[0] in _OPENING_BYTES


def scan_pickle_stream(
    source: ByteSource,
    scan: PickleScan | None = None,
    limits: PickleLimits = DEFAULT_LIMITS,
    build_hook: BuildHook | None = None,
    max_pickles: int | None = None,
) -> PickleScan:
    """Walk every pickle in ``source`` (several may follow one another) and return what was found.

    Errors become issues: a problem in the first pickle is ``malformed``; data after a complete pickle that does
    not parse is counted as trailing bytes (files such as legacy PyTorch checkpoints keep raw data there), but any
    global seen in it is still reported.
    """
    scan = scan if scan is not None else PickleScan()
    walker = PickleWalker(source, scan, limits, build_hook)
    wanted = max_pickles if max_pickles is not None else limits.max_pickles
    first = True
    start = source.offset
    try:
        while first or not (source.at_end() or scan.pickles >= wanted):
            if not first and not looks_like_pickle_start(source.peek(2)):
                scan.trailing_bytes = _remaining_from(source, source.offset)
                break
            start = source.offset
            walker.load_one()
            first = False
    except (Malformed, Truncated) as exc:
        if first:
            prefix = "truncated: " if isinstance(exc, Truncated) else ""
            scan.issues.append(PickleIssue("malformed", f"{prefix}{exc}", walker.op_offset))
        else:
            scan.trailing_bytes = _remaining_from(source, start)
    except CorruptData as exc:
        scan.issues.append(PickleIssue("malformed", f"corrupt data: {exc}", walker.op_offset))
    except LimitExceeded as exc:
        scan.issues.append(PickleIssue("incomplete", f"not fully analysed: {exc}", walker.op_offset))
    return scan


def _remaining_from(source: ByteSource, start: int) -> int:
    if source.size is not None:
        return max(source.size - start, 0)
    return max(source.offset - start, 1)
