"""Uploaded files: checked by content (not only by name), stored by content hash under the
instance folder, never overwritten, served back only through an access check."""

import hashlib
import os
import re
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l

from app.core.errors import DomainError

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Word, Excel and PowerPoint files
TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
}
OOXML_FOLDER = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    content_type: str
    filename: str


def clean_filename(name: str) -> str:
    """The last part of a file name, without folders, control characters or leading dots."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name.replace("\x00", ""))[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r"\s+", " ", name).strip().lstrip(".").strip()
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    return (stem[:150].strip() or "file") + (f".{extension[:10]}" if extension else "")


def extension_of(name: str) -> str:
    return name.rpartition(".")[2].lower() if "." in name else ""


def content_matches(extension: str, path: Path) -> bool:
    """Whether the bytes are what the extension says (magic numbers, zip contents)."""
    with open(path, "rb") as handle:
        head = handle.read(16)
    if extension == "pdf":
        return head.startswith(b"%PDF-")
    if extension == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if extension in ("jpg", "jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if extension == "gif":
        return head[:6] in (b"GIF87a", b"GIF89a")
    if extension == "webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if extension in ("doc", "xls", "ppt"):
        return head.startswith(OLE2)
    if extension in OOXML_FOLDER or extension in ("odt", "ods", "odp"):
        if not head.startswith(b"PK\x03\x04"):
            return False
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
                if extension in OOXML_FOLDER:
                    return "[Content_Types].xml" in names and any(
                        n.startswith(OOXML_FOLDER[extension]) for n in names
                    )
                return (
                    "mimetype" in names
                    and archive.read("mimetype").decode("ascii", "replace").strip()
                    == TYPES[extension]
                )
        except (zipfile.BadZipFile, KeyError, OSError):
            return False
    return False


def store(stream, filename: str, folder: Path, max_bytes: int) -> StoredFile:
    """Check and store an upload; raise a DomainError and keep nothing when it is refused."""
    name = clean_filename(filename)
    extension = extension_of(name)
    if extension not in TYPES:
        raise DomainError(
            _l(
                "This kind of file is not accepted. Upload a PDF, an image, slides, a "
                "spreadsheet or a document."
            ),
            field="file",
        )
    folder.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(handle, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise DomainError(
                        _l("The file is larger than %(size)s MB.", size=max_bytes // 2**20),
                        field="file",
                    )
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise DomainError(_l("The file is empty."), field="file")
        if not content_matches(extension, Path(temporary)):
            raise DomainError(
                _l(
                    "The file's content does not match its name (.%(extension)s). It was not "
                    "uploaded.",
                    extension=extension,
                ),
                field="file",
            )
        sha = digest.hexdigest()
        target = blob_path(folder, sha)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():  # the same bytes are stored once; nothing is ever overwritten
            os.unlink(temporary)
        else:
            os.replace(temporary, target)
        return StoredFile(sha, size, TYPES[extension], name)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def blob_path(folder: Path, sha256: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError("not a SHA-256")
    return folder / sha256[:2] / sha256
