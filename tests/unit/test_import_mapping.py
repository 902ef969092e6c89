"""``--map field=column`` parsing and application, and the import-file format rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from northstar.domain.errors import InvalidInput
from northstar.ingest.importers.mapping import apply_mapping, check_columns, parse_mapping
from northstar.ingest.importers.readers import FileOptions, detect_format


def test_parse_mapping() -> None:
    assert parse_mapping(["userId=customer", " properties.revenue = amount "]) == {
        "userId": "customer", "properties.revenue": "amount",
    }
    assert parse_mapping([]) == {}


@pytest.mark.parametrize(("item", "reason"), [
    ("userId", "'userId' is not field=column"),
    ("=customer", "'=customer' is not field=column"),
    ("userId=", "'userId=' is not field=column"),
])
def test_parse_mapping_refuses_malformed_items(item: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_mapping([item])
    assert (refused.value.field, refused.value.reason) == ("--map", reason)


def test_parse_mapping_refuses_a_field_mapped_twice() -> None:
    with pytest.raises(InvalidInput, match="mapped twice"):
        parse_mapping(["userId=a", "userId=b"])


def test_apply_mapping_renames_mapped_columns_only() -> None:
    row = {"customer": "c1", "when": "1997-01-01", "plan": "pro"}
    assert apply_mapping(row, {"user_id": "customer", "created_at": "when"}) == {
        "plan": "pro", "user_id": "c1", "created_at": "1997-01-01",
    }


def test_check_columns_names_the_missing_ones() -> None:
    check_columns({"user_id": "customer"}, ["customer", "when"])
    with pytest.raises(InvalidInput, match="the file has no column 'buyer'"):
        check_columns({"user_id": "buyer"}, ["customer"])


@pytest.mark.parametrize(("name", "expected"), [
    ("a.csv", "csv"), ("a.TSV", "csv"), ("CDNOW_master.txt", "csv"), ("a.jsonl", "jsonl"),
    ("a.ndjson", "jsonl"), ("a.parquet", "parquet"),
])
def test_detect_format(name: str, expected: str) -> None:
    assert detect_format(Path(name)) == expected


def test_detect_format_refuses_unknown_suffixes() -> None:
    with pytest.raises(InvalidInput) as refused:
        detect_format(Path("a.xlsx"))
    assert refused.value.field == "file"


def test_header_defaults() -> None:
    assert FileOptions().has_header
    assert not FileOptions(columns=("a", "b")).has_header
    assert FileOptions(columns=("a", "b"), header=True).has_header
