"""AliExpress open platform (the Alibaba gateway): system parameters (app
key, method, seller session, timestamp, sign method) signed with the app
secret (HMAC-SHA256 over the sorted name+value pairs, upper-case hex), and
``aliexpress.solution.batch.product.inventory.update``: up to 20 products,
each with its SKUs' absolute quantities, in one call. Errors arrive inside an
HTTP 200 as ``error_response {code, msg, sub_code, sub_msg}``: the body, not
the status, is the outcome. External id: ``product_id:sku_code``."""
from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections import defaultdict
from dataclasses import dataclass

from wms.channels.connectors.base import AuthFailed, Connector, Outcome, PushItem, Rejected, Throttled, error_text

UPDATE = "aliexpress.solution.batch.product.inventory.update"
INFO = "aliexpress.solution.product.info.get"
AUTH_CODES = {"IllegalAccessToken", "InvalidSession", "27", "53"}
THROTTLE_CODES = {"ApiCallLimit", "7", "AppCallLimitedByIp", "isp.call-limited"}


def signature(secret: str, params: dict) -> str:
    text = "".join(f"{k}{params[k]}" for k in sorted(params))
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest().upper()


def _split(external_id: str) -> tuple[str, str]:
    product, _, sku_code = external_id.partition(":")
    return product, sku_code


@dataclass
class AliExpressConnector(Connector):
    kind: str = "aliexpress"
    batch_size: int = 100
    default_base_url: str = "https://api-sg.aliexpress.com"
    rate_per_s: float = 10.0

    def _call(self, method: str, **business) -> dict:
        """One gateway call, retried as a whole (freshly signed) on 5xx,
        timeouts and a short throttle, which AliExpress reports inside a 200
        body, so the HTTP-level retries alone would not see it."""
        return self.retrying()(self._call_once, method, **business)

    def _call_once(self, method: str, **business) -> dict:
        params = {"app_key": self.credentials["app_key"], "method": method, "session": self.credentials["session"],
                  "timestamp": str(int(time.time() * 1000)), "sign_method": "sha256", "format": "json", "v": "2.0",
                  **{k: v if isinstance(v, str) else json.dumps(v, separators=(",", ":")) for k, v in business.items()}}
        params["sign"] = signature(self.credentials["app_secret"], params)
        response = self._request_once("POST", f"{self.base_url}/sync", data=params, timeout=self.timeout)
        if response.status_code != 200:
            raise Rejected(f"aliexpress: {error_text(response)}")
        body = response.json()
        error = body.get("error_response")
        if error:
            code, sub = str(error.get("code")), str(error.get("sub_code") or "")
            message = f"aliexpress: {code} {sub} {error.get('msg', '')} {error.get('sub_msg', '')}".strip()
            if code in AUTH_CODES or sub in AUTH_CODES:
                raise AuthFailed(message)
            if code in THROTTLE_CODES or sub in THROTTLE_CODES:
                raise Throttled(message, retry_after=1.0)
            raise Rejected(message)
        return body

    def push(self, items: list[PushItem]) -> list[Outcome]:
        products: dict[str, list[PushItem]] = defaultdict(list)
        for item in items:
            products[_split(item.external_id)[0]].append(item)
        outcomes = []
        groups = list(products.items())
        for start in range(0, len(groups), 20):
            chunk = groups[start:start + 20]
            body = self._call(UPDATE, mutiple_product_update_list=[
                {"product_id": int(pid) if pid.isdigit() else pid,
                 "multiple_sku_update_list": [{"sku_code": _split(i.external_id)[1], "inventory": i.qty} for i in g]}
                for pid, g in chunk])
            result = body.get(UPDATE.replace(".", "_") + "_response", {})
            failed = {str(f.get("product_id")): f for f in
                      ((result.get("update_failed_list") or {}).get("synchronize_product_response_dto") or [])}
            for pid, group in chunk:
                fail = failed.get(pid)
                for item in group:
                    if fail is None:
                        outcomes.append(Outcome(item.listing_id, True))
                    else:
                        outcomes.append(Outcome(item.listing_id, False, f"aliexpress: {fail.get('error_code')} "
                                                f"{fail.get('error_message')}", "dead"))
        return outcomes

    def read(self, items: list[PushItem]) -> dict[int, int | None]:
        found: dict[int, int | None] = {}
        cache: dict[str, dict] = {}
        for item in items:
            product_id, sku_code = _split(item.external_id)
            if product_id not in cache:
                cache[product_id] = self._call(INFO, product_id=product_id)
            result = cache[product_id].get(INFO.replace(".", "_") + "_response", {}).get("result", {})
            skus = (result.get("aeop_ae_product_s_k_us") or {}).get("global_aeop_ae_product_sku") or []
            match = [s for s in skus if s.get("sku_code") == sku_code]
            found[item.listing_id] = int(match[0]["ipm_sku_stock"]) if match else None
        return found
