"""Ids read from request data: only ASCII digits within a BigAutoField's range are ids."""

import pytest

from portal.ids import ID_MAX, InvalidIds, id_parse, ids_parse


@pytest.mark.parametrize(("value", "expected"), [
    ("1", 1), (" 42 ", 42), (str(ID_MAX), ID_MAX), (7, 7),
    (str(ID_MAX + 1), None), ("9" * 30, None), ("0", None), ("-1", None), ("1.0", None), ("²", None),
    ("٣", None), ("", None), (None, None), (True, None), (ID_MAX + 1, None), (["1"], None),
])
def test_id_parse(value, expected):
    assert id_parse(value) == expected


def test_ids_parse_keeps_order_drops_repeats_and_names_every_bad_value():
    assert ids_parse(["3", "1", "3", "2"], limit=2) == [3, 1]
    with pytest.raises(InvalidIds) as caught:
        ids_parse(["1", "x", "9" * 30], limit=10)
    assert caught.value.values == ["x", "9" * 30]
