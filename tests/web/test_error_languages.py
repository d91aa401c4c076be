"""Service errors speak the request's language: the problem+json `code` is
the same in every language, its `title`, `detail` and field errors are
translated (wms.messages), and so is the message a screen shows."""
from __future__ import annotations

import pickle

from tests.web.conftest import message_of, new_asn
from wms.errors import NotFound, ValidationFailed, said
from wms.messages import M_, Message

CHINESE = {"Accept-Language": "zh-CN,zh;q=0.9"}


def test_a_message_is_its_english_text_and_remembers_how_it_was_made():
    text = M_("warehouse %(code)s not found", code="WH9")

    assert text == "warehouse WH9 not found" and isinstance(text, str)
    assert (text.template, text.values) == ("warehouse %(code)s not found", {"code": "WH9"})
    again = pickle.loads(pickle.dumps(text))
    assert isinstance(again, Message) and again.values == {"code": "WH9"}
    assert M_("more than 5%% over") == "more than 5% over"


def test_outside_a_request_an_error_is_said_in_english():
    assert said(NotFound(M_("warehouse %(code)s not found", code="WH9"))) == (
        "Not found", "warehouse WH9 not found", {})


def test_the_api_answers_in_the_callers_language_with_the_same_code(make_api, world, session):
    operator = make_api("operator", warehouses=["WH1"])
    asn_id = new_asn(session)
    scan = {"barcode": "NOPE-1", "qty": 1}

    english = operator.post(f"/asns/{asn_id}/receipts", json=scan, headers={"Idempotency-Key": "k-en"})
    chinese = operator.post(f"/asns/{asn_id}/receipts", json=scan,
                                     headers={"Idempotency-Key": "k-zh", **CHINESE})

    assert english.status_code == chinese.status_code == 422
    assert english.json["code"] == chinese.json["code"] == "unknown_barcode"
    assert english.json["title"] == "Unknown barcode" and chinese.json["title"] == "未知条码"
    assert "NOPE-1" in english.json["detail"] and "is not known" in english.json["detail"]
    assert chinese.json["detail"] == "条码 NOPE-1 未知"
    assert set(chinese.json["errors"]) == set(english.json["errors"])  # the same fields, named by their API names


def test_field_errors_are_translated_and_the_detail_made_of_them_too(app):
    error = ValidationFailed(lot=M_("required: SKU %(code)s is lot-tracked", code="A-9"))

    with app.test_request_context("/", headers=CHINESE):
        title, detail, errors = said(error)

    assert title == "输入有误"
    assert errors == {"lot": "必填：SKU A-9 管理批次"}
    assert detail == "lot: 必填：SKU A-9 管理批次"


def test_a_handheld_screen_shows_the_services_error_in_its_language(screen, tokens, world, session):
    asn_id = new_asn(session)
    browser = screen(tokens.wh1_operator)
    form = browser.form(browser.get(f"/receive/{asn_id}", headers=CHINESE), f"/receive/{asn_id}")

    sent = browser.client.post(form.action, data={**form.fields, "barcode": "NOPE-1", "qty": "1"}, headers=CHINESE)

    assert message_of(sent) == "error: 条码 NOPE-1 未知"


def test_a_not_found_page_is_in_the_screens_language(screen, tokens, world):
    page = screen(tokens.wh1_operator).get("/putaway/999999", headers=CHINESE)

    assert page.status_code == 404
    text = page.get_data(as_text=True)
    assert "<h1>未找到</h1>" in text and "未找到任务" in text
