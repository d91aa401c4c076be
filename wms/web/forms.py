"""The screens' forms: the API's input schemas, read from HTML form fields.

A form sends every value as text and empty fields as "", so blanks are
dropped and whole numbers turned into integers before the API schema checks
the shape exactly as it does for JSON. Services still check the meaning."""
from __future__ import annotations

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


class ReceiveForm(FormSchema, ReceiptSchema):
    """One scan at the dock: barcode, qty, good or damaged, lot and expiry
    (and, sent again from a confirmation, what was confirmed and why)."""


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
