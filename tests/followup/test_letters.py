"""Letters read back from their PDFs: each names only its own party, the combined file has one letter per party."""
from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from praktijktest.audit.models import AuditEvent
from praktijktest.followup.letter_models import SentLetter
from praktijktest.followup.letters import (
    LetterError,
    awareness_letters,
    dialogue_letter,
    letters_pdf,
    record_sent,
    save_template,
)
from praktijktest.followup.services import open_case
from praktijktest.rounds.materials import TemplateProblem


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def page_texts(data: bytes) -> list[str]:
    return [flat(page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages]


def identities(target) -> list[str]:
    return [flat(target.name), target.code]


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_each_awareness_letter_names_only_its_own_party(db, flagged_round, language):
    round_, _, targets = flagged_round()
    letters = awareness_letters(round_, language)
    assert [letter.target.id for letter in letters] == sorted((t.id for t in targets),
                                                             key=lambda i: next(t.code for t in targets if t.id == i))
    for letter in letters:
        text = flat("".join(page_texts(letters_pdf(round_, [letter]))))
        assert flat(letter.target.name) in text
        for other in targets:
            if other.id != letter.target.id:
                assert all(identity not in text for identity in identities(other)), other.code
        assert "discrimin" not in text.lower()  # no blame: the awareness letter does not even use the word
        assert flat(round_.title) in text


def test_the_combined_file_has_one_letter_per_party(db, flagged_round):
    """Each letter is one page here; every page names exactly one party, each party once."""
    round_, _, targets = flagged_round()
    letters = awareness_letters(round_, "nl")
    pages = page_texts(letters_pdf(round_, letters))
    assert len(pages) == len(targets) == len(letters)
    named = [[t.code for t in targets if flat(t.name) in page] for page in pages]
    assert sorted(code for codes in named for code in codes) == sorted(t.code for t in targets)
    assert all(len(codes) == 1 for codes in named)


def test_the_awareness_letter_gives_the_round_finding_and_an_offer_of_support(db, flagged_round):
    from praktijktest.results.presenters import summary_sentences

    round_, snapshot, _ = flagged_round()
    body = awareness_letters(round_, "nl")[0].body
    assert "ondersteuning" in body and round_.organisation.name in body
    # The overall finding: the summary's comparison sentences; the flag count is left out (no blame).
    assert "aangeduid" not in body
    with __import__("flask_babel").force_locale("nl_BE"):
        first = summary_sentences(snapshot.result, round_.market)[0]
    assert first in body


def test_the_dialogue_letter_names_its_party_alone_and_is_recorded_on_the_case(db, flagged_round, make_user):
    round_, snapshot, targets = flagged_round()
    user = make_user("coordinator")
    case = open_case(snapshot, targets[0].code, user)
    letter = dialogue_letter(case, "fr", user)
    text = flat("".join(page_texts(letters_pdf(round_, [letter]))))
    assert flat(targets[0].name) in text and "dialogue" in text.lower()
    for other in targets[1:]:
        assert all(identity not in text for identity in identities(other))
    assert "discrimine" not in text.lower()
    record_sent(round_, [letter], "dialogue", date.today(), user, case=case)
    assert case.state == "dialogue" and case.steps[-1].to_state == "dialogue"
    sent = db.session.scalars(select(SentLetter).where(SentLetter.case_id == case.id)).all()
    assert len(sent) == 1 and sent[0].sha256 == letter.sha256 and sent[0].language == "fr"
    actions = {e.action for e in db.session.scalars(select(AuditEvent))}
    assert {"followup.letter_sent", "followup.step"} <= actions
    with pytest.raises(LetterError):
        record_sent(round_, [letter], "dialogue", date.today() + timedelta(days=1), user, case=case)


def test_a_round_edits_its_wording_in_the_sandbox(db, flagged_round, make_user):
    round_, _, targets = flagged_round()
    user = make_user("coordinator")
    save_template(round_, "awareness", "nl", "Over {{ round.title }}", "Beste {{ target.name | upper }},\n\nDank.",
                  user)
    letters = awareness_letters(round_, "nl")
    assert letters[0].subject == f"Over {round_.title}"
    assert letters[0].body.startswith(f"Beste {letters[0].target.name.upper()},")
    for bad in ["{{ target.__class__ }}", "{% for x in round %}{% endfor %}", "{{ other.name }}",
                "{{ target.name | attr('x') }}", "{{ target.nope }}", "{{ round.title"]:
        with pytest.raises(TemplateProblem):
            save_template(round_, "awareness", "nl", "x", bad, user)
    assert awareness_letters(round_, "nl")[0].body.startswith("Beste")  # the refused edits stored nothing
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "followup.letter_template")).all()


def test_cli_writes_one_file_per_party_or_one_combined_and_records_sending(db, app, flagged_round, tmp_path):
    round_, _, targets = flagged_round()
    runner = app.test_cli_runner()
    out = tmp_path / "letters"
    result = runner.invoke(args=["reports", "letters", str(round_.id), "--output-dir", str(out), "--lang", "fr"])
    assert result.exit_code == 0, result.output
    files = sorted(out.iterdir())
    assert len(files) == len(targets)
    for path in files:
        text = flat("".join(page_texts(path.read_bytes())))
        assert sum(flat(t.name) in text for t in targets) == 1
    combined = tmp_path / "all.pdf"
    result = runner.invoke(args=["reports", "letters", str(round_.id), "--output", str(combined),
                                 "--sent-on", date.today().isoformat()])
    assert result.exit_code == 0, result.output
    assert len(page_texts(combined.read_bytes())) == len(targets)
    assert len(db.session.scalars(select(SentLetter).where(SentLetter.round_id == round_.id)).all()) == len(targets)
    assert runner.invoke(args=["reports", "letters", str(round_.id)]).exit_code == 2  # no output given
    assert runner.invoke(args=["reports", "letters", str(round_.id), "--kind", "dialogue", "--output",
                               str(tmp_path / "d.pdf")]).exit_code == 2  # no case yet


def test_case_page_downloads_the_invitation_and_records_it_as_sent(db, client, login_as, org, flagged_round):
    round_, snapshot, targets = flagged_round(organisation=org)
    case = open_case(snapshot, targets[0].code)
    login_as("coordinator", org)
    page = client.get(f"/follow-up/{case.id}")
    assert page.status_code == 200 and b"letters/dialogue" in page.data
    response = client.get(f"/follow-up/{case.id}/letters/dialogue?lang=fr")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    text = flat("".join(page_texts(response.data)))
    assert flat(targets[0].name) in text and all(flat(t.name) not in text for t in targets[1:])
    future = (date.today() + timedelta(days=2)).isoformat()
    client.post(f"/follow-up/{case.id}/letters/dialogue/sent", data={"letter-language": "nl", "letter-sent_on": future})
    db.session.refresh(case)
    assert case.state == "flagged"  # refused: nothing recorded
    client.post(f"/follow-up/{case.id}/letters/dialogue/sent",
                data={"letter-language": "nl", "letter-sent_on": date.today().isoformat()})
    db.session.refresh(case)
    assert case.state == "dialogue"
    assert b"Letters sent" in client.get(f"/follow-up/{case.id}").data


def test_wording_page_saves_a_round_wording_and_refuses_a_forbidden_one(db, client, login_as, org, flagged_round):
    round_, _, targets = flagged_round(organisation=org)
    login_as("coordinator", org)
    url = f"/follow-up/rounds/{round_.id}/letters?kind=awareness&lang=nl"
    assert client.get(url).status_code == 200
    bad = client.post(url, data={"subject": "x", "body": "{{ target.__class__ }}", "version": "x"})
    assert bad.status_code == 200 and b"field-error" in bad.data
    assert awareness_letters(round_, "nl")[0].subject != "x"
    ok = client.post(url, data={"subject": "Onze brief", "body": "Beste {{ target.name }}", "version": ""})
    assert ok.status_code == 302
    assert awareness_letters(round_, "nl")[0].subject == "Onze brief"
    pdf = client.get(f"/follow-up/rounds/{round_.id}/letters/awareness?lang=nl")
    assert pdf.status_code == 200 and len(page_texts(pdf.data)) == len(targets)
