from tests.factories import make_world


def test_world_builds_and_checks_clean(session):
    world = make_world(session)
    assert world.wh1.code == "WH1"


def test_admin_lists_stock(session, admin_api):
    make_world(session)
    r = admin_api.get("/stock")
    assert r.status_code == 200, r.json
    assert {(i["warehouse"], i["sku"], i["sellable"]) for i in r.json["items"]} == {
        ("WH1", "A-1", 10), ("WH1", "B-1", 7), ("WH2", "A-1", 5)
    }
