"""GS1 barcodes at the dock: a GS1-128 or GS1 DataMatrix scan carries the
item's GTIN (AI 01), its lot (AI 10), its expiry (AI 17) and a serial (AI
21) in one string. Parsed by biip (a maintained GS1 parser); scanners send
either the human-readable form "(01)…(17)…(10)…" or the raw element
strings, optionally after a symbology identifier ("]C1", "]d2", "]Q3").
A plain barcode (EAN-13, a seller's own code) is no GS1 message and is
left as it is."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from biip import parse
from biip.gs1_messages import GS1Message


@dataclass(frozen=True)
class Gs1Scan:
    gtin: str                 # 14 digits as encoded
    lot: str | None
    expiry: date | None
    serial: str | None

    def barcodes(self) -> list[str]:
        """The codes the item may be registered under: GTIN-14, then the
        GTIN-13 or UPC-A it pads (leading zeros dropped)."""
        found = [self.gtin]
        for length in (13, 12, 8):
            if self.gtin[: 14 - length].strip("0") == "":
                found.append(self.gtin[14 - length:])
        return found


def read_gs1(text: str) -> Gs1Scan | None:
    """The GS1 message in a scan, or None when it is not one with a GTIN."""
    text = (text or "").strip()
    if not text:
        return None
    message = None
    try:
        if text.startswith("("):
            message = GS1Message.parse_hri(text)
        elif text.startswith("]") or (text.startswith("01") and len(text) > 16 and text[2:16].isdigit()):
            message = parse(text).gs1_message
    except Exception:  # noqa: BLE001  (biip raises its own ParseError family; not GS1 is not an error here)
        return None
    if message is None:
        return None
    elements = message.element_strings
    gtin = elements.get(ai="01")
    if gtin is None:
        return None
    lot, expiry, serial = elements.get(ai="10"), elements.get(ai="17"), elements.get(ai="21")
    return Gs1Scan(gtin=gtin.value, lot=lot.value if lot else None, expiry=expiry.date if expiry else None,
                   serial=serial.value if serial else None)
