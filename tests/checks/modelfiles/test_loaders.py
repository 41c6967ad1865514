from __future__ import annotations

import ast
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from aispm.checks.modelfiles import loaders
from aispm.checks.modelfiles.loaders import (
    LOADER_RULES,
    MAX_TEXT,
    LoaderCall,
    LoaderCallAnalyser,
    find_loader_calls,
)
from aispm.engine import scan
from aispm.files.content import FileContent
from aispm.files.walk import FileRef
from aispm.model import Finding, Severity
from aispm.options import ScanOptions

from .builders import evil_reduce

Tree = Callable[[dict[str, str | bytes]], Path]


def calls(source: str) -> list[tuple[str, str, str | None]]:
    return [(call.rule_id, call.loader, call.path) for call in find_loader_calls(source)]


def one(source: str) -> LoaderCall:
    [call] = find_loader_calls(source)
    return call


@pytest.mark.parametrize(
    ("source", "loader", "path"),
    [
        ("import torch\nm = torch.load('models/best.pt')\n", "torch.load", "models/best.pt"),
        ("import torch as th\nth.load(f='ckpt.pth', map_location='cpu')\n", "torch.load", "ckpt.pth"),
        ("from torch import load\nload('a.pt')\n", "torch.load", "a.pt"),
        ("import torch\nimport os\ntorch.load(os.path.join('ckpt', 'last.pt'))\n", "torch.load", "ckpt/last.pt"),
        (
            "import torch\nfrom pathlib import Path\ntorch.load(Path('ckpt') / 'last.pt')\n",
            "torch.load",
            "ckpt/last.pt",
        ),
        ("import torch\nCKPT = 'w/model.bin'\ndef f():\n    return torch.load(CKPT)\n", "torch.load", "w/model.bin"),
        ("import torch\ntorch.load(args.checkpoint)\n", "torch.load", None),
    ],
)
def test_torch_load_without_weights_only(source: str, loader: str, path: str | None) -> None:
    call = one(source)
    assert (call.rule_id, call.loader, call.path, call.severity) == ("AISPM-MODEL-011", loader, path, None)


def test_torch_load_with_weights_only_false_is_high() -> None:
    call = one("import torch\ntorch.load('m.pt', weights_only=False)\n")
    assert call.severity is Severity.HIGH and call.detail == {"weights_only": False}


def test_torch_load_with_weights_only_true_is_safe() -> None:
    assert calls("import torch\nnet.load_state_dict(torch.load('m.pt', weights_only=True))\n") == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from transformers import AutoModel\nAutoModel.from_pretrained('acme/net', trust_remote_code=True)\n",
         ("AISPM-MODEL-012", "transformers.AutoModel.from_pretrained", "acme/net")),
        ("import transformers\np = transformers.pipeline(model='./local', trust_remote_code=True)\n",
         ("AISPM-MODEL-012", "transformers.pipeline", "./local")),
        ("from datasets import load_dataset\nload_dataset('acme/data', trust_remote_code=True)\n",
         ("AISPM-MODEL-012", "datasets.load_dataset", "acme/data")),
        ("from tensorflow import keras\nkeras.models.load_model('m.keras', safe_mode=False)\n",
         ("AISPM-MODEL-013", "tensorflow.keras.models.load_model", "m.keras")),
        ("import keras\nkeras.config.enable_unsafe_deserialization()\n",
         ("AISPM-MODEL-013", "keras.config.enable_unsafe_deserialization", None)),
        ("import pickle\nwith open('models/clf.pkl', 'rb') as fh:\n    clf = pickle.load(fh)\n",
         ("AISPM-MODEL-014", "pickle.load", "models/clf.pkl")),
        ("import joblib\nclf = joblib.load('models/clf.joblib')\n",
         ("AISPM-MODEL-014", "joblib.load", "models/clf.joblib")),
        ("import numpy as np\nnp.load('emb.npy', allow_pickle=True)\n", ("AISPM-MODEL-014", "numpy.load", "emb.npy")),
        ("import pandas as pd\ndf = pd.read_pickle('frame.pkl')\n",
         ("AISPM-MODEL-014", "pandas.read_pickle", "frame.pkl")),
        ("import dill\nf = open('fn.dill', 'rb')\ndill.load(f)\n", ("AISPM-MODEL-014", "dill.load", "fn.dill")),
    ],
)  # fmt: skip
def test_other_unsafe_loaders(source: str, expected: tuple[str, str, str | None]) -> None:
    assert calls(source) == [expected]


@pytest.mark.parametrize(
    "source",
    [
        "import json\nwith open('m.pkl') as f:\n    json.load(f)\n",
        "import yaml\nyaml.safe_load(open('c.yaml'))\n",
        "# torch.load('m.pt')\nprint('pickle.load is unsafe')\n",
        "def load(path):\n    return path\nload('m.pt')\n",  # a local function, not torch's
        "class Repo:\n    def get(self):\n        return self.model.load('x.pt')\n",  # an ORM-style method
        "import numpy as np\nnp.load('emb.npy')\n",  # allow_pickle defaults to False
        "from transformers import AutoModel\nAutoModel.from_pretrained('bert-base-uncased', trust_remote_code=False)\n",
        "from keras.models import load_model\nload_model('m.keras')\n",  # safe mode on
        "import torch\ntorch.save(model, 'm.pt')\n",
        "import torch\ndef broken(:\n    torch.load('m.pt')\n",  # does not parse: nothing, no crash
    ],
)
def test_decoys(source: str) -> None:
    assert calls(source) == []


def test_analyser_locates_the_call_and_prefilters(make_tree: Tree) -> None:
    root = make_tree({"src/train.py": "import torch\n\n\nmodel = torch.load(\n    'best.pt'\n)\n",
                      "src/app.py": "print('no loaders here')\n"})  # fmt: skip
    result = scan([str(root)], ScanOptions(workers=1, scanners=frozenset({"models"})))
    [finding] = result.findings
    assert finding.rule_id == "AISPM-MODEL-011" and finding.location.path == "src/train.py"
    assert (finding.location.start_line, finding.location.end_line) == (4, 6)
    assert finding.properties["path"] == "best.pt" and "'best.pt'" in finding.message


def test_wants(tmp_path: Path) -> None:
    analyser = LoaderCallAnalyser()
    assert analyser.wants(FileRef(str(tmp_path), tmp_path / "a.py", "a.py", 1))
    assert analyser.wants(FileRef(str(tmp_path), tmp_path / "a.ipynb", "a.ipynb", 1))
    assert not analyser.wants(FileRef(str(tmp_path), tmp_path / "a.pyc", "a.pyc", 1))
    assert not analyser.wants(FileRef(str(tmp_path), tmp_path / "ipynb.txt", "ipynb.txt", 1))


def notebook(*cells: tuple[str, str], outputs: str = "") -> str:
    """An nbformat 4 notebook as Jupyter writes it: one JSON string per source line, indent 1."""
    body = []
    for cell_type, source in cells:
        cell: dict[str, object] = {"cell_type": cell_type, "metadata": {}, "source": source.splitlines(keepends=True)}
        if cell_type == "code":
            cell |= {"execution_count": None, "outputs": []}
            if outputs:
                cell["outputs"] = [{"name": "stdout", "output_type": "stream", "text": [outputs]}]
        body.append(cell)
    return json.dumps({"cells": body, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"


def scan_models(root: Path) -> list[Finding]:
    result = scan([str(root)], ScanOptions(workers=1, scanners=frozenset({"models"})))
    assert result.errors == ()
    return [f for f in result.findings if f.rule_id in LOADER_RULES]


def line_of(text: str, needle: str) -> int:
    [line] = [number for number, line in enumerate(text.splitlines(), 1) if needle in line]
    return line


def test_notebook_code_cells_are_read_across_cells_and_located_in_the_ipynb(make_tree: Tree) -> None:
    text = notebook(
        ("markdown", "# Evaluate\nLoad the checkpoint.\n"),
        ("code", "%pip install torch\nimport torch as th\n"),
        ("code", "CKPT = 'w/best.pt'\nmodel = th.load(\n    CKPT,\n)\n"),
        ("code", "from transformers import AutoModel\nAutoModel.from_pretrained('acme/net', trust_remote_code=True)"),
    )
    root = make_tree({"nb/eval.ipynb": text})
    torch_load, remote = sorted(scan_models(root), key=lambda f: f.rule_id)
    assert (torch_load.rule_id, torch_load.location.path) == ("AISPM-MODEL-011", "nb/eval.ipynb")
    assert torch_load.properties["path"] == "w/best.pt" and torch_load.properties["loader"] == "torch.load"
    start = line_of(text, "model = th.load(")
    assert (torch_load.location.start_line, torch_load.location.end_line) == (start, start + 2)
    assert remote.rule_id == "AISPM-MODEL-012" and remote.properties["path"] == "acme/net"
    assert remote.location.start_line == line_of(text, "trust_remote_code=True")


def test_notebook_loader_is_linked_to_the_model_it_loads(make_tree: Tree) -> None:
    text = notebook(("code", "import pickle\nwith open('clf.pkl', 'rb') as f:\n    clf = pickle.load(f)\n"))
    root = make_tree({"app/clf.pkl": evil_reduce(2), "app/explore.ipynb": text})
    [loader] = scan_models(root)
    assert loader.rule_id == "AISPM-MODEL-014" and loader.severity is Severity.CRITICAL
    assert loader.properties["loads"] == ["app/clf.pkl"]


@pytest.mark.parametrize(
    "text",
    [
        notebook(("markdown", "```python\nimport torch\ntorch.load('m.pt')\n```\n")),  # prose, not code
        notebook(("code", "import torch\nm = torch.load('m.pt', weights_only=True)\n")),  # the safe form
        notebook(("code", "print('done')\n"), outputs="torch.load('m.pt') pickle.load(f)\n"),  # only in outputs
        notebook(("code", "# torch.load('m.pt') is unsafe, so we do not\nimport safetensors\n")),  # a comment
        notebook(("raw", "import torch\ntorch.load('m.pt')\n")),  # a raw cell is never run
        '{"cells": "torch.load(x)"',  # not JSON: the inventory's notebook analyser reports it, not this check
        '["torch.load(x)"]',  # JSON but not a notebook
    ],
)
def test_notebook_decoys(make_tree: Tree, text: str) -> None:
    assert scan_models(make_tree({"nb/decoy.ipynb": text})) == []


def test_a_cell_that_does_not_parse_costs_only_that_cell(make_tree: Tree) -> None:
    text = notebook(("code", "def broken(:\n"), ("code", "import joblib\nclf = joblib.load('m.joblib')\n"))
    [finding] = scan_models(make_tree({"nb/a.ipynb": text}))
    assert finding.rule_id == "AISPM-MODEL-014" and finding.location.start_line == line_of(text, "joblib.load(")


def all_lines_of(text: str, needle: str) -> list[int]:
    return [number for number, line in enumerate(text.splitlines(), 1) if needle in line]


def content_of(tmp_path: Path, name: str, text: str) -> FileContent:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return FileContent(FileRef(str(tmp_path), path, name, path.stat().st_size), path.read_bytes())


@pytest.mark.parametrize(
    "source",
    [
        "x = 'é'; torch.load('ü.pt')\r\ny = 1\rz = torch.load(\n 'a' +\r\n  'b')\n",  # every line break, non-ASCII
        "a = '€€'\f; b = torch.load(\"x\" + 'y' * 3)\n",  # a form feed is not a line break
        "q = torch.load(" + "'😀' + " * 400 + "'x')\n",  # longer than MAX_TEXT, four bytes a character
    ],
)
def test_argument_text_is_the_source_segment_cut_at_max_text(source: str) -> None:
    tree = ast.parse(source)
    expected = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            text = ast.get_source_segment(source, node.args[0]) or ""
            expected.append(text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "\N{HORIZONTAL ELLIPSIS}")
    assert sorted(call.argument for call in find_loader_calls(source)) == sorted(expected)


def test_many_calls_do_not_rescan_the_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ast.get_source_segment splits the whole source per call: 4,000 calls in a notebook took 76 s."""

    def rescans(*args: object, **kwargs: object) -> str:
        raise AssertionError("the source is split into lines again for one finding")

    monkeypatch.setattr(ast, "get_source_segment", rescans)
    text = notebook(*[("code", "import torch\nm = torch.load('m.pt', map_location=dev)\n")] * 2_000)
    findings = list(LoaderCallAnalyser().analyse(content_of(tmp_path, "many.ipynb", text)))
    assert len(findings) == 2_000 and {f.properties["argument"] for f in findings} == {"'m.pt'"}


def test_notebook_python_is_capped_like_a_python_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loaders, "MAX_SOURCE_BYTES", 400)
    parsed: list[int] = []
    parse = ast.parse
    monkeypatch.setattr(ast, "parse", lambda source, *a, **k: parsed.append(len(source)) or parse(source, *a, **k))
    first = "import torch\nm = torch.load('first.pt')\n"
    text = notebook(("code", first), *[("code", "x = 1  # filler " + "." * 60 + "\n")] * 20, ("code", first))
    findings = list(LoaderCallAnalyser().analyse(content_of(tmp_path, "big.ipynb", text)))
    assert [f.location.start_line for f in findings] == all_lines_of(text, "torch.load")[:1]
    assert parsed and max(parsed) <= 400


def test_small_notebooks_are_not_capped(tmp_path: Path) -> None:
    text = notebook(*[("code", "import torch\nm = torch.load('m.pt')\n")] * 3)
    findings = list(LoaderCallAnalyser().analyse(content_of(tmp_path, "small.ipynb", text)))
    assert [f.location.start_line for f in findings] == all_lines_of(text, "torch.load")
