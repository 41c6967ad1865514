from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest

from aispm.checks.modelfiles import tf_text
from aispm.checks.modelfiles.archives import scan_model_file
from aispm.checks.modelfiles.streams import LimitExceeded
from aispm.checks.modelfiles.tf_graph import MAX_PATH, Node
from aispm.checks.modelfiles.tf_text import (
    MAX_ATTR_TEXTS,
    MAX_DEPTH,
    MAX_INPUTS,
    MAX_TEXT_BYTES,
    TextFormatError,
    read_tf_text_graph,
)
from aispm.engine import scan
from aispm.model import Severity
from aispm.options import ScanOptions

Tree = Callable[[dict[str, str | bytes]], Path]

CONST_PATH = """
    node {
      name: "path"
      op: "Const"
      attr { key: "dtype" value { type: DT_STRING } }
      attr {
        key: "value"
        value { tensor { dtype: DT_STRING tensor_shape { } string_val: "%s" } }
      }
    }"""


def saved_model(graph_nodes: str, functions: str = "") -> str:
    """A ``saved_model.pbtxt`` as ``tf.saved_model.save(..., as_text=True)`` lays it out (trimmed)."""
    return f"""saved_model_schema_version: 1
meta_graphs {{
  meta_info_def {{
    stripped_op_list {{ op {{ name: "PyFunc" }} op {{ name: "ReadFile" }} }}  # registered, not used
    tags: "serve"
  }}
  graph_def {{{graph_nodes}
    library {{{functions}
    }}
    versions {{ producer: 1205 }}
  }}
  signature_def {{ key: "serving_default" value {{ method_name: "tensorflow/serving/predict" }} }}
}}
"""


def facts_of(text: str) -> list[tuple[str, str, str, str, tuple[str, ...]]]:
    facts = read_tf_text_graph(text.encode())
    assert facts is not None
    return [(use.category, use.op, use.node, use.function, use.paths) for use in facts.uses]


def test_read_file_names_the_constant_path_it_reads() -> None:
    text = saved_model(CONST_PATH % "/etc/passwd" + '\n    node { name: "read" op: "ReadFile" input: "path" }')
    assert facts_of(text) == [("files", "ReadFile", "read", "", ("/etc/passwd",))]


def test_py_func_in_a_library_function_is_code() -> None:
    function = """
      function {
        signature { name: "__inference_serve_12" input_arg { name: "x" type: DT_FLOAT } }
        node_def { name: "py" op: "EagerPyFunc" input: "x" attr { key: "token" value { s: "pyfunc_0" } } }
        ret { key: "out" value: "py:output:0" }
      }"""
    assert facts_of(saved_model("", function)) == [("code", "EagerPyFunc", "py", "__inference_serve_12", ())]


@pytest.mark.parametrize("path", ["../../etc/cron.d/job", "/tmp/ckpt", "gs://bucket/ckpt"])
def test_checkpoint_op_with_an_escaping_constant_path_is_reported(path: str) -> None:
    text = saved_model(CONST_PATH % path + '\n    node { name: "save" op: "SaveV2" input: ["path", "^deps"] }')
    assert facts_of(text) == [("path", "SaveV2", "save", "", (path,))]


def test_text_graph_def_and_the_syntax_variants_of_text_format() -> None:
    text = """# a frozen GraphDef written with as_text=True
node <
  name: "p" op: "Const"
  attr: { key: "value" value: < tensor: { dtype: DT_STRING string_val: "/var/" "run/\\x64ocker.sock" } > }
>
node { name: "w"; op: 'WriteFile', input: "p:0" input: "p:0" }
node { name: "log" op: "PrintV2" attr { key: "output_stream" value { s: "file:///tmp/leak" } } }
node { name: "quiet" op: "PrintV2" attr { key: "output_stream" value { s: "stderr" } } }
[type.googleapis.com/tensorflow.Extra] { note: "ignored" }
versions { producer: 27 bad_consumers: [1, 2] }
"""
    assert facts_of(text) == [
        ("files", "WriteFile", "w", "", ("/var/run/docker.sock", "/var/run/docker.sock")),
        ("files", "PrintV2", "log", "", ("file:///tmp/leak",)),
    ]


def test_benign_export_and_registered_op_names_are_quiet() -> None:
    nodes = (
        CONST_PATH % "variables/variables"
        + """
    node { name: "x" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } } }
    node { name: "y" op: "MatMul" input: ["x", "w"] }
    node { name: "save" op: "SaveV2" input: "path" }
    node {
      name: "doc" op: "Const"
      attr { key: "value" value { tensor { dtype: DT_STRING string_val: "op: \\"PyFunc\\"" } } }
    }"""
    )
    facts = read_tf_text_graph(saved_model(nodes).encode())
    assert facts is not None and facts.uses == []
    assert facts.ops == {"Const": 2, "Placeholder": 1, "MatMul": 1, "SaveV2": 1}


def test_a_text_proto_without_a_graph_is_not_a_graph() -> None:
    assert read_tf_text_graph(b'item { id: 1 name: "cat" display_name: "PyFunc" }\n') is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('meta_graphs { graph_def { node { op: "ReadFile" }', "ends inside a message"),
        ('node { op: "ReadFile }', "unexpected character"),
        ("node { op ReadFile }", "expected ':' or a message"),
        ("node { op: }", "expected a value"),
        ('node { input: ["a" "b" }', "expected ',' or ']'"),
        ("} node { }", "expected a field name"),
        ("a" + " " * 100_000 + "!", "expected ':' or a message"),  # linear, however much whitespace
    ],
)
def test_malformed_text_raises_clear_errors(text: str, message: str) -> None:
    with pytest.raises(TextFormatError, match=message):
        read_tf_text_graph(text.encode())


def test_nesting_is_bounded_without_recursion() -> None:
    with pytest.raises(LimitExceeded, match="nested deeper"):
        read_tf_text_graph(b"a { " * (MAX_DEPTH + 5000) + b"}" * (MAX_DEPTH + 5000))


def test_scan_reports_a_text_saved_model_on_the_file(make_tree: Tree) -> None:
    function = """
      function {
        signature { name: "__inference_call_7" }
        node_def { name: "cb" op: "PyFunc" attr { key: "token" value { s: "pyfunc_3" } } }
      }"""
    root = make_tree({
        "export/saved_model.pbtxt": saved_model("", function),
        "export/label_map.pbtxt": 'item { id: 1 name: "cat" }\n',
        "clean/saved_model.pbtxt": saved_model(CONST_PATH % "variables/variables"),
    })  # fmt: skip
    result = scan([str(root)], ScanOptions(workers=1, scanners=frozenset({"models"})))
    [finding] = result.findings
    assert (finding.rule_id, finding.location.path, finding.severity) == (
        "AISPM-MODEL-008",
        "export/saved_model.pbtxt",
        Severity.CRITICAL,
    )
    assert "op PyFunc" in finding.message and "__inference_call_7" in finding.message
    formats = {a.name: a.properties["format"] for a in result.assets if a.kind.value == "model-file"}
    assert formats == {
        "export/saved_model.pbtxt": "tf-savedmodel-text",
        "clean/saved_model.pbtxt": "tf-savedmodel-text",
    }
    assert result.errors == ()


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("saved_model.pbtxt", b'meta_graphs { graph_def { node { op: "Const"', "malformed"),
        ("saved_model.pbtxt", b"\x08\x01\x12\xff\xff binary, not text", "malformed"),
        ("saved_model.pbtxt", b"a { " * 5000, "incomplete"),
    ],
)
def test_malformed_text_saved_model_is_a_finding_not_a_crash(name: str, data: bytes, kind: str) -> None:
    report = scan_model_file(io.BytesIO(data), name, len(data))
    assert report is not None and [issue.kind for issue in report.issues] == [kind]


def test_other_malformed_pbtxt_files_are_left_alone() -> None:
    data = b"model { ssd { num_classes: 90 "  # an object-detection pipeline config, cut short
    assert scan_model_file(io.BytesIO(data), "pipeline.pbtxt", len(data)) is None


@pytest.mark.parametrize(
    ("before_cut", "escape"),
    [
        (1, "\\n"),  # the cut falls between the backslash and the n: the backslash is dropped
        (1, "\\x41"),  # the same before the x
        (2, "\\x41"),  # inside a hex escape: decoded tolerantly
        (3, "\\x41"),
        (1, "\\101"),  # an octal escape
    ],
)
def test_a_long_string_cut_inside_an_escape_does_not_hide_the_graph(before_cut: int, escape: str) -> None:
    """The first MAX_PATH * 4 characters are decoded; a cut inside an escape was a TextFormatError."""
    value = "a" * (MAX_PATH * 4 - before_cut) + escape + "tail"
    text = saved_model(CONST_PATH % value + '\n    node { name: "py" op: "EagerPyFunc" input: "path" }')
    assert facts_of(text) == [("code", "EagerPyFunc", "py", "", ("a" * MAX_PATH,))]


def test_an_even_run_of_backslashes_at_the_cut_is_a_whole_escape() -> None:
    value = "\\\\" * (MAX_PATH * 2) + "tail"  # every backslash escaped: the cut falls between two escapes
    text = saved_model(CONST_PATH % value + '\n    node { name: "read" op: "ReadFile" input: "path" }')
    assert facts_of(text) == [("files", "ReadFile", "read", "", ("\\" * MAX_PATH,))]


def test_adjacent_literals_past_max_path_are_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    decoded: list[str] = []
    unquote = tf_text._unquote
    monkeypatch.setattr(tf_text, "_unquote", lambda token: decoded.append(token) or unquote(token))
    value = '"/etc/' + '" "a' * 50_000 + '"'
    text = saved_model(CONST_PATH.replace('"%s"', value) + '\n    node { name: "read" op: "ReadFile" input: "path" }')
    assert facts_of(text) == [("files", "ReadFile", "read", "", (("/etc/" + "a" * MAX_PATH)[:MAX_PATH],))]
    assert len(decoded) < 2 * MAX_PATH


def test_inputs_and_attribute_texts_kept_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    kept: list[tuple[int, int]] = []
    add_node = tf_text.add_node

    def spy(node: Node, *args: object) -> None:
        kept.append((len(node.inputs), max((len(texts) for texts in node.attributes.values()), default=0)))
        add_node(node, *args)  # type: ignore[arg-type]

    close = tf_text._Walker.close

    def close_spy(walker: tf_text._Walker) -> None:
        if walker.attr is not None:
            kept.append((0, len(walker.attr.texts)))
        close(walker)

    monkeypatch.setattr(tf_text, "add_node", spy)
    monkeypatch.setattr(tf_text._Walker, "close", close_spy)
    streams = ", ".join(['"file:///tmp/x"'] * 5_000)
    nodes = (
        CONST_PATH % "/etc/passwd"
        + '\n    node { name: "read" op: "ReadFile" input: "path" '
        + 'input: "x" ' * 5_000
        + "}"
        + '\n    node { name: "log" op: "PrintV2" attr { key: "output_stream" '
        + f"value {{ list {{ s: [{streams}] }} }} }} }}"
    )
    uses = facts_of(saved_model(nodes))
    assert [use[:2] + use[4:] for use in uses] == [
        ("files", "ReadFile", ("/etc/passwd",)),
        ("files", "PrintV2", ("file:///tmp/x",) * 4),
    ]
    assert max(inputs for inputs, _ in kept) == MAX_INPUTS
    assert max(texts for _, texts in kept) == MAX_ATTR_TEXTS


def test_text_graphs_are_read_whole_only_up_to_64_mib() -> None:
    assert MAX_TEXT_BYTES <= 64 * 1024 * 1024
    with pytest.raises(LimitExceeded, match="larger than"):
        read_tf_text_graph(b" " * (MAX_TEXT_BYTES + 1))
