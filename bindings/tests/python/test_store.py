"""Python tests over the generated bindings: open, a synthetic 동, search, agenda, errors."""

import sqlite3
from datetime import date, timedelta

import pytest

import donghaeng_ffi as d


@pytest.fixture
def store(tmp_path):
    s = d.DonghaengStore.open(str(tmp_path / "app.db"))
    yield s
    s.close()


@pytest.fixture
def synthetic(store):
    return store.generate_synthetic_dong(42, 60, 12, 400, "2026-11-01")


def test_open_and_schema(store):
    assert store.schema_version() == 5  # the latest migration (core/src/store/sql)
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


def test_errors(store, synthetic, tmp_path):
    with pytest.raises(d.DonghaengError.Invalid) as e:
        store.get_household("not-an-id")
    assert e.value.code == "invalid_id"
    assert e.value.field == "household.id"

    with pytest.raises(d.DonghaengError.Invalid) as e:
        store.agenda_for_worker(synthetic.workers[0].id, "2023-02-30")
    assert e.value.code == "invalid_date"
    assert "올바른 날짜가 아닙니다" in e.value.ko

    with pytest.raises(d.DonghaengError.NotFound) as e:
        store.get_worker("0190d5a0-0000-7000-8000-000000000000")
    assert e.value.code == "worker_not_found"

    with pytest.raises(d.DonghaengError.Storage):
        d.DonghaengStore.open(str(tmp_path / "missing" / "dir" / "app.db"))

    # An invalid enum value from the foreign side: refused before it crosses, the store goes on.
    with pytest.raises((TypeError, ValueError)):
        store.create_org_unit("dong", "가짜동", None)
    assert store.schema_version() == 5  # the latest migration (core/src/store/sql)

    store.close()
    with pytest.raises(d.DonghaengError.Closed) as e:
        store.search_households(synthetic.dong.id, "김", 10)
    assert e.value.code == "closed"
    assert store.is_closed()


def test_schema_too_new(tmp_path):
    path = str(tmp_path / "newer.db")
    d.DonghaengStore.open(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(d.DonghaengError.SchemaTooNew) as e:
        d.DonghaengStore.open(path)
    assert e.value.code == "schema_too_new"
