"""The operations pages: the dashboard per warehouse (each number links to
its list), counts awaiting approval with their evidence, the layout map,
and waves planned from the page with each pick list's route drawn."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import ADMIN
from tests.web.conftest import message_of, new_asn, new_order, stock, text_of
from wms.inbound.services import create_asn, receive_units


def tiles(html: str) -> dict[str, tuple[str, str]]:
    """{"Panel: label": (value, link)} of a dashboard."""
    found = re.findall(r'<a class="tile[^"]*" href="([^"]+)" data-tile="([^"]+)">\s*<span class="value">([^<]*)</span>',
                       html)
    return {label: (value, href.replace("&amp;", "&")) for href, label, value in found}


def rows(html: str, table_id: str) -> list[str]:
    body = html.split(f'id="{table_id}">')[1].split("</table>")[0].split("<tbody>")[1]
    return [text_of(r) for r in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


@pytest.fixture
def busy_wh1(world, session):
    """WH1: an ASN due today, one three days late, one received in part
    (putaway tasks open); two allocated orders, one late against its ship-by;
    a backorder."""
    now = datetime.now(UTC)
    for reference, when in (("PO-TODAY", now), ("PO-LATE", now - timedelta(days=3))):
        create_asn(session, ADMIN, {"seller": "ACME", "warehouse": "WH1", "reference": reference,
                                    "expected_at": when, "lines": [{"sku": "A-2", "qty": 5}]})
    receiving = new_asn(session, reference="PO-RECV")
    receive_units(session, ADMIN, receiving, qty=4, barcode="BA-1")
    new_order(session, reference="SO-1")
    from fulfillment.orders import create_order

    create_order(session, ADMIN, {"seller": "ACME", "warehouse": "WH1", "reference": "SO-LATE",
                                  "ship_by": now - timedelta(hours=2), "lines": [{"sku": "A-1", "qty": 1}],
                                  "ship_to": {"name": "A", "line1": "1", "city": "X", "postal_code": "1",
                                              "country": "US"}})
    new_order(session, reference="SO-BACK", lines=[{"sku": "A-2", "qty": 50}])
    session.commit()


def test_the_dashboard_counts_what_needs_doing_and_links_to_it(screen, tokens, busy_wh1):
    browser = screen(tokens.wh1_operator)
    board = tiles(browser.get("/dashboard").get_data(as_text=True))

    assert board["Inbound: ASNs due today"][0] == "1"
    assert board["Inbound: ASNs late"][0] == "1"
    assert board["Inbound: Being received"][0] == "1"
    assert board["Putaway: Units to put away"][0] == "4"
    assert board["Orders: Late against ship-by"][0] == "1"
    assert board["Orders: Allocated"][0] == "2"
    assert board["Orders: Backordered"][0] == "1"
    # Each number opens the list it counts, showing as many rows.
    late_asns = rows(browser.get(board["Inbound: ASNs late"][1]).get_data(as_text=True), "asn-table")
    assert [r.split()[0] for r in late_asns] == ["PO-LATE"]
    due_asns = rows(browser.get(board["Inbound: ASNs due today"][1]).get_data(as_text=True), "asn-table")
    assert [r.split()[0] for r in due_asns] == ["PO-TODAY"]
    late_orders = rows(browser.get(board["Orders: Late against ship-by"][1]).get_data(as_text=True), "order-table")
    assert [r.split()[0] for r in late_orders] == ["SO-LATE"]
    backorders = rows(browser.get(board["Orders: Backordered"][1]).get_data(as_text=True), "order-table")
    assert [r.split()[0] for r in backorders] == ["SO-BACK"]


def test_another_warehouses_dashboard_is_not_found_and_sellers_have_none(screen, tokens, busy_wh1):
    assert screen(tokens.wh1_operator).get("/dashboard?warehouse=WH2").status_code == 404
    assert screen(tokens.acme).get("/dashboard").status_code == 403


def test_the_dashboard_of_an_empty_warehouse_is_all_zero(screen, tokens, busy_wh1):
    board = tiles(screen(tokens.wh2_operator).get("/dashboard").get_data(as_text=True))

    assert {label: value for label, (value, _href) in board.items() if value not in ("0", "–")} == {}


# --- counts and approvals ---------------------------------------------------------------------

@pytest.fixture
def pending_count(world, session) -> int:
    """WH1 A01-01-1 holds 10 A-1; the count found 4: a variance of -6, above the threshold of 2."""
    from wms.inventory.counts import create_count, submit_count

    count = create_count(session, ADMIN, warehouse="WH1", locations=["A01-01-1"])
    submit_count(session, ADMIN, count.id, lines=[{"location": "A01-01-1", "sku": "A-1", "seller": "ACME",
                                                   "counted_qty": 4}], approval_threshold=2)
    session.commit()
    return count.id


def test_a_large_variance_waits_with_its_evidence_and_an_admin_approves_it(screen, tokens, pending_count,
                                                                           session):
    admin = screen(tokens.admin)
    page = admin.get("/counts")
    html = page.get_data(as_text=True)

    variance = text_of(html.split(f'id="count-{pending_count}"')[1].split("</table>")[0])
    assert "A01-01-1 A-1 10 4 -6 Waiting" in variance
    assert "Adjustment +10" in variance  # how the 10 got there
    response = admin.client.post(f"/counts/{pending_count}/decision", data={
        **admin.form(page, f"/counts/{pending_count}/decision").fields, "decision": "approve"})

    assert message_of(admin.follow(response)) == f"ok: Count {pending_count}: the variances were posted."
    assert stock(session, "WH1", "A-1")["sellable"] == 4 + 5 - 5  # WH1 holds 4 now (WH2's 5 apart)


def test_an_operator_sees_the_variance_but_may_not_approve(screen, tokens, pending_count, session):
    operator = screen(tokens.wh1_operator)
    page = operator.get("/counts")

    assert "An admin approves or rejects" in text_of(page.get_data(as_text=True))
    assert f"/counts/{pending_count}/decision" not in page.get_data(as_text=True)  # no buttons
    fields = operator.form(operator.get("/waves"), "/waves").fields  # a valid form key, from another page
    response = operator.client.post(f"/counts/{pending_count}/decision", data={**fields, "decision": "approve"})
    assert response.status_code == 403
    assert stock(session, "WH1", "A-1")["sellable"] == 10


# --- the layout map -----------------------------------------------------------------------------

def test_the_layout_map_colours_bays_by_fill_and_shows_a_bays_contents(screen, tokens, world):
    browser = screen(tokens.wh1_operator)
    html = browser.get("/layout").get_data(as_text=True)

    svg = html.split('id="layout-map">')[1].split("</svg>")[0]
    bays = re.findall(r'data-bay="([A-Z]\d\d-\d\d)"><title>([^<]*)</title>', svg)
    assert len(bays) == len(set(b for b, _t in bays)) > 10
    assert dict(bays)["A01-01"].startswith("A01-01: 10 units")
    assert dict(bays)["A01-02"].startswith("A01-02: 7 units")
    assert "<text" in svg and ">PACK<" in svg  # the stations are drawn

    bay = browser.get("/layout?warehouse=WH1&measure=fill&bay=A01-01").get_data(as_text=True)
    contents = text_of(bay.split('id="bay"')[1])
    assert "A01-01-1" in contents and "ACME A-1 Good 10" in contents


@pytest.mark.parametrize("measure", ["picks", "velocity"])
def test_the_layout_map_has_pick_measures(screen, tokens, world, measure):
    response = screen(tokens.admin).get(f"/layout?warehouse=WH1&measure={measure}")

    assert response.status_code == 200
    assert "0.00 picks/day, class C" in response.get_data(as_text=True)


def test_an_unknown_measure_is_a_clear_error(screen, tokens, world):
    response = screen(tokens.admin).get("/layout?measure=price")

    assert response.status_code == 422
    assert "measure: must be one of" in text_of(response.get_data(as_text=True))


# --- waves from the page -------------------------------------------------------------------------

def test_an_operator_plans_a_wave_from_the_page_and_sees_each_route(screen, tokens, world, session):
    from wms.inventory.services import adjust_stock

    adjust_stock(session, ADMIN, warehouse="WH1", location="A02-05-1", sku="A-2", seller="ACME", qty=3,
                 reason="found")
    session.commit()
    new_order(session, reference="SO-W1", lines=[{"sku": "A-1", "qty": 2}])
    new_order(session, reference="SO-W2", seller="BETA", lines=[{"sku": "B-1", "qty": 1}])
    new_order(session, reference="SO-W3", lines=[{"sku": "A-2", "qty": 1}])
    browser = screen(tokens.wh1_operator)
    page = browser.get("/waves")
    assert text_of(page.get_data(as_text=True).split('id="ready">')[1].split("<")[0]) == "3"

    response = browser.send(browser.form(page, "/waves"), cart_capacity_units="10")
    wave = browser.follow(response)
    html = wave.get_data(as_text=True)

    assert message_of(wave).startswith("ok: Wave ")
    figures = text_of(html.split('id="wave-figures">')[1].split("</div>\n  {% for")[0])
    assert "Walk, this plan" in figures and "One order at a time" in figures and "First come" in figures
    routes = re.findall(r'<g class="route" data-route="pick list \d+"><polyline points="([^"]+)"', html)
    assert routes
    points = [tuple(map(int, p.split(","))) for p in routes[0].split()]
    assert points[0] == points[-1]  # from the pack station and back
    assert all(a[0] == b[0] or a[1] == b[1] for a, b in zip(points, points[1:], strict=False))  # along aisles
    lists = html.split('class="panel pick-list"')[1:]
    stops = [re.findall(r'<circle cx="\d+" cy="\d+" r="\d+" fill="#c2410c"/><text[^>]*>(\d+)</text>', pl)
             for pl in lists]
    bins = [re.findall(r'<td data-label="Bin">([^<]+)</td>', pl) for pl in lists]
    assert sorted(b for found in bins for b in found) == ["A01-01-1", "A01-02-1", "A02-05-1"]
    # Bays 01 and 02 face each other across aisle A01: one stop serves both.
    assert stops == [["1", "2"]]  # one cart load


def test_a_wave_with_nothing_to_plan_is_a_clear_error(screen, tokens, world):
    browser = screen(tokens.wh1_operator)

    response = browser.submit("/waves", "/waves", carrier="")

    assert response.status_code == 409
    assert message_of(response) == "error: No allocated orders wait for a wave with these filters"


def test_the_layout_map_shows_the_latest_slotting_plans_moves(screen, tokens, world, session):
    from sqlalchemy import select

    from slotting.models import SlottingMove, SlottingPlan
    from wms.catalog.models import Sku
    from wms.facility.models import Location

    def loc(code: str) -> int:
        return session.scalar(select(Location.id).where(Location.warehouse_id == world.wh1.id, Location.code == code))

    sku = session.scalar(select(Sku.id).where(Sku.code == "A-1"))
    plan = SlottingPlan(warehouse_id=world.wh1.id, status="done")
    session.add(plan)
    session.flush()
    session.add_all([
        SlottingMove(plan_id=plan.id, seq=1, sku_id=sku, from_location_id=loc("A01-01-1"),
                     to_location_id=loc("A02-03-1"), qty=10),
        SlottingMove(plan_id=plan.id, seq=2, sku_id=sku, from_location_id=loc("A02-03-2"),
                     to_location_id=loc("A01-01-2"), qty=1),
    ])
    session.commit()

    html = screen(tokens.wh1_operator).get("/layout?warehouse=WH1&measure=slotting").get_data(as_text=True)

    found = re.findall(r'fill="(#[0-9a-f]{6})" stroke="[^"]+" stroke-width="\d+" data-bay="([A-Z]\d\d-\d\d)"', html)
    coloured = {bay: colour for colour, bay in found if colour != "#eef0f3"}
    assert coloured == {"A01-01": "#7e22ce", "A02-03": "#7e22ce"}  # each bay loses and gains stock: purple
    assert f"A01-01: 1 moves out, 1 in (plan {plan.id})" in html


# --- the picks behind the dashboard's tiles, and pages filtered in the query -------------------

def all_rows(browser, url: str, table_id: str) -> tuple[list[str], int]:
    """Every row of a paged list, following its "next page" links."""
    found, pages = [], 0
    while url:
        response = browser.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        found += rows(html, table_id)
        following = re.search(r'<a href="([^"]+)" rel="next">', html)
        url = following.group(1).replace("&amp;", "&") if following else None
        pages += 1
    return found, pages


def test_the_pick_tiles_open_the_picks_they_count_page_after_page(screen, tokens, world, session, monkeypatch):
    from fulfillment import wave_pages
    from fulfillment.picking import confirm_pick
    from tests.web.conftest import new_pick_list

    monkeypatch.setattr(wave_pages, "PICKS_PAGE", 1)  # more rows than a page
    for n in range(3):
        new_order(session, reference=f"SO-{n}", lines=[{"sku": "A-1", "qty": 1}])
    pick_list = new_pick_list(session)
    first = pick_list["picks"][0]
    confirm_pick(session, ADMIN, pick_list["id"], first["seq"], location=first["location"], sku=first["sku_id"],
                 qty=0, short_reason="empty")
    session.commit()
    browser = screen(tokens.wh1_operator)
    board = tiles(browser.get("/dashboard").get_data(as_text=True))

    open_value, open_url = board["Picking: Open picks"]
    short_value, short_url = board["Picking: Short picks today"]
    open_rows, open_pages = all_rows(browser, open_url, "picks")
    short_rows, _ = all_rows(browser, short_url, "picks")
    assert "status=short" in short_url and "since=today" in short_url
    assert len(open_rows) == int(open_value) >= 2 and open_pages == len(open_rows)  # one pick a page
    assert len(short_rows) == int(short_value) == 1
    assert first["location"] in short_rows[0] and "A-1" in short_rows[0]


def test_counts_are_filtered_by_warehouse_in_the_query_so_every_page_is_full(screen, tokens, world, session,
                                                                              monkeypatch):
    from wms.inventory.counts import create_count
    from wms.web import counts

    monkeypatch.setattr(counts, "LIMIT", 2)
    wh2 = [create_count(session, ADMIN, warehouse="WH2", locations=["A01-01-1"]).id for _ in range(3)]
    wh1 = [create_count(session, ADMIN, warehouse="WH1", locations=["A01-01-1"]).id for _ in range(3)]
    session.commit()
    browser = screen(tokens.admin)

    first = browser.get("/counts?status=open&warehouse=WH1").get_data(as_text=True)
    found, pages = all_count_ids(browser, "/counts?status=open&warehouse=WH1")

    assert re.findall(r'id="count-(\d+)"', first) == [str(i) for i in wh1[:2]]  # not the WH2 counts filtered away
    assert found == wh1 and pages == 2
    assert not set(found) & set(wh2)


def all_count_ids(browser, url: str) -> tuple[list[int], int]:
    found, pages = [], 0
    while url:
        html = browser.get(url).get_data(as_text=True)
        found += [int(i) for i in re.findall(r'id="count-(\d+)"', html)]
        following = re.search(r'<a href="([^"]+)" rel="next">', html)
        url = following.group(1).replace("&amp;", "&") if following else None
        pages += 1
    return found, pages
