"""Python tests over the generated bindings: open, a synthetic 동, search, agenda, services, errors."""

import sqlite3
from datetime import date, timedelta

import pytest

import types

import donghaeng_core
import donghaeng_ffi

# The core's records and enums are generated as their own module: one namespace for the tests.
d = types.SimpleNamespace(**{**vars(donghaeng_core), **vars(donghaeng_ffi)})

# The database key (the apps take 32 random bytes from Android Keystore / iOS Keychain).
KEY = bytes(range(1, 33))


@pytest.fixture
def store(tmp_path):
    s = d.DonghaengStore.open(str(tmp_path / "app.db"), KEY)
    yield s
    s.close()


@pytest.fixture
def synthetic(store):
    return store.generate_synthetic_dong(42, 60, 12, 400, "2026-11-01")


def test_open_and_schema(store):
    assert store.schema_version() == 16  # the latest migration (core/src/store/sql)
    assert store.integrity_check() == "ok"
    assert not store.is_closed()


def test_synthetic_dong(store, synthetic):
    assert synthetic.dong.name == "역삼1동"
    assert synthetic.dong.kind == d.OrgUnitKind.DONG
    assert len(synthetic.household_ids) == 60
    assert len(synthetic.workers) == 12
    assert synthetic.visits > 0


def test_search_kim(store, synthetic):
    found = store.search_households(synthetic.dong.id, "김", 200)
    assert found
    for row in found:
        h = row.household
        members = store.persons_of_household(h.id)
        text = " ".join([h.head_name, h.address] + [p.name for p in members])
        assert "김" in text


def test_due_today(store, synthetic):
    # The synthetic 동's records give a due list with reasons, each item with its household's level.
    a = store.due_today(synthetic.dong.id, "2026-12-03")
    assert a.today == "2026-12-03"
    items = a.overdue + a.due_today + a.upcoming
    assert items
    assert all(1 <= i.crisis_level <= 5 and i.ko and i.en for i in items)
    assert all(i.days_overdue > 0 for i in a.overdue)
    with pytest.raises(d.DonghaengError.Invalid):
        store.due_today(synthetic.dong.id, "2026-13-01")


def test_agenda(store, synthetic):
    start = date(2026, 11, 1)
    items = [
        (w, item)
        for w in synthetic.workers
        for day in (start + timedelta(days=i) for i in range(14))
        for item in store.agenda_for_worker(w.id, day.isoformat())
    ]
    assert items
    w, item = items[0]
    assert w.id in item.visit.assigned
    assert 1 <= item.crisis_level <= 5
    assert all(p.id != w.id for p in item.partners)


def test_korean_round_trip(store, synthetic):
    h = store.create_household(
        d.NewHousehold(
            dong_id=synthetic.dong.id,
            head_name="홍길동",
            address="서울특별시 강남구 역삼로 7, 지하 1층",
            crisis_level=5,
            tags=[d.HouseholdTag.LIVES_ALONE],
        )
    )
    assert store.get_household(h.id).household.head_name == "홍길동"
    assert h.tags[0].label_ko() == "1인 가구"
    # The detail screen's read is recorded in the audit trail (one change to sync); a lookup is not.
    before = store.pending_changes()
    viewer = store.device_id()  # any valid id: the audit entry names who looked
    assert store.view_household(h.id, viewer).household.head_name == "홍길동"
    assert store.pending_changes() == before + 1


def test_services_record_correct_void_and_year_usage(store, synthetic):
    h = store.create_household(
        d.NewHousehold(dong_id=synthetic.dong.id, head_name="김영수", address="서울 강남구 역삼로 1", crisis_level=3)
    )
    worker = synthetic.workers[0].id

    def new(item, provided_on="2025-06-10", **kw):
        return d.NewServiceProvision(household_id=h.id, item=item, provided_on=provided_on, recorded_by=worker, **kw)

    info = d.service_item_info(d.ServiceItem.SHORT_STAY)
    assert (info.shape, info.unit, info.program) == (
        d.ServiceItemShape.PAID,
        d.QuantityUnit.DAYS,
        d.ServiceProgram.CARE_SOS,
    )
    # 단기시설 3 days at 60,490원; 생계비 30만원 corrected to 50만원 (two members); 안부확인 counted only.
    stay = store.record_service(new(d.ServiceItem.SHORT_STAY, quantity=3, amount_won=3 * 60_490))
    living = store.record_service(new(d.ServiceItem.LIVING, amount_won=300_000))
    fixed = store.record_service(new(d.ServiceItem.LIVING, amount_won=500_000, corrects=living.id))
    store.record_service(new(d.ServiceItem.WELLBEING_CHECK, provided_on="2025-07-01"))
    wrong = store.record_service(new(d.ServiceItem.TEMPORARY_HOME_CARE, quantity=120))
    void = store.void_service(wrong.id, worker, "다른 가구에 입력")
    assert void.voided and void.corrects == wrong.id
    assert (stay.quantity, stay.amount_won, stay.provided_on) == (3, 181_470, "2025-06-10")

    counted = store.services_of_household(h.id)
    assert counted[0].item == d.ServiceItem.WELLBEING_CHECK  # newest first
    assert {p.id for p in counted[1:]} == {stay.id, fixed.id}
    usage = {u.item: u for u in store.service_year_usage(h.id, 2025)}
    assert set(usage) == {d.ServiceItem.SHORT_STAY, d.ServiceItem.WELLBEING_CHECK, d.ServiceItem.LIVING}
    s = usage[d.ServiceItem.SHORT_STAY]
    assert (s.count, s.quantity, s.unit, s.amount_won) == (1, 3, d.QuantityUnit.DAYS, 181_470)
    lv = usage[d.ServiceItem.LIVING]
    assert (lv.count, lv.quantity, lv.unit, lv.amount_won) == (1, 0, None, 500_000)
    assert usage[d.ServiceItem.WELLBEING_CHECK].count == 1
    assert store.service_year_usage(h.id, 2024) == []

    with pytest.raises(d.DonghaengError.Invalid) as e:
        store.record_service(new(d.ServiceItem.FUEL))
    assert (e.value.code, e.value.field) == ("amount_required", "service.amount_won")
    assert "연료비" in e.value.ko and "fuel" in e.value.en


def test_evaluate_household_counts_the_recorded_support(store, synthetic):
    h = store.create_household(
        d.NewHousehold(
            dong_id=synthetic.dong.id,
            head_name="박순자",
            address="서울 강남구 역삼로 5",
            crisis_level=4,
            tags=[d.HouseholdTag.LIVES_ALONE],
        )
    )
    store.add_person(
        d.NewPerson(
            household_id=h.id,
            name="박순자",
            birth_date="1958-02-01",
            sex=d.Sex.FEMALE,
            relation=d.Relation.HEAD,
            disability=d.Disability.NONE,
        )
    )
    worker = synthetic.workers[0].id
    first = store.record_service(
        d.NewServiceProvision(
            household_id=h.id,
            item=d.ServiceItem.LIVING,
            provided_on="2026-08-01",
            recorded_by=worker,
            amount_won=300_000,
            crisis_reason=d.CrisisReason.UTILITY_CUTOFF,
        )
    )
    assert (first.crisis_reason, first.support_kind) == (d.CrisisReason.UTILITY_CUTOFF, d.SupportKind.NEW)
    facts = d.EnteredFacts(
        monthly_income_won=1_000_000,
        property_won=50_000_000,
        financial_assets_won=1_000_000,
        crisis=d.EnteredCrisis(
            reasons=[d.CrisisReason.UTILITY_CUTOFF], requested_items=["living"], support_kind=d.SupportKind.NEW
        ),
        programs=["seoul_emergency_welfare"],
    )
    # A second living-cost payment for the same crisis: refused the day before 3 months, allowed on the day.
    before = store.evaluate_household(h.id, "2026-10-31", facts).programs[0]
    assert before.decision == d.EligibilityDecision.INELIGIBLE
    bar = next(c for c in before.checks if c.code == "resupport_interval")
    assert not bar.passed and first.id in bar.ko and "2026-11-01부터 재지원 가능" in bar.ko
    after = store.evaluate_household(h.id, "2026-11-01", facts).programs[0]
    assert after.decision == d.EligibilityDecision.ELIGIBLE
    assert [(s.item_code, s.max_amount_won) for s in after.support] == [("living", 300_000)]

    with pytest.raises(d.DonghaengError.NotFound) as e:
        store.evaluate_household("0190a000-0000-7000-8000-000000000000", "2026-11-01", facts)
    assert e.value.code == "household_not_found"
    with pytest.raises(d.DonghaengError.Invalid) as e:
        store.record_service(
            d.NewServiceProvision(
                household_id=h.id,
                item=d.ServiceItem.MEALS,
                provided_on="2026-08-01",
                recorded_by=worker,
                quantity=3,
                crisis_reason=d.CrisisReason.UTILITY_CUTOFF,
            )
        )
    assert (e.value.code, e.value.field) == ("crisis_reason_not_applicable", "service.crisis_reason")


def test_errors(store, synthetic, tmp_path):
    with pytest.raises(d.DonghaengError.Invalid) as e:
        store.get_household("not-an-id")
    # Refused as it crosses, before the call runs: the value is quoted, no field is named.
    assert (e.value.code, e.value.field) == ("invalid_id", None)
    assert '"not-an-id"' in e.value.en

    # The same for a day, an instant out of range, a crisis level in a record.
    with pytest.raises(d.DonghaengError.Invalid) as e:
        store.open_case(synthetic.household_ids[0], synthetic.workers[0].id, "0000-12-31")
    assert e.value.code == "date_out_of_range"
    with pytest.raises(d.DonghaengError.Invalid) as e:
        store.start_visit(synthetic.workers[0].id, 2**63 - 1)
    assert e.value.code == "timestamp_out_of_range"
    with pytest.raises(d.DonghaengError.Invalid) as e:
        d.cadence_agenda(
            d.CadenceRequest(
                today="2026-11-02",
                households=[d.CadenceHousehold(id=synthetic.household_ids[0], crisis_level=9)],
                closures=[],
                referrals=[],
                volunteer_assignments=[],
            )
        )
    assert (e.value.code, e.value.field) == ("crisis_level_out_of_range", "household.crisis_level")

    with pytest.raises(d.DonghaengError.Invalid) as e:
        store.agenda_for_worker(synthetic.workers[0].id, "2023-02-30")
    assert e.value.code == "invalid_date"
    assert "올바른 날짜가 아닙니다" in e.value.ko

    with pytest.raises(d.DonghaengError.NotFound) as e:
        store.get_worker("0190d5a0-0000-7000-8000-000000000000")
    assert e.value.code == "worker_not_found"

    with pytest.raises(d.DonghaengError.Storage):
        d.DonghaengStore.open(str(tmp_path / "missing" / "dir" / "app.db"), KEY)

    # An invalid enum value from the foreign side: refused before it crosses, the store goes on.
    with pytest.raises((TypeError, ValueError)):
        store.create_org_unit("dong", "가짜동", None)
    assert store.schema_version() == 16  # the latest migration (core/src/store/sql)

    store.close()
    with pytest.raises(d.DonghaengError.Closed) as e:
        store.search_households(synthetic.dong.id, "김", 10)
    assert e.value.code == "closed"
    assert store.is_closed()


def test_schema_too_new(tmp_path):
    # A plain file written by a newer app: refused untouched (not encrypted either).
    path = str(tmp_path / "newer.db")
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA application_id = 1145980744")
        conn.execute("PRAGMA user_version = 99")
        conn.execute("CREATE TABLE t(x)")
    conn.close()
    with pytest.raises(d.DonghaengError.SchemaTooNew) as e:
        d.DonghaengStore.open(path, KEY)
    assert e.value.code == "schema_too_new"
    assert d.is_plain_database(path)


def test_the_file_is_encrypted_and_needs_its_key(tmp_path):
    path = str(tmp_path / "phone.db")
    s = d.DonghaengStore.open(path, KEY)
    s.create_org_unit(d.OrgUnitKind.CITY, "서울특별시", None)
    s.close()
    raw = open(path, "rb").read()
    assert b"SQLite format 3" not in raw and "서울특별시".encode() not in raw
    assert not d.is_plain_database(path)
    # Python's own sqlite3 cannot read it.
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(path).execute("SELECT count(*) FROM org_units").fetchall()
    with pytest.raises(d.DonghaengError.WrongKey) as e:
        d.DonghaengStore.open(path, bytes(32))
    assert e.value.code == "store_key_wrong" and e.value.field == "key"
    with pytest.raises(d.DonghaengError.Invalid) as e:
        d.DonghaengStore.open(path, b"short")
    assert e.value.code == "store_key_invalid"
    # Re-keyed: only the new key opens it.
    s = d.DonghaengStore.open(path, KEY)
    s.rekey(b"\x42" * 32)
    s.close()
    with pytest.raises(d.DonghaengError.WrongKey):
        d.DonghaengStore.open(path, KEY)
    s = d.DonghaengStore.open(path, b"\x42" * 32)
    assert s.integrity_check() == "ok"
    s.close()


def test_a_plain_file_is_encrypted_without_loss(tmp_path):
    # The migration path of partners' tools: a plain Donghaeng file, encrypted in place.
    path = str(tmp_path / "old.db")
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA application_id = 1145980744")
        conn.execute("CREATE TABLE legacy(x TEXT)")
        conn.executemany("INSERT INTO legacy VALUES (?)", [(f"김옛날{i}",) for i in range(500)])
    conn.close()
    assert d.is_plain_database(path)
    assert d.encrypt_plain_database(path, KEY) is True
    assert d.encrypt_plain_database(path, KEY) is False
    assert "김옛날".encode() not in open(path, "rb").read()
    s = d.DonghaengStore.open(path, KEY)
    assert s.schema_version() == 16
    s.close()