"""``sportello mail parse``: one JSON line per file, in order, and never a crash."""

from __future__ import annotations

import io
import json

from sportello.providers.email.cli import mail_parse_command

from .corpora import FIXTURES


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
