"""``sportello mail parse``: one JSON line per file, in order, and never a crash."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from sportello.providers.email.cli import _write_json, mail_parse_command

from .corpora import FIXTURES, corpus_path


def run(files: list[str], as_json: bool) -> tuple[int, str]:
    out = io.StringIO()
    status = mail_parse_command(files, as_json, out=out)
    return status, out.getvalue()


def test_json_gives_one_object_per_file_in_order_with_its_file_key():
    files = [str(FIXTURES / "it_thunderbird.eml"), str(FIXTURES / "pec_accettazione.eml")]

    status, output = run(files, as_json=True)

    lines = output.splitlines()
    assert status == 0
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert [first["file"], second["file"]] == files
    assert first["from_email"] == "luca.neri@libero.it"
    assert first["date"] == "2024-03-12T17:22:05+00:00"
    assert second["pec"]["receipt"] == "accettazione"
    assert set(first) == {
        "file", "message_id", "in_reply_to", "references", "from_email", "from_name", "to",
        "cc", "subject", "date", "text", "visible_text", "html_sanitized", "attachments",
        "is_auto_reply", "is_bounce", "pec", "warnings",
    }  # fmt: skip


def test_unreadable_file_is_reported_and_the_others_are_still_parsed(tmp_path):
    missing = str(tmp_path / "manca.eml")
    files = [missing, str(tmp_path), str(FIXTURES / "it_latin1.eml")]

    status, output = run(files, as_json=True)

    results = [json.loads(line) for line in output.splitlines()]
    assert status == 1
    assert [r["file"] for r in results] == files
    assert results[0]["from_email"] == "" and results[0]["text"] == ""
    assert results[0]["warnings"][0].startswith("unreadable file")
    assert results[1]["warnings"][0].startswith("unreadable file")
    assert results[2]["subject"] == "Perché il prezzo è cambiato? Città e qualità"


def test_human_summary_shows_sender_flags_attachments_and_text():
    status, output = run([str(FIXTURES / "it_messaggio_originale.eml")], as_json=False)

    assert status == 0
    assert "From:        Viola, Franco <franco.viola@azienda.it>" in output
    assert "Attachment:  ricevuta bonifico.pdf application/pdf 77 bytes" in output
    assert "  Vi allego la ricevuta del bonifico." in output


def test_empty_file_parses_with_a_warning(tmp_path):
    empty = tmp_path / "vuota.eml"
    empty.write_bytes(b"")

    status, output = run([str(empty)], as_json=True)

    assert status == 0
    assert json.loads(output)["warnings"] == ["empty message"]


def test_output_survives_a_terminal_that_cannot_encode_the_text():
    class AsciiOnly(io.StringIO):
        def write(self, text: str) -> int:
            text.encode("ascii")
            return super().write(text)

    out = AsciiOnly()
    status = mail_parse_command([str(FIXTURES / "it_latin1.eml")], False, out=out)

    assert status == 0
    assert "Perch\\xe9" in out.getvalue()


# A To header with an undeclared Latin-1 byte (0xfc, "ü"), as mail105 of the Zammad corpus.
EIGHT_BIT_HEADERS = (
    b"From: Martin <martin@example.com>\r\n"
    b"To: metest@example.com, k.g\xfcnther@example.com\r\n"
    b"Subject: Preisanfrage\r\nMessage-ID: <acht-bit@example.com>\r\n\r\nHallo.\r\n"
)


def run_command(*args: str, **env: str) -> subprocess.CompletedProcess[bytes]:
    """`sportello mail parse` as a person runs it, in a process of its own."""
    root = Path(__file__).resolve().parents[3]
    environment = {**os.environ, "PYTHONPATH": str(root), **env}
    command = [sys.executable, "-m", "sportello.config.cli", "mail", "parse", *args]
    return subprocess.run(command, env=environment, cwd=root, capture_output=True, timeout=120)


def test_json_is_utf8_even_for_8bit_header_bytes_and_a_latin1_terminal(tmp_path):
    """GIVEN a message whose To header holds the raw byte 0xfc (undeclared Latin-1)
    WHEN `sportello mail parse --json` prints it, the terminal saying Latin-1
    THEN the output is valid UTF-8 JSON with the address decoded."""
    message = tmp_path / "acht-bit.eml"
    message.write_bytes(EIGHT_BIT_HEADERS)
    result = run_command("--json", str(message), PYTHONIOENCODING="latin-1")
    assert result.returncode == 0, result.stderr
    parsed = json.loads(result.stdout.decode("utf-8"))
    assert parsed["to"] == ["metest@example.com", "k.günther@example.com"]


def test_json_for_every_corpus_message_is_valid_utf8():
    corpus = corpus_path("emails")
    files = sorted(str(p) for p in corpus.rglob("*") if p.suffix in {".box", ".eml", ".txt"})
    result = run_command("--json", *files)
    lines = result.stdout.decode("utf-8").splitlines()  # raises on an invalid byte
    assert [json.loads(line)["file"] for line in lines] == files


def test_a_character_left_undecoded_is_printed_as_a_replacement_character(tmp_path):
    """Whatever part of the parse still holds a raw byte (a lone surrogate) prints as U+FFFD,
    never as the byte itself."""
    out = io.StringIO()
    _write_json(out, {"to": ["k.g\udcfcnther@example.com"]})
    assert json.loads(out.getvalue()) == {"to": ["k.g\ufffdnther@example.com"]}
    out.getvalue().encode("utf-8")
