"""The 200 MB chat JSONL for the speed runs: ordinary support and coding conversations, about 2% of lines with
personal data and about 1% with decoys, like a real fine-tuning set.  Seeded; written once and reused (a stamp file
records the seed and size)."""

from __future__ import annotations

import json
import random
from pathlib import Path

from corpus import DECOY_TURNS, PII_TURNS, SYSTEM, Filler

SEED = 7
TARGET_BYTES = 200 * 1000 * 1000
PII_SHARE = 0.02
DECOY_SHARE = 0.01
SENTENCES = (
    "Thanks for getting back to me so quickly.",
    "I tried clearing the cache and restarting the app but nothing changed.",
    "The order was placed last Tuesday and the tracking page hasn't updated since.",
    "Could you explain how the annual plan is billed compared with the monthly one?",
    "Our team of {n} people needs shared access to the workspace.",
    "The export finished in {n} seconds, which is much slower than last week.",
    "Here is the stack trace: ValueError: shapes ({n},) and ({m},) not aligned.",
    "We upgraded to version {n}.{m}.{k} and the regression appeared straight away.",
    "The jacket in size M was too small, so I'd like to exchange it for an L.",
    "Please summarise the meeting notes into three bullet points.",
    "What is the best way to batch requests to the embeddings endpoint?",
    "The dashboard shows {n}% CPU on the worker nodes during the nightly job.",
    "I'm writing a SQL query that joins orders with shipments by order_id.",
    "Can you rewrite this paragraph in a more formal tone?",
    "The return label printed fine but the courier says it's invalid.",
    "Our model's validation loss plateaued at {n}.{m} after {k} epochs.",
    "The pricing page says {n} credits per month, but I only received {m}.",
    "Sure - here's an updated version of the function with type hints and a docstring.",
    "You can enable two-factor authentication from the security settings page.",
    "The warehouse in Leeds dispatches orders placed before 2pm on the same day.",
    "A refund normally appears on your statement within 5 to 10 working days.",
    "Use a context manager so the file is closed even if an exception is raised.",
    "The invoice total includes VAT at 20%, shown on a separate line.",
    "I recommend splitting the dataset 80/10/10 into train, validation and test.",
    "Let me know if there's anything else I can help you with today.",
    "The appointment can be moved to next week if that suits you better.",
    "Please avoid sharing personal details in this chat; use the secure form instead.",
    "Our latency budget is {n} ms at the 99th percentile.",
    "The bug only happens when the locale is set to de_DE.",
    "Great, that fixed it. Thank you!",
)


def _message(rng: random.Random, sentences: int) -> str:
    parts = []
    for _ in range(sentences):
        text = rng.choice(SENTENCES)
        if "{" in text:
            text = text.format(n=rng.randint(2, 999), m=rng.randint(0, 99), k=rng.randint(1, 40))
        parts.append(text)
    return " ".join(parts)


def build_speed_file(path: Path, target_bytes: int = TARGET_BYTES) -> dict[str, object]:
    stamp = path.parent.parent / f"{path.stem}.stamp.json"  # outside the scanned directory
    if path.is_file() and stamp.is_file():
        info: dict[str, object] = json.loads(stamp.read_text())
        if info.get("seed") == SEED and info.get("target_bytes") == target_bytes:
            return info
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)
    filler = Filler(rng)
    written = lines = pii_lines = decoy_lines = 0
    with path.open("w", encoding="utf-8") as out:
        while written < target_bytes:
            draw = rng.random()
            if draw < PII_SHARE:
                user, assistant = rng.choice(PII_TURNS)
                pii_lines += 1
            elif draw < PII_SHARE + DECOY_SHARE:
                user, assistant = rng.choice(DECOY_TURNS)
                decoy_lines += 1
            else:
                user, assistant = "", ""
            user_text = filler.fill(user)[0] if user else _message(rng, rng.randint(2, 8))
            assistant_text = filler.fill(assistant)[0] if assistant else _message(rng, rng.randint(3, 12))
            messages = [{"role": "system", "content": rng.choice(SYSTEM)}]
            for _ in range(rng.randint(0, 2)):  # earlier turns of the conversation
                messages.append({"role": "user", "content": _message(rng, rng.randint(1, 5))})
                messages.append({"role": "assistant", "content": _message(rng, rng.randint(2, 8))})
            messages += [{"role": "user", "content": user_text}, {"role": "assistant", "content": assistant_text}]
            line = json.dumps({"messages": messages}, ensure_ascii=False) + "\n"
            out.write(line)
            written += len(line.encode())
            lines += 1
    info = {"seed": SEED, "target_bytes": target_bytes, "bytes": written, "lines": lines, "pii_lines": pii_lines,
            "decoy_lines": decoy_lines, "path": str(path)}  # fmt: skip
    stamp.write_text(json.dumps(info) + "\n")
    return info
