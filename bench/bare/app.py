"""The reference page: bare Flask + Flask-SQLAlchemy + Jinja listing 30 rows from SQLite.

Nothing of the portal is imported here, so the page costs what the framework costs. The
database is the SQLite file named by BENCH_BARE_DATABASE; `python -m bench.bare.app PATH`
creates and fills it (the benchmark does that once, before gunicorn starts its workers).
"""

import os
import sys
import tempfile
from pathlib import Path

from flask import Flask, render_template
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import String, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ROWS = 30


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Item(db.Model):
    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(1000))
    minutes: Mapped[int]


def database_path() -> Path:
    default = Path(tempfile.gettempdir()) / "doimpact-bench-bare.sqlite3"
    return Path(os.environ.get("BENCH_BARE_DATABASE") or default)


def create_app(database: Path | None = None) -> Flask:
    """Build the bare app on the given SQLite file (default: BENCH_BARE_DATABASE)."""
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{database or database_path()}"
    db.init_app(app)

    @app.route("/")
    def index():
        items = db.session.scalars(select(Item).order_by(Item.id).limit(ROWS)).all()
        return render_template("items.html", items=items)

    return app


def fill(app: Flask) -> None:
    """Create the table and its 30 rows, once."""
    with app.app_context():
        db.create_all()
        if not db.session.scalar(select(func.count()).select_from(Item)):
            db.session.add_all(
                Item(
                    title=f"Course number {index}: digital skills for cooperatives",
                    summary=(
                        f"Row {index} of the reference list: a short summary of about the "
                        'length of a course card, with <escaped> & quoted "text".'
                    ),
                    minutes=15 + index,
                )
                for index in range(1, ROWS + 1)
            )
            db.session.commit()


if __name__ == "__main__":
    fill(create_app(Path(sys.argv[1]) if len(sys.argv) > 1 else None))
