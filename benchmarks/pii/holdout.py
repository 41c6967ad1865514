"""A held-out PII corpus, written without looking at aispm's detectors, and its run against aispm and Presidio.

    .venv/bin/python benchmarks/pii/holdout.py                 # build, run both tools, write the results
    .venv/bin/python benchmarks/pii/holdout.py --skip-peers    # aispm only (Presidio's earlier figures are kept)
    .venv/bin/python benchmarks/pii/holdout.py --report-only   # rewrite the sections from results-holdout.json

The tuning corpus of ``corpus.py`` was used to tune the detectors, so its recall overstates real recall.  This one
uses other sentence templates, other field names, other formats (ShareGPT ``conversations``, an Alpaca JSON array,
a TSV HR export, nested CRM JSONL, a Parquet with a ``list<struct>`` messages column, a ``.jsonl.xz`` support log,
a medical intake CSV with free-text notes) and other value shapes (JCB and Diners cards, French, Spanish, Belgian,
Polish, Portuguese, Italian and Swedish IBANs, German, French, Indian, Australian, Brazilian phones, GitHub, AWS,
Stripe, Slack, Google, Anthropic and GitLab keys).  Values come from :mod:`holdout_values`; scoring is
``scoring.py`` and the tools run through ``run.py`` exactly as for the main corpus.  The ground truth goes to
``benchmarks/work/pii-holdout/truth.json`` (git-ignored, with the values); results to ``results-holdout.json`` and
to a section of ``results.md``, this directory's README and the top-level README, between the holdout markers.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import lzma
import random
import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from corpus import Planted, ground_truth, mask
from holdout_values import Values

HERE = Path(__file__).resolve().parent
SEED = 5_2026
Item = tuple[str, bool, str]  # kind, is_decoy, value

# slot -> (kind, is_decoy, Values method name)
SLOTS: dict[str, tuple[str, bool, str]] = {
    "name": ("person-name", False, "name"), "first": ("person-name", False, "first"),
    "email": ("email", False, "email"), "phone_intl": ("phone", False, "phone_intl"),
    "phone_us": ("phone", False, "phone_us"), "phone_uk": ("phone", False, "phone_uk"),
    "phone_eu": ("phone", False, "phone_eu"), "card": ("payment-card", False, "card"), "ssn": ("us-ssn", False, "ssn"),
    "iban": ("iban", False, "iban"), "nino": ("uk-nino", False, "nino"), "ip4": ("ip-address", False, "ipv4"),
    "ip6": ("ip-address", False, "ipv6"), "ip": ("ip-address", False, "ip"), "dob": ("date-of-birth", False, "dob"),
    "mrn": ("medical-record-number", False, "mrn"), "addr_us": ("postal-address", False, "address_us"),
    "addr_uk": ("postal-address", False, "address_uk"), "addr": ("postal-address", False, "address"),
    "cred": ("credential", False, "credential"), "password": ("credential", False, "password"),
    "x_testcard": ("test-card", True, "decoy_test_card"), "x_badluhn": ("bad-luhn-card", True, "decoy_bad_luhn"),
    "x_email": ("example-email", True, "decoy_email"), "x_docip": ("documentation-ip", True, "decoy_doc_ip"),
    "x_privip": ("private-ip", True, "decoy_private_ip"), "x_uuid": ("uuid", True, "decoy_uuid"),
    "x_order": ("order-number", True, "decoy_order"), "x_invoice": ("invoice-number", True, "decoy_invoice"),
    "x_ts": ("timestamp", True, "decoy_timestamp"), "x_ssn": ("invalid-ssn", True, "decoy_ssn"),
    "x_phonelike": ("phone-like-number", True, "decoy_phone_like"),
    "x_fictphone": ("fictional-phone", True, "decoy_fictional_phone"), "x_iban": ("example-iban", True, "decoy_iban"),
    "x_badiban": ("bad-checksum-iban", True, "decoy_bad_iban"), "x_nino": ("example-nino", True, "decoy_nino"),
    "x_cred": ("placeholder-credential", True, "decoy_credential"),
    "x_version": ("version-number", True, "decoy_version"),
}  # fmt: skip

# --- support logs (ShareGPT and the .jsonl.xz): a customer turn, an agent turn ---------------------------------------
SUPPORT_PII = (
    ("hi, parcel for order {x_order} never showed up. I'm at {addr_us} if you need to resend",
     "Sorry about that. I've queued a reshipment to the address you gave; tracking follows by email."),
    ("Locked out again. Account email is {email} and the last login it shows is from {ip4}, that wasn't me",
     "I've forced a sign-out everywhere. Please reset the password from the link we just sent."),
    ("can u update my contact number, new one is {phone_intl}", "Done - the number on your account is updated."),
    ("ugh you charged me twice. here's the card so you can find it: {card} exp 09/27",
     "Please never paste a full card number here. I found both charges and refunded one."),
    ("Please send the refund to my bank instead: {iban}", "Noted, refunds to a bank account take 3-5 working days."),
    ("This is {name}, ringing about ticket {x_invoice} from last week", "Hi {first}, I have that ticket open now."),
    ("reach me on {phone_uk} after 6pm please, can't talk at work", "Sure, we'll call after 18:00."),
    ("it's {name}, d.o.b {dob}, I need my account unlocked", "Thanks, identity confirmed. Unlocking it now."),
    ("the installer keeps failing with my key {cred} - is it revoked?",
     "That key is now exposed in this chat; revoke it and create a new one before retrying."),
    ("my login is {email}, password {password}, and it still says invalid",
     "Please don't share passwords. I've sent you a reset link instead."),
    ("Moving house! New address: {addr_uk}. Can you change it before the next delivery?",
     "Updated - the next box goes to the new address."),
    ("The tax form wants my SSN, it's {ssn}, can you fill it in for me?",
     "I can't store that here. Please enter it yourself in the secure form."),
    ("Contact me at {email} or call {phone_us}, whichever", "We'll email you first."),
    ("hello, {name} here. my national insurance no. is {nino} for the payroll mix-up",
     "Thanks, payroll will correct the deduction on the next run."),
    ("our office egress is {ip6} and your firewall keeps blocking it",
     "I've asked the network team to review the block."),
    ("Born on {dob} - why does the site say I'm under 18?", "Your birth date was entered wrong; I've corrected it."),
    ("whatsapp me on {phone_eu}, i'm abroad this month", "Noted. We'll message you there."),
    ("Please cancel the subscription for {name}, billing address {addr_us}", "Cancelled at the end of the term."),
    ("Hi, I'm {name} ({email}). The invoice {x_invoice} is addressed to the wrong person.",
     "Thanks {first}, a corrected invoice is on its way."),
)  # fmt: skip
SUPPORT_DECOY = (
    ("Tried again at {x_ts} and got error reference {x_uuid}", "Thanks, engineering is looking at {x_uuid}."),
    ("The docs say to email {x_email} but it bounces", "That address is only an example; use the contact form."),
    ("our test box {x_docip} can't reach the API", "Documentation addresses aren't routable; check your config."),
    ("I used the sandbox card {x_testcard} and it declined", "Sandbox cards only work with test keys."),
    ("where is order {x_order}? placed {x_ts}", "It left the warehouse yesterday."),
    ("the app on {x_privip} shows version {x_version}", "Please update to the latest build first."),
    ("Is {x_iban} the right format for an IBAN?", "Yes, that is the registry's example format."),
    ("Form example says NI number like {x_nino}, is mine the same format?", "Yes, two letters, six digits, a letter."),
    ("I typed {x_badluhn} and it says invalid card", "The number fails the check digit; please re-type it."),
    ("the sample config has {x_cred} in it, what do I put there?", "Your own key, from the dashboard."),
    ("is {x_ssn} a valid SSN? it's in the training slides", "No, that number is never issued."),
    ("Our hotline in the TV ad is {x_fictphone}, right?", "That's a fictional number used on screen."),
    ("The box says {x_phonelike}, does that tell you the model?", "Yes, that identifies the batch."),
    ("my IBAN {x_badiban} was rejected", "It fails the checksum; please copy it again from your bank."),
)  # fmt: skip
SUPPORT_PLAIN = (
    ("How do I export my data as CSV?", "Settings > Data > Export, then pick CSV."),
    ("Can I change my plan mid-month?", "Yes, the difference is prorated."),
    ("what are your opening hours on bank holidays", "10:00 to 16:00 on bank holidays."),
)  # fmt: skip

ALPACA_PII = (
    ("Extract the caller's contact details as JSON.",
     "Voicemail 14:02 - hi it's {name}, call me back on {phone_intl} or email {email}, thanks",
     '{{"name": "<redacted>", "phone": "<redacted>", "email": "<redacted>"}}'),
    ("Summarise this complaint in one sentence.",
     "I, {name}, of {addr_uk}, was billed twice on card {card} and nobody answers.",
     "A customer was double-billed and cannot reach support."),
    ("Rewrite the note politely.", "tell {name} their payment from {iban} bounced AGAIN",
     "Please let the customer know that their latest payment was returned."),
    ("Classify the message as billing, technical or account.",
     "My SSN {ssn} is showing on the statement, why?!", "account"),
    ("Draft a reply confirming the address change.", "new address: {addr_us}. DOB for verification {dob}.",
     "Thank you - your address has been updated."),
    ("Fix the grammar.", "me and {name} was logged in from {ip} at the same time",
     "I and the other user were logged in simultaneously."),
    ("Convert to a patient summary.", "Pt {name}, MRN {mrn}, born {dob}, c/o chest pain x2 days.",
     "Adult patient with two days of chest pain."),
    ("Identify the leaked secret type.", "export STRIPE_KEY={cred}", "An API key for a payment provider."),
    ("Translate to French.", "Please call {name} at {phone_us} tomorrow.", "Veuillez appeler la personne demain."),
    ("Extract the employee's national insurance number.", "Starter form: {name}, NI {nino}, start Monday.",
     "<redacted>"),
)  # fmt: skip
ALPACA_DECOY = (
    ("Explain this log line.", "{x_ts} GET /health 200 from {x_privip} req={x_uuid}", "A health check succeeded."),
    ("Write a unit test for email validation.", "valid: {x_email}", "def test_valid(): assert is_valid(...)"),
    ("Is this card number valid?", "{x_testcard}", "It is a well-known test number, valid only in sandboxes."),
    ("What is the order status?", "Order {x_order}, invoice {x_invoice}", "Shipped."),
    ("Parse the version string.", "build {x_version}", "major, minor, patch and build numbers"),
    ("Explain why this SSN is invalid.", "{x_ssn}", "It belongs to a range that is never issued."),
    ("What kind of number is this?", "{x_phonelike}", "A product identifier, not a phone number."),
    ("Validate the IBAN.", "{x_iban}", "The format is correct; it is a published example."),
)  # fmt: skip
ALPACA_PLAIN = (
    ("Give three synonyms for 'quick'.", "", "fast, rapid, swift"),
    ("Sort the list ascending.", "[9, 2, 7, 4]", "[2, 4, 7, 9]"),
)  # fmt: skip

NOTES_PII = (
    "Pt is {name}, presents w/ SOB. Emergency contact daughter {phone_uk}.",
    "Prior MRN {mrn} at St Columba's, records requested.",
    "DOB confirmed verbally as {dob}. Allergies: penicillin.",
    "Lives at {addr_uk} with partner, stairs at home.",
    "Insurance holder SSN {ssn} per intake sheet.",
    "Referred by GP; pt email for portal {email}.",
    "Pharmacy to call pt on {phone_us} re: refill.",
    "Chart # {mrn} merged with duplicate record.",
    "Seen with interpreter; next of kin {name}, {phone_intl}.",
    "Home visit address {addr_us}, gate code on file.",
)  # fmt: skip
NOTES_DECOY = (
    "Appt booked for {x_ts}. Ward ext. 4471.",
    "Lab order {x_order}, specimen {x_uuid}.",
    "BP 138/86, HR 72, SpO2 97%, temp 37.2.",
    "Device firmware {x_version} on infusion pump.",
    "Billing ref {x_invoice}, see finance.",
)  # fmt: skip

PARQUET_TURNS = (
    ("Hello, I'd like to book a follow-up. My name is {name} and my date of birth is {dob}.",
     "Thank you. Could you confirm your medical record number?", "It's {mrn}.", "Found you. Booked."),
    ("I need to update my phone, it's now {phone_intl}.", "Updated.", "and email {email} please", "Done."),
    ("Can you send the letter to {addr}?", "Yes.", "Thanks, my hospital number is {mrn}", "Noted."),
    ("My insurance asks for my social, {ssn}. Do you need it?", "No, please don't share it here.", "ok", "Thanks."),
    ("Reschedule please - the slot on {x_ts} doesn't work.", "Which day suits?", "Any day after {x_ts}", "Moved."),
    ("What's the reference on my letter? It says {x_invoice}.", "That's a billing reference.", "ok", "Anything else?"),
    ("Which clinic is best for knees?", "Orthopaedics, floor 2.", "thanks", "You're welcome."),
)  # fmt: skip


class Holdout:
    """Writes the held-out tree and remembers every planted item with its position."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.rng = random.Random(SEED)
        self.values = Values(self.rng)
        self.items: list[Planted] = []
        self.files: dict[str, dict[str, Any]] = {}

    def fill(self, template: str, shared: dict[str, str] | None = None) -> tuple[str, list[Item]]:
        """Fill ``{slot}``s; ``shared`` reuses one value across a turn pair (the agent repeats the caller's name)."""
        planted: list[Item] = []
        memo = shared if shared is not None else {}

        def one(match: re.Match[str]) -> str:
            slot = match.group(1)
            kind, decoy, method = SLOTS[slot]
            if slot in memo:  # the same value again in the same record: one planted item, not two
                return memo[slot]
            else:
                value = getattr(self.values, method)()
                if slot == "name":  # "Last, First" or "First [M.] Last": the agent greets the first name
                    given = value.split(",")[-1] if "," in value else value
                    memo["first"] = given.split()[0].title()
                memo[slot] = value
            planted.append((kind, decoy, value))
            return value

        text = re.sub(r"\{(\w+)\}", one, template.replace("{{", "\x00").replace("}}", "\x01"))
        return text.replace("\x00", "{").replace("\x01", "}"), planted

    def record(self, path: str, planted: list[Item], line: int | None, row: int | None = None,
               column: str | None = None) -> None:  # fmt: skip
        for kind, decoy, value in planted:
            self.items.append(Planted(path, kind, decoy, line, row, column, mask(value), value))

    def add_file(self, path: str, fmt: str, clean: bool, data: bytes) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        self.files[path] = {"format": fmt, "clean": clean, "bytes": len(data)}

    def pick(self, *pools: tuple[tuple[Any, ...], float]) -> Any:
        chosen = self.rng.choices([p for p, _ in pools], [w for _, w in pools])[0]
        return self.rng.choice(chosen)

    # --- files -----------------------------------------------------------------------------------------------------

    def sharegpt(self, path: str, count: int, pools: tuple[tuple[tuple[Any, ...], float], ...]) -> bytes:
        out = []
        for line in range(1, count + 1):
            turns: list[dict[str, str]] = []
            planted: list[Item] = []
            for _ in range(self.rng.choice((1, 1, 2))):
                human, gpt = self.pick(*pools)
                shared: dict[str, str] = {}
                h_text, p1 = self.fill(human, shared)
                g_text, p2 = self.fill(gpt, shared)
                turns += [{"from": "human", "value": h_text}, {"from": "gpt", "value": g_text}]
                planted += p1 + [p for p in p2 if p not in p1]
            record = {"id": f"conv_{line:05d}", "conversations": turns}
            out.append(json.dumps(record, ensure_ascii=False))
            self.record(path, planted, line)
        return ("\n".join(out) + "\n").encode()

    def support_log_xz(self, path: str, count: int) -> None:
        """A compressed support-session log: metadata with a session id, agent and time, plus a transcript."""
        lines = []
        for line in range(1, count + 1):
            human, gpt = self.pick((SUPPORT_PII, 0.55), (SUPPORT_DECOY, 0.3), (SUPPORT_PLAIN, 0.15))
            shared: dict[str, str] = {}
            session, p0 = self.fill("{x_uuid}")
            opened, p1 = self.fill("{x_ts}")
            h_text, p2 = self.fill(human, shared)
            g_text, p3 = self.fill(gpt, shared)
            record = {"session": session, "opened": opened, "channel": self.rng.choice(("chat", "email", "phone")),
                      "transcript": f"CUSTOMER: {h_text}\nAGENT: {g_text}"}  # fmt: skip
            lines.append(json.dumps(record, ensure_ascii=False))
            self.record(path, p0 + p1 + p2 + [p for p in p3 if p not in p2], line)
        data = ("\n".join(lines) + "\n").encode()
        self.add_file(path, "jsonl.xz", False, lzma.compress(data, preset=6))

    def alpaca(self, path: str, count: int, pools: tuple[tuple[tuple[Any, ...], float], ...], clean: bool) -> None:
        """An Alpaca JSON array, one record per line; items carry the line and the record index (row)."""
        out = ["["]
        for row in range(1, count + 1):
            instruction, given, output = self.pick(*pools)
            shared: dict[str, str] = {}
            parts = [self.fill(t, shared) for t in (instruction, given, output)]
            record = {"instruction": parts[0][0], "input": parts[1][0], "output": parts[2][0]}
            out.append(json.dumps(record, ensure_ascii=False) + ("," if row < count else ""))
            self.record(path, parts[0][1] + parts[1][1] + parts[2][1], line=row + 1, row=row)
        out.append("]")
        self.add_file(path, "json", clean, ("\n".join(out) + "\n").encode())

    def hr_tsv(self, path: str, count: int) -> None:
        header = ["emp_no", "legal_name", "work_email", "personal_email", "mobile", "birth_date", "national_id",
                  "payroll_iban", "home_address", "hire_date", "cost_centre", "badge_uid", "country"]  # fmt: skip
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
        writer.writerow(header)
        date_style = self.rng.randrange(8)
        for row in range(1, count + 1):
            uk = self.rng.random() < 0.5
            slots = {
                "legal_name": "{name}", "work_email": "{email}", "personal_email": "{email}" if row % 3 else "",
                "mobile": "{phone_uk}" if uk else "{phone_us}", "birth_date": "{dob}",
                "national_id": "{nino}" if uk else "{ssn}", "payroll_iban": "{iban}" if uk else "",
                "home_address": "{addr_uk}" if uk else "{addr_us}", "hire_date": "{x_ts}", "badge_uid": "{x_uuid}",
            }  # fmt: skip
            values = {"emp_no": f"E{10000 + row}", "cost_centre": f"CC-{self.rng.randint(100, 999)}",
                      "country": "GB" if uk else "US"}  # fmt: skip
            for column, template in slots.items():
                if column == "birth_date":
                    text = self.values.dob(date_style)
                    planted: list[Item] = [("date-of-birth", False, text)]
                else:
                    text, planted = self.fill(template)
                values[column] = text
                self.record(path, planted, line=row + 1, row=row, column=column)
            writer.writerow([values.get(c, "") for c in header])
        self.add_file(path, "tsv", False, buffer.getvalue().encode())

    def intake_csv(self, path: str, count: int) -> None:
        header = ["encounter", "mrn_no", "patient", "birth_dt", "sex", "contact_no", "addr", "arrived", "triage_note"]
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        for row in range(1, count + 1):
            cells = {"encounter": f"ENC{self.rng.randint(100000, 999999)}", "sex": self.rng.choice("MFX")}
            templates = {"mrn_no": "{mrn}", "patient": "{name}", "birth_dt": "{dob}",
                         "contact_no": self.rng.choice(("{phone_uk}", "{phone_us}", "{phone_intl}")),
                         "addr": "{addr}", "arrived": "{x_ts}"}  # fmt: skip
            for column, template in templates.items():
                text, planted = self.fill(template)
                cells[column] = text
                self.record(path, planted, line=row + 1, row=row, column=column)
            note_parts = [self.rng.choice(NOTES_PII if self.rng.random() < 0.6 else NOTES_DECOY) for _ in range(2)]
            note, planted = self.fill(" ".join(note_parts))
            cells["triage_note"] = note
            self.record(path, planted, line=row + 1, row=row, column="triage_note")
            writer.writerow([cells[c] for c in header])
        self.add_file(path, "csv", False, buffer.getvalue().encode())

    def crm_jsonl(self, path: str, count: int) -> None:
        """A CRM dump: nested objects and lists; items are located by line only (any field of the record)."""
        out = []
        for line in range(1, count + 1):
            planted: list[Item] = []

            def put(template: str, planted: list[Item] = planted) -> str:
                text, p = self.fill(template)
                planted.extend(p)
                return text

            record: dict[str, Any] = {
                "crm_id": put("{x_uuid}"),
                "created": put("{x_ts}"),
                "account": {
                    "company": self.rng.choice(("Kestrel Farms", "Bluewater Dental", "Orrin & Sons")),
                    "tier": self.rng.choice(("gold", "silver")),
                },
                "primary_contact": {
                    "given_name": (first := self.values.first()),
                    "family_name": (last := self.values.last()),
                    "emails": [put("{email}")] + ([put("{x_email}")] if self.rng.random() < 0.2 else []),
                    "phones": [
                        {
                            "label": "mobile",
                            "number": put(self.rng.choice(("{phone_intl}", "{phone_uk}", "{phone_us}"))),
                        }
                    ],
                },
                "billing": {
                    "pan": put("{card}") if self.rng.random() < 0.4 else None,
                    "exp": "11/28",
                    "sepa_iban": put("{iban}") if self.rng.random() < 0.3 else None,
                    "tax_ref": put("{ssn}") if self.rng.random() < 0.2 else None,
                },
                "shipping": {"address": put("{addr}")},
                "last_seen_ip": put("{ip}" if self.rng.random() < 0.7 else "{x_privip}"),
                "notes": [
                    {
                        "at": put("{x_ts}"),
                        "text": put(
                            self.rng.choice(
                                (
                                    "Customer asked for a callback, prefers {phone_eu}",
                                    "Sent quote {x_invoice}",
                                    "Duplicate of lead {x_uuid}",
                                    "Born {dob}, eligible for senior discount",
                                    "Spoke with {name}",
                                )
                            )
                        ),
                    }
                ],
            }
            planted.append(("person-name", False, f"{first} {last}"))
            out.append(json.dumps(record, ensure_ascii=False))
            self.record(path, planted, line)
        self.add_file(path, "jsonl", False, ("\n".join(out) + "\n").encode())

    def intake_parquet(self, path: str, count: int) -> None:
        """Chats with a ``list<struct<role, content>>`` column; nested items are located by row (any column)."""
        ids, refs, created, messages = [], [], [], []
        for row in range(1, count + 1):
            ident, p0 = self.fill("{x_uuid}")
            ref, p1 = self.fill("{mrn}") if self.rng.random() < 0.6 else ("", [])
            when, p2 = self.fill("{x_ts}")
            self.record(path, p0, None, row=row, column="conversation_id")
            self.record(path, p1, None, row=row, column="patient_mrn")
            self.record(path, p2, None, row=row, column="created_at")
            shared: dict[str, str] = {}
            turns = self.rng.choice(PARQUET_TURNS)
            thread, planted = [], []
            for index, template in enumerate(turns):
                text, p = self.fill(template, shared)
                planted += [x for x in p if x not in planted]
                thread.append({"role": "patient" if index % 2 == 0 else "assistant", "content": text})
            self.record(path, planted, None, row=row)
            ids.append(ident)
            refs.append(ref or None)
            created.append(when)
            messages.append(thread)
        turn = pa.struct([("role", pa.string()), ("content", pa.string())])
        table = pa.table({"conversation_id": ids, "patient_mrn": refs, "created_at": created,
                          "messages": pa.array(messages, type=pa.list_(turn))})  # fmt: skip
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, target, row_group_size=40)
        self.files[path] = {"format": "parquet", "clean": False, "bytes": target.stat().st_size}

    def clean_inventory_tsv(self, path: str, count: int) -> None:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
        header = ["sku", "ean13", "lot", "po_number", "warehouse_host", "firmware", "updated_at", "qty"]
        writer.writerow(header)
        for row in range(1, count + 1):
            body = f"50{self.rng.randint(10**9, 10**10 - 1)}"
            check = (10 - sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(body)) % 10) % 10
            cells = {"sku": f"SKU-{self.rng.randint(1000, 9999)}", "ean13": f"{body}{check}",
                     "lot": f"L{self.rng.randint(10**5, 10**6 - 1)}", "qty": str(self.rng.randint(0, 500))}  # fmt: skip
            for column, slot in (("po_number", "{x_order}"), ("warehouse_host", "{x_privip}"),
                                 ("firmware", "{x_version}"), ("updated_at", "{x_ts}")):  # fmt: skip
                text, planted = self.fill(slot)
                cells[column] = text
                self.record(path, planted, line=row + 1, row=row, column=column)
            writer.writerow([cells[c] for c in header])
        self.add_file(path, "tsv", True, buffer.getvalue().encode())

    def build(self) -> dict[str, Any]:
        support = ((SUPPORT_PII, 0.55), (SUPPORT_DECOY, 0.3), (SUPPORT_PLAIN, 0.15))
        self.add_file("data/support/sharegpt_tickets.jsonl", "jsonl", False, self.sharegpt(
            "data/support/sharegpt_tickets.jsonl", 260, support))  # fmt: skip
        self.support_log_xz("data/support/sessions-2024q3.jsonl.xz", 200)
        alpaca = ((ALPACA_PII, 0.6), (ALPACA_DECOY, 0.3), (ALPACA_PLAIN, 0.1))
        self.alpaca("data/sft/alpaca_ops.json", 160, alpaca, False)
        self.hr_tsv("data/hr/people_export.tsv", 120)
        self.intake_csv("data/clinical/ed_intake.csv", 140)
        self.crm_jsonl("data/crm/contacts_dump.jsonl", 150)
        self.intake_parquet("data/clinical/portal_chats.parquet", 120)
        clean_chat = ((SUPPORT_DECOY, 0.6), (SUPPORT_PLAIN, 0.4))
        faq = self.sharegpt("data/clean/faq_chats.jsonl", 120, clean_chat)
        self.add_file("data/clean/faq_chats.jsonl", "jsonl", True, faq)
        self.alpaca("data/clean/code_instructions.json", 100, ((ALPACA_DECOY, 0.7), (ALPACA_PLAIN, 0.3)), True)
        self.clean_inventory_tsv("data/clean/inventory.tsv", 100)
        return self.truth()

    def truth(self) -> dict[str, Any]:
        return ground_truth(SEED, self.files, self.items)


def build_holdout(root: Path) -> dict[str, Any]:
    """Write the held-out corpus under ``root/tree`` and its ground truth to ``root/truth.json``."""
    tree = root / "tree"
    if tree.exists():
        for path in sorted(tree.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
    truth = Holdout(tree).build()
    (root / "truth.json").write_text(json.dumps(truth, indent=1) + "\n")
    return truth


# --- run and report --------------------------------------------------------------------------------------------------

HOLDOUT_OUT = HERE.parent / "work" / "pii-holdout"
RESULTS = HERE / "results-holdout.json"
START = "<!-- pii-holdout:start (benchmarks/pii/holdout.py writes this section) -->"  # also in run.py
END = "<!-- pii-holdout:end -->"
LABEL = "Held-out corpus, written without looking at the detectors"
FIRST_RUN = (
    "**No longer fully held out.** Its first run (2026-11-22, before any fix it informed) gave aispm 74.4% "
    "(2615/3516), 43 of 2688 decoys reported and 3/3 clean files flagged (by kind: credential 5/42, "
    "medical-record-number 103/281, person-name 316/627, phone 282/602, us-ssn 109/140, date-of-birth 349/373, the "
    "other six all found). The fixes that followed were informed by "
    "that run's misses, made as general rules rather than to this corpus's sentences: field-name normalisation "
    "(number suffixes such as `_no`/`_ref`, value leaves under plural owners such as `phones[].number`, columns "
    "named after a person such as `patient`, version columns), North American and UK mobile numbers recognised "
    "by their written form, Unicode letters and Irish particles in names and a few more name cues, grouped record "
    'numbers after "MRN"/"Chart #", GitHub/GitLab/Slack/Stripe live/Google token formats and passwords after '
    "a cue, and the IBAN registry's example IBANs as decoys. The current figures are therefore closer to a tuning "
    "corpus's than the first run's; a new held-out corpus is what would measure recall again."
)


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def summary_table(results: dict[str, Any]) -> list[str]:
    lines = ["| tool (held-out corpus) | entities found, right type | decoys reported | clean files flagged |",
             "|---|---|---|---|"]  # fmt: skip
    for tool, entry in results["quality"].items():
        s = entry["score"]
        decoys = f"{s['decoys_reported']}/{s['decoys']}"
        if s["decoys_reported_without_date_time"] != s["decoys_reported"]:
            decoys += f" ({s['decoys_reported_without_date_time']} without `DATE_TIME` on timestamps)"
        lines.append(f"| {tool} | {_pct(s['recall'])} ({s['found']}/{s['entities']}) | {decoys} | "
                     f"{len(s['clean_files_flagged'])}/{s['clean_files']} |")  # fmt: skip
    return lines


def _place(entry: dict[str, Any]) -> str:
    return f"{entry['kind']} in {entry['file']}" + (f" ({entry['column']})" if entry.get("column") else "")


def summarise(s: dict[str, Any], listed: int = 100) -> None:
    """Group every miss and every decoy reported by kind and place (two masked examples each), then cap the lists."""
    groups: dict[str, dict[str, Any]] = {}
    for m in s["missed"]:
        entry = groups.setdefault(_place(m), {"count": 0, "examples": []})
        entry["count"] += 1
        entry["examples"] += [m["masked"]][: 2 - len(entry["examples"])]
    s["missed_by_place"] = dict(sorted(groups.items(), key=lambda kv: -int(kv[1]["count"])))
    decoys: dict[str, dict[str, Any]] = {}
    positions = set()
    for d in s["decoys_reported_list"]:
        positions.add((d["file"], d.get("line"), d.get("row"), d.get("column")))
        entry = decoys.setdefault(f"{_place(d)} as {d['as']}", {"count": 0, "examples": []})
        entry["count"] += 1
        entry["examples"] += [d["masked"]][: 2 - len(entry["examples"])]
    s["decoys_reported_by_place"] = dict(sorted(decoys.items(), key=lambda kv: -int(kv[1]["count"])))
    s["decoy_positions_reported"] = len(positions)
    s["missed"] = s["missed"][:listed]
    s["decoys_reported_list"] = s["decoys_reported_list"][:listed]


def section(results: dict[str, Any]) -> str:
    c = results["corpus"]
    tools = list(results["quality"])
    lines = [
        START,
        f"## {LABEL}",
        "",
        f"Measured {results['date']}; `benchmarks/pii/holdout.py` (its own generator, `holdout_values.py`, other "
        "templates, field names, formats and value shapes than the tuning corpus; scored by the same `scoring.py`, "
        "both tools run the same way). "
        f"{c['files']} files ({c['bytes'] / 1e3:.0f} kB: ShareGPT `conversations` JSONL, a `.jsonl.xz` support log, "
        "an Alpaca JSON array, a TSV HR export, a medical intake CSV with free-text notes, nested CRM JSONL, a Parquet "
        f"with a `list<struct>` messages column; {c['clean_files']} clean files) with {c['entities']} planted "
        f"entities of {len(c['entities_by_kind'])} kinds and {c['decoys']} decoys. Run: "
        "`.venv/bin/python benchmarks/pii/holdout.py` (or `run.py --holdout`).",
        "",
        FIRST_RUN,
        "",
        "Caveats: the writer of this corpus had seen the tuning corpus's README (its kinds and decoy list), not the "
        "detectors. Tables weigh heavily (a column a tool does not recognise costs every row of it); position scoring "
        "is by line or row, so one report finds every entity of its kind there. `credential` here includes GitHub, "
        "Stripe, Slack, GitLab and Google key shapes and plain passwords, which `--scanners data` may leave to the "
        "secrets scanner. IBANs of FR, ES, BE, PL and PT carry valid national check digits; IT, SE and GB only the "
        "ISO 13616 ones.",
        "",
        *summary_table(results),
        "",
        "| kind | planted | " + " | ".join(tools) + " |",
        "|---|---|" + "---|" * len(tools),
    ]
    for kind, planted in c["entities_by_kind"].items():
        cells = [str(results["quality"][t]["score"]["by_kind"].get(kind, {"found": 0})["found"]) for t in tools]
        lines.append(f"| {kind} | {planted} | " + " | ".join(cells) + " |")
    lines += ["", "Decoys planted: " + ", ".join(f"{k} {v}" for k, v in c["decoys_by_kind"].items()) + ".", ""]
    for tool in tools:
        s = results["quality"][tool]["score"]
        kinds = ", ".join(f"{k} {v}" for k, v in s["decoys_reported_by_kind"].items()) or "none"
        types = ", ".join(f"{k} {v}" for k, v in s["decoys_reported_by_type"].items()) or "none"
        flagged = ", ".join(s["clean_files_flagged"]) or "none"
        errors = results["quality"][tool]["errors"] or "none"
        lines.append(f"- **{tool}** reported decoys: {kinds} (as: {types}); clean files flagged: {flagged}; "
                     f"errors: {errors}")  # fmt: skip
    aispm = results["quality"].get("aispm")
    if aispm:
        s = aispm["score"]
        lines += ["", "aispm's misses by kind and place (masked examples):", ""]
        lines += [f"- {k}: {v['count']}, e.g. " + ", ".join(f"`{e}`" for e in v["examples"])
                  for k, v in s["missed_by_place"].items()] or ["- none"]  # fmt: skip
        lines += [
            "",
            f"Decoys aispm reported ({s['decoys_reported']} decoys at {s['decoy_positions_reported']} "
            "positions; aispm's reports carry no text, so a report on a line counts every decoy on it):",
            "",
        ]
        lines += [f"- {k}: {v['count']}, e.g. " + ", ".join(f"`{e}`" for e in v["examples"])
                  for k, v in s["decoys_reported_by_place"].items()] or ["- none"]  # fmt: skip
        if s["wrong_type_reports"]:
            lines += ["", "aispm reports of another kind on planted entities: " + ", ".join(
                f"{k} {v}" for k, v in s["wrong_type_reports"].items()) + "."]  # fmt: skip
        if aispm["count_mismatches"]:
            lines += ["", f"Count mismatches between `aispm scan` and the scanner: {aispm['count_mismatches']}."]
    lines += ["", END]
    return "\n".join(lines)


def replace_block(path: Path, block: str, anchor: str | None = None) -> None:
    """Put ``block`` between the holdout markers of ``path`` (appended, or after ``anchor``, the first time)."""
    text = path.read_text()
    if START in text and END in text:
        pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
        text = pattern.sub(lambda _: block, text)
    elif anchor and anchor in text:
        text = text.replace(anchor, anchor + "\n\n" + block, 1)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text)


def write_reports(results: dict[str, Any]) -> None:
    full = section(results)
    replace_block(HERE / "results.md", full)
    replace_block(HERE / "README.md", full)
    brief = "\n".join(
        [START, f"{LABEL} (`benchmarks/pii/holdout.py`):", "", *summary_table(results), "", FIRST_RUN, END]
    )
    import run  # run.py imports this module when asked for --holdout: import it late

    replace_block(run.REPO / "README.md", brief, anchor=run.README_END)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-peers", action="store_true")
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--timeout", type=float, default=1800.0)
    args = parser.parse_args(argv)
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    if args.report_only:
        write_reports(previous)
        return
    import run

    truth = build_holdout(HOLDOUT_OUT)
    results: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "corpus": truth["summary"],
        "quality": previous.get("quality", {}),
        "versions": previous.get("versions", {}),
    }
    if not args.skip_peers:
        python = run.install_presidio()
        results["versions"]["presidio-analyzer"] = run.version(python, "presidio-analyzer")
        print("holdout: presidio", flush=True)
        results["quality"]["presidio"] = run.quality_presidio(python, truth, args.timeout, HOLDOUT_OUT, "holdout")
    print("holdout: aispm", flush=True)
    results["quality"]["aispm"] = run.quality_aispm(truth, args.timeout, HOLDOUT_OUT, "holdout", max_listed=1 << 30)
    summarise(results["quality"]["aispm"]["score"])
    results["quality"] = {t: results["quality"][t] for t in ("aispm", "presidio") if t in results["quality"]}
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    write_reports(results)
    print(section(results))


if __name__ == "__main__":
    main()
