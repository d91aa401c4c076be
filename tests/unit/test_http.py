import pytest

from wms.app import _flatten
from wms.errors import BadRequest
from wms.http import decode_cursor, encode_cursor, page


def test_a_cursor_round_trips_and_garbage_is_a_bad_request():
    assert decode_cursor(encode_cursor(12345)) == 12345
    assert decode_cursor(None) == 0
    for bad in ("abc", "aWQ6eA", "!!!", encode_cursor(1)[:-1] + "*"):
        with pytest.raises(BadRequest):
            decode_cursor(bad)


def test_a_page_has_a_next_cursor_only_when_more_rows_exist():
    rows = [{"id": i} for i in range(1, 5)]
    assert page(rows, 3) == {"items": rows[:3], "next_cursor": encode_cursor(3)}
    assert page(rows, 4) == {"items": rows, "next_cursor": None}


def test_nested_validation_messages_are_flattened_to_field_paths():
    messages = {"json": {"lines": {0: {"qty": ["Not a valid integer."]}}, "sku": ["Missing data for required field."]}}
    assert _flatten(messages) == {
        "lines.0.qty": "Not a valid integer.",
        "sku": "Missing data for required field.",
    }
