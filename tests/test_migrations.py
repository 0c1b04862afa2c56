"""Migrations keep data: rows written under the previous revision are all there after the
upgrade (and after a downgrade), with the new columns filled as the revision says. Runs on its
own blank database: a SQLite file, or a PostgreSQL database of its own with TEST_DATABASE_URL."""

from datetime import UTC, datetime

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Integer,
    MetaData,
    String,
    Text,
    select,
)

from app import create_app
from app.extensions import db
from tests.conftest import own_database, test_config

WHEN = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def blank_url(tmp_path):
    with own_database(tmp_path, "migrations") as url:
        yield url


def filler(column):
    """A value for a required column the test does not care about."""
    kind = column.type
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, Integer):
        return 0
    if isinstance(kind, DateTime):
        return WHEN
    if isinstance(kind, JSON):
        return {}
    if isinstance(kind, String | Text):
        return "x"
    raise TypeError(f"no filler for {column}")


def insert(connection, table_name: str, **values) -> int:
    """Insert one row as the schema stands now (reflected), filling required columns."""
    table = MetaData()
    table.reflect(connection, only=[table_name])
    table = table.tables[table_name]
    for column in table.columns:
        if column.name not in values and not column.nullable and not column.primary_key:
            values[column.name] = filler(column)
    result = connection.execute(table.insert().values(**values))
    return result.inserted_primary_key[0]


def rows(connection, name: str) -> list[dict]:
    table = MetaData()
    table.reflect(connection, only=[name])
    table = table.tables[name]
    return [dict(row) for row in connection.execute(select(table)).mappings()]


def test_erasure_and_retention_revision_keeps_every_row(blank_url, tmp_path):
    app = create_app(test_config(blank_url, tmp_path))
    with app.app_context():
        upgrade(revision="0008_second_language")
        with db.engine.begin() as connection:
            person = insert(connection, "users", email="a@example.org", name="A", active=True)
            erased = insert(
                connection, "users", email="erased-9-ab12@invalid.doimpact.eu", name="—"
            )
            course = insert(connection, "courses", key="c1")
            insert(
                connection,
                "certificates",
                code="KEPT",
                user_id=person,
                course_id=course,
                holder_name="A",
                issued_at=WHEN,
            )
            insert(
                connection,
                "certificates",
                code="GONE",
                user_id=erased,
                course_id=course,
                holder_name="—",
                issued_at=WHEN,
            )
            insert(
                connection,
                "calendar_feed_tokens",
                user_id=person,
                token_hash="h" * 64,
                created_at=WHEN,
            )
        upgrade()
        with db.engine.connect() as connection:
            users = {row["email"]: row for row in rows(connection, "users")}
            assert set(users) == {"a@example.org", "erased-9-ab12@invalid.doimpact.eu"}
            assert all(row["erasure_due_at"] is None for row in users.values())
            certificates = {row["code"]: row for row in rows(connection, "certificates")}
            assert certificates["KEPT"]["revoked_at"] is None
            assert certificates["GONE"]["revoked_at"] is not None  # erased before: withdrawn
            (token,) = rows(connection, "calendar_feed_tokens")
            assert token["last_used_at"] == token["created_at"]
            assert rows(connection, "retention_runs") == []
        downgrade(revision="0008_second_language")
        with db.engine.connect() as connection:
            assert len(rows(connection, "users")) == 2
            assert {row["code"] for row in rows(connection, "certificates")} == {"KEPT", "GONE"}
            assert len(rows(connection, "calendar_feed_tokens")) == 1
        db.engine.dispose()
