"""Languages (Flask-Babel): every string of the translated templates is
marked for translation, the Chinese catalogue is complete and compiled,
the portal renders in Chinese with no English left, and the language
follows the user's choice, then the browser."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from tests.factories import ADMIN
from tests.web.conftest import new_asn, new_order, text_of

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("wms", "fulfillment", "slotting")
# The handheld screens' templates and the modules of their messages: they
# are offered in Spanish too (wms.web.i18n.HANDHELD_LANGUAGES).
HANDHELD_TEMPLATES = [
    "wms/web/templates/web/" + name for name in (
        "base.html", "error.html", "_labels.html", "login.html", "home.html", "receive_list.html", "receive.html",
        "close.html", "_asn_lines.html", "_discrepancies.html", "putaway_list.html", "putaway.html")
] + ["fulfillment/templates/fulfillment/" + name for name in (
    "pick_start.html", "pick.html", "pick_totes.html", "pack_start.html", "pack.html", "ship.html")]
HANDHELD_MODULES = ["wms/web/" + name for name in (
    "receiving.py", "putaway.py", "account.py", "guard.py", "pages.py")] + [
    "fulfillment/web.py", "fulfillment/pack_pages.py"]
# Templates whose every string goes through the catalogue: all of them.
TEMPLATE_FOLDERS = ("wms/web/templates/web", "fulfillment/templates/fulfillment", "wms/channels/templates/channels")
TRANSLATED = sorted(str(path.relative_to(ROOT)) for folder in TEMPLATE_FOLDERS
                    for path in (ROOT / folder).glob("*.html"))
# Text that is the same in every language: the product's name, units, an example.
NOT_WORDS = {"Quayside", "mm", "g", "m", "ms", "MSCU"}


def unmarked_text(source: str) -> list[str]:
    """Words in a template that are neither inside a Jinja expression or tag
    nor in a script: text a translator would never see."""
    source = re.sub(r"\{#.*?#\}", " ", source, flags=re.S)
    source = re.sub(r"<script\b.*?</script>", " ", source, flags=re.S)
    source = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", " ", source, flags=re.S)
    found = []
    # Attribute values people read.
    for value in re.findall(r'\b(?:placeholder|title|aria-label|alt)="([^"]*)"', source):
        found += re.findall(r"[^\W\d_]{2,}", value)
    text = re.sub(r"<[^>]*>", " ", source)
    found += re.findall(r"[^\W\d_]{2,}", text)
    return [word for word in found if word not in NOT_WORDS]


def test_every_template_is_checked_and_the_handheld_ones_among_them():
    assert len(TRANSLATED) > 30
    assert set(HANDHELD_TEMPLATES) <= set(TRANSLATED)


@pytest.mark.parametrize("template", TRANSLATED)
def test_every_string_of_the_template_is_marked_for_translation(template):
    assert unmarked_text((ROOT / template).read_text()) == []


def test_the_check_finds_an_unmarked_string():
    assert unmarked_text('<h1>{{ _("Stock") }}</h1><p title="Per warehouse">Export {{ x }}</p>') == [
        "Per", "warehouse", "Export"]


def catalogue(package: str, lang: str):
    with open(ROOT / package / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=lang)


@pytest.mark.parametrize("package", PACKAGES)
def test_the_chinese_catalogue_translates_every_marked_string(package):
    with open(ROOT / package / "translations" / "messages.pot", "rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    zh = catalogue(package, "zh")

    translated = {m.id for m in zh if m.id and m.string and "fuzzy" not in m.flags}
    assert wanted - translated == set()


def handheld_messages() -> set[str]:
    """Every message of the handheld screens: their templates' and their views' own."""
    found = set()
    for path, method in [*((t, "jinja2") for t in HANDHELD_TEMPLATES), *((m, "python") for m in HANDHELD_MODULES)]:
        for _, message, _, _ in extract_from_file(method, ROOT / path, keywords={"_": None, "gettext": None,
                                                                                 "N_": None}):
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_the_spanish_catalogues_translate_every_handheld_message():
    wanted = handheld_messages()
    translated = {m.id for package in ("wms", "fulfillment") for m in catalogue(package, "es")
                  if m.id and m.string and "fuzzy" not in m.flags}

    assert len(wanted) > 150
    assert wanted - translated == set()


@pytest.mark.parametrize(("package", "lang"), [(p, "zh") for p in PACKAGES] + [("wms", "es"), ("fulfillment", "es")])
def test_the_compiled_catalogue_is_the_one_in_the_po_file(package, lang):
    po = catalogue(package, lang)
    with open(ROOT / package / "translations" / lang / "LC_MESSAGES" / "messages.mo", "rb") as f:
        committed = {m.id: m.string for m in read_mo(f) if m.id}
    fresh = io.BytesIO()
    write_mo(fresh, po)
    fresh.seek(0)

    assert committed == {m.id: m.string for m in read_mo(fresh) if m.id}, "run `make translations`"


# --- the portal in Chinese -------------------------------------------------------------------

def english_sources(lang: str = "zh") -> dict[str, str]:
    """Every English message without placeholders whose translation differs:
    none of them may be left on a page in that language."""
    found = {}
    for package in PACKAGES if lang == "zh" else ("wms", "fulfillment"):
        for m in catalogue(package, lang):
            if m.id and "%(" not in m.id and m.string != m.id and re.search(r"[A-Za-z]{3,}", m.id):
                found[m.id] = m.string
    return found


@pytest.fixture
def trading(world, session):
    """Closed and open ASNs, a shipped and a waiting order, a wave, a pending count: every page has content."""
    from fulfillment.picking import confirm_pick, pack_order, ship_order
    from tests.web.conftest import new_pick_list
    from wms.inbound.services import close_asn, receive_units
    from wms.inventory.counts import create_count, submit_count
    from wms.inventory.tasks import list_tasks

    asn_id = new_asn(session, reference="PO-ZH")
    receive_units(session, ADMIN, asn_id, qty=3, barcode="BA-1", condition="damaged")
    close_asn(session, ADMIN, asn_id)
    open_asn = new_asn(session, reference="PO-OPEN")
    receive_units(session, ADMIN, open_asn, qty=2, barcode="BA-1")
    order_id = new_order(session, reference="SO-ZH")
    pick_list = new_pick_list(session)
    for p in pick_list["picks"]:
        confirm_pick(session, ADMIN, pick_list["id"], p["seq"], location=p["location"], sku=p["sku_id"], qty=p["qty"])
    pack_order(session, ADMIN, order_id, cartons=[{"length_mm": 300, "width_mm": 200, "height_mm": 100,
                                                   "weight_g": 900, "lines": [{"sku": "A-1", "qty": 3}]}])
    ship_order(session, ADMIN, order_id, carrier="DHL", tracking_number="JD0001")
    new_order(session, reference="SO-WAIT", lines=[{"sku": "A-2", "qty": 9}])
    count = create_count(session, ADMIN, warehouse="WH1", locations=["A01-02-1"])
    submit_count(session, ADMIN, count.id, lines=[{"location": "A01-02-1", "sku": "B-1", "seller": "BETA",
                                                   "counted_qty": 1}], approval_threshold=2)
    session.commit()
    task = list_tasks(session, ADMIN, type="putaway", status="open", limit=1)[0]
    return {"asn": asn_id, "order": order_id, "wave": pick_list["wave_id"], "sku": pick_list["picks"][0]["sku_id"],
            "open_asn": open_asn, "task": task.id, "pick_list": pick_list["id"]}


CHINESE = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}


def leftovers(html: str, sources: dict[str, str]) -> list[str]:
    main = html.split("<main>", 1)[1] if "<main>" in html else html
    text = text_of(re.sub(r"<svg\b.*?</svg>", " ", main, flags=re.S))
    text = re.sub(r"Warehouse WH\d", " ", text)  # the test warehouses' names are data, not the screen's words
    text = re.sub(r"Item [A-Z]-\d", " ", text)  # nor the test SKUs' names
    return sorted(msgid for msgid in sources if re.search(r"(?<![\w-])" + re.escape(msgid) + r"(?![\w-])", text))


@pytest.mark.parametrize(("who", "paths"), [
    ("acme", ["/stock", "/skus/{sku}", "/asns", "/asns/{asn}", "/asns/new", "/orders", "/orders/{order}",
              "/orders/new"]),
    ("admin", ["/dashboard", "/counts", "/picks", "/picks?status=short", "/layout",
               "/layout?measure=velocity&bay=A01-01", "/waves", "/waves/{wave}"]),
])
def test_the_chinese_portal_has_no_untranslated_string(screen, tokens, trading, who, paths):
    browser = screen(getattr(tokens, who))
    sources = english_sources()

    for path in paths:
        response = browser.get(path.format(**trading), headers=CHINESE)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, path
        assert '<html lang="zh">' in html, path
        assert leftovers(html, sources) == [], path


HANDHELD_PAGES = ["/", "/receive", "/receive/{open_asn}", "/receive/{open_asn}/close", "/receive/{asn}",
                  "/putaway", "/putaway/{task}", "/pick", "/pick/{pick_list}"]


@pytest.mark.parametrize(("lang", "header"), [("zh", CHINESE), ("es", {"Accept-Language": "es-ES,es;q=0.9"})])
def test_the_handheld_screens_have_no_untranslated_string(screen, tokens, trading, lang, header):
    browser = screen(tokens.wh1_operator)
    sources = english_sources(lang)

    for path in HANDHELD_PAGES:
        response = browser.get(path.format(**trading), headers=header)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, path
        assert f'<html lang="{lang}">' in html, path
        assert leftovers(html, sources) == [], path


def test_the_login_screen_follows_the_browser(screen, world):
    html = screen().get("/login", headers=CHINESE).get_data(as_text=True)

    assert '<html lang="zh">' in html and "扫描工牌" in html


def test_the_check_finds_english_left_on_a_page():
    assert leftovers("<main><p>库存 Export CSV</p></main>", english_sources()) == ["Export CSV"]


def test_dates_and_numbers_follow_the_language(screen, tokens, trading):
    browser = screen(tokens.acme)

    english = text_of(browser.get(f"/asns/{trading['asn']}").get_data(as_text=True))
    chinese = text_of(browser.get(f"/asns/{trading['asn']}", headers=CHINESE).get_data(as_text=True))

    assert re.search(r"created \d{1,2}/\d{1,2}/\d{2}|created [A-Z][a-z]{2} \d{1,2}, \d{4}", english)
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日 创建", chinese)


def test_the_users_choice_wins_over_the_browser(screen, tokens, trading):
    browser = screen(tokens.acme)

    chosen = browser.get("/language?lang=zh&next=/stock")
    page = browser.get("/stock", headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    back = browser.get("/language?lang=en&next=/stock")
    again = browser.get("/stock", headers=CHINESE).get_data(as_text=True)

    assert chosen.status_code == 303 and chosen.headers["Location"].endswith("/stock")
    assert '<html lang="zh">' in page and "导出 CSV" in page
    assert back.status_code == 303
    assert '<html lang="en">' in again and "Export CSV" in again


def test_the_language_switch_never_redirects_off_the_site(screen, tokens, world):
    response = screen(tokens.acme).get("/language?lang=zh&next=//evil.example/")

    assert response.status_code == 303
    assert response.headers["Location"] == "/"
