"""Database plumbing shared by every domain."""

from datetime import UTC, datetime

from sqlalchemy import DateTime, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import scoped_session
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """Return the current time, aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """An aware datetime stored in UTC; SQLite gives naive values back, which are UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


IMMEDIATE = "doimpact_immediate"


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """Turn on WAL, a busy timeout and foreign keys for every SQLite connection.

    The driver's own transaction handling is switched off: `_sqlite_begin` emits BEGIN itself,
    so a transaction that must not lose a race can ask for BEGIN IMMEDIATE (SQLAlchemy's
    documented pysqlite recipe).
    """
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection):
    if connection.dialect.name == "sqlite":
        immediate = connection.get_execution_options().get(IMMEDIATE)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def begin_write(session) -> None:
    """Start a transaction that takes the write lock at once, for check-then-write rules.

    On SQLite this is BEGIN IMMEDIATE: two such transactions run one after the other, so a
    check made inside one still holds when it writes. On PostgreSQL the caller locks rows
    with SELECT ... FOR UPDATE. What the session holds is committed first, unless it is
    already a write transaction, which goes on.
    """
    if isinstance(session, scoped_session):
        session = session()
    if session.in_transaction():
        if session.connection().get_execution_options().get(IMMEDIATE):
            return  # already inside a write transaction: one rule calling another
        session.commit()
    session.connection(execution_options={IMMEDIATE: True})


def writing(session) -> bool:
    """True when the session's transaction began as a writer (see begin_write): a view that
    only read needs no commit."""
    if isinstance(session, scoped_session):
        session = session()
    return session.in_transaction() and bool(
        session.connection().get_execution_options().get(IMMEDIATE)
    )


def write_apart(session, statement) -> None:
    """Run one small write (a session's last activity) without upgrading a read transaction.

    On SQLite a transaction that has read and then writes fails at once with "database is
    locked" when another connection committed in between, whatever the busy timeout. So the
    write joins the session's transaction only when that is already a writer; otherwise it
    runs on a connection of its own, in a short transaction that begins as a writer and so
    waits for the lock.
    """
    if isinstance(session, scoped_session):
        session = session()
    if session.in_transaction() and session.connection().get_execution_options().get(IMMEDIATE):
        session.execute(statement)
        return
    with session.get_bind().connect() as connection:
        connection.execution_options(**{IMMEDIATE: True})
        with connection.begin():
            connection.execute(statement)


def init_app(app) -> None:
    """A request that may write (any method but GET, HEAD and OPTIONS) begins its transaction
    as a writer: on SQLite it waits for the lock (the busy timeout) instead of failing when
    another connection wrote since it first read, and on both databases a rule that calls
    begin_write() continues the request's transaction instead of committing it half-way.
    Register before anything that reads."""
    from flask import request

    from app.extensions import db

    @app.before_request
    def begin_writes_as_writer():
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            begin_write(db.session)
