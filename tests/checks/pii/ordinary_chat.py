"""A seeded generator of ordinary chat JSON Lines with no personal data: support and coding conversations whose
words ("customer support", "patient portal", "200 ms at p99", "sin(x)", ``name: str``) are the everyday decoys of a
prefilter.  Shared by the prefilter hit-rate test and by speed measurements."""

from __future__ import annotations

import json
import random

SYSTEM = (
    "You are a helpful assistant for Acme Cloud customer support. Never ask for card numbers in chat.",
    "You are a coding assistant. Answer with short, correct Python or TypeScript examples.",
    "You help clinic staff use the patient portal and the scheduling system.",
    "You are a friendly tutor for high-school maths and physics.",
)
PROSE = (
    "Thanks for reaching out to customer support, I can help with that.",
    "Please contact Customer Support if the problem persists after {n} hours.",
    "Log in to the patient portal and open the Appointments tab.",
    "Our member benefits page lists {n} partner gyms near you.",
    "The client library retries failed requests up to {m} times.",
    "Each tenant gets an isolated schema; tenant isolation is enforced by row-level security.",
    "The employee handbook covers remote work in section {m}.{k}.",
    "Applicant tracking exports run nightly at {h}:{mm} UTC.",
    "Our latency budget is {n} ms at the 99th percentile, and we are at {m} ms at p50.",
    "The median response was {n} ms. At peak it was {m} ms.",
    "She was born in a small town and moved to the city for university.",
    "Happy birthday to the whole team, the cake is in the kitchen!",
    "Medical records are stored encrypted at rest and access is audited.",
    "The SSN field in the form must be masked in the UI.",
    "I tried clearing the cache and restarting the app, but nothing changed.",
    "The order was placed last Tuesday and the tracking page hasn't updated since.",
    "Could you explain how the annual plan is billed compared with the monthly one?",
    "Our team of {n} people needs shared access to the workspace.",
    "The export finished in {n} seconds, which is much slower than last week.",
    "We upgraded to version {n}.{m}.{k} and the regression appeared straight away.",
    "The dashboard shows {n}% CPU on the worker nodes during the nightly job.",
    "After {m} epochs the validation loss plateaued. What is the best way to tune the learning rate?",
    "Step {m} Create Route Table, then attach it to the subnet.",
    "We shipped {n} Park View apartments listings in the last release.",
    "The meeting moved to {h}:{mm} on {date}; the invite went out at {ts}.",
    "Build {n} failed on commit {sha} with exit code {m}.",
    "Set the timeout to {n}s and the pool size to {m}.",
    "Sie hat nie gesagt, dass der Server um {h} Uhr neu startet.",
    "The Main Street branch opens at {h} am on weekdays.",
    "Use a context manager so the file is closed even if an exception is raised.",
    "I recommend splitting the dataset {n}/{m}/{k} into train, validation and test.",
    "Great, that fixed it. Thank you!",
    "The function returns sin(x) / x, which is undefined at zero.",
    "Ms Excel and Google Sheets both open the export.",
    "MR !{n} is ready for review; CI took {m} min.",
)
CODE = (
    "def greet(name: str) -> str:\n    return f'Hello, {{name}}!'",
    "class User:\n    name: str\n    email: str | None = None",
    "const name = user?.name ?? 'anonymous';",
    "name = input('Name: ').strip()",
    "for i in range({n}):\n    total += values[i] * weights[i]",
    "import numpy as np\ny = np.sin(x) + np.cos(x)",
    "SELECT customer_id, count(*) FROM orders WHERE created_at > '{date}' GROUP BY customer_id;",
    "std::vector<int> v({n}); std::sort(v.begin(), v.end());",
    "kubectl scale deployment api --replicas={m}",
    'logger.info("request %s took %d ms", request_id, {n})',
    "git commit -m 'Fix client retries' && git push origin main",
    "curl -s http://localhost:{n}/health | jq .status",
    '{{"name": "build", "version": "{m}.{k}.{n}"}}',
)


def _timestamp(rng: random.Random) -> str:
    return (
        f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00Z"
    )


def _fill(rng: random.Random, template: str) -> str:
    return template.format(
        n=rng.randint(2, 9999),
        m=rng.randint(1, 99),
        k=rng.randint(0, 40),
        h=rng.randint(0, 23),
        mm=f"{rng.randint(0, 59):02d}",
        date=f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        ts=_timestamp(rng),
        sha=f"{rng.getrandbits(28):07x}",
    )


def _message(rng: random.Random) -> str:
    parts = [_fill(rng, rng.choice(PROSE)) for _ in range(rng.randint(1, 6))]
    if rng.random() < 0.3:
        parts.append("\n```\n" + _fill(rng, rng.choice(CODE)) + "\n```")
    return " ".join(parts)


def ordinary_chat_lines(count: int, seed: int = 5) -> list[str]:
    """``count`` JSON Lines of one to three chat turns each, with no personal data in them."""
    rng = random.Random(seed)
    lines = []
    for index in range(count):
        messages = [{"role": "system", "content": rng.choice(SYSTEM)}]
        for _ in range(rng.randint(1, 3)):
            messages.append({"role": "user", "content": _message(rng)})
            messages.append({"role": "assistant", "content": _message(rng)})
        record = {"id": f"conv-{index}", "created_at": _fill(rng, "{ts}"), "messages": messages}
        lines.append(json.dumps(record, ensure_ascii=rng.random() < 0.5))
    return lines
