"""Jupyter notebooks -> AI inventory: code cells as Python with lines in the .ipynb file, %pip installs, decoys."""

from __future__ import annotations

import ast
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from aispm import engine
from aispm.analyser import AnalysisError, Record
from aispm.discover.notebooks import NotebookAnalyser, locate_lines
from aispm.files.content import FileContent
from aispm.files.walk import FileRef
from aispm.model import Asset, AssetKind, Relation, RelationKind

PNG_BASE64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


def cell(source: str, kind: str = "code", outputs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"cell_type": kind, "metadata": {}, "source": source.splitlines(keepends=True)}
    if kind == "code":
        out["execution_count"] = None
        out["outputs"] = outputs or []
    return out


def notebook(*cells: dict[str, Any], language: str = "python") -> dict[str, Any]:
    return {
        "cells": list(cells),
        "metadata": {
            "kernelspec": {"display_name": language, "language": language, "name": f"{language}3"},
            "language_info": {"name": language},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def write(tmp_path: Path, content: dict[str, Any] | str, name: str = "demo.ipynb") -> tuple[FileContent, str]:
    """Write the notebook as Jupyter does (sorted keys, indent 1, non-ASCII kept)."""
    text = content if isinstance(content, str) else json.dumps(content, indent=1, sort_keys=True, ensure_ascii=False)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    ref = FileRef(str(tmp_path), path, name, path.stat().st_size)
    return FileContent(ref, path.read_bytes()), text


def analyse(tmp_path: Path, content: dict[str, Any] | str) -> tuple[list[Record], str]:
    file, text = write(tmp_path, content)
    return list(NotebookAnalyser().analyse(file)), text


def of_kind(records: list[Record], kind: AssetKind) -> dict[str, Asset]:
    found: dict[str, Asset] = {}
    for record in records:
        if isinstance(record, Asset) and record.kind is kind:
            old = found.get(record.key.lower())
            found[record.key.lower()] = record if old is None else engine.merge_assets(old, record)
    return found


def file_line(text: str, needle: str, after: int = 0) -> int:
    """1-based line of the notebook file holding ``needle`` (after line ``after``)."""
    for number, line in enumerate(text.splitlines(), start=1):
        if number > after and needle in line:
            return number
    raise AssertionError(f"{needle!r} not in notebook")


def lines(asset: Asset) -> list[int | None]:
    return [loc.start_line for loc in asset.locations]


def test_code_cells_are_analysed_with_lines_in_the_ipynb(tmp_path: Path) -> None:
    nb = notebook(
        cell("# Calling gpt-4o with OpenAI\n\nimport openai is how we start.", kind="markdown"),
        cell("import os\nfrom openai import OpenAI"),
        cell(
            "client = OpenAI()\n"
            "reply = client.chat.completions.create(\n"
            '    model="gpt-4o",\n'
            "    messages=[{'role': 'user', 'content': 'héllo'}],\n"
            ")",
            outputs=[{"name": "stdout", "output_type": "stream", "text": ['model="gpt-4o"\n', "client = OpenAI()\n"]}],
        ),
    )
    records, text = analyse(tmp_path, nb)
    assert lines(of_kind(records, AssetKind.PACKAGE)["pypi:openai"]) == [file_line(text, "from openai import OpenAI")]
    provider = of_kind(records, AssetKind.PROVIDER)["provider:openai"]
    in_output = file_line(text, '"client = OpenAI()\\n"')  # nbformat sorts keys: outputs come before source
    in_source = file_line(text, '"client = OpenAI()\\n"', after=in_output)
    assert lines(provider) == [in_source]
    model = of_kind(records, AssetKind.MODEL)["model:openai:gpt-4o"]
    model_line = file_line(text, '"    model=\\"gpt-4o\\",\\n"')
    assert lines(model) == [model_line]
    assert '"text"' not in text.splitlines()[model_line - 1]  # the source line, not the output that precedes it


def test_names_flow_between_cells(tmp_path: Path) -> None:
    nb = notebook(
        cell("import anthropic\nMODEL = 'claude-3-5-haiku-latest'"),
        cell("print('unrelated')"),
        cell("client = anthropic.Anthropic()\nclient.messages.create(model=MODEL, max_tokens=10, messages=[])"),
    )
    records, text = analyse(tmp_path, nb)
    model = of_kind(records, AssetKind.MODEL)["model:anthropic:claude-3-5-haiku-latest"]
    assert file_line(text, "client.messages.create(model=MODEL") in lines(model)
    assert file_line(text, "MODEL = ") in lines(model)


def test_magics_do_not_break_parsing_and_pip_lines_become_packages(tmp_path: Path) -> None:
    nb = notebook(
        cell('%pip install -q "openai>=1.40" langchain-openai\n!pip install requests'),
        cell("!uv pip install anthropic==0.34.0"),
        cell("%%bash\npip install transformers\necho done"),
        cell("%%capture\nimport torch"),
        cell("%matplotlib inline\nfor i in range(2):\n    !echo $i\nfiles = !ls\nimport openai\nopenai?"),
    )
    records, text = analyse(tmp_path, nb)
    packages = of_kind(records, AssetKind.PACKAGE)
    assert {"pypi:openai", "pypi:anthropic", "pypi:transformers", "pypi:torch"} <= set(packages)
    assert "pypi:requests" not in packages  # not AI
    openai = packages["pypi:openai"]
    assert openai.version == ">=1.40"
    assert file_line(text, "%pip install") in lines(openai)
    assert file_line(text, "import openai") in lines(openai)
    anthropic = packages["pypi:anthropic"]
    assert anthropic.version == "==0.34.0"
    assert anthropic.properties["source"] == "notebook"
    assert lines(anthropic) == [file_line(text, "!uv pip install")]
    assert lines(packages["pypi:transformers"]) == [file_line(text, "pip install transformers")]
    assert lines(packages["pypi:torch"]) == [file_line(text, "import torch")]


def test_python_that_merely_looks_like_ipython_is_kept(tmp_path: Path) -> None:
    nb = notebook(
        cell(
            "from openai import OpenAI\n"
            "client = OpenAI(\n"
            "    timeout=30,  # enough?\n"
            "    max_retries=(7\n"
            "    % 3),\n"
            ")\n"
            "same = (1\n"
            "    != 2)"
        )
    )
    records, text = analyse(tmp_path, nb)
    assert lines(of_kind(records, AssetKind.PROVIDER)["provider:openai"]) == [file_line(text, "client = OpenAI(")]


def test_a_broken_cell_does_not_cost_the_notebook(tmp_path: Path) -> None:
    nb = notebook(
        cell("def broken(:\n    pass"),
        cell("from openai import OpenAI\nclient = OpenAI()"),
        cell("print 'python 2'"),
    )
    records, text = analyse(tmp_path, nb)
    assert lines(of_kind(records, AssetKind.PROVIDER)["provider:openai"]) == [file_line(text, "client = OpenAI()")]


def test_the_notebook_itself_is_an_asset_linked_to_what_it_uses(tmp_path: Path) -> None:
    nb = notebook(
        cell("Intro", kind="markdown"),
        cell("%pip install crewai"),
        cell("from datasets import load_dataset\nds = load_dataset('openai/gsm8k', 'main')"),
    )
    records, _ = analyse(tmp_path, nb)
    notebooks = of_kind(records, AssetKind.NOTEBOOK)
    note = notebooks[f"notebook:{tmp_path}/demo.ipynb".lower()]
    assert note.properties == {"cells": 3, "code_cells": 2, "kernel": "python3"}
    dataset = of_kind(records, AssetKind.DATASET)["dataset:huggingface:openai/gsm8k"]
    edges = {(r.source, r.kind, r.target) for r in records if isinstance(r, Relation)}
    assert (note.id, RelationKind.USES, dataset.id) in edges
    assert any(kind is RelationKind.DEPENDS_ON and source == note.id for source, kind, _ in edges)


def test_notebook_without_ai_is_not_an_asset(tmp_path: Path) -> None:
    nb = notebook(
        cell("We could use OpenAI's gpt-4o here, or import openai.", kind="markdown"),
        cell("# import openai\nimport pandas as pd\n%pip install pandas\nmodel = 'gpt-4o'"),
        cell(
            "import matplotlib.pyplot as plt\nplt.plot([1, 2])",
            outputs=[
                {
                    "data": {"image/png": PNG_BASE64, "text/plain": ["import openai\n", "openai.OpenAI()"]},
                    "metadata": {},
                    "output_type": "display_data",
                }
            ],
        ),
    )
    records, _ = analyse(tmp_path, nb)
    assert records == []


def test_non_python_kernels_are_skipped(tmp_path: Path) -> None:
    nb = notebook(cell("import openai\nclient = openai.OpenAI()"), language="R")
    records, _ = analyse(tmp_path, nb)
    assert records == []


def test_source_as_one_string_and_nbformat_3(tmp_path: Path) -> None:
    one_string = notebook(cell(""))
    one_string["cells"][0]["source"] = "import openai\nclient = openai.OpenAI()\n"
    records, text = analyse(tmp_path, one_string)
    provider = of_kind(records, AssetKind.PROVIDER)["provider:openai"]
    assert lines(provider) == [file_line(text, '"source"')]

    v3 = {
        "metadata": {"name": "old"},
        "nbformat": 3,
        "worksheets": [
            {"cells": [{"cell_type": "code", "input": ["import anthropic\n", "c = anthropic.Anthropic()"]}]}
        ],
    }
    records, text = analyse(tmp_path, v3)
    assert lines(of_kind(records, AssetKind.PROVIDER)["provider:anthropic"]) == [file_line(text, "c = anthropic")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"cells": [', "invalid notebook"),
        ("[1, 2, 3]", "not a Jupyter notebook"),
        ('{"metadata": {}}', "not a Jupyter notebook"),
    ],
)
def test_invalid_notebooks_are_clear_errors(tmp_path: Path, content: str, message: str) -> None:
    file, _ = write(tmp_path, content)
    with pytest.raises(AnalysisError, match=message):
        list(NotebookAnalyser().analyse(file))


def test_engine_reports_bad_notebook_and_scans_the_rest(make_tree: Callable[[dict[str, str | bytes]], Path]) -> None:
    good = json.dumps(
        notebook(cell("from transformers import pipeline\np = pipeline('ner', model='dslim/bert-base-NER')"))
    )
    root = make_tree({"bad.ipynb": "{not json", "good.ipynb": good})
    result = engine.scan([str(root)])
    assert [(e.path, e.analyser) for e in result.errors] == [("bad.ipynb", "notebooks")]
    keys = {a.key for a in result.assets}
    assert "model:huggingface:dslim/bert-base-ner" in keys
    assert any(a.kind is AssetKind.NOTEBOOK and a.name == "good.ipynb" for a in result.assets)


def test_analyser_wants_notebooks_only(tmp_path: Path) -> None:
    analyser = NotebookAnalyser()
    for name, wanted in (("a.ipynb", True), ("b.py", False), ("c.json", False)):
        assert analyser.wants(FileRef(str(tmp_path), tmp_path / name, name, 0)) is wanted


def test_hostile_cells_stay_linear(tmp_path: Path) -> None:
    """A line of spaces (quadratic regex), a command continued over many lines (quadratic string building) and
    many installs of one package (quadratic tuple growth) used to take minutes; the installs stay exact."""
    spaces = " " * 60_000 + "x = 1\n"
    continued = "!pip install \\\n" + "  --quiet \\\n" * 20_000 + "  openai\n"
    installs = "".join(f"!pip install anthropic=={i}.0\n" for i in range(3_000))
    started = time.perf_counter()
    records, _ = analyse(tmp_path, notebook(cell(spaces), cell(continued), cell(installs)))
    assert time.perf_counter() - started < 10
    packages = of_kind(records, AssetKind.PACKAGE)
    assert set(packages) == {"pypi:openai", "pypi:anthropic"}
    assert len(packages["pypi:anthropic"].locations) == 3_000
    assert packages["pypi:anthropic"].version == "==0.0"


class CountingText(str):
    """A text that counts the characters its ``find`` calls look at (the work of the line mapping)."""

    scanned = 0

    def find(self, sub: str, start: Any = None, end: Any = None) -> int:  # type: ignore[override]
        begin = 0 if start is None else start
        stop = len(self) if end is None else min(end, len(self))
        hit = super().find(sub, begin, stop)
        CountingText.scanned += max(0, (hit + len(sub) if hit != -1 else stop) - begin)
        return hit


@pytest.mark.parametrize(
    "cells",
    [
        '{"source": "x = 1"}',  # no cell_type: the search for the next one ran to the end of the file each time
        '{"cell_type": "code"}',  # no source key: nothing to search for
        '{"cell_type": "code", "source": "import torch\\ntorch.load(1)\\n"}',  # one string, several lines
    ],
)
def test_line_mapping_is_linear_however_cells_are_written(cells: str) -> None:
    tail = '{"cell_type": "code", "source": ["import torch\\n", "torch.load(\\"m.pt\\")"]}'
    text = '{"cells": [' + ",\n".join([cells] * 3_000 + [tail]) + "]}"
    notebook_json = json.loads(text)
    CountingText.scanned = 0
    located = locate_lines(CountingText(text), notebook_json["cells"], "source")
    assert CountingText.scanned <= 4 * len(text)
    assert located[-1] == [text.count("\n") + 1] * 2  # the last cell's lines are still found, on the last line


def test_json_and_python_are_parsed_once_for_every_analyser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The inventory and the model-loader check read the same notebook: one JSON parse, one Python parse."""
    from aispm.checks.modelfiles.loaders import LoaderCallAnalyser
    from aispm.discover import notebooks

    counts = {"json": 0, "python": 0}
    load, parse = notebooks.load_json, ast.parse

    def counting_load(text: str) -> Any:
        counts["json"] += 1
        return load(text)

    def counting_parse(source: str, *args: Any, **kwargs: Any) -> ast.Module:
        counts["python"] += 1
        return parse(source, *args, **kwargs)

    monkeypatch.setattr(notebooks, "load_json", counting_load)
    monkeypatch.setattr(ast, "parse", counting_parse)
    file, text = write(
        tmp_path, notebook(cell("import torch\nfrom openai import OpenAI\n"), cell("torch.load('m.pt')\n"))
    )
    inventory = list(NotebookAnalyser().analyse(file))
    loader_calls = list(LoaderCallAnalyser().analyse(file))
    assert counts == {"json": 1, "python": 1}
    assert of_kind(inventory, AssetKind.NOTEBOOK) and [f.location.start_line for f in loader_calls] == [
        file_line(text, "torch.load(")
    ]
    other, _ = write(tmp_path, notebook(cell("import torch\ntorch.load('n.pt')\n")), "other.ipynb")
    assert [f.properties["path"] for f in LoaderCallAnalyser().analyse(other)] == ["n.pt"]  # a new file, new parse
    assert counts == {"json": 2, "python": 2}
