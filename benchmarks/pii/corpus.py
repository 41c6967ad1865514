"""A realistic fine-tuning corpus with planted personal data and decoys, and its ground truth.

    .venv/bin/python benchmarks/pii/corpus.py OUT_DIR            # the quality corpus (about 1 MB)
    .venv/bin/python benchmarks/pii/corpus.py OUT_DIR --speed    # plus the 200 MB chat JSONL for speed

The corpus is what a team fine-tuning a support or clinical assistant keeps under ``data/``: chat JSONL
(``messages`` with role/content), prompt/completion JSONL, customer and patient CSV tables, a Parquet table of
payments, a Hugging Face dataset directory (an Arrow stream file), Markdown support notes, a gzip-compressed session
log, and clean files (a maths SFT set, a product catalogue, a README) that hold decoys but no personal data.

Values come from :mod:`values` (seeded: the same corpus every run).  Each planted entity or decoy is recorded with
its file, line (JSONL, CSV, text; 1-based, of the decompressed text for ``.gz``), row (CSV data rows, Parquet and
Arrow rows; 1-based) and column, in ``truth.json`` beside the corpus.  A few lines hold an entity and a decoy
(a session's start time beside a date of birth); ``scoring.py`` credits a report of the entity's type there to the
entity, which favours the tool, never the truth.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import random
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from values import Decoy, Fake

SEED = 20251
KINDS = (
    "email", "phone", "payment-card", "us-ssn", "iban", "uk-nino", "ip-address", "date-of-birth",
    "medical-record-number", "person-name", "postal-address", "credential",
)  # fmt: skip
# What each decoy kind imitates (the entity type a careless tool would report for it).
DECOY_KINDS = {
    "test-card": "payment-card", "bad-luhn-card": "payment-card", "example-email": "email",
    "documentation-ip": "ip-address", "private-ip": "ip-address", "uuid": "payment-card",
    "order-number": "payment-card", "invoice-number": "phone", "timestamp": "date-of-birth",
    "invalid-ssn": "us-ssn", "phone-like-number": "phone", "fictional-phone": "phone",
    "example-iban": "iban", "bad-checksum-iban": "iban", "example-nino": "uk-nino",
}  # fmt: skip


@dataclass(slots=True)
class Planted:
    """One entity or decoy.  ``value`` stays in the git-ignored work directory; reports show ``masked`` only."""

    file: str
    kind: str
    decoy: bool
    line: int | None
    row: int | None
    column: str | None
    masked: str
    value: str


def mask(value: str) -> str:
    """Enough to recognise a miss in a report without repeating the value: shape kept, most characters starred."""
    keep = 3 if len(value) > 8 else 1
    return value[:keep] + re.sub(r"[A-Za-z0-9]", "*", value[keep:-2]) + value[-2:] if len(value) > 4 else "***"


class Filler:
    """Fills ``{slot}`` templates and remembers what it planted in the current text."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        fake, decoy = Fake(rng), Decoy(rng)
        self.fake = fake
        self.decoy = decoy
        self.slots: dict[str, tuple[str, bool, Callable[[], str]]] = {
            "email": ("email", False, fake.email),
            "phone": ("phone", False, fake.phone_international),
            "phone_us": ("phone", False, lambda: fake.phone_national("US")),
            "phone_uk": ("phone", False, lambda: fake.phone_national("GB")),
            "card": ("payment-card", False, fake.card),
            "ssn": ("us-ssn", False, fake.ssn),
            "iban": ("iban", False, fake.iban),
            "nino": ("uk-nino", False, fake.nino),
            "ipv4": ("ip-address", False, fake.ipv4),
            "ipv6": ("ip-address", False, fake.ipv6),
            "dob": ("date-of-birth", False, fake.dob_text),
            "mrn": ("medical-record-number", False, fake.mrn),
            "name": ("person-name", False, fake.name),
            "address": ("postal-address", False, fake.address),
            "openai_key": ("credential", False, fake.openai_key),
            "hf_token": ("credential", False, fake.hf_token),
            "d_test_card": ("test-card", True, decoy.test_card),
            "d_bad_luhn": ("bad-luhn-card", True, decoy.bad_luhn_card),
            "d_email": ("example-email", True, decoy.example_email),
            "d_doc_ip": ("documentation-ip", True, decoy.doc_ip),
            "d_private_ip": ("private-ip", True, decoy.private_ip),
            "d_uuid": ("uuid", True, decoy.uuid),
            "d_order": ("order-number", True, decoy.order_number),
            "d_invoice": ("invoice-number", True, decoy.invoice_number),
            "d_time": ("timestamp", True, decoy.timestamp),
            "d_ssn": ("invalid-ssn", True, decoy.invalid_ssn),
            "d_phone_like": ("phone-like-number", True, decoy.phone_like),
            "d_fictional_phone": ("fictional-phone", True, decoy.fictional_phone),
            "d_example_iban": ("example-iban", True, decoy.example_iban),
            "d_bad_iban": ("bad-checksum-iban", True, decoy.bad_iban),
            "d_example_nino": ("example-nino", True, decoy.example_nino),
        }

    def fill(self, template: str) -> tuple[str, list[tuple[str, bool, str]]]:
        planted: list[tuple[str, bool, str]] = []

        def one(match: re.Match[str]) -> str:
            kind, is_decoy, make = self.slots[match.group(1)]
            value = make()
            planted.append((kind, is_decoy, value))
            return value

        return re.sub(r"\{(\w+)\}", one, template), planted


# --- chat and prompt/completion templates ---------------------------------------------------------------------------

SYSTEM = (
    "You are Aria, the customer support assistant of Northwind Outfitters. Be concise and friendly.",
    "You are a helpful assistant for the Riverside Clinic patient portal. Never give a diagnosis.",
    "You are FinBot, a banking support assistant. Verify identity before account changes.",
    "You are a coding assistant for the data platform team.",
)
PII_TURNS = (
    (
        "Hi, I can't log in. My account email is {email}, can you send a reset link?",
        "I've sent a password reset link to your registered address. It expires in 30 minutes.",
    ),
    (
        "Please update the phone number on my account to {phone}.",
        "Done - your phone number is updated. You'll get a confirmation text shortly.",
    ),
    (
        "You can call me back at {phone_us}, I'm free after 5pm Eastern.",
        "Thanks, a specialist will call you back this evening.",
    ),
    ("My mobile is {phone_uk} if the courier needs to reach me.", "Noted, I've added it to the delivery instructions."),
    (
        "I was charged twice on my card {card} for the same jacket. Can you refund one of them?",
        "I'm sorry about that. I can see the duplicate charge and have started a refund; allow 3-5 business days.",
    ),
    (
        "For the tax form you asked for, my SSN is {ssn}.",
        "Thank you. Please don't share it in chat again - I've masked it in our records.",
    ),
    (
        "Please send the refund to my bank account instead, IBAN {iban}.",
        "Understood. Refunds to a bank account take up to 5 working days.",
    ),
    (
        "My National Insurance number is {nino}, the payroll form needs it.",
        "Thanks, I've passed it to payroll through the secure channel.",
    ),
    (
        "The admin console keeps locking me out. My IP is {ipv4} if you need to whitelist it.",
        "I've added that address to the allow list for 24 hours.",
    ),
    (
        "Our office connects over IPv6 from {ipv6}, is that blocked by your firewall?",
        "That address isn't blocked; the issue is likely the VPN's DNS settings.",
    ),
    (
        "I need to update my records. DOB: {dob}, and I moved recently.",
        "Thanks, I've updated your date of birth. What's the new postcode?",
    ),
    (
        "My date of birth is {dob} but the portal shows a different one.",
        "I've raised a correction request with the records team.",
    ),
    (
        "I was born on {dob}, why does the insurance quote say I'm over 70?",
        "The quote used an old profile; I've refreshed it with your details.",
    ),
    (
        "Can you pull up my chart? MRN: {mrn}. I need my last blood test results.",
        "I can see your chart. The results were released to the portal yesterday.",
    ),
    (
        "The lab letter mentions medical record number {mrn}, is that mine?",
        "Yes, that's the record number on your file.",
    ),
    (
        "Hello, my name is {name} and I'd like to cancel my subscription.",
        "I'm sorry to see you go. I've cancelled the subscription effective the end of this billing period.",
    ),
    (
        "Please ship the replacement to {address}. I've moved since my last order.",
        "Got it, the replacement will go to your new address.",
    ),
    (
        "My address is {address}, can you check if you deliver there?",
        "Yes, we deliver to that area, usually within two days.",
    ),
    (
        'Why does this fail with 401? client = OpenAI(api_key="{openai_key}")',
        "A 401 means the key was rejected. Don't paste keys in chat - rotate that one now and load it from an "
        "environment variable.",
    ),
    (
        "I exported HF_TOKEN={hf_token} but huggingface-cli still says I'm not logged in.",
        "Run `huggingface-cli whoami` to check; also please revoke that token since it was shared here.",
    ),
    (
        "I'm {name}, my email is {email} and my phone is {phone}. Please add me to the waiting list.",
        "You're on the waiting list. We'll contact you when a slot opens.",
    ),
    (
        "Patient {name}, DOB: {dob}, MRN {mrn}, asks for a repeat prescription.",
        "I've forwarded the request to the prescribing clinician.",
    ),
    (
        "Order {d_order} never arrived. My email is {email}.",
        "I've opened an investigation with the courier and will email you an update within 48 hours.",
    ),
    ("Card {card} was declined at {d_time}, twice.", "The bank declined it; please contact your card issuer."),
)
DECOY_TURNS = (
    (
        "How do I test checkout without a real card?",
        "Use the test card {d_test_card} with any future expiry date and any CVC while in test mode.",
    ),
    ("What email should I use in the docs?", "Use a reserved address such as {d_email}; it never reaches anyone."),
    (
        "Which IP should the example config show?",
        "Use an address from the documentation range, for example {d_doc_ip}, so nobody copies a real one.",
    ),
    (
        "The service binds to {d_private_ip}, is that reachable from outside?",
        "No, that's a private address; you need a load balancer or a tunnel.",
    ),
    ("Where do I find my request id?", "It's in the response header, e.g. x-request-id: {d_uuid}."),
    ("Your order {d_order} has shipped, when will it arrive?", "It should arrive within three working days."),
    ("Can you resend invoice {d_invoice}?", "I've resent the invoice to the billing contact on file."),
    (
        "The job finished at {d_time}, but the dashboard shows it still running.",
        "The dashboard refreshes every 15 minutes; it should catch up.",
    ),
    (
        "Why does the validator reject SSN {d_ssn} in our test fixtures?",
        "That number can never be issued, so validators reject it - it's fine for negative tests.",
    ),
    (
        "The manual mentions {d_phone_like}, what does that refer to?",
        "That's an internal reference, not something you need to act on.",
    ),
    (
        "The film shows the number {d_fictional_phone}, is that real?",
        "No, it's from a range reserved for fiction and examples.",
    ),
    (
        "Is {d_example_iban} a valid IBAN for testing?",
        "It's the example from the IBAN registry; use it only in documentation.",
    ),
    ("My bank app rejects IBAN {d_bad_iban}, why?", "The check digits don't match; please re-check the number."),
    (
        "What does a National Insurance number look like?",
        "It looks like {d_example_nino}: two letters, six digits and a final letter.",
    ),
    ("I typed card {d_bad_luhn} and it says invalid.", "That number fails the card checksum; check for a typo."),
)
PLAIN_TURNS = (
    ("How do I return an item?", "Start a return from your orders page; we email a prepaid label."),
    (
        "What's the difference between the Trailhead and Summit jackets?",
        "The Summit has a waterproof membrane and taped seams; the Trailhead is windproof only.",
    ),
    ("Can I change my delivery slot?", "Yes, up to 24 hours before delivery from the tracking page."),
    (
        "Write a Python function that merges two sorted lists.",
        "def merge(a, b):\n    out = []\n    i = j = 0\n    while i < len(a) and j < len(b):\n        ...",
    ),
    ("Is ibuprofen safe with my allergy medication?", "Please ask your pharmacist or GP; I can't give medical advice."),
)
PROMPTS_PII = (
    (
        "Summarise the ticket: Customer {name} ({email}) reports the app crashes on login since the last update.",
        "A customer reports login crashes after the latest update.",
    ),
    ("Extract the contact details: 'Reach me on {phone} or at {email}.'", "Phone and email present."),
    ("Classify the intent: 'Please close my account, IBAN {iban}, and send the balance there.'", "account_closure"),
    (
        "Rewrite politely: 'I already gave you my SSN {ssn} twice, fix it!'",
        "I've already provided the requested details twice; could you please look into it?",
    ),
    ("Triage: 'Patient born {dob}, MRN: {mrn}, chest pain since this morning.'", "urgent"),
    ("Redact this note: 'Ship to {address}, card {card}.'", "Ship to [ADDRESS], card [CARD]."),
    ("Translate to French: 'My name is {name} and I live at {address}.'", "Je m'appelle ... et j'habite ..."),
    ("Which country issued this NINO: {nino}?", "United Kingdom"),
    ("Why is login from {ipv4} flagged as suspicious?", "The address is from an unusual location for this user."),
    (
        "Fix this request: requests.get(url, headers={'Authorization': 'Bearer {hf_token}'})",
        "Read the token from the HF_TOKEN environment variable instead of hard-coding it.",
    ),
)
PROMPTS_DECOY = (
    ("Generate a test payment payload using card {d_test_card}.", '{"card": "test", "amount": 100}'),
    ("Write a sample config with host {d_doc_ip} and admin {d_email}.", "host: ...\nadmin: ..."),
    ("Parse the log line: '{d_time} INFO job=etl id={d_uuid} status=ok'.", "time, level, job, id, status"),
    ("Explain why {d_ssn} is not a valid SSN.", "Its area, group or serial number is never issued."),
    ("Format the reference {d_invoice} for the invoice header.", "Invoice reference formatted."),
    ("What is {d_phone_like} in this context?", "An internal reference number."),
)
PROMPTS_PLAIN = (
    ("Write a haiku about autumn rain.", "Grey rain on the leaves / ..."),
    ("Explain gradient descent in two sentences.", "It moves parameters against the gradient of the loss ..."),
    ("Convert 72 degrees Fahrenheit to Celsius.", "About 22.2 degrees Celsius."),
)
NOTES = (
    "- Caller {name} asked about the delayed refund; promised a callback on {phone}.",
    "- Escalated: customer's card {card} was charged in the wrong currency.",
    "- Verified identity with DOB: {dob} and postcode before changing the address.",
    "- Account holder moved to {address}; updated billing and shipping.",
    "- Customer pasted their SSN {ssn} in the chat; masked in the CRM, flagged for deletion.",
    "- Bank details changed to IBAN {iban} after the call-back check.",
    "- Login alerts from {ipv4}; customer confirmed it was them travelling.",
    "- Clinic referral: MRN: {mrn}, follow-up in two weeks.",
    "- Contact email changed to {email} on request.",
    "- NI number {nino} added to the payroll record.",
    "- Customer pasted an API key ({openai_key}) into the ticket; asked them to rotate it.",
)
NOTES_DECOY = (
    "- For demos always use {d_test_card}; never a real card.",
    "- Example contact in templates: {d_email}.",
    "- Staging API is at {d_private_ip}; docs use {d_doc_ip}.",
    "- Refund batch {d_invoice} closed.",
    "- Ticket reference {d_uuid} merged into the parent incident.",
    "- Order {d_order} was a duplicate; no action.",
    "- Incident started {d_time} and was resolved within the hour.",
    "- See {d_phone_like} in the returns policy.",
    "- The SSN {d_ssn} on the old form is the famous sample number, not a customer's.",
)
NOTES_PLAIN = (
    "- Reminder: returns window is 30 days from delivery.",
    "- New macro for shipping delays is live.",
    "",
    "## Week notes",
    "Volumes were up 12% on the previous week; median handling time 6 minutes.",
)


class Corpus:
    """Writes the files and records every planted item."""

    def __init__(self, root: Path, seed: int = SEED) -> None:
        self.root = root
        self.rng = random.Random(seed)
        self.filler = Filler(self.rng)
        self.items: list[Planted] = []
        self.files: dict[str, dict[str, object]] = {}

    def record(self, path: str, planted: list[tuple[str, bool, str]], line: int | None, row: int | None = None,
               column: str | None = None) -> None:  # fmt: skip
        for kind, is_decoy, value in planted:
            self.items.append(Planted(path, kind, is_decoy, line, row, column, mask(value), value))

    def add_file(self, path: str, fmt: str, clean: bool, data: bytes) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        self.files[path] = {"format": fmt, "clean": clean, "bytes": len(data)}

    # --- line-oriented files -----------------------------------------------------------------------------------

    def _pick(self, shares: tuple[tuple[tuple[object, ...], float], ...]) -> object:
        pools, weights = zip(*shares, strict=True)
        return self.rng.choice(self.rng.choices(pools, weights)[0])

    def chat_jsonl(self, path: str, lines: int, with_metadata: bool = False) -> bytes:
        out = []
        for number in range(1, lines + 1):
            user, assistant = self._pick(((PII_TURNS, 0.5), (DECOY_TURNS, 0.3), (PLAIN_TURNS, 0.2)))  # type: ignore[misc]
            record: dict[str, object] = {}
            planted: list[tuple[str, bool, str]] = []
            if with_metadata:
                record["session_id"], p1 = self.filler.fill("{d_uuid}")
                record["started_at"], p2 = self.filler.fill("{d_time}")
                planted += p1 + p2
            user_text, p_user = self.filler.fill(user)
            assistant_text, p_assistant = self.filler.fill(assistant)
            planted += p_user + p_assistant
            record["messages"] = [
                {"role": "system", "content": self.rng.choice(SYSTEM)},
                {"role": "user", "content": user_text},
                {"role": "assistant", "content": assistant_text},
            ]
            out.append(json.dumps(record, ensure_ascii=False))
            self.record(path, planted, number)
        return ("\n".join(out) + "\n").encode()

    def prompt_completion(self, path: str, lines: int, shares: tuple[float, float, float]) -> bytes:
        out = []
        for number in range(1, lines + 1):
            prompt, completion = self._pick(((PROMPTS_PII, shares[0]), (PROMPTS_DECOY, shares[1]),
                                             (PROMPTS_PLAIN, shares[2])))  # type: ignore[misc]  # fmt: skip
            prompt_text, planted = self.filler.fill(prompt)
            completion_text, planted2 = self.filler.fill(completion)
            out.append(json.dumps({"prompt": prompt_text, "completion": completion_text}, ensure_ascii=False))
            self.record(path, planted + planted2, number)
        return ("\n".join(out) + "\n").encode()

    def markdown(self, path: str, lines: int) -> bytes:
        out = ["# Support desk handover notes", ""]
        for _ in range(lines):
            template = self._pick(((NOTES, 0.45), (NOTES_DECOY, 0.3), (NOTES_PLAIN, 0.25)))
            text, planted = self.filler.fill(str(template))
            out.append(text)
            self.record(path, planted, len(out))
        return ("\n".join(out) + "\n").encode()

    # --- tables ---------------------------------------------------------------------------------------------------

    def table_rows(self, path: str, columns: list[tuple[str, str | None, float]], rows: int,
                   first_line: int | None) -> list[dict[str, str]]:  # fmt: skip
        """``columns``: (name, slot or None for a filler value, share of rows that have a value)."""
        out = []
        for row in range(1, rows + 1):
            values: dict[str, str] = {}
            for name, slot, share in columns:
                if slot is None or self.rng.random() >= share:
                    values[name] = "" if slot is not None else self._filler_value(name, row)
                    continue
                text, planted = self.filler.fill("{" + slot + "}")
                values[name] = text
                line = first_line + row - 1 if first_line is not None else None
                self.record(path, planted, line, row, name)
            out.append(values)
        return out

    def _filler_value(self, name: str, row: int) -> str:
        rng = self.rng
        return {
            "customer_id": f"C{100000 + row}",
            "country": rng.choice(["US", "GB"]),
            "loyalty_tier": rng.choice(["bronze", "silver", "gold"]),
            "ward": rng.choice(["Cardiology", "Oncology", "Maternity", "Orthopaedics"]),
            "amount": f"{rng.randint(5, 900)}.{rng.randint(0, 99):02d}",
            "currency": rng.choice(["GBP", "EUR", "USD"]),
            "status": rng.choice(["settled", "pending", "refunded"]),
            "notes": rng.choice(["", "prefers email", "VIP", "call before delivery", "allergy noted"]),
            "sku": f"NW-{rng.randint(1000, 9999)}-{rng.choice(['S', 'M', 'L', 'XL'])}",
            "product": rng.choice(["Trailhead jacket", "Summit jacket", "Ridge boots", "Base layer", "Daypack 20L"]),
            "price": f"{rng.randint(15, 400)}.{rng.choice(['00', '50', '99'])}",
            "stock": str(rng.randint(0, 500)),
        }.get(name, "")

    def csv_table(self, path: str, columns: list[tuple[str, str | None, float]], rows: int, clean: bool) -> None:
        values = self.table_rows(path, columns, rows, first_line=2)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=[c[0] for c in columns], lineterminator="\n")
        writer.writeheader()
        writer.writerows(values)
        self.add_file(path, "csv", clean, buffer.getvalue().encode())

    def columnar(self, path: str, columns: list[tuple[str, str | None, float]], rows: int, fmt: str) -> None:
        values = self.table_rows(path, columns, rows, first_line=None)
        table = pa.table({name: [v[name] for v in values] for name, _, _ in columns})
        sink = io.BytesIO()
        if fmt == "parquet":
            pq.write_table(table, sink, row_group_size=32)
        else:  # the Arrow IPC stream format, as Hugging Face ``datasets`` writes data-00000-of-00001.arrow
            with pa.ipc.new_stream(sink, table.schema) as writer:
                writer.write_table(table, max_chunksize=25)
        self.add_file(path, fmt, False, sink.getvalue())

    # --- the whole corpus -----------------------------------------------------------------------------------------

    def build(self) -> dict[str, object]:
        self.add_file("data/support/chats.jsonl", "jsonl", False, self.chat_jsonl("data/support/chats.jsonl", 420))
        pc = "data/support/instructions.jsonl"
        self.add_file(pc, "jsonl", False, self.prompt_completion(pc, 220, (0.55, 0.3, 0.15)))
        notes = "data/support/handover-notes.md"
        self.add_file(notes, "markdown", False, self.markdown(notes, 150))
        sessions = "data/logs/sessions.jsonl.gz"
        raw = self.chat_jsonl(sessions, 90, with_metadata=True)
        self.add_file(sessions, "jsonl.gz", False, gzip.compress(raw, mtime=0))
        self.csv_table("data/crm/customers.csv", [
            ("customer_id", None, 1), ("full_name", "name", 0.95), ("email", "email", 0.9), ("country", None, 1),
            ("phone", "phone_uk", 0.5), ("mobile", "phone", 0.4), ("date_of_birth", "dob", 0.8),
            ("address", "address", 0.85), ("signup_date", "d_time", 1.0), ("last_order", "d_order", 0.7),
            ("loyalty_tier", None, 1), ("notes", None, 1),
        ], 90, clean=False)  # fmt: skip
        self.csv_table("data/clinical/patients.csv", [
            ("mrn", "mrn", 1.0), ("patient_name", "name", 1.0), ("dob", "dob", 1.0), ("ssn", "ssn", 0.6),
            ("home_address", "address", 0.8), ("ward", None, 1), ("admitted_at", "d_time", 1.0),
            ("visit_id", "d_uuid", 1.0), ("nino", "nino", 0.3),
        ], 60, clean=False)  # fmt: skip
        self.columnar("data/payments/transactions.parquet", [
            ("transaction_id", "d_uuid", 1.0), ("created_at", "d_time", 1.0), ("customer_email", "email", 0.7),
            ("card_number", "card", 0.5), ("iban", "iban", 0.35), ("client_ip", "ipv4", 0.5),
            ("amount", None, 1), ("currency", None, 1), ("invoice_number", "d_invoice", 0.8), ("status", None, 1),
        ], 110, "parquet")  # fmt: skip
        self.columnar("data/hf_support_dataset/train/data-00000-of-00001.arrow", [
            ("customer_name", "name", 0.8), ("contact", "email", 0.7), ("phone", "phone", 0.5),
            ("ticket_id", "d_uuid", 1.0), ("opened_at", "d_time", 1.0), ("ip", "ipv6", 0.4),
        ], 70, "arrow")  # fmt: skip
        (self.root / "data/hf_support_dataset/dataset_dict.json").write_text('{"splits": ["train"]}\n')
        (self.root / "data/hf_support_dataset/train/dataset_info.json").write_text(
            json.dumps({"features": {"customer_name": {"dtype": "string", "_type": "Value"}}}) + "\n"
        )
        (self.root / "data/hf_support_dataset/train/state.json").write_text(
            json.dumps({"_data_files": [{"filename": "data-00000-of-00001.arrow"}], "_split": "train"}) + "\n"
        )
        # clean files: decoys and ordinary numbers, no personal data
        math = "data/clean/math_sft.jsonl"
        self.add_file(math, "jsonl", True, self.prompt_completion(math, 120, (0.0, 0.35, 0.65)))
        self.csv_table("data/clean/products.csv", [
            ("sku", None, 1), ("product", None, 1), ("price", None, 1), ("stock", None, 1),
            ("created_at", "d_time", 1.0), ("batch_ref", "d_invoice", 0.5), ("gtin", "d_order", 0.3),
        ], 80, clean=True)  # fmt: skip
        readme = "data/clean/README.md"
        self.add_file(readme, "markdown", True, self.readme(readme))
        return self.truth()

    def readme(self, path: str) -> bytes:
        lines = ["# Support datasets", "", "Conventions for anyone adding data:", ""]
        for template in (
            "- Use {d_email} in examples, never a customer's address.",
            "- Example servers: {d_doc_ip} and {d_doc_ip}; internal: {d_private_ip}.",
            "- Test payments: card {d_test_card}, IBAN {d_example_iban}.",
            "- Sample NI number for forms: {d_example_nino}.",
            "- The SSN {d_ssn} is a well-known invalid number; use it in negative tests.",
            "- Files are regenerated nightly; last run {d_time}, run id {d_uuid}.",
            "- Questions: call the helpdesk extension from the wiki ({d_phone_like}).",
            "- Fictional phone for screenshots: {d_fictional_phone}.",
        ):
            text, planted = self.filler.fill(template)
            lines.append(text)
            self.record(path, planted, len(lines))
        return ("\n".join(lines) + "\n").encode()

    def truth(self) -> dict[str, object]:
        return ground_truth(SEED, self.files, self.items)


def ground_truth(seed: int, files: Mapping[str, dict[str, object]], items: list[Planted]) -> dict[str, object]:
    """The ground truth of a corpus: its files with their entity and decoy counts, a summary, every planted item."""
    entities = [i for i in items if not i.decoy]
    decoys = [i for i in items if i.decoy]
    for path, info in files.items():
        info["entities"] = sum(1 for i in entities if i.file == path)
        info["decoys"] = sum(1 for i in decoys if i.file == path)
    return {
        "seed": seed,
        "files": files,
        "summary": {
            "files": len(files),
            "clean_files": sum(1 for f in files.values() if f["clean"]),
            "bytes": sum(int(str(f["bytes"])) for f in files.values()),
            "entities": len(entities),
            "decoys": len(decoys),
            "entities_by_kind": dict(sorted(Counter(i.kind for i in entities).items())),
            "decoys_by_kind": dict(sorted(Counter(i.kind for i in decoys).items())),
        },
        "items": [asdict(i) for i in items],
    }


def build_corpus(root: Path) -> dict[str, object]:
    """Write the quality corpus under ``root/tree`` and its ground truth to ``root/truth.json``."""
    tree = root / "tree"
    if tree.exists():
        import shutil

        shutil.rmtree(tree)
    tree.mkdir(parents=True)
    truth = Corpus(tree).build()
    (root / "truth.json").write_text(json.dumps(truth, indent=1) + "\n")
    return truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--speed", action="store_true", help="also write the 200 MB chat JSONL (speed.py)")
    args = parser.parse_args()
    truth = build_corpus(args.out)
    print(json.dumps(truth["summary"], indent=1))
    if args.speed:
        from speed_corpus import build_speed_file

        print(json.dumps(build_speed_file(args.out / "speed" / "chat-200mb.jsonl")))


if __name__ == "__main__":
    main()
