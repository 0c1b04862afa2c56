"""Material uploads: checked by content, stored by hash under the instance folder, never
overwritten, downloaded only by those allowed, with a safe Content-Disposition."""

import functools
import io
import struct
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.workshops.models import Material
from tests.conftest import in_app

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


@pytest.fixture
def trainer_client(app, login_as, make_workshop):
    organiser, workshop_id = make_workshop()
    client = app.test_client()
    login_as(client, organiser)
    return client, workshop_id


def upload(client, workshop_id, data: bytes, name: str, participants_only=False, title="Slides"):
    form = {"file": (io.BytesIO(data), name), "title": title, "language": "en"}
    if participants_only:
        form["participants_only"] = "y"
    return client.post(
        f"/workshops/{workshop_id}/materials",
        data=form,
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def fetch(client, path):
    """GET and close the response (a download streams its file)."""
    response = client.get(path)
    response.get_data()
    response.close()
    return response


def materials(app) -> list[Material]:
    with in_app(app):
        return list(db.session.scalars(select(Material).order_by(Material.id)))


def uploads_folder(app) -> Path:
    return Path(app.instance_path) / "uploads"


def stored_blobs(app) -> list[Path]:
    folder = uploads_folder(app)
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def test_accepted_files_are_stored_by_hash_and_served_as_attachments(app, trainer_client):
    client, workshop_id = trainer_client
    for data, name in ((PDF, "Agenda.pdf"), (PNG, "photo.png"), (docx_bytes(), "notes.docx")):
        assert "The file is published." in upload(client, workshop_id, data, name).get_data(True)
    saved = materials(app)
    assert [m.content_type for m in saved] == [
        "application/pdf",
        "image/png",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ]
    assert len(stored_blobs(app)) == 3
    response = fetch(client, f"/materials/{saved[0].id}")
    assert response.data == PDF and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "Agenda.pdf" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"MZ\x90\x00" + b"\x00" * 60, "invoice.pdf", "does not match its name"),  # an .exe
        (b"<html><script>alert(1)</script></html>", "slides.pdf", "does not match its name"),
        (b"<html></html>", "page.html", "This kind of file is not accepted"),
        (b"PK\x03\x04not really a zip", "table.xlsx", "does not match its name"),
        (b"", "empty.pdf", "The file is empty"),
    ],
)
def test_disguised_or_unwanted_files_are_refused_and_nothing_is_kept(
    app, trainer_client, data, name, message
):
    client, workshop_id = trainer_client
    page = upload(client, workshop_id, data, name).get_data(True)
    assert message in page
    assert materials(app) == [] and stored_blobs(app) == []


def test_a_too_large_file_gets_a_clear_error_and_nothing_is_stored(app, trainer_client):
    client, workshop_id = trainer_client
    app.config["MATERIAL_MAX_BYTES"] = 1000
    page = upload(client, workshop_id, PDF + b"x" * 2000, "big.pdf").get_data(True)
    assert "The file is larger than" in page
    assert materials(app) == [] and stored_blobs(app) == []
    app.config["MAX_CONTENT_LENGTH"] = 1500  # beyond the request limit: 413, before any view
    response = client.post(
        f"/workshops/{workshop_id}/materials",
        data={"file": (io.BytesIO(b"x" * 5000), "huge.pdf"), "title": "T", "language": "en"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413 and "File too large" in response.get_data(True)
    assert materials(app) == [] and stored_blobs(app) == []


def test_a_path_in_the_file_name_is_dropped(app, trainer_client):
    client, workshop_id = trainer_client
    upload(client, workshop_id, PDF, "../../../etc/passwd.pdf")
    upload(client, workshop_id, PDF + b" ", "..\\..\\windows\\win.ini.pdf")
    names = [m.filename for m in materials(app)]
    assert names[0] == "passwd.pdf" and names[1].endswith("win.ini.pdf")
    assert not any(sep in name for name in names for sep in ("/", "\\", ".."))
    folder = uploads_folder(app).resolve()
    assert all(folder in blob.resolve().parents for blob in stored_blobs(app))


def test_duplicate_names_never_overwrite_each_other(app, trainer_client):
    client, workshop_id = trainer_client
    first, second = PDF, PDF.replace(b"1.4", b"1.7")
    upload(client, workshop_id, first, "slides.pdf", title="Morning")
    upload(client, workshop_id, second, "slides.pdf", title="Afternoon")
    upload(client, workshop_id, first, "copy.pdf", title="Same bytes again")
    saved = materials(app)
    assert [m.filename for m in saved] == ["slides.pdf", "slides.pdf", "copy.pdf"]
    assert len(stored_blobs(app)) == 2  # the same bytes are kept once
    assert [fetch(client, f"/materials/{m.id}").data for m in saved] == [first, second, first]


def test_participant_only_material_is_refused_to_others(app, trainer_client, make_user, login_as):
    from app.core.db import utcnow
    from app.workshops import services

    client, workshop_id = trainer_client
    upload(client, workshop_id, PDF, "public.pdf", title="Programme")
    upload(client, workshop_id, PDF + b"%", "private.pdf", participants_only=True, title="Slides")
    public, private = materials(app)
    participant_id, stranger_id = make_user(), make_user()
    with in_app(app):
        from app.accounts.models import User

        services.register(db.session.get(User, participant_id), workshop_id, utcnow())
        db.session.commit()
    participant, stranger, anonymous = app.test_client(), app.test_client(), app.test_client()
    login_as(participant, participant_id)
    login_as(stranger, stranger_id)
    assert fetch(participant, f"/materials/{private.id}").status_code == 200
    assert fetch(stranger, f"/materials/{private.id}").status_code == 404
    assert fetch(anonymous, f"/materials/{private.id}").status_code == 404
    assert fetch(anonymous, f"/materials/{public.id}").status_code == 200
    page = stranger.get(f"/workshops/{workshop_id}").get_data(True)
    assert "Programme" in page and "Slides" not in page
    assert "https://meet.example.org/workshop" not in page  # the link is for participants
    assert "https://meet.example.org/workshop" in participant.get(
        f"/workshops/{workshop_id}"
    ).get_data(True)
    with in_app(app):
        assert db.session.scalar(select(func.count()).select_from(Material)) == 2


def test_course_module_material_is_for_its_learners(app, login_as, make_user, synced):
    trainer, learner, other = make_user(roles=("trainer",)), make_user(), make_user()
    client = app.test_client()
    login_as(client, trainer)
    client.post(
        "/courses/sample/modules/basics/materials",
        data={
            "file": (io.BytesIO(PDF), "checklist.pdf"),
            "title": "Checklist",
            "language": "en",
            "participants_only": "y",
        },
        content_type="multipart/form-data",
    )
    [material] = materials(app)
    enrolled, outsider = app.test_client(), app.test_client()
    login_as(enrolled, learner)
    login_as(outsider, other)
    enrolled.post("/courses/sample/enrol")
    assert "Checklist" in enrolled.get("/courses/sample").get_data(True)
    assert fetch(enrolled, f"/materials/{material.id}").status_code == 200
    assert fetch(outsider, f"/materials/{material.id}").status_code == 404


# --- decompression bombs (issue 11, item 2) -----------------------------------------------------

MIB = 2**20
ODT = b"application/vnd.oasis.opendocument.text"


def zipped(entries, zip64: bool = False) -> bytes:
    """A zip archive of (name, bytes or a function writing into the open entry, method)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content, method in entries:
            info = zipfile.ZipInfo(name)
            info.compress_type = method
            with archive.open(info, "w", force_zip64=zip64) as entry:
                if callable(content):
                    content(entry)
                else:
                    entry.write(content)
    return buffer.getvalue()


def zeros(megabytes: int, first: bytes = b""):
    """Write `first` then that many MiB of zeros, one MiB at a time (the test stays small too)."""

    def write(entry):
        entry.write(first)
        for _ in range(megabytes):
            entry.write(bytes(MIB))

    return write


@functools.cache
def odt_bomb() -> bytes:
    """The file of the issue: about 300 KB, whose `mimetype` part unpacks to 300 MiB."""
    return zipped(
        [
            ("mimetype", zeros(300, first=ODT), zipfile.ZIP_DEFLATED),
            ("content.xml", b"<office:document-content/>", zipfile.ZIP_DEFLATED),
        ]
    )


def declared_as(data: bytes, name: str, size: int) -> bytes:
    """The same archive with `name` declaring `size` unpacked bytes (a lie) in both headers."""
    patched = bytearray(data)
    (at,) = struct.unpack_from("<L", data, len(data) - 6)  # the central directory's offset
    while True:
        name_length, extra_length, comment_length = struct.unpack_from("<3H", data, at + 28)
        if data[at + 46 : at + 46 + name_length] == name.encode():
            (local,) = struct.unpack_from("<L", data, at + 42)
            struct.pack_into("<L", patched, at + 24, size)
            struct.pack_into("<L", patched, local + 22, size)
            return bytes(patched)
        at += 46 + name_length + extra_length + comment_length


def lying_docx() -> bytes:
    """Declares 1,000 bytes for its document but unpacks to 300 MiB."""
    archive = zipped(
        [
            ("[Content_Types].xml", b"<Types/>", zipfile.ZIP_DEFLATED),
            ("word/document.xml", zeros(300, first=b"<document>"), zipfile.ZIP_DEFLATED),
        ]
    )
    return declared_as(archive, "word/document.xml", 1000)


def many_parts_docx() -> bytes:
    parts = [(f"word/media/p{i}.xml", b"", zipfile.ZIP_STORED) for i in range(20_000)]
    return zipped([("[Content_Types].xml", b"<Types/>", zipfile.ZIP_STORED), *parts])


def packed_odt(method) -> bytes:
    return zipped(
        [
            ("mimetype", ODT, zipfile.ZIP_STORED),
            ("content.xml", b"<office:document-content/>" * 100, method),
        ]
    )


TOO_MUCH = "unpacks to far more data, or holds far more parts"
UNUSUAL = "compressed or encrypted in a way office programs do not use"


@pytest.mark.parametrize(
    ("build", "name", "message"),
    [
        (odt_bomb, "notes.odt", TOO_MUCH),
        (lying_docx, "notes.docx", TOO_MUCH),
        (many_parts_docx, "notes.docx", TOO_MUCH),
        (lambda: packed_odt(zipfile.ZIP_BZIP2), "notes.odt", UNUSUAL),
        (lambda: packed_odt(zipfile.ZIP_LZMA), "notes.odt", UNUSUAL),
    ],
    ids=["300-MiB-mimetype", "declared-size-lies", "20000-parts", "bzip2", "lzma"],
)
def test_a_decompression_bomb_is_refused_quickly_with_bounded_memory(
    app, trainer_client, build, name, message
):
    client, workshop_id = trainer_client
    data = build()
    assert len(data) < 3 * MIB  # a small upload...
    tracemalloc.start()
    started = time.perf_counter()
    try:
        page = upload(client, workshop_id, data, name).get_data(True)
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert message in page  # ...refused with a clear message,
    assert "The file is published." not in page
    assert materials(app) == [] and stored_blobs(app) == []  # nothing kept,
    assert peak < 50 * MIB, f"peak {peak / MIB:.0f} MiB"  # without unpacking it,
    assert elapsed < 5, f"{elapsed:.1f} s"  # at once


def test_office_files_as_office_programs_write_them_are_accepted(app, trainer_client, monkeypatch):
    client, workshop_id = trainer_client
    odt = zipped(
        [
            ("mimetype", ODT, zipfile.ZIP_STORED),
            ("content.xml", b"<office:document-content/>" * 1000, zipfile.ZIP_DEFLATED),
            ("META-INF/manifest.xml", b"<manifest:manifest/>", zipfile.ZIP_DEFLATED),
        ]
    )
    pptx = zipped(
        [
            ("[Content_Types].xml", b"<Types/>", zipfile.ZIP_DEFLATED),
            ("ppt/presentation.xml", b"<p:presentation/>" * 1000, zipfile.ZIP_DEFLATED),
            ("ppt/media/image1.png", PNG * 100, zipfile.ZIP_STORED),
        ]
    )
    # Some programs write ZIP64 records even for small files: force them on.
    monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 5)
    monkeypatch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 1)
    xlsx = zipped(
        [
            ("[Content_Types].xml", b"<Types/>", zipfile.ZIP_DEFLATED),
            ("xl/workbook.xml", b"<workbook/>" * 100, zipfile.ZIP_DEFLATED),
        ],
        zip64=True,
    )
    assert b"PK\x06\x06" in xlsx  # a ZIP64 end record
    for data, name in ((odt, "notes.odt"), (pptx, "slides.pptx"), (xlsx, "table.xlsx")):
        assert "The file is published." in upload(client, workshop_id, data, name).get_data(True)
    assert [m.filename for m in materials(app)] == ["notes.odt", "slides.pptx", "table.xlsx"]


def test_a_damaged_or_mislabelled_archive_does_not_match_its_name(app, trainer_client):
    client, workshop_id = trainer_client
    good = docx_bytes()
    damaged = good.replace(b"<document/>", b"<documenT/>")  # the checksum no longer matches
    wrong_type = zipped([("mimetype", b"application/zip", zipfile.ZIP_STORED)])
    for data, name in ((damaged, "notes.docx"), (good, "table.xlsx"), (wrong_type, "x.odt")):
        page = upload(client, workshop_id, data, name).get_data(True)
        assert "does not match its name" in page
    assert materials(app) == [] and stored_blobs(app) == []
