"""The core's web blueprint and its route table. Extension packages bring
their own blueprints (Extension.web_blueprints, made with
wms.web.blueprints.screens_blueprint); wms never imports them."""
from __future__ import annotations

from wms.idempotency import form_idempotency_key
from wms.web import account, asns, counts, dashboard, i18n, layout, pages, portal, putaway, receiving
from wms.web.blueprints import screens_blueprint

bp = screens_blueprint("web", __name__, template_folder="templates", static_folder="static",
                       static_url_path="/web-static")

GET, POST = ["GET"], ["POST"]
ROUTES = [
    ("/", "home", account.home, GET),
    ("/login", "login_form", account.login_form, GET),
    ("/login", "login", account.login, POST),
    ("/logout", "logout", account.logout, POST),
    ("/receive", "asn_list", receiving.asn_list, GET),
    ("/receive/<int:asn_id>", "receive_screen", receiving.receive_screen, GET),
    ("/receive/<int:asn_id>", "receive", form_idempotency_key(receiving.receive), POST),
    ("/receive/<int:asn_id>/undo/<int:receipt_id>", "undo_receipt", form_idempotency_key(receiving.undo), POST),
    ("/receive/<int:asn_id>/close", "close_screen", receiving.close_screen, GET),
    ("/receive/<int:asn_id>/close", "close", form_idempotency_key(receiving.close), POST),
    ("/putaway", "putaway_list", putaway.task_list, GET),
    ("/putaway/<int:task_id>", "putaway_screen", putaway.task_screen, GET),
    ("/putaway/<int:task_id>", "putaway", form_idempotency_key(putaway.put_away), POST),
    ("/stock", "stock", portal.stock, GET),
    ("/stock.csv", "stock_export", portal.stock_export, GET),
    ("/skus/<int:sku_id>", "sku_page", portal.sku_page, GET),
    ("/asns", "asns", asns.asns, GET),
    ("/asns/<int:asn_id>", "asn_page", asns.asn_page, GET),
    ("/asns/new", "new_asn", asns.new_asn, GET),
    ("/asns/new", "create_asn", form_idempotency_key(asns.create), POST),
    ("/asns/upload", "upload_asns", form_idempotency_key(asns.upload), POST),
    ("/asns/template.csv", "asn_template", asns.csv_template, GET),
    ("/dashboard", "dashboard", dashboard.dashboard, GET),
    ("/counts", "counts", counts.counts, GET),
    ("/layout", "layout_map", layout.layout_map, GET),
    ("/language", "language", i18n.choose_language, GET),
    ("/favicon.ico", "favicon", pages.favicon, GET),
    ("/counts/<int:count_id>/decision", "decide_count", form_idempotency_key(counts.decide), POST),
]
for rule, endpoint, view, methods in ROUTES:
    bp.add_url_rule(rule, endpoint, view, methods=methods)


@bp.record_once
def _cookie_settings(state) -> None:
    # The session cookie holds the API token: not sent on cross-site
    # sub-requests, and only over HTTPS in production.
    config = state.app.config
    if config.get("SESSION_COOKIE_SAMESITE") is None:
        config["SESSION_COOKIE_SAMESITE"] = "Lax"
    if config["WMS_SETTINGS"].is_production:
        config["SESSION_COOKIE_SECURE"] = True


@bp.record_once
def _languages(state) -> None:
    i18n.init_app(state.app)
