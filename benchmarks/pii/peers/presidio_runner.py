"""Run Microsoft Presidio's analyzer over dataset files and write every result it reports as JSON.

    PEER_PYTHON presidio_runner.py --root TREE --out REPORT.json FILE...       # quality: every result, located
    PEER_PYTHON presidio_runner.py --root TREE --out REPORT.json --max-bytes N FILE   # speed: the first N bytes

Runs in its own virtualenv (``benchmarks/work/pii-peers-venv``) with ``presidio-analyzer`` and ``pyarrow``; it
imports nothing from aispm.  There is no spaCy model offline, so the analyzer gets an NLP engine built on
``spacy.blank("en")`` -- a tokenizer with no model, no download -- plus a one-line component that sets each token's
lemma to its lower-case text, so Presidio's context-word enhancement ("phone", "ssn", "iban" near a number) still
works.  Its NER recognizer then finds nothing (no PERSON, LOCATION), and every pattern and checksum recognizer of
the default registry runs, with the UK NINO recognizer switched on (it ships disabled; the corpus holds UK data).
The default score threshold (0: every result) is kept; the score of each result is written so that the scoring can
also apply a threshold.

How files are read: text, Markdown and JSON Lines (plain, ``.gz`` or ``.xz``) line by line, each raw line analysed as
one text; CSV cell by cell, each cell with its column name as a context word (what Presidio's own structured-data
helpers do); Parquet and Arrow (stream or file format) row by row and cell by cell, also with the column name.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import lzma
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import spacy
from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
from presidio_analyzer.nlp_engine import SpacyNlpEngine
from presidio_analyzer.predefined_recognizers import UkNinoRecognizer
from spacy.language import Language


@Language.component("lower_lemma")
def lower_lemma(doc):  # type: ignore[no-untyped-def]
    for token in doc:
        token.lemma_ = token.lower_
    return doc


class BlankSpacyNlpEngine(SpacyNlpEngine):
    """Presidio's spaCy engine on a blank English pipeline: tokens and lemmas, no model, nothing downloaded."""

    def load(self) -> None:
        nlp = spacy.blank("en")
        nlp.add_pipe("lower_lemma")
        self.nlp = {"en": nlp}


def build_analyzer() -> AnalyzerEngine:
    engine = BlankSpacyNlpEngine(models=[{"lang_code": "en", "model_name": "blank-en"}])
    engine.load()
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(languages=["en"], nlp_engine=engine)
    registry.add_recognizer(UkNinoRecognizer())
    return AnalyzerEngine(nlp_engine=engine, registry=registry, supported_languages=["en"])


Unit = tuple[str, int | None, int | None, str | None]  # text, line, row, column


def units(path: Path, max_bytes: int | None) -> Iterator[Unit]:
    name = path.name.lower()
    if name.endswith(".parquet") or name.endswith(".arrow"):
        if name.endswith(".parquet"):
            batches = pq.ParquetFile(path).iter_batches(batch_size=1024)
        else:
            with path.open("rb") as handle:
                head = handle.read(6)
            reader = pa.ipc.open_file(path) if head == b"ARROW1" else pa.ipc.open_stream(path.read_bytes())
            batches = (
                iter(reader) if head != b"ARROW1" else (reader.get_batch(i) for i in range(reader.num_record_batches))
            )
        row = 0
        for batch in batches:
            for record in batch.to_pylist():
                row += 1
                for column, value in record.items():
                    if value not in (None, ""):
                        yield str(value), None, row, column
        return
    opener = gzip.open if name.endswith(".gz") else lzma.open if name.endswith(".xz") else open
    with opener(path, "rb") as raw:
        data = raw.read(max_bytes) if max_bytes else raw.read()
    text = data.decode("utf-8", errors="replace")
    if name.endswith(".csv") or name.endswith(".csv.gz") or name.endswith(".tsv"):
        reader = csv.reader(io.StringIO(text), delimiter="\t" if ".tsv" in name else ",")
        header = next(reader)
        for row, record in enumerate(reader, start=1):
            line = reader.line_num
            for column, value in zip(header, record, strict=False):
                if value:
                    yield value, line, row, column
        return
    for line, content in enumerate(text.splitlines(), start=1):
        if content.strip():
            yield content, line, None, None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--max-bytes", type=int, default=None)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    started = time.perf_counter()
    analyzer = build_analyzer()
    load_seconds = time.perf_counter() - started
    reports = []
    errors = []
    bytes_read = 0
    for relative in args.files:
        path = args.root / relative
        try:
            for text, line, row, column in units(path, args.max_bytes):
                bytes_read += len(text.encode())
                context = [column] if column else None
                for result in analyzer.analyze(text=text, language="en", context=context):
                    reports.append(
                        {
                            "file": relative,
                            "line": line,
                            "row": row,
                            "column": column,
                            "type": result.entity_type,
                            "score": round(result.score, 3),
                            "text": text[result.start : result.end],
                        }
                    )
        except Exception as exc:  # a peer's failure on one file is recorded, not fatal
            errors.append(f"{relative}: {type(exc).__name__}: {exc}")
    output = {
        "tool": "presidio",
        "engine": "presidio-analyzer, blank spaCy tokenizer (no NER model), default recognizers + UkNinoRecognizer",
        "load_seconds": round(load_seconds, 2),
        "analyse_seconds": round(time.perf_counter() - started - load_seconds, 2),
        "bytes_analysed": bytes_read,
        "reports": reports,
        "errors": errors,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(output) + "\n")
    print(f"presidio: {len(reports)} results, {len(errors)} errors", file=sys.stderr)


if __name__ == "__main__":
    main()
