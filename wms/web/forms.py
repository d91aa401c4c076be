"""The screens' forms: the API's input schemas, read from HTML form fields.

A form sends every value as text and empty fields as "", so blanks are
dropped and whole numbers turned into integers before the API schema checks
the shape exactly as it does for JSON. Services still check the meaning."""
from __future__ import annotations

from datetime import date

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load

from wms.errors import ValidationFailed
from wms.inbound.schemas import ReceiptSchema
from wms.inventory.schemas import CompleteTaskSchema


class FormSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # the CSRF token and the idempotency key ride along

    @pre_load
    def _from_form(self, data, **_):
        values = {}
        for name, value in data.items():
            value = value.strip() if isinstance(value, str) else value
            if value in ("", None):
                continue
            if isinstance(self.fields.get(name), fields.Integer) and isinstance(value, str) \
                    and value.lstrip("-").isdigit():
                value = int(value)
            if isinstance(self.fields.get(name), fields.List) and isinstance(value, str):
                value = [part for part in value.split(",") if part]  # a list rides as "a,b"
            values[name] = value
        return values


class TypedDate(fields.Date):
    """A date typed or scanned into a text field on a phone (no date picker):
    2028-07-26, 20280726, 280726 (YYMMDD, as GS1 prints it), 26.07.2028 or
    26/07/2028 (day first)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = str(value).strip()
        digits = text.replace("-", "")
        try:
            if len(text) == 10 and text[2] in "./" and text[5] == text[2]:
                return date(int(text[6:]), int(text[3:5]), int(text[:2]))
            if digits.isdigit() and len(digits) == 8:
                return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
            if digits.isdigit() and len(digits) == 6:
                return date(2000 + int(digits[:2]), int(digits[2:4]), int(digits[4:]))
        except ValueError as exc:
            raise ValidationError("not a date") from exc
        raise ValidationError("a date: 2028-07-26, 280726 or 26.07.2028")


class ReceiveForm(FormSchema, ReceiptSchema):
    """One scan at the dock: barcode, qty, good or damaged, lot and expiry
    (and, sent again from a confirmation, what was confirmed and why)."""

    expiry = TypedDate(load_default=None)


class PutawayForm(FormSchema, CompleteTaskSchema):
    """The scanned bin and the units put in it."""


def load_form(schema: Schema, form) -> dict:
    """The form's values, or ValidationFailed naming the fields (shown on the
    screen like a service's error)."""
    try:
        return schema.load(form.to_dict())
    except ValidationError as error:
        errors = {name: " ".join(msgs) if isinstance(msgs, list) else str(msgs)
                  for name, msgs in error.normalized_messages().items()}
        raise ValidationFailed(errors=errors) from error


RECEIVE_FORM = ReceiveForm()
PUTAWAY_FORM = PutawayForm()
