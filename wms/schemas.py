"""Schema building blocks shared by the areas' schemas."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from wms.db import INT32_MAX, TIMESTAMP_MAX, TIMESTAMP_MIN, timestamp_in_range
from wms.http import PageArgsSchema


class StrictSchema(Schema):
    """Unknown fields are an error (marshmallow's default, stated here)."""


class SkuRef(fields.Field):
    """A SKU named by id (an integer) or by the seller's SKU code."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise ValidationError("must be a SKU id or a SKU code")
        if isinstance(value, int):
            if not 0 < value <= INT32_MAX:
                raise ValidationError(f"must be a SKU id between 1 and {INT32_MAX}")
            return value
        if isinstance(value, str) and 0 < len(value.strip()) <= 64:
            return value.strip()
        raise ValidationError("must be a SKU id or a SKU code")

    def _serialize(self, value, attr, obj, **kwargs):
        return value


def Qty(**kwargs) -> fields.Integer:  # noqa: N802 - reads like a field class
    kwargs.setdefault("validate", validate.Range(min=1, max=1_000_000))
    return fields.Integer(strict=True, **kwargs)


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("must not be blank")


def Code(max_len: int = 64, **kwargs) -> fields.String:  # noqa: N802
    """A name, reference or code: 1..max_len characters, not only whitespace."""
    return fields.String(validate=[validate.Length(min=1, max=max_len), _not_blank], **kwargs)


def ChannelId(**kwargs) -> fields.Integer:  # noqa: N802
    """A sales channel's id: a positive integer."""
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=INT32_MAX), **kwargs)


class Timestamp(fields.AwareDateTime):
    """The one field type for every timestamp a client sends: ISO 8601 with
    an offset, and within TIMESTAMP_MIN..TIMESTAMP_MAX once in UTC (a year
    10000 stored by PostgreSQL could not be read back)."""

    def __init__(self, **kwargs):
        metadata = dict(kwargs.pop("metadata", {}))
        window = f"between {TIMESTAMP_MIN:%Y-%m-%d} and {TIMESTAMP_MAX:%Y-%m-%d} (UTC)"
        metadata["description"] = f"{metadata['description']}; {window}" if "description" in metadata else window
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        try:
            within = timestamp_in_range(result)
        except OverflowError:
            within = False
        if not within:
            raise ValidationError(f"must be between {TIMESTAMP_MIN.isoformat()} and {TIMESTAMP_MAX.isoformat()}")
        return result


_page_schemas: dict[str, type[Schema]] = {}


def page_of(item: type[Schema]) -> type[Schema]:
    """{"items": [...], "next_cursor": ...} for an item schema."""
    name = item.__name__.removesuffix("Schema") + "PageSchema"
    if name not in _page_schemas:
        _page_schemas[name] = type(
            name,
            (Schema,),
            {"items": fields.List(fields.Nested(item)), "next_cursor": fields.String(allow_none=True)},
        )
    return _page_schemas[name]


__all__ = ["PageArgsSchema", "StrictSchema", "SkuRef", "Qty", "Code", "ChannelId", "Timestamp", "page_of"]
