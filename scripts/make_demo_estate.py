"""Generate the demo estate: several small, realistic repositories that use AI in the ways aispm must see.

Usage: python scripts/make_demo_estate.py DEST [--copies N]

Everything is written by this script (no binaries are committed): a Python service, a TypeScript web app,
research notebooks, an agent project with MCP configurations, an ML platform with compose, Kubernetes and a little
Terraform, a Hugging Face model directory with a tiny safetensors file, and a fine-tuning dataset. Each repository
is a real git repository when git is available. ``--copies N`` replicates the estate N times (for benchmarks).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import string
import struct
import subprocess
import sys
from pathlib import Path

FILES: dict[str, str] = {}


def repo(name: str, files: dict[str, str]) -> None:
    for rel, text in files.items():
        FILES[f"{name}/{rel}"] = text


def notebook(cells: list[tuple[str, str]]) -> str:
    doc = {
        "cells": [
            {
                "cell_type": kind,
                "metadata": {},
                "source": [line + "\n" for line in src.strip("\n").split("\n")],
                **({"execution_count": None, "outputs": []} if kind == "code" else {}),
            }
            for kind, src in cells
        ],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(doc, indent=1) + "\n"


repo(
    "payments-assistant",
    {
        "README.md": "# Payments assistant\n\nAnswers questions about invoices with OpenAI (gpt-4o) and Pinecone.\n",
        "requirements.txt": (
            "# runtime\n-r requirements/base.txt\nopenai==1.52.0\nlangchain-openai>=0.2,<0.3\n"
            "pinecone==5.3.1\ntiktoken==0.8.0\n# anthropic==0.39.0  (evaluated, not used)\nrequests==2.32.3\n"
        ),
        "requirements/base.txt": "fastapi==0.115.0\nuvicorn==0.30.6\npydantic==2.9.2\n",
        "app/__init__.py": "",
        "app/llm.py": '''"""LLM access for the assistant."""

import os

from openai import AzureOpenAI, OpenAI
from langchain_openai import ChatOpenAI

CHAT_MODEL = os.getenv("CHAT_MODEL", "gpt-4o")
EMBEDDING_MODEL = "text-embedding-3-small"

client = OpenAI()
azure = AzureOpenAI(
    azure_endpoint="https://payments-prod.openai.azure.com/",
    api_version="2024-06-01",
)


def answer(question: str) -> str:
    reply = client.chat.completions.create(
        model=CHAT_MODEL,
        messages=[{"role": "user", "content": question}],
    )
    return reply.choices[0].message.content or ""


def embed(text: str) -> list[float]:
    return client.embeddings.create(model=EMBEDDING_MODEL, input=text).data[0].embedding


summariser = ChatOpenAI(model="gpt-4o-mini", temperature=0)
''',
        "app/store.py": """from pinecone import Pinecone

pc = Pinecone()
index = pc.Index("invoices")
""",
        "app/models.py": '''"""Database models (not AI): a decoy for inventory scanners."""

from dataclasses import dataclass


@dataclass
class Invoice:
    id: int
    amount: float


class Meta:
    model = Invoice
''',
        ".env.example": "CHAT_MODEL=gpt-4o\nOPENAI_BASE_URL=https://api.openai.com/v1\nPINECONE_INDEX=invoices\n",
        "Dockerfile": (
            "FROM python:3.12-slim\nWORKDIR /app\nCOPY requirements.txt .\n"
            "RUN pip install --no-cache-dir -r requirements.txt\nCOPY app app\n"
            'CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]\n'
        ),
    },
)

repo(
    "support-chatbot-web",
    {
        "package.json": json.dumps(
            {
                "name": "support-chatbot-web",
                "version": "1.4.0",
                "private": True,
                "dependencies": {
                    "openai": "^4.67.0",
                    "@anthropic-ai/sdk": "^0.30.1",
                    "ai": "^3.4.9",
                    "@ai-sdk/openai": "^0.0.66",
                    "openapi-typescript": "^7.4.1",
                    "next": "14.2.15",
                },
                "devDependencies": {"typescript": "5.6.3"},
            },
            indent=2,
        )
        + "\n",
        "package-lock.json": json.dumps(
            {
                "name": "support-chatbot-web",
                "version": "1.4.0",
                "lockfileVersion": 3,
                "requires": True,
                "packages": {
                    "": {"name": "support-chatbot-web", "version": "1.4.0"},
                    "node_modules/openai": {"version": "4.67.3"},
                    "node_modules/@anthropic-ai/sdk": {"version": "0.30.1"},
                    "node_modules/ai": {"version": "3.4.9"},
                    "node_modules/@ai-sdk/openai": {"version": "0.0.66"},
                    "node_modules/openapi-typescript": {"version": "7.4.1"},
                    "node_modules/next": {"version": "14.2.15"},
                },
            },
            indent=2,
        )
        + "\n",
        "src/chat.ts": """import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { generateText } from 'ai';
import { openai } from '@ai-sdk/openai';

const MODEL = process.env.CHAT_MODEL ?? 'gpt-4o-mini';

const client = new OpenAI({ baseURL: 'https://api.openai.com/v1' });
const claude = new Anthropic();

export async function reply(question: string): Promise<string> {
  const res = await client.chat.completions.create({
    model: MODEL,
    messages: [{ role: 'user', content: question }],
  });
  return res.choices[0].message.content ?? '';
}

export async function escalate(question: string) {
  const msg = await claude.messages.create({
    model: 'claude-3-5-sonnet-20241022',
    max_tokens: 512,
    messages: [{ role: 'user', content: question }],
  });
  return msg.content;
}

export const summary = (text: string) => generateText({ model: openai('gpt-4o'), prompt: text });
""",
        "src/db.ts": """// Not AI: an ORM model and an HTTP agent (decoys).
import { Agent } from 'https';
export const keepAlive = new Agent({ keepAlive: true });
export const userModel = { model: 'User', table: 'users' };
""",
    },
)

repo(
    "research-notebooks",
    {
        "environment.yml": (
            "name: research\nchannels:\n  - conda-forge\n  - pytorch\ndependencies:\n  - python=3.11\n"
            "  - pytorch=2.3.1\n  - numpy=1.26.4\n  - scikit-learn=1.5.2\n  - pip\n  - pip:\n"
            "      - transformers==4.44.2\n      - datasets==2.21.0\n      - sentence-transformers==3.1.1\n"
        ),
        "notebooks/fine_tune_classifier.ipynb": notebook(
            [
                ("markdown", "# Fine-tune a support-ticket classifier\nUses a BERT base model."),
                ("code", "%pip install -q peft==0.13.0 accelerate"),
                (
                    "code",
                    "from datasets import load_dataset\n"
                    "from transformers import AutoModelForSequenceClassification, AutoTokenizer\n\n"
                    'tickets = load_dataset("json", data_files="data/train.jsonl")\n'
                    'reviews = load_dataset("stanfordnlp/imdb")\n'
                    'tokenizer = AutoTokenizer.from_pretrained("google-bert/bert-base-uncased")\n'
                    "model = AutoModelForSequenceClassification.from_pretrained(\n"
                    '    "google-bert/bert-base-uncased", num_labels=4\n)',
                ),
                ("code", "# import openai  (not used any more)\nprint(model.config)"),
            ]
        ),
        "notebooks/embeddings.ipynb": notebook(
            [
                (
                    "code",
                    "from sentence_transformers import SentenceTransformer\n"
                    'encoder = SentenceTransformer("sentence-transformers/all-MiniLM-L6-v2")',
                )
            ]
        ),
        "scripts/download.sh": (
            "#!/bin/sh\nset -e\nhuggingface-cli download meta-llama/Llama-3.1-8B-Instruct --local-dir models/llama\n"
            "ollama pull llama3.1:8b\n"
        ),
    },
)

repo(
    "agent-ops",
    {
        "pyproject.toml": """[project]
name = "agent-ops"
version = "0.3.0"
requires-python = ">=3.11"
dependencies = [
  "crewai>=0.70",
  "langgraph==0.2.39",
  "langchain-anthropic==0.2.3",
  "mcp[cli]>=1.1",
]

[project.optional-dependencies]
eval = ["ragas==0.2.2"]
""",
        "agents/triage.py": """from crewai import Agent, Crew, Task
from langchain_anthropic import ChatAnthropic

llm = ChatAnthropic(model="claude-3-5-sonnet-20241022")

triager = Agent(role="Triage", goal="Route incidents", backstory="On call", llm=llm)
crew = Crew(agents=[triager], tasks=[Task(description="triage", expected_output="route", agent=triager)])
""",
        "agents/graph.py": """from langgraph.prebuilt import create_react_agent
from langchain_openai import ChatOpenAI

agent = create_react_agent(ChatOpenAI(model="gpt-4o"), tools=[])
""",
        ".mcp.json": json.dumps(
            {
                "mcpServers": {
                    "filesystem": {
                        "command": "npx",
                        "args": ["-y", "@modelcontextprotocol/server-filesystem@2025.8.21", "/srv/runbooks"],
                    },
                    "github": {
                        "command": "npx",
                        "args": ["-y", "@modelcontextprotocol/server-github"],
                        "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "${GITHUB_TOKEN}"},
                    },
                    "fetch": {"command": "uvx", "args": ["mcp-server-fetch==2025.4.7"]},
                }
            },
            indent=2,
        )
        + "\n",
        ".cursor/mcp.json": """{
  // Cursor MCP servers for the ops team
  "mcpServers": {
    "memory": { "command": "npx", "args": ["-y", "@modelcontextprotoco1/server-memory"] },
    "incidents": { "url": "https://mcp.internal.example.net/incidents/mcp" },
  }
}
""",
    },
)

repo(
    "ml-platform",
    {
        "docker-compose.yml": """services:
  ollama:
    image: ollama/ollama:0.3.14
    ports:
      - "11434:11434"
    volumes:
      - ollama:/root/.ollama
  qdrant:
    image: qdrant/qdrant:v1.12.1
    ports:
      - "127.0.0.1:6333:6333"
  webui:
    image: ghcr.io/open-webui/open-webui:main
    ports:
      - "3000:8080"
    environment:
      - OLLAMA_BASE_URL=http://ollama:11434
      - DEFAULT_MODELS=${DEFAULT_MODEL:-llama3.1:8b}
  notebook:
    image: quay.io/jupyter/pytorch-notebook:2024-10-07
    ports:
      - "8888:8888"
  litellm:
    image: ghcr.io/berriai/litellm:main-v1.50.0
    ports:
      - "4000:4000"
    volumes:
      - ./litellm/config.yaml:/app/config.yaml
  db:
    image: postgres:16
volumes:
  ollama: {}
""",
        "litellm/config.yaml": """model_list:
  - model_name: default
    litellm_params:
      model: openai/gpt-4o-mini
  - model_name: claude
    litellm_params:
      model: anthropic/claude-3-5-haiku-20241022
  - model_name: local
    litellm_params:
      model: ollama/llama3.1:8b
      api_base: http://ollama:11434
""",
        "k8s/vllm.yaml": """apiVersion: apps/v1
kind: Deployment
metadata:
  name: vllm-mistral
spec:
  replicas: 1
  selector:
    matchLabels: {app: vllm}
  template:
    metadata:
      labels: {app: vllm}
    spec:
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.6.3
          args: ["--model", "mistralai/Mistral-7B-Instruct-v0.3"]
          ports:
            - containerPort: 8000
---
apiVersion: v1
kind: Service
metadata:
  name: vllm
spec:
  type: LoadBalancer
  selector: {app: vllm}
  ports:
    - port: 80
      targetPort: 8000
""",
        "k8s/kserve.yaml": """apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: sentiment
spec:
  predictor:
    model:
      modelFormat:
        name: huggingface
      storageUri: hf://distilbert/distilbert-base-uncased-finetuned-sst-2-english
""",
        "terraform/sagemaker.tf": """resource "aws_sagemaker_notebook_instance" "research" {
  name          = "research-notebook"
  role_arn      = aws_iam_role.sagemaker.arn
  instance_type = "ml.t3.medium"
}
""",
    },
)

repo(
    "sentiment-model",
    {
        "README.md": """---
license: apache-2.0
pipeline_tag: text-classification
base_model: distilbert/distilbert-base-uncased
tags: [sentiment]
---
# Sentiment classifier

Fine-tuned for support-ticket sentiment.
""",
        "config.json": json.dumps(
            {
                "architectures": ["DistilBertForSequenceClassification"],
                "model_type": "distilbert",
                "num_labels": 2,
                "id2label": {"0": "NEGATIVE", "1": "POSITIVE"},
            },
            indent=2,
        )
        + "\n",
    },
)

repo(
    "support-tickets-dataset",
    {
        "README.md": """---
license: cc-by-4.0
task_categories: [text-classification]
language: [en]
size_categories: [n<1K]
configs:
  - config_name: default
    data_files: data/train.jsonl
---
# Support tickets

Anonymised support tickets for classifier fine-tuning.
""",
        # "Anonymised", says the card: three tickets still carry a customer's email, phone and card number (all
        # made up, but valid in form), which a model fine-tuned on them could repeat to anyone.
        "data/train.jsonl": "".join(
            json.dumps({"messages": [{"role": "user", "content": text}, {"role": "assistant", "content": reply}]})
            + "\n"
            for text, reply in [
                *((f"Ticket {i}: my invoice INV-2024-{i:04d} is wrong", "Routing to billing.") for i in range(17)),
                ("Please update my contact to maria.kowalski@fastmail.fm", "Done, your email is updated."),
                ("Call me back on +44 20 3917 4021 after 5pm", "We will call you this evening."),
                ("I was charged twice on card 4539 1488 0343 6467", "Refund issued to the card ending 6467."),
            ]
        ),
        # Decoys a careless scanner flags: documentation addresses, a test card, timestamps and order numbers.
        "data/eval.csv": "ticket_id,created_at,order_id,contact,note\n"
        + "".join(
            f"T-{i:05d},2024-05-{i % 28 + 1:02d}T10:{i % 60:02d}:00Z,ORD-{100000 + i},user{i}@example.com,"
            f"retried payment with test card 4242 4242 4242 4242 from 192.0.2.{i % 250 + 1}\n"
            for i in range(30)
        ),
    },
)

POLICY = """# Demo policy: what the organisation has approved. Everything else is shadow AI.
approved:
  providers: [openai, azure-openai]
  models: [gpt-4o, gpt-4o-mini, text-embedding-3-small]
  packages: [openai, "langchain*", tiktoken, pinecone, transformers, datasets, torch]
  mcp-servers: ["filesystem*"]
  services: [qdrant]
fail-on: high
"""


def safetensors_bytes() -> bytes:
    """A tiny but valid safetensors file: one float32 tensor of four values."""
    header = json.dumps(
        {"classifier.weight": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}, "__metadata__": {}}
    ).encode()
    header += b" " * (-len(header) % 8)
    return struct.pack("<Q", len(header)) + header + struct.pack("<4f", 0.1, -0.2, 0.3, -0.4)


def fake_openai_key() -> str:
    """A made-up key in OpenAI's project-key shape (seeded, so every demo is the same); it grants nothing."""
    rng = random.Random(20261121)
    alphabet = string.ascii_letters + string.digits
    left = "".join(rng.choice(alphabet) for _ in range(74))
    right = "".join(rng.choice(alphabet) for _ in range(74))
    return f"sk-proj-{left}T3BlbkFJ{right}"


def write_estate(dest: Path, with_git: bool) -> None:
    # A developer's local .env with a leaked (fake) key: the finding security teams act on first.
    FILES["payments-assistant/.env"] = f"CHAT_MODEL=gpt-4o\nOPENAI_API_KEY={fake_openai_key()}\n"
    for rel, text in FILES.items():
        path = dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (dest / "sentiment-model" / "model.safetensors").write_bytes(safetensors_bytes())
    (dest / "aispm.yaml").write_text(POLICY, encoding="utf-8")
    if with_git:
        for name in sorted({rel.split("/", 1)[0] for rel in FILES}):
            subprocess.run(["git", "init", "-q", str(dest / name)], check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dest", type=Path)
    parser.add_argument("--copies", type=int, default=1, help="replicate the estate N times (benchmarks)")
    parser.add_argument("--no-git", action="store_true", help="do not make each repository a git repository")
    args = parser.parse_args(argv)
    if args.dest.exists():
        shutil.rmtree(args.dest)
    with_git = not args.no_git and shutil.which("git") is not None
    if args.copies == 1:
        write_estate(args.dest, with_git)
    else:
        for index in range(args.copies):
            write_estate(args.dest / f"copy-{index:05d}", with_git)
    print(f"demo estate written to {args.dest}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
