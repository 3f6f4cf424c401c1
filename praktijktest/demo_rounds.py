"""The demo's two synthetic rounds, built through the same services a coordinator uses.

1. A finished labour-market round (status analysed): origin, reference group
   "Belgische naam", other group "Maghrebijnse naam"; 120 fictitious
   employers with 10 vacancies each, one paired test per vacancy (1,200
   tests, 2,400 applications).
2. A housing round in fieldwork: 30 fictitious landlords and agencies with
   2 rental ads each; the first sends are answered, most are pending.

Synthetic responses are drawn per test from the stated rates below with a
fixed seed (numpy PCG64), so the demo is the same on every machine. For a
paired test the four outcomes are: both applications positive, only the
reference positive, only the other group positive, neither.

Labour market (docs/schedule.md repeats these rates):
- 114 ordinary employers: both 23%, reference only 10%, other only 7%,
  neither 60% (a small market-wide gap of 3 percentage points);
- 6 strong discriminators: both 2%, reference only 97%, other only 0%,
  neither 1%.
With 10 tests per employer and a false discovery rate of 5% over 120
employers, an employer can only be flagged when (nearly) all of its tests
favour the reference group, and only because several employers do so
(Benjamini-Hochberg); with the seed below the analysis flags exactly the 6
strong discriminators (9 or 10 of 10 tests favouring the reference group,
none the other) and none of the 114 others (tests/schedule/test_demo.py).

Housing: both 20%, reference only 15%, other only 5%, neither 60%; the
sends up to 6 November 2026 are answered (20 of the 60 tests have an answer), the rest pending.

A positive application gets an invitation (or, one time in four, a request
for more information); a negative one a rejection (one time in three) or
no response.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import groupby

import numpy as np
from flask_babel import force_locale
from sqlalchemy import insert, select, update

from praktijktest.audit.services import record
from praktijktest.extensions import db
from praktijktest.fieldwork.models import Application, Response, Test, TestStatus
from praktijktest.organisations.models import Organisation
from praktijktest.rounds.materials import add_profile, add_template
from praktijktest.rounds.models import Round, RoundGroup, RoundStatus
from praktijktest.rounds.planning import save_planning
from praktijktest.rounds.preregistration import lock_round
from praktijktest.rounds.services import GroundSpec, change_status, create_round
from praktijktest.schedule.services import ScheduleSettings, generate_schedule
from praktijktest.targets.importing import import_targets
from praktijktest.targets.models import Listing, Target
from praktijktest.targets.sampling import draw_sample
from praktijktest.timeutil import as_utc, utcnow

LABOUR_TITLE = "Arbeidsmarkttest 2025 (synthetische gegevens)"
HOUSING_TITLE = "Huurmarkttest 2026 (synthetische gegevens)"
SEED = 20261126

# P(both positive), P(reference only), P(other only), P(neither) per test.
ORDINARY_EMPLOYER = (0.23, 0.10, 0.07, 0.60)
STRONG_DISCRIMINATOR = (0.02, 0.97, 0.00, 0.01)
HOUSING_RATES = (0.20, 0.15, 0.05, 0.60)
EMPLOYERS, DISCRIMINATORS, TESTS_PER_EMPLOYER = 120, 6, 10
HOUSING_TARGETS, ADS_PER_HOUSING_TARGET = 30, 2
HOUSING_ANSWERED_UNTIL = date(2026, 11, 6)  # sends up to this day are answered; later ones pending

SECTORS = ("Bouw", "Horeca", "Logistiek", "Zorg", "Handel", "Schoonmaak")
OCCUPATIONS = ("boekhouder", "magazijnier", "verpleegkundige", "kok", "verkoper", "schoonmaker", "elektricien",
               "administratief medewerker", "chauffeur", "onthaalmedewerker")


@dataclass(frozen=True)
class Design:
    title: str
    market: str
    reference: str
    other: str
    profiles: tuple[tuple[str, ...], tuple[str, ...]]
    templates: tuple[tuple[str, str, str], ...]
    tests_per_target: int
    protocol: str
    planning: dict  # the coordinator's expectation, close to the rates above


LABOUR = Design(
    LABOUR_TITLE, "labour", "Belgische naam", "Maghrebijnse naam",
    (("Thomas Peeters", "Pieter Janssens"), ("Mohamed El Amrani", "Youssef Benali")),
    (("Brief A", "Sollicitatie {{ listing.title }}", "Geachte,\n\nGraag solliciteer ik voor {{ listing.title }}.\n\n"
      "Met vriendelijke groeten,\n{{ profile.name }}"),
     ("Brief B", "Kandidatuur {{ listing.title }}", "Beste,\n\nMet veel interesse las ik uw vacature "
      "{{ listing.title }}.\n\nVriendelijke groet,\n{{ profile.name }}")),
    TESTS_PER_EMPLOYER,
    "Synthetische demonstratieronde. Gepaarde correspondentietest: per vacature één sollicitatie met een "
    "Belgische en één met een Maghrebijnse naam, gelijkwaardig cv, brief en volgorde gerandomiseerd.",
    {"reference_rate": 0.36, "other_rate": 0.29, "discordance": 0.20},
)
HOUSING = Design(
    HOUSING_TITLE, "housing", "Belgische naam", "Turkse naam",
    (("Lotte Wouters",), ("Elif Yilmaz",)),
    (("Vraag A", "Huurwoning {{ listing.title }}", "Goedendag,\n\nIs de woning {{ listing.title }} nog vrij? "
      "Ik kom graag kijken.\n\n{{ profile.name }}"),
     ("Vraag B", "Interesse {{ listing.title }}", "Beste,\n\nIk heb interesse in {{ listing.title }} en "
      "wil graag een bezoek plannen.\n\nGroeten,\n{{ profile.name }}")),
    ADS_PER_HOUSING_TARGET,
    "Synthetische demonstratieronde. Gepaarde huuraanvragen per advertentie; veldwerk loopt.",
    {"reference_rate": 0.35, "other_rate": 0.25, "discordance": 0.20},
)


def load_demo_rounds(organisation: Organisation, tester) -> list[str]:
    """Create the two synthetic rounds unless they exist; return what was done, in lines."""
    done = []
    if not _find_round(organisation, LABOUR_TITLE):
        _labour_round(organisation, tester)
        done.append(f"Created {LABOUR_TITLE}")
    if not _find_round(organisation, HOUSING_TITLE):
        _housing_round(organisation, tester)
        done.append(f"Created {HOUSING_TITLE}")
    return done


def _find_round(organisation: Organisation, title: str) -> Round | None:
    return db.session.scalar(select(Round).where(Round.organisation_id == organisation.id, Round.title == title))


def _labour_round(organisation: Organisation, tester) -> Round:
    rng = np.random.Generator(np.random.PCG64(SEED))
    targets = _employers(organisation)
    _add_listings({target: [(f"Vacature {OCCUPATIONS[(i + j) % len(OCCUPATIONS)]} {j + 1}", None)
                            for j in range(TESTS_PER_EMPLOYER)] for i, target in enumerate(targets)}, date(2025, 9, 1))
    round_ = _planned_round(organisation, LABOUR, len(targets), ("employer",), date(2025, 9, 15))
    change_status(round_, RoundStatus.FIELDWORK)
    # The strong discriminators are a fixed, seeded draw among the employers.
    strong = {targets[i].id for i in rng.choice(len(targets), DISCRIMINATORS, replace=False)}
    _answer(round_, tester, rng, lambda target_id: STRONG_DISCRIMINATOR if target_id in strong else ORDINARY_EMPLOYER)
    # A stored analysis snapshot, as the "Analyse" button makes: a newcomer sees results at once.
    from praktijktest.results.snapshots import run_analysis

    run_analysis(round_)
    return round_


def _housing_round(organisation: Organisation, tester) -> Round:
    rng = np.random.Generator(np.random.PCG64(SEED + 1))
    targets = _housing_targets(organisation)
    _add_listings({target: [(f"Appartement {i + 1}.{j + 1}, 2 slaapkamers", 750 + 25 * ((i + j) % 12))
                            for j in range(ADS_PER_HOUSING_TARGET)] for i, target in enumerate(targets)},
                  date(2026, 10, 26))
    round_ = _planned_round(organisation, HOUSING, len(targets), ("landlord", "agency"), date(2026, 11, 2), per_day=4)
    change_status(round_, RoundStatus.FIELDWORK)
    _answer(round_, tester, rng, lambda target_id: HOUSING_RATES, until=HOUSING_ANSWERED_UNTIL)
    from praktijktest.fieldwork.demo import add_demo_fieldwork

    add_demo_fieldwork(round_, tester)  # work in the tester's queue on whatever day the demo is loaded
    return round_


def _employers(organisation: Organisation) -> list[Target]:
    rows = [{"name": f"Demobedrijf {i + 1:03d} (fictief)", "kind": "werkgever", "sector": SECTORS[i % len(SECTORS)],
             "municipality": ("Demodorp", "Demostad")[i % 2]} for i in range(EMPLOYERS)]
    return import_targets(organisation, rows).created


def _housing_targets(organisation: Organisation) -> list[Target]:
    rows = [{"name": f"Demo{'kantoor' if i % 3 == 0 else 'verhuurder'} {i + 1:02d} (fictief)",
             "kind": "kantoor" if i % 3 == 0 else "verhuurder", "municipality": ("Demodorp", "Demostad")[i % 2]}
            for i in range(HOUSING_TARGETS)]
    return import_targets(organisation, rows).created


def _add_listings(ads: dict[Target, list[tuple[str, float | None]]], seen_on: date) -> None:
    """Listings in bulk (1,200 of them in one statement), with one audit event listing the codes."""
    rows = [{"target_id": target.id, "title": title, "monthly_rent": rent, "seen_on": seen_on, "created_at": utcnow()}
            for target, listings in ads.items() for title, rent in listings]
    db.session.execute(insert(Listing), rows)
    first = next(iter(ads))
    record("listing.create", None, summary=f"{len(rows)} synthetic listings for {len(ads)} targets",
           changes={"targets": [t.code for t in ads]}, organisation_id=first.organisation_id)


def _planned_round(organisation: Organisation, design: Design, targets: int, kinds, start: date,
                   per_day: int = 40) -> Round:
    """Round, profiles, templates, sample, schedule, planning and lock: the coordinator's path."""
    round_ = create_round(
        organisation, design.title, design.market, [GroundSpec("origin", design.reference, [design.other])],
        planned_tests_per_target=design.tests_per_target, protocol=design.protocol, is_synthetic=True,
        municipalities=list(organisation.municipalities),
    )
    for group, names in zip(round_.groups, design.profiles, strict=True):
        for name in names:
            slug = name.lower().replace(" ", ".")
            add_profile(round_, group, name, email=f"{slug}@demo.example", phone="+32 470 00 00 00")
    for name, subject, body in design.templates:
        add_template(round_, name, subject, body)
    draw_sample(round_, targets, seed=SEED, kinds=kinds, months_excluded=0)
    generate_schedule(round_, ScheduleSettings(start, lag_min=1, lag_max=3, tests_per_day=per_day, seed=SEED))
    save_planning(round_, design.planning)
    # A demonstration: the confirmations the coordinator would give on the lock page.
    with force_locale("nl_BE"):  # the demo's pre-registration PDF is in Dutch, like its users
        lock_round(round_, awareness_confirmed=True, power_confirmed=True)
    return round_


def _answer(round_: Round, tester, rng: np.random.Generator, rates_of, until: date | None = None) -> None:
    """Mark sends as sent and record synthetic responses, drawn per test from `rates_of(target_id)`.

    Bulk statements: 2,400 responses through the unit of work would take seconds.
    """
    rows = db.session.execute(
        select(Test.id, Test.target_id, Application.id, RoundGroup.is_reference, Application.scheduled_at)
        .join(Application, Application.test_id == Test.id).join(RoundGroup, Application.group_id == RoundGroup.id)
        .where(Test.round_id == round_.id).order_by(Test.external_id, Application.send_order)
    ).all()
    sent, responses, statuses = [], [], []
    for test_id, apps in groupby(rows, key=lambda row: row[0]):
        apps = list(apps)
        outcome = rng.choice(4, p=rates_of(apps[0][1]))
        positive = {True: outcome in (0, 1), False: outcome in (0, 2)}
        answered = [a for a in apps if until is None or as_utc(a[4]).date() <= until]
        for _test, _target, application_id, is_reference, scheduled in answered:
            sent.append({"id": application_id, "sent_at": as_utc(scheduled)})
            responses.append(_response(application_id, as_utc(scheduled), positive[is_reference], rng, tester))
        status = TestStatus.COMPLETED if len(answered) == len(apps) else TestStatus.IN_PROGRESS
        statuses.append({"id": test_id, "status": status if answered else TestStatus.PLANNED})
    db.session.execute(update(Application), sent)
    db.session.execute(update(Test), statuses)
    db.session.execute(insert(Response), responses)
    record("response.synthetic", round_, summary=f"{len(responses)} synthetic responses (seed {SEED})",
           organisation_id=round_.organisation_id)


def _response(application_id: int, sent: datetime, positive: bool, rng: np.random.Generator, tester) -> dict:
    if positive:
        outcome = "information_request" if rng.random() < 0.25 else "invitation"
    else:
        outcome = "rejection" if rng.random() < 1 / 3 else "no_response"
    days = int(rng.integers(1, 8))
    return {"application_id": application_id, "outcome": outcome, "notes": "synthetisch", "version": 1,
            "responded_at": None if outcome == "no_response" else sent + timedelta(days=days),
            "recorded_at": _recorded(sent, days), "recorded_by_id": getattr(tester, "id", None)}


def _recorded(sent: datetime, days: int) -> datetime:
    return sent + timedelta(days=days, hours=2)
