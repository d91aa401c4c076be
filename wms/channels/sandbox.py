"""A sandbox marketplace: one local HTTP server that speaks the protocol of
every connector (Amazon SP-API listings and Login with Amazon, eBay
Inventory and OAuth, Shopify Admin GraphQL, Etsy v3 inventory, AliExpress's
signed gateway, Wish v3 inventories, and signed webhooks), with their rate
limits (Amazon's 5 rps token bucket, Shopify's cost bucket that throttles
inside an HTTP 200, eBay's 250 revisions per listing per day, Etsy's
per-second limit), and faults on demand or at seeded random rates: transient
5xx, slow answers, answers lost after the change was applied, compare-and-set
conflicts (a "sale" on the marketplace between read and write),
authentication failures and refused listings.

It keeps each listing's remote quantity, so drift can be checked from
outside: ``GET /_sandbox/state``. Faults: ``POST /_sandbox/faults {kind,
fault, count}`` with fault one of ``5xx``, ``429``, ``slow``,
``timeout_applied``, ``auth``, ``cas_stale``, ``invalid`` (and for Walmart's
bulk feeds ``feed_error``, a whole feed refused, and ``stuck``, a feed that
never finishes); random chaos:
``POST /_sandbox/config {"p_5xx": 0.05, "p_slow": 0.01, "slow_s": 2}``.
``wms sandbox-marketplace`` serves it; the tests drive it over loopback.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import random
import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

from flask import Flask, Response, jsonify, request
from werkzeug.serving import WSGIRequestHandler, make_server

KINDS = ("amazon", "ebay", "shopify", "etsy", "aliexpress", "wish", "walmart", "woocommerce", "webhook")


@dataclass
class TokenBucket:
    rate: float
    burst: float
    tokens: float = 0.0
    stamp: float = field(default_factory=time.monotonic)

    def __post_init__(self):
        self.tokens = self.burst

    def take(self, cost: float = 1.0) -> float:
        """0 if taken, else seconds until it could be."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= cost:
            self.tokens -= cost
            return 0.0
        return (cost - self.tokens) / self.rate


class Sandbox:
    def __init__(self, seed: int = 1):
        self.lock = threading.RLock()
        self.seed = seed
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.rng = random.Random(self.seed)
            self.stock: dict[str, dict[str, int]] = {k: {} for k in KINDS}
            self.versions: dict[str, int] = {}
            self.writes: dict[str, int] = defaultdict(int)
            self.requests: dict[str, int] = defaultdict(int)
            # 429s and Shopify THROTTLED answers given, per kind.
            self.throttles: dict[str, int] = defaultdict(int)
            self.faults: dict[str, list[str]] = defaultdict(list)
            self.config = {"p_5xx": 0.0, "p_slow": 0.0, "slow_s": 1.0, "amazon_rps": 5.0, "amazon_burst": 5.0,
                           "shopify_points": 1000.0, "shopify_restore": 50.0, "etsy_rps": 10.0,
                           "ebay_daily_revisions": 250, "token_ttl_s": 3600,
                           # Walmart's bulk feeds: processed this long after submission, this many an hour.
                           "walmart_feed_s": 0.2, "walmart_feeds_per_hour": 10.0}
            self.buckets: dict[str, TokenBucket] = {}
            self.tokens: dict[str, float] = {}
            self.idempotency: dict[str, dict] = {}
            self.revisions: dict[str, int] = defaultdict(int)
            self.etsy: dict[str, dict] = {}
            self.feeds: dict[str, dict] = {}
            self.wish_products: dict[str, set[str]] = {}
            self.webhook_secrets: dict[str, str] = {}
            self.secrets = {"aliexpress": "sandbox-app-secret"}
            self.log: list[dict] = []

    # --- faults and limits ---------------------------------------------------
    def fault(self, kind: str) -> str | None:
        with self.lock:
            if self.faults[kind]:
                return self.faults[kind].pop(0)
            roll = self.rng.random()
            if roll < self.config["p_5xx"]:
                return "5xx"
            if roll < self.config["p_5xx"] + self.config["p_slow"]:
                return "slow"
            return None

    def bucket(self, name: str, rate: float, burst: float) -> TokenBucket:
        with self.lock:
            if name not in self.buckets:
                self.buckets[name] = TokenBucket(rate, burst)
            return self.buckets[name]

    def issue_token(self) -> str:
        with self.lock:
            token = f"sbx-{len(self.tokens) + 1}-{self.rng.randrange(10**9)}"
            self.tokens[token] = time.monotonic() + self.config["token_ttl_s"]
            return token

    def token_ok(self, token: str | None) -> bool:
        with self.lock:
            return token is not None and self.tokens.get(token, 0) > time.monotonic()

    def set(self, kind: str, key: str, qty: int) -> None:
        with self.lock:
            self.stock[kind][key] = qty
            self.writes[kind] += 1

    def get(self, kind: str, key: str) -> int | None:
        with self.lock:
            return self.stock[kind].get(key)


def _problem(status: int, body, headers=None) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json", headers=headers or {})


def create_sandbox_app(sandbox: Sandbox | None = None) -> Flask:
    sbx = sandbox or Sandbox()
    app = Flask("sandbox_marketplace")
    app.config["SANDBOX"] = sbx

    def before_write(kind: str) -> tuple[str | None, Response | None]:
        """The fault for this write request, and an early answer if it has one."""
        sbx.requests[kind] += 1
        fault = sbx.fault(kind)
        if fault == "5xx":
            return fault, _problem(503, {"errors": [{"code": "ServiceUnavailable", "message": "try again"}]},
                                   {"Retry-After": "0"})
        if fault == "429":
            sbx.throttles[kind] += 1
            quota = "You exceeded your quota for the requested resource."
            return fault, _problem(429, {"errors": [{"code": "QuotaExceeded",
                                                     "message": quota}]},
                                   {"Retry-After": "1"})
        if fault == "auth":
            return fault, _problem(401, {"errors": [{"code": "Unauthorized", "message": "Access to requested resource "
                                                     "is denied."}]})
        if fault == "slow":
            time.sleep(sbx.config["slow_s"])
        return fault, None

    def applied_then_lost(fault: str | None) -> None:
        if fault == "timeout_applied":
            time.sleep(sbx.config["slow_s"])

    # --- control ---------------------------------------------------------------
    @app.get("/_sandbox/state")
    def state():
        with sbx.lock:
            return jsonify({"stock": sbx.stock, "writes": sbx.writes, "requests": sbx.requests,
                            "throttles": sbx.throttles,
                            "revisions": sbx.revisions, "versions": sbx.versions})

    @app.get("/_sandbox/log")
    def delivery_log():
        with sbx.lock:
            return jsonify(sbx.log)

    @app.post("/_sandbox/faults")
    def faults():
        body = request.get_json()
        with sbx.lock:
            sbx.faults[body["kind"]].extend([body["fault"]] * int(body.get("count", 1)))
        return jsonify({"queued": sbx.faults[body["kind"]]})

    @app.post("/_sandbox/config")
    def config():
        with sbx.lock:
            sbx.config.update(request.get_json())
            sbx.buckets.clear()
            return jsonify(sbx.config)

    @app.post("/_sandbox/stock")
    def set_stock():
        body = request.get_json()
        sbx.set(body["kind"], body["key"], int(body["qty"]))
        if body["kind"] == "etsy":  # the inventory document is the truth there
            listing_id, _, sku = body["key"].partition(":")
            with sbx.lock:
                for product in sbx.etsy.get(listing_id, {}).get("products", []):
                    if product["sku"] == sku:
                        for offering in product["offerings"]:
                            offering["quantity"] = int(body["qty"])
        return jsonify({"ok": True})

    @app.post("/_sandbox/reset")
    def reset():
        sbx.reset()
        return jsonify({"ok": True})

    @app.post("/_sandbox/etsy/listings")
    def seed_etsy():
        body = request.get_json()
        listing_id = str(body["listing_id"])
        with sbx.lock:
            sbx.etsy[listing_id] = {"listing_id": int(listing_id), "products": [
                {"product_id": 1000 + n, "sku": p["sku"], "is_deleted": False,
                 "property_values": [{"property_id": 200, "property_name": "Size", "scale_id": None,
                                      "value_ids": [n + 1], "values": [p.get("size", f"S{n}")]}],
                 "offerings": [{"offering_id": 5000 + n, "price": {"amount": 1999, "divisor": 100,
                                                                   "currency_code": "USD"},
                                "quantity": p.get("quantity", 0), "is_enabled": True, "is_deleted": False}]}
                for n, p in enumerate(body["products"])],
                "price_on_property": [], "quantity_on_property": [200], "sku_on_property": [200]}
            for p in body["products"]:
                sbx.stock["etsy"][f"{listing_id}:{p['sku']}"] = p.get("quantity", 0)
        return jsonify(sbx.etsy[listing_id])

    @app.post("/_sandbox/webhooks")
    def webhook_secret():
        body = request.get_json()
        sbx.webhook_secrets[body["name"]] = body["secret"]
        return jsonify({"ok": True})

    # --- Amazon ------------------------------------------------------------------
    @app.post("/auth/o2/token")
    def lwa_token():
        if request.form.get("grant_type") != "refresh_token" or request.form.get("refresh_token") in (None, "revoked"):
            return _problem(400, {"error": "invalid_grant", "error_description": "The refresh token is invalid"})
        return jsonify({"access_token": sbx.issue_token(), "token_type": "bearer",
                        "expires_in": int(sbx.config["token_ttl_s"])})

    @app.route("/listings/2021-08-01/items/<seller>/<path:sku>", methods=["GET", "PATCH"])
    def amazon_item(seller, sku):
        if not sbx.token_ok(request.headers.get("x-amz-access-token")):
            return _problem(403, {"errors": [{"code": "Unauthorized", "message": "Access to requested resource is "
                                              "denied.", "details": "The access token you provided has expired."}]})
        wait = sbx.bucket(f"amazon:{seller}", sbx.config["amazon_rps"], sbx.config["amazon_burst"]).take()
        if wait:
            sbx.throttles["amazon"] += 1
            return _problem(429, {"errors": [{"code": "QuotaExceeded", "message": "You exceeded your quota for the "
                                              "requested resource."}]},
                            {"x-amzn-RateLimit-Limit": str(sbx.config["amazon_rps"]), "Retry-After": f"{wait:.3f}"})
        if request.method == "GET":
            qty = sbx.get("amazon", sku)
            if qty is None:
                return _problem(404, {"errors": [{"code": "NOT_FOUND", "message": f"SKU {sku} not found"}]})
            return jsonify({"sku": sku, "fulfillmentAvailability": [{"fulfillmentChannelCode": "DEFAULT",
                                                                     "quantity": qty}]})
        fault, early = before_write("amazon")
        if early:
            return early
        if fault == "invalid":
            return jsonify({"sku": sku, "status": "INVALID", "submissionId": "", "issues": [
                {"code": "90220", "message": "'fulfillment_availability' is not valid for this product type",
                 "severity": "ERROR", "attributeNames": ["fulfillment_availability"]}]})
        patch = request.get_json()["patches"][0]
        sbx.set("amazon", sku, int(patch["value"][0]["quantity"]))
        applied_then_lost(fault)
        return jsonify({"sku": sku, "status": "ACCEPTED", "submissionId": hashlib.md5(sku.encode()).hexdigest(),
                        "issues": []})

    # --- eBay ----------------------------------------------------------------------
    @app.post("/identity/v1/oauth2/token")
    def ebay_token():
        if request.form.get("refresh_token") in (None, "revoked") or not request.authorization:
            return _problem(400, {"error": "invalid_grant", "error_description": "the provided authorization "
                                  "refresh token is invalid or was issued to another client"})
        return jsonify({"access_token": sbx.issue_token(), "expires_in": int(sbx.config["token_ttl_s"]),
                        "token_type": "User Access Token"})

    def ebay_authed() -> bool:
        header = request.headers.get("Authorization", "")
        return sbx.token_ok(header.removeprefix("Bearer "))

    @app.post("/sell/inventory/v1/bulk_update_price_quantity")
    def ebay_bulk():
        if not ebay_authed():
            return _problem(401, {"errors": [{"errorId": 1001, "message": "Invalid access token"}]})
        fault, early = before_write("ebay")
        if early:
            return early
        requests_ = request.get_json()["requests"]
        if len(requests_) > 25:
            return _problem(400, {"errors": [{"errorId": 25709, "message": "too many requests in the batch"}]})
        responses = []
        for n, item in enumerate(requests_):
            sku = item["sku"]
            with sbx.lock:
                capped = sbx.revisions[sku] >= sbx.config["ebay_daily_revisions"]
                if not capped and not (fault == "invalid" and n == 0):
                    sbx.revisions[sku] += 1
            if fault == "invalid" and n == 0:
                responses.append({"sku": sku, "statusCode": 400, "errors": [
                    {"errorId": 25702, "message": f"SKU {sku} is not available in the system"}]})
            elif capped:
                responses.append({"sku": sku, "statusCode": 400, "errors": [
                    {"errorId": 25025, "message": "You have exceeded the number of revisions for this listing"}]})
            else:
                sbx.set("ebay", sku, int(item["shipToLocationAvailability"]["quantity"]))
                responses.append({"sku": sku, "statusCode": 200})
        applied_then_lost(fault)
        status = 200 if all(r["statusCode"] == 200 for r in responses) else 207
        return _problem(status, {"responses": responses})

    @app.get("/sell/inventory/v1/inventory_item/<path:sku>")
    def ebay_item(sku):
        if not ebay_authed():
            return _problem(401, {"errors": [{"errorId": 1001, "message": "Invalid access token"}]})
        qty = sbx.get("ebay", sku)
        if qty is None:
            return _problem(404, {"errors": [{"errorId": 25710, "message": "not found"}]})
        return jsonify({"sku": sku, "availability": {"shipToLocationAvailability": {"quantity": qty}}})

    # --- Shopify ---------------------------------------------------------------------
    read_field = re.compile(r'q(\d+): inventoryItem\(id: ("[^"]*")\) \{ inventoryLevel\(locationId: ("[^"]*")\)')

    @app.post("/admin/api/<version>/graphql.json")
    def shopify(version):
        if request.headers.get("X-Shopify-Access-Token") in (None, "", "bad"):
            return _problem(401, {"errors": "[API] Invalid API key or access token (unrecognized login or wrong "
                                  "password)"})
        body = request.get_json()
        query, variables = body["query"], body.get("variables") or {}
        mutation = "inventorySetQuantities" in query
        cost = 10.0 if mutation else 1.0 + query.count("inventoryItem(")
        bucket = sbx.bucket("shopify", sbx.config["shopify_restore"], sbx.config["shopify_points"])
        with sbx.lock:
            wait = bucket.take(cost)
            throttle = {"maximumAvailable": bucket.burst, "currentlyAvailable": int(bucket.tokens),
                        "restoreRate": bucket.rate}
        extensions = {"cost": {"requestedQueryCost": cost, "actualQueryCost": cost, "throttleStatus": throttle}}
        if wait:
            sbx.throttles["shopify"] += 1
            return jsonify({"errors": [{"message": "Throttled", "extensions": {
                "code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
                "extensions": extensions})
        if not mutation:
            data = {}
            for n, item_id, location_id in read_field.findall(query):
                qty = sbx.get("shopify", f"{json.loads(item_id)}@{json.loads(location_id)}")
                data[f"q{n}"] = None if qty is None else {"inventoryLevel": {"quantities": [
                    {"name": "available", "quantity": qty}]}}
            return jsonify({"data": data, "extensions": extensions})
        key = variables.get("key")
        with sbx.lock:
            if key in sbx.idempotency:
                return jsonify(sbx.idempotency[key])
        fault, early = before_write("shopify")
        if early:
            if fault == "429":
                return jsonify({"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                                "extensions": {"cost": {"requestedQueryCost": cost, "throttleStatus": {
                                    "maximumAvailable": 1000, "currentlyAvailable": 0, "restoreRate": 50}}}})
            return early
        quantities = variables["input"]["quantities"]
        errors = []
        with sbx.lock:
            if fault == "cas_stale":
                # A sale on the shop lands between our read and our write.
                for q in quantities:
                    key_ = f"{q['inventoryItemId']}@{q['locationId']}"
                    sbx.stock["shopify"][key_] = max(0, sbx.stock["shopify"].get(key_, 0) - 1)
            for n, q in enumerate(quantities):
                current = sbx.stock["shopify"].get(f"{q['inventoryItemId']}@{q['locationId']}")
                if fault == "invalid" and n == 0:
                    errors.append({"field": ["input", "quantities", str(n), "inventoryItemId"],
                                   "message": "The specified inventory item could not be found.",
                                   "code": "INVALID_INVENTORY_ITEM"})
                elif "changeFromQuantity" in q and q["changeFromQuantity"] is not None \
                        and current is not None and q["changeFromQuantity"] != current:
                    errors.append({"field": ["input", "quantities", str(n), "changeFromQuantity"],
                                   "message": "The specified compare quantity does not match the current quantity.",
                                   "code": "CHANGE_FROM_QUANTITY_STALE"})
            if not errors:  # all or nothing
                for q in quantities:
                    sbx.stock["shopify"][f"{q['inventoryItemId']}@{q['locationId']}"] = int(q["quantity"])
                sbx.writes["shopify"] += 1
            answer = {"data": {"inventorySetQuantities": {
                "inventoryAdjustmentGroup": None if errors else {"id": f"gid://shopify/InventoryAdjustmentGroup/"
                                                                       f"{sbx.writes['shopify']}"},
                "userErrors": errors}}, "extensions": extensions}
            if key and not errors:
                sbx.idempotency[key] = answer
        applied_then_lost(fault)
        return jsonify(answer)

    # --- Etsy --------------------------------------------------------------------------
    @app.route("/v3/application/listings/<listing_id>/inventory", methods=["GET", "PUT"])
    def etsy(listing_id):
        if not request.headers.get("x-api-key") or not request.headers.get("Authorization", "").startswith("Bearer "):
            return _problem(401, {"error": "Invalid API key"})
        if request.headers["Authorization"] == "Bearer bad":
            return _problem(401, {"error": "invalid_token"})
        wait = sbx.bucket("etsy", sbx.config["etsy_rps"], sbx.config["etsy_rps"]).take()
        if wait:
            sbx.throttles["etsy"] += 1
            return _problem(429, {"error": "Too many requests"}, {"Retry-After": f"{wait:.3f}"})
        with sbx.lock:
            listing = sbx.etsy.get(listing_id)
        if listing is None:
            return _problem(404, {"error": f"Could not find a Listing with listing_id = {listing_id}"})
        if request.method == "GET":
            return jsonify(listing)
        fault, early = before_write("etsy")
        if early:
            return early
        if fault == "invalid":
            return _problem(400, {"error": "products: quantity must be between 0 and 999"})
        body = request.get_json()
        with sbx.lock:
            products = []
            for n, p in enumerate(body["products"]):
                products.append({"product_id": 1000 + n, "sku": p["sku"], "is_deleted": False,
                                 "property_values": p["property_values"],
                                 "offerings": [{"offering_id": 5000 + n, "quantity": o["quantity"],
                                                "is_enabled": o["is_enabled"], "is_deleted": False,
                                                "price": {"amount": round(o["price"] * 100), "divisor": 100,
                                                          "currency_code": "USD"}} for o in p["offerings"]]})
            listing = {**listing, "products": products, **{k: body.get(k, []) for k in
                                                           ("price_on_property", "quantity_on_property",
                                                            "sku_on_property")}}
            sbx.etsy[listing_id] = listing
            sbx.stock["etsy"] = {k: v for k, v in sbx.stock["etsy"].items() if not k.startswith(f"{listing_id}:")}
            for p in products:
                sbx.stock["etsy"][f"{listing_id}:{p['sku']}"] = p["offerings"][0]["quantity"]
            sbx.writes["etsy"] += 1
        applied_then_lost(fault)
        return jsonify(listing)

    # --- AliExpress ----------------------------------------------------------------------
    @app.post("/sync")
    def aliexpress():
        params = request.form.to_dict()
        sign = params.pop("sign", "")
        text = "".join(f"{k}{params[k]}" for k in sorted(params))
        expected = hmac.new(sbx.secrets["aliexpress"].encode(), text.encode(), hashlib.sha256).hexdigest().upper()
        if not hmac.compare_digest(sign, expected):
            return jsonify({"error_response": {"code": "25", "msg": "Invalid signature", "sub_code": "isv.invalid-sign",
                                               "request_id": "sbx"}})
        if params.get("session") in (None, "", "expired"):
            return jsonify({"error_response": {"code": "27", "msg": "Invalid session", "sub_code": "IllegalAccessToken",
                                               "request_id": "sbx"}})
        method = params.get("method")
        if method == "aliexpress.solution.product.info.get":
            pid = params["product_id"]
            skus = [{"sku_code": k.split(":", 1)[1], "ipm_sku_stock": v}
                    for k, v in sbx.stock["aliexpress"].items() if k.split(":", 1)[0] == pid]
            return jsonify({"aliexpress_solution_product_info_get_response": {"result": {
                "product_id": int(pid) if pid.isdigit() else pid,
                "aeop_ae_product_s_k_us": {"global_aeop_ae_product_sku": skus}}}})
        if method != "aliexpress.solution.batch.product.inventory.update":
            return jsonify({"error_response": {"code": "22", "msg": "Invalid method", "request_id": "sbx"}})
        fault, early = before_write("aliexpress")
        if fault == "auth":
            return jsonify({"error_response": {"code": "27", "msg": "Invalid session", "sub_code": "IllegalAccessToken",
                                               "request_id": "sbx"}})
        if fault == "429":
            return jsonify({"error_response": {"code": "7", "msg": "App Call Limited", "sub_code": "ApiCallLimit",
                                               "request_id": "sbx"}})
        if early:
            return early
        products = json.loads(params["mutiple_product_update_list"])
        if len(products) > 20:
            return jsonify({"error_response": {"code": "15", "msg": "Remote service error",
                                               "sub_code": "isv.product-count-exceeded", "request_id": "sbx"}})
        failed = []
        for n, product in enumerate(products):
            if fault == "invalid" and n == 0:
                failed.append({"product_id": product["product_id"], "error_code": "13004002",
                               "error_message": "product not found or not owned by the seller"})
                continue
            for sku in product["multiple_sku_update_list"]:
                sbx.set("aliexpress", f"{product['product_id']}:{sku['sku_code']}", int(sku["inventory"]))
        applied_then_lost(fault)
        return jsonify({"aliexpress_solution_batch_product_inventory_update_response": {
            "update_success": not failed,
            "update_failed_list": {"synchronize_product_response_dto": failed} if failed else None,
            "request_id": "sbx"}})

    # --- Wish --------------------------------------------------------------------------------
    # Wish V3 (3.0.65): a variation's inventories per warehouse are read with getProduct and
    # changed with updateProduct; answers are wrapped as {code, message, data}. Stock keys are
    # "<product>:<variation>@<warehouse>"; a product exists once it has a key (or was seeded).
    def wish_product(product: str) -> dict | None:
        with sbx.lock:
            rows = [(k.split("@", 1)[0].split(":", 1)[1], k.split("@", 1)[1], v)
                    for k, v in sbx.stock["wish"].items() if k.split(":", 1)[0] == product]
            known = sbx.wish_products.get(product, set())
        variations: dict[str, list] = {v: [] for v in known}
        for variation, warehouse, qty in rows:
            variations.setdefault(variation, []).append({"warehouse_id": warehouse, "inventory": qty})
        if not variations:
            return None
        return {"id": product, "parent_sku": product, "state": "ACTIVE", "variations": [
            {"id": v, "sku": v, "product_id": product, "status": "ENABLED", "inventories": inv}
            for v, inv in sorted(variations.items())]}

    @app.route("/api/v3/products/<product>", methods=["GET", "PUT"])
    def wish(product):
        if request.headers.get("Authorization", "") in ("", "Bearer bad"):
            return _problem(401, {"code": 1015, "message": "Access token expired", "data": {}})
        if request.method == "PUT":
            fault, early = before_write("wish")
            if early:
                return early
            if fault == "invalid":
                return _problem(400, {"code": 90001, "message": "There is no such product for the merchant."})
            body = request.get_json()
            with sbx.lock:
                for variation in body.get("variations") or []:
                    sbx.wish_products.setdefault(product, set()).add(variation["id"])
                    for row in variation.get("inventories") or []:
                        qty = int(row["inventory"])
                        if not 0 <= qty <= 500000:
                            return _problem(400, {"code": 90001, "message": "inventory must be 0..500000"})
                        sbx.stock["wish"][f"{product}:{variation['id']}@{row['warehouse_id']}"] = qty
                sbx.writes["wish"] += 1
            applied_then_lost(fault)
        found = wish_product(product)
        if found is None:
            return _problem(400, {"code": 90001, "message": "There is no such product for the merchant."})
        return jsonify({"code": 0, "message": "", "data": found})

    @app.post("/_sandbox/wish/products")
    def seed_wish():
        body = request.get_json()
        with sbx.lock:
            sbx.wish_products.setdefault(str(body["product_id"]), set()).update(body["variations"])
        return jsonify({"ok": True})

    # --- Walmart ------------------------------------------------------------------------------
    @app.post("/v3/token")
    def walmart_token():
        auth = request.authorization
        if not auth or auth.password in (None, "", "revoked") or not request.environ.get("HTTP_WM_QOS_CORRELATION_ID"):
            return _problem(401, {"error": [{"code": "UNAUTHORIZED.GMP_GATEWAY_API", "description": "Unauthorized",
                                             "category": "DATA", "severity": "ERROR"}]})
        return jsonify({"access_token": sbx.issue_token(), "token_type": "Bearer", "expires_in": 900})

    @app.route("/v3/inventory", methods=["GET", "PUT"])
    def walmart_inventory():
        if not sbx.token_ok(request.environ.get("HTTP_WM_SEC_ACCESS_TOKEN")):
            return _problem(401, {"errors": [{"code": "UNAUTHORIZED.GMP_GATEWAY_API", "description": "Unauthorized"}]})
        sku = request.args.get("sku", "")
        if request.method == "GET":
            qty = sbx.get("walmart", sku)
            if qty is None:
                return _problem(404, {"errors": [{"code": "CONTENT_NOT_FOUND.GMP_INVENTORY_API",
                                                  "description": f"sku {sku} not found"}]})
            return jsonify({"sku": sku, "quantity": {"unit": "EACH", "amount": qty}})
        fault, early = before_write("walmart")
        if early:
            return early
        if fault == "invalid":
            return _problem(404, {"errors": [{"code": "CONTENT_NOT_FOUND.GMP_INVENTORY_API",
                                              "description": f"Requested content could not be found. sku: {sku}",
                                              "category": "DATA", "severity": "ERROR"}]})
        body = request.get_json()
        sbx.set("walmart", sku, int(body["quantity"]["amount"]))
        applied_then_lost(fault)
        return jsonify(body)

    def walmart_process(feed_id: str) -> None:
        """Apply a feed once its processing time has passed (per item: SUCCESS
        or DATA_ERROR); a feed with the ``stuck`` fault never finishes."""
        with sbx.lock:
            feed = sbx.feeds[feed_id]
            if feed["status"] != "INPROGRESS" or feed["fault"] == "stuck" \
                    or time.monotonic() < feed["due"]:
                return
            if feed["fault"] == "feed_error":
                feed["status"] = "ERROR"
                return
            for n, item in enumerate(feed["items"]):
                if feed["fault"] == "invalid" and n == 0:
                    item["ingestionStatus"] = "DATA_ERROR"
                    item["ingestionErrors"] = {"ingestionError": [{
                        "type": "DATA_ERROR", "code": "ERR_EXT_DATA_0101001",
                        "description": f"sku {item['sku']} does not exist in the seller's catalog"}]}
                    continue
                sbx.stock["walmart"][item["sku"]] = item["amount"]
                item["ingestionStatus"] = "SUCCESS"
            sbx.writes["walmart"] += 1
            feed["status"] = "PROCESSED"

    @app.route("/v3/feeds", methods=["POST"])
    def walmart_feed():
        if not sbx.token_ok(request.environ.get("HTTP_WM_SEC_ACCESS_TOKEN")):
            return _problem(401, {"errors": [{"code": "UNAUTHORIZED.GMP_GATEWAY_API", "description": "Unauthorized"}]})
        if request.args.get("feedType") != "inventory":
            return _problem(400, {"errors": [{"code": "INVALID_REQUEST_PARAM.GMP_GATEWAY_API",
                                              "description": "feedType must be inventory"}]})
        per_hour = sbx.config["walmart_feeds_per_hour"]
        wait = sbx.bucket("walmart-feeds", per_hour / 3600.0, per_hour).take()
        if wait:
            sbx.throttles["walmart"] += 1
            return _problem(429, {"errors": [{"code": "REQUEST_THRESHOLD_VIOLATED.GMP_GATEWAY_API",
                                              "description": "feed submissions over the hourly limit"}]},
                            {"Retry-After": f"{wait:.0f}"})
        fault, early = before_write("walmart")
        if early:
            return early
        upload = request.files.get("file")
        try:
            document = json.loads(upload.read()) if upload else None
            inventory = document["Inventory"]
            items = [{"sku": str(i["sku"]), "amount": int(i["quantity"]["amount"]), "index": n}
                     for n, i in enumerate(inventory) if i["quantity"]["unit"] == "EACH"]
            assert document["InventoryHeader"]["version"] == "1.4" and len(items) == len(inventory)
        except (AssertionError, KeyError, TypeError, ValueError):
            return _problem(400, {"errors": [{"code": "INVALID_REQUEST_CONTENT.GMP_GATEWAY_API",
                                              "description": "the file is not an inventory feed (spec 1.4)"}]})
        with sbx.lock:
            feed_id = f"{len(sbx.feeds) + 1:032X}@AQMB"
            sbx.feeds[feed_id] = {"status": "INPROGRESS", "items": items, "fault": fault,
                                  "submitted": int(time.time() * 1000),
                                  "due": time.monotonic() + sbx.config["walmart_feed_s"]}
        timer = threading.Timer(sbx.config["walmart_feed_s"], walmart_process, (feed_id,))
        timer.daemon = True
        timer.start()
        return jsonify({"feedId": feed_id})

    @app.get("/v3/feeds/<feed_id>")
    def walmart_feed_status(feed_id):
        if not sbx.token_ok(request.environ.get("HTTP_WM_SEC_ACCESS_TOKEN")):
            return _problem(401, {"errors": [{"code": "UNAUTHORIZED.GMP_GATEWAY_API", "description": "Unauthorized"}]})
        if feed_id not in sbx.feeds:
            return _problem(404, {"errors": [{"code": "CONTENT_NOT_FOUND.GMP_GATEWAY_API",
                                              "description": f"feed {feed_id} not found"}]})
        walmart_process(feed_id)
        offset = int(request.args.get("offset", 0))
        limit = min(int(request.args.get("limit", 50)), 50)
        with sbx.lock:
            feed = sbx.feeds[feed_id]
            items = feed["items"]
            done = [i for i in items if "ingestionStatus" in i]
            body = {"feedId": feed_id, "feedStatus": feed["status"], "feedSubmissionDate": feed["submitted"],
                    "itemsReceived": len(items),
                    "itemsSucceeded": sum(1 for i in done if i["ingestionStatus"] == "SUCCESS"),
                    "itemsFailed": sum(1 for i in done if i["ingestionStatus"] != "SUCCESS"),
                    "itemsProcessing": len(items) - len(done), "offset": offset, "limit": limit}
            if feed["status"] == "ERROR":
                body["ingestionErrors"] = {"ingestionError": [{"type": "SYSTEM_ERROR", "code": "ERR_INT_SYS_0001",
                                                               "description": "the feed could not be processed"}]}
            if request.args.get("includeDetails") == "true":
                body["itemDetails"] = {"itemIngestionStatus": [
                    {"martId": 0, "sku": i["sku"], "index": i["index"],
                     "ingestionStatus": i.get("ingestionStatus", "INPROGRESS"),
                     **({"ingestionErrors": i["ingestionErrors"]} if "ingestionErrors" in i else {})}
                    for i in items[offset:offset + limit]]}
        return jsonify(body)

    # --- WooCommerce ---------------------------------------------------------------------------
    def woo_authed() -> bool:
        auth = request.authorization
        return bool(auth and auth.username and auth.password not in (None, "", "bad"))

    @app.post("/wp-json/wc/v3/products/batch")
    @app.post("/wp-json/wc/v3/products/<product>/variations/batch")
    def woo_batch(product=None):
        if not woo_authed():
            return _problem(401, {"code": "woocommerce_rest_cannot_edit", "message": "Sorry, you are not allowed "
                                  "to edit this resource.", "data": {"status": 401}})
        fault, early = before_write("woocommerce")
        if early:
            return early
        updates = request.get_json().get("update", [])
        if len(updates) > 100:
            return _problem(413, {"code": "woocommerce_rest_request_entity_too_large",
                                  "message": "Unable to accept more than 100 items for this request.",
                                  "data": {"status": 413}})
        answers = []
        for n, u in enumerate(updates):
            key = f"{product}/{u['id']}" if product else str(u["id"])
            if fault == "invalid" and n == 0:
                answers.append({"id": u["id"], "error": {"code": "woocommerce_rest_product_invalid_id",
                                                         "message": "Invalid ID.", "data": {"status": 400}}})
                continue
            sbx.set("woocommerce", key, int(u["stock_quantity"]))
            answers.append({"id": u["id"], "manage_stock": True, "stock_quantity": u["stock_quantity"]})
        applied_then_lost(fault)
        return jsonify({"update": answers})

    @app.get("/wp-json/wc/v3/products/<product>")
    @app.get("/wp-json/wc/v3/products/<product>/variations/<variation>")
    def woo_product(product, variation=None):
        if not woo_authed():
            return _problem(401, {"code": "woocommerce_rest_cannot_view", "message": "Sorry, you cannot view."})
        qty = sbx.get("woocommerce", f"{product}/{variation}" if variation else product)
        if qty is None:
            return _problem(404, {"code": "woocommerce_rest_product_invalid_id", "message": "Invalid ID."})
        return jsonify({"id": int(variation or product), "manage_stock": True, "stock_quantity": qty})

    # --- webhook receiver --------------------------------------------------------------------
    @app.route("/webhook/<name>", methods=["GET", "POST"])
    def webhook(name):
        if request.method == "GET":
            qty = sbx.get("webhook", f"{name}:{request.args.get('external_id')}")
            return jsonify({"quantity": qty}) if qty is not None else _problem(404, {"error": "unknown"})
        secret = sbx.webhook_secrets.get(name)
        body = request.get_data()
        expected = "sha256=" + hmac.new((secret or "").encode(), body, hashlib.sha256).hexdigest()
        if secret is None or not hmac.compare_digest(expected, request.headers.get("X-Quayside-Signature", "")):
            return _problem(401, {"error": "bad signature"})
        fault, early = before_write("webhook")
        if early:
            return early
        with sbx.lock:
            for item in json.loads(body)["items"]:
                key = f"{name}:{item['external_id']}"
                # A receiver keeps the newest version: an older delivery never wins.
                sbx.log.append({"key": key, "version": item["version"], "quantity": item["quantity"],
                                "at": time.time()})
                if item["version"] >= sbx.versions.get(key, -1):
                    sbx.versions[key] = item["version"]
                    sbx.stock["webhook"][key] = item["quantity"]
            sbx.writes["webhook"] += 1
        applied_then_lost(fault)
        return jsonify({"ok": True})

    return app


class _Handler(WSGIRequestHandler):
    """Keeps headers whose names hold underscores (Walmart's WM_SEC.ACCESS_TOKEN,
    WM_QOS.CORRELATION_ID), which werkzeug's server drops, as
    HTTP_WM_SEC_ACCESS_TOKEN and so on."""

    def make_environ(self):
        environ = super().make_environ()
        for key, value in self.headers.items():
            if "_" in key:
                environ["HTTP_" + key.upper().replace("-", "_").replace(".", "_")] = value
        return environ


class SandboxServer:
    """The sandbox on a loopback port, in a thread (tests, `make run`)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, seed: int = 1):
        self.sandbox = Sandbox(seed)
        self.server = make_server(host, port, create_sandbox_app(self.sandbox), threaded=True,
                                  request_handler=_Handler)
        self.url = f"http://{host}:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> SandboxServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(5)
