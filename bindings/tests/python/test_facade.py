"""Python tests over the eligibility, schedule, safety and sync parts of the generated bindings."""

import socket
import uuid
from datetime import datetime, timedelta, timezone

import pytest

import types

import donghaeng_core
import donghaeng_ffi

# The core's records and enums are generated as their own module: one namespace for the tests.
d = types.SimpleNamespace(**{**vars(donghaeng_core), **vars(donghaeng_ffi)})

KST = timezone(timedelta(hours=9))
MIN = 60_000
# The database key (the apps take 32 random bytes from Android Keystore / iOS Keychain).
KEY = bytes(range(1, 33))


def kst_ms(y, mo, day, h, mi=0):
    return int(datetime(y, mo, day, h, mi, tzinfo=KST).timestamp() * 1000)


EXAMPLE = """
{"as_of": "2022-06-15", "residence": "seoul",
 "household": {"size": 2, "members": [{"birth_date": "1950-03-02", "disabled": false}],
               "monthly_income_won": 1500000, "property_won": 120000000, "financial_assets_won": 3000000,
               "lonely_death_risk": false, "receiving": [], "health_insurance_bottom_20pct": false},
 "crisis": {"reasons": ["job_loss"], "requested_items": ["living"]},
 "history": [{"program": "seoul_emergency_welfare", "reason": "job_loss", "date": "2021-12-01"}]}
"""


def test_eligibility_example():
    engine = d.EligibilityEngine()
    r = engine.evaluate(EXAMPLE)
    ew = next(p for p in r.programs if p.program.code == "seoul_emergency_welfare")
    assert ew.decision == d.EligibilityDecision.ELIGIBLE
    assert [(s.item_code, s.max_amount_won) for s in ew.support] == [("living", 500_000)]
    income = next(c for c in ew.checks if c.code == "income")
    assert (income.value, income.limit, income.passed) == (1_500_000, 3_260_085, True)
    assert "✓ 소득 1,500,000원" in r.text
    assert [p.code for p in d.eligibility_programs()][0] == "seoul_emergency_welfare"


def test_eligibility_errors_name_the_field():
    engine = d.EligibilityEngine()
    with pytest.raises(d.DonghaengError.Invalid) as e:
        engine.evaluate(EXAMPLE.replace('"lonely_death_risk": false, ', ""))
    assert e.value.code == "missing_field"
    assert e.value.field == "household.lonely_death_risk"
    # A date without tables is not bad input: the program answers NOT_EVALUATED.
    late = engine.evaluate(EXAMPLE.replace("2022-06-15", "2031-01-01"))
    ew = [p for p in late.programs if p.program.code == "seoul_emergency_welfare"][0]
    assert ew.decision == d.EligibilityDecision.NOT_EVALUATED
    assert ew.notes[0].code == "no_parameters_for_date"
    with pytest.raises(d.DonghaengError.Invalid) as e:
        engine.load_parameter_table('{"table": "nope", "sets": []}')
    assert e.value.code == "param_unknown_table"


def test_cadence_and_plan():
    h = str(uuid.uuid4())
    a = d.cadence_agenda(d.CadenceRequest(
        today="2026-11-02",
        households=[d.CadenceHousehold(id=h, crisis_level=5, last_contact="2026-10-23",
                                       location=d.GeoPoint(lat=37.501, lon=127.039))]))
    item = a.overdue[0]
    assert (item.reason, item.due, item.days_overdue) == (d.DueReason.CRISIS_MONITORING, "2026-10-30", 3)
    start = kst_ms(2026, 11, 2, 10)
    visit = d.day_visit_for_due_item(str(uuid.uuid4()), item, d.GeoPoint(lat=37.501, lon=127.039),
                                     start, start + 120 * MIN, 30)
    centre = d.GeoPoint(lat=37.5006, lon=127.0364)
    day = kst_ms(2026, 11, 2, 9)
    workers = [d.DayWorker(id=str(uuid.uuid4()), roles=[r], hours_start_ms=day, hours_end_ms=day + 480 * MIN,
                           start=centre, end=centre, max_visits=5)
               for r in (d.Role.WELFARE_PLANNER, d.Role.VISITING_NURSE)]
    plan = d.plan_day(d.DayPlanRequest(visits=[visit], workers=workers))
    assert len(plan.teams) == 1 and len(plan.teams[0].worker_ids) == 2
    assert plan.teams[0].stops[0].visit_id == visit.id
    assert plan.unplanned == []
    # A level-1 visit competing with it for the pair's one slot is dropped, and the plan says why.
    assert visit.crisis_level == 5
    low = d.DayVisit(id=str(uuid.uuid4()), household_id=str(uuid.uuid4()), purpose=d.VisitPurpose.UNIVERSAL_VISIT,
                     contact_mode=d.ContactMode.HOME, location=d.GeoPoint(lat=37.502, lon=127.038),
                     window_start_ms=start, window_end_ms=start + 120 * MIN, duration_min=30,
                     required=[], risk_flags=[], crisis_level=1, priority=3, last_workers=[], regular_volunteer=None)
    for w in workers:
        w.max_visits = 1
    plan = d.plan_day(d.DayPlanRequest(visits=[low, visit], workers=workers))
    assert [s.visit_id for s in plan.teams[0].stops] == [visit.id]
    assert [(u.visit_id, u.crisis_level) for u in plan.unplanned] == [(low.id, 1)]
    assert plan.unplanned[0].priority_ko.startswith("위기도 1(안정)·긴급도 3 방문입니다.")


class Throwing(d.SafetyAlarmListener):
    def on_action(self, action):
        raise RuntimeError("ui gone")

    def on_next_deadline(self, deadline_ms):
        raise RuntimeError("alarm gone")


class Alarms(d.SafetyAlarmListener):
    def __init__(self):
        self.actions = []
        self.deadlines = []

    def on_action(self, action):
        self.actions.append(action)

    def on_next_deadline(self, deadline_ms):
        self.deadlines.append(deadline_ms)


def test_safety_session_with_a_python_listener(tmp_path):
    store = d.DonghaengStore.open(str(tmp_path / "app.db"), KEY)
    city = store.create_org_unit(d.OrgUnitKind.CITY, "서울특별시", None)
    district = store.create_org_unit(d.OrgUnitKind.DISTRICT, "강남구", city.id)
    dong = store.create_org_unit(d.OrgUnitKind.DONG, "역삼1동", district.id)
    team = store.create_org_unit(d.OrgUnitKind.TEAM, "팀", dong.id)
    a = store.create_worker(d.NewWorker(team_id=team.id, name="박복지", roles=[d.Role.WELFARE_PLANNER], phone="010-0000-0001"))
    b = store.create_worker(d.NewWorker(team_id=team.id, name="이간호", roles=[d.Role.VISITING_NURSE], phone="010-0000-0002"))
    h = store.create_household(d.NewHousehold(dong_id=dong.id, head_name="김영희", address="테헤란로 1", crisis_level=3))
    now = kst_ms(2026, 11, 2, 10)
    alarms = Alarms()
    s = d.SafetySession("phone-1", alarms)
    st = s.start(store, d.SafetyStartRequest(
        household_id=h.id, worker_ids=[a.id, b.id], starter_id=a.id,
        expected_return_ms=now + 60 * MIN,
        assessment=d.SafetyAssessment(risk_flags_reviewed=True, plan_shared_with_lead=True, phone_ready=True,
                                      exit_plan_agreed=True),
        team_lead=d.SafetyContact(name="팀장", phone="010-0000-0100"),
        dong_head=d.SafetyContact(name="동장", phone="010-0000-0200"),
        contact_mode=d.ContactMode.HOME), now)
    assert st.status == d.SafetySessionStatus.OPEN
    assert alarms.deadlines[-1] == now + 60 * MIN
    actions = s.tick(now + 60 * MIN)
    assert len(actions) == 1 and isinstance(actions[0].kind, d.SafetyActionKind.PROMPT_WORKER)
    assert alarms.actions == actions
    # The app is killed and the store reopened: the session resumes from the store's safety events,
    # and the prompt is not issued twice.
    assert s.unsaved_events() == 0
    del s
    store.close()
    store = d.DonghaengStore.open(str(tmp_path / "app.db"), KEY)
    restored = d.resume_safety_session(store, "phone-1", None, now + 61 * MIN)
    assert restored.status(now + 61 * MIN).status == d.SafetySessionStatus.CHECK_IN_DUE
    assert restored.tick(now + 61 * MIN) == []
    assert d.resume_safety_session(store, "phone-9", None, now + 61 * MIN) is None
    # A Python listener that raises never stops the session.
    t = d.SafetySession("phone-3", Throwing())
    t.start(store, d.SafetyStartRequest(
        household_id=h.id, worker_ids=[a.id, b.id], starter_id=a.id,
        expected_return_ms=now + 60 * MIN,
        assessment=d.SafetyAssessment(risk_flags_reviewed=True, plan_shared_with_lead=True, phone_ready=True,
                                      exit_plan_agreed=True),
        team_lead=d.SafetyContact(name="팀장", phone="010-0000-0100"),
        dong_head=d.SafetyContact(name="동장", phone="010-0000-0200"),
        contact_mode=d.ContactMode.HOME), now)
    assert len(t.tick(now + 60 * MIN)) == 1
    assert t.listener_failures() >= 2
    with pytest.raises(d.DonghaengError.InvalidTransition):
        d.SafetySession("phone-2", None).check_in(a.id, now)
    store.close()


def test_sync_offline_is_a_typed_error(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    store = d.DonghaengStore.open(str(tmp_path / "app.db"), KEY)
    store.create_org_unit(d.OrgUnitKind.CITY, "서울특별시", None)
    client = d.SyncClient(f"http://127.0.0.1:{port}", None, 5)
    with pytest.raises(d.DonghaengError.Conflict) as e:
        client.sync_now(store, None)
    assert e.value.code == "offline"
    assert store.pending_changes() > 0
    store.close()
