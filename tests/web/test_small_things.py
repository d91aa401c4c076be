"""Small things of the screens (issue 10, item 13): a form's error is a 303
like a success (Back never meets a POST's answer), unknown web paths get an
HTML page, a favicon, and an operator of several warehouses switches
between them without logging out."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.web.conftest import message_of, new_asn


def test_an_error_is_a_303_to_the_screen_that_shows_it(screen, tokens, world, session):
    asn_id = new_asn(session)
    browser = screen(tokens.wh1_operator)
    form = browser.form(browser.get(f"/receive/{asn_id}"), f"/receive/{asn_id}")

    shown = browser.send(form, barcode="NOPE-1", qty=1)
    first = browser.client.sent_first

    assert first.status_code == 303
    location = urlsplit(first.headers["Location"])
    assert location.path == f"/receive/{asn_id}" and parse_qs(location.query)["s"] == ["422"]
    assert shown.status_code == 422 and message_of(shown) == "error: Barcode NOPE-1 is not known"
    # The same page again on Back (a GET), and the same 303 for a double tap.
    again = browser.get(first.headers["Location"])
    assert again.status_code == 422 and message_of(again) == message_of(shown)
    repeat = browser.client._client.post(form.action, data={**form.fields, "barcode": "NOPE-1", "qty": "1"})
    assert repeat.status_code == 303 and repeat.headers["Location"] == first.headers["Location"]


def test_another_persons_error_page_is_not_shown(screen, tokens, world, session):
    asn_id = new_asn(session)
    browser = screen(tokens.wh1_operator)
    browser.send(browser.form(browser.get(f"/receive/{asn_id}"), f"/receive/{asn_id}"), barcode="NOPE-1", qty=1)
    location = browser.client.sent_first.headers["Location"]

    other = screen(tokens.admin).get(location)

    assert other.status_code == 303 and other.headers["Location"].endswith(f"/receive/{asn_id}")


def test_an_upload_error_without_a_screen_to_return_to_stays_the_answer(screen, tokens, world):
    browser = screen(tokens.acme)
    form = browser.form(browser.get("/asns/new"), "/asns/upload")

    sent = browser.client._client.post(form.action, data={**form.fields})

    assert sent.status_code == 422


def test_an_unknown_web_path_is_an_html_page_and_the_api_stays_json(screen, tokens, world, client):
    page = screen(tokens.wh1_operator).get("/nowhere", headers={"Accept": "text/html,*/*;q=0.8"})
    api = client.get("/api/v1/nowhere", headers={"Accept": "text/html,*/*;q=0.8"})

    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "<h1>" in page.get_data(as_text=True) and 'href="/"' in page.get_data(as_text=True)
    assert api.status_code in (401, 404) and api.mimetype == "application/problem+json"


def test_a_favicon_is_served(client):
    icon = client.get("/favicon.ico")

    assert icon.status_code == 200 and icon.mimetype in ("image/x-icon", "image/vnd.microsoft.icon")
    assert icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
