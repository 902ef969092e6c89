"""docs/ingestion.md's import-column reference is generated from store/schema.py and kept in step."""

from __future__ import annotations

from pathlib import Path

from northstar.ingest.importers.docs import generated_section, render_import_reference
from northstar.store.schema import IMPORT_KINDS

INGESTION = Path(__file__).resolve().parents[2] / "docs" / "ingestion.md"


def test_generated_import_reference_matches_the_schema() -> None:
    assert generated_section(INGESTION.read_text()) == render_import_reference(), (
        "docs/ingestion.md is out of date: run `python -m northstar.ingest.importers.docs`"
    )


def test_every_import_kind_and_importable_column_is_in_the_reference() -> None:
    reference = render_import_reference()
    for kind, table in IMPORT_KINDS.items():
        assert f"### `{kind}` → table `{table.name}`" in reference
        for column in table.columns:
            assert (f"`{column.name}`" in reference) or not column.importable


def test_the_reference_states_rules_from_the_declarations() -> None:
    reference = render_import_reference()
    assert "| `status` | text | yes | one of `trialing`, `active`, `past_due`, `canceled` |" in reference
    assert "| `score` | integer | yes | ≥ 0; ≤ 10 |" in reference
    assert "| `userId` or `user_id` | text |" in reference
    assert "| `change_id` | text | derived when absent |" in reference
