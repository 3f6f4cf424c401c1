"""Guidance on a round's pages: the task list, check before locking, the confirmation, errors at their field."""
from __future__ import annotations

from praktijktest.rounds.materials import add_profile
from praktijktest.rounds.models import Round
from praktijktest.rounds.tasks import CANNOT_START, DONE, TO_DO, next_task, round_tasks
from tests.conftest import visible_text
from tests.rounds.util import fresh


def _statuses(app, round_) -> dict[str, str]:
    with app.test_request_context():
        return {task.key: task.status for task in round_tasks(round_)}


def test_a_new_round_has_everything_to_do_and_the_lock_waits(app, make_round):
    round_ = make_round()
    assert _statuses(app, round_) == {
        "design": DONE, "profiles": TO_DO, "templates": TO_DO, "sample": TO_DO,
        "schedule": CANNOT_START,  # needs profiles, templates and the sample
        "planning": TO_DO, "lock": CANNOT_START,
    }


def test_steps_become_done_one_by_one(app, make_round, draw_sample):
    round_ = make_round()
    for group in round_.groups:
        add_profile(round_, group, f"Kandidaat {group.label}")
    assert _statuses(app, round_)["profiles"] == DONE
    draw_sample(round_, 3)
    statuses = _statuses(app, round_)
    assert statuses["sample"] == DONE and statuses["schedule"] == CANNOT_START  # templates still missing


def test_a_complete_round_can_be_checked_and_a_locked_one_is_all_done(app, complete_round):
    round_ = complete_round()
    assert _statuses(app, round_)["lock"] == TO_DO
    round_.status = "ready"
    assert set(_statuses(app, round_).values()) == {DONE}


def test_each_step_points_to_the_next(app, make_round):
    round_ = make_round()
    with app.test_request_context():
        order = [task.key for task in round_tasks(round_)]
        assert order == ["design", "profiles", "templates", "sample", "schedule", "planning", "lock"]
        assert [next_task(round_, key).key for key in order[:-1]] == order[1:]
        assert next_task(round_, "lock") is None


def test_the_round_page_leads_with_the_task_list(client, login_as, org, make_round):
    round_ = make_round()
    login_as("coordinator", org)
    html = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert html.index('class="task-list"') < html.index('id="design-heading"')
    assert f'href="/rounds/{round_.id}/profiles"' in html
    assert f'href="/rounds/{round_.id}/lock"' not in html.split('class="task-list"')[1].split("</ol>")[0]


def test_check_page_lists_what_the_lock_fixes_and_says_it_is_final(client, login_as, org, complete_round):
    round_ = complete_round(protocol="Twee sollicitaties per vacature.")
    login_as("coordinator", org)
    page = client.get(f"/rounds/{round_.id}/lock")
    text = visible_text(page.get_data(as_text=True))
    assert page.status_code == 200 and fresh_status(round_) == "draft"  # looking locks nothing
    assert "Locking cannot be undone" in text and "Twee sollicitaties per vacature." in text
    assert "Profiles in group Belgisch 1" in text and "Employers in the sample 20" in text


def fresh_status(round_) -> str:
    from praktijktest.extensions import db

    return fresh(db, Round, round_.id).status


def test_lock_without_the_awareness_box_says_so_once_at_the_box(client, login_as, org, complete_round):
    round_ = complete_round(planned_tests_per_target=3)
    login_as("coordinator", org)
    page = client.post(f"/rounds/{round_.id}/lock", data={"version": round_.version})
    html = page.get_data(as_text=True)
    assert fresh_status(round_) == "draft"
    assert 'id="is_awareness_only-error"' in html and 'href="#is_awareness_only"' in html  # field and summary
    assert html.count("Tick the box to confirm") == 2  # once at the box, once in the summary that links to it
    assert html.count("is flagged alone with a probability of") == 1  # the warning itself: once


def test_locking_leads_to_the_confirmation_with_hash_and_pdf(client, login_as, org, complete_round):
    round_ = complete_round(planned_tests_per_target=3)
    login_as("coordinator", org)
    response = client.post(f"/rounds/{round_.id}/lock", data={"version": round_.version, "is_awareness_only": "y",
                                                                   "is_low_power_confirmed": "y"})
    assert response.status_code == 302 and response.headers["Location"] == f"/rounds/{round_.id}/locked"
    locked = client.get(response.headers["Location"]).get_data(as_text=True)
    sha = fresh_round(round_).protocol_sha256
    assert sha in locked and f'href="/rounds/{round_.id}/preregistration.pdf"' in locked
    # A locked round's check page sends to the confirmation; an open round's confirmation to the check.
    assert client.get(f"/rounds/{round_.id}/lock").headers["Location"] == f"/rounds/{round_.id}/locked"


def fresh_round(round_) -> Round:
    from praktijktest.extensions import db

    return fresh(db, Round, round_.id)


def test_an_open_round_has_no_confirmation_yet(client, login_as, org, make_round):
    round_ = make_round()
    login_as("coordinator", org)
    assert client.get(f"/rounds/{round_.id}/locked").headers["Location"] == f"/rounds/{round_.id}/lock"


def test_cancelling_without_a_reason_shows_the_error_by_the_cancel_button(client, login_as, org, make_round):
    round_ = make_round()
    login_as("coordinator", org)
    page = client.post(f"/rounds/{round_.id}/status", data={"status": "cancelled", "reason": " "})
    html = page.get_data(as_text=True)
    assert fresh_status(round_) == "draft"
    cancel_box = html.split('id="cancel-heading"')[1].split("</form>")[0]
    assert "Write down why you cancel this round" in cancel_box and 'id="reason-error"' in cancel_box
    assert "Cancelling a round needs a reason" not in html  # the model's English message stays in the logs


def test_a_refused_status_change_is_said_in_dutch(client, login_as, org, make_round):
    round_ = make_round()
    login_as("coordinator", org)
    client.post("/language", data={"locale": "nl_BE"})
    client.post(f"/rounds/{round_.id}/status", data={"status": "analysed"})
    text = visible_text(client.get(f"/rounds/{round_.id}").get_data(as_text=True))
    assert "Een testronde met de status ‘ontwerp’ kan niet naar ‘geanalyseerd’ gaan." in text
    assert "cannot go from" not in text


def test_the_preregistration_downloads_under_a_dutch_name(client, login_as, org, complete_round):
    round_ = complete_round(planned_tests_per_target=3)
    login_as("coordinator", org)
    client.post(f"/rounds/{round_.id}/lock", data={"version": round_.version, "is_awareness_only": "y",
                                                                   "is_low_power_confirmed": "y"})
    client.post("/language", data={"locale": "nl_BE"})
    response = client.get(f"/rounds/{round_.id}/preregistration.pdf")
    assert f"vooraf-geregistreerd-protocol-testronde-{round_.id}.pdf" in response.headers["Content-Disposition"]
