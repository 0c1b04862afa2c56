"""Uploaded files: checked by content (not only by name), stored by content hash under the
instance folder, never overwritten, served back only through an access check."""

import hashlib
import os
import re
import struct
import tempfile
import unicodedata
import zlib
from dataclasses import dataclass
from pathlib import Path

from app.core.catalogs import lazy_gettext as _l
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
ODF = ("odt", "ods", "odp")
CHUNK = 1024 * 1024

# Office files are zip archives. Real documents stay far below these limits; a decompression
# bomb (a small file that unpacks to hundreds of megabytes, or to thousands of parts) does not.
ZIP_MAX_ENTRIES = 10_000
ZIP_MAX_EXPANDED = 200 * 2**20  # bytes, all parts together
ZIP_MAX_RATIO = 100  # unpacked : packed, once the unpacked size is over ZIP_RATIO_FROM
ZIP_RATIO_FROM = 10 * 2**20
ZIP_METHODS = (0, 8)  # stored and deflate, what office programs write (no bzip2, lzma, ...)
TOO_MUCH = _l(
    "The file unpacks to far more data, or holds far more parts, than a document of its size. "
    "It was not uploaded."
)
UNUSUAL_PACKING = _l(
    "The file is compressed or encrypted in a way office programs do not use. It was not "
    "uploaded: save it again from your office program and upload that copy."
)


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
    """Whether the bytes are what the extension says (magic numbers, zip contents).

    Images, PDFs and legacy (OLE) office files are only sniffed by their first bytes, never
    decoded or parsed, so their dimensions or inner streams cannot cost memory here. Office zip
    archives are walked with bounded memory; a decompression bomb raises a DomainError."""
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
    if extension in OOXML_FOLDER or extension in ODF:
        if not head.startswith(b"PK\x03\x04"):
            return False
        try:
            return _office_archive_matches(extension, path)
        except (_Broken, OSError, struct.error, zlib.error):
            return False
    return False


# --- office archives: read with bounded memory and work -----------------------------------------
# The zip structures are read here rather than with `zipfile`: ZipFile builds an object for every
# entry of the central directory before anything can be checked (a 25 MB upload can list half a
# million), and it inflates bzip2 and lzma entries without an output limit.

MAX32 = 0xFFFFFFFF
END = b"PK\x05\x06"  # end of central directory (APPNOTE 4.3.16)
END64_LOCATOR = b"PK\x06\x07"
END64 = b"PK\x06\x06"
CENTRAL = b"PK\x01\x02"
LOCAL = b"PK\x03\x04"


class _Broken(Exception):
    """Not a well-formed zip archive."""


@dataclass(frozen=True)
class _Entry:
    flags: int
    method: int
    crc: int
    packed: int
    unpacked: int
    offset: int


def _directory(handle, size: int) -> tuple[int, int, int]:
    """(entries, offset, length) of the central directory, from the end record(s)."""
    tail_length = min(size, 22 + 0xFFFF)  # the end record, then a comment of up to 64 KiB
    handle.seek(size - tail_length)
    tail = handle.read(tail_length)
    at = tail.rfind(END)
    if at < 0 or len(tail) - at < 22:
        raise _Broken
    end_at = size - tail_length + at
    disk, first_disk, _, entries, length, offset = struct.unpack_from("<4H2L", tail, at + 4)
    if disk or first_disk:
        raise _Broken  # split archives
    if end_at >= 20:
        handle.seek(end_at - 20)
        locator = handle.read(20)
        if locator[:4] == END64_LOCATOR:  # ZIP64: the counts and offsets are in another record
            (record_at,) = struct.unpack_from("<Q", locator, 8)
            handle.seek(record_at)
            record = handle.read(56)
            if len(record) != 56 or record[:4] != END64:
                raise _Broken
            entries, length, offset = struct.unpack_from("<3Q", record, 32)
            end_at = record_at
    if offset + length > end_at:
        raise _Broken
    return entries, offset, length


def _wide(extra: bytes, values: list[int]) -> list[int]:
    """Replace the sizes and offset marked 0xFFFFFFFF by their ZIP64 values (APPNOTE 4.5.3)."""
    if MAX32 not in values:
        return values
    at = 0
    while at + 4 <= len(extra):
        kind, length = struct.unpack_from("<2H", extra, at)
        if kind == 1:
            body, wide, used = extra[at + 4 : at + 4 + length], [], 0
            for value in values:
                if value == MAX32:
                    if used + 8 > len(body):
                        raise _Broken
                    (value,) = struct.unpack_from("<Q", body, used)
                    used += 8
                wide.append(value)
            return wide
        at += 4 + length
    raise _Broken


def _entries(handle, size: int, folder: bytes) -> tuple[list[_Entry], dict[bytes, int], int]:
    """The entries, where the named parts are and where the central directory starts, refusing
    a bomb before any unpacking: too many parts, too much declared data (in all or in
    proportion to the file's size), or packing office programs never use."""
    count, offset, length = _directory(handle, size)
    if count > ZIP_MAX_ENTRIES:
        raise DomainError(TOO_MUCH, field="file")
    handle.seek(offset)
    entries: list[_Entry] = []
    found: dict[bytes, int] = {}
    expanded = read = 0
    while read < length:
        header = handle.read(46)
        if len(header) != 46 or header[:4] != CENTRAL:
            raise _Broken
        flags, method, _, _, crc, packed, unpacked = struct.unpack_from("<4H3L", header, 8)
        name_length, extra_length, comment_length = struct.unpack_from("<3H", header, 28)
        (local_offset,) = struct.unpack_from("<L", header, 42)
        name = handle.read(name_length)
        extra = handle.read(extra_length)
        handle.seek(comment_length, os.SEEK_CUR)
        read += 46 + name_length + extra_length + comment_length
        unpacked, packed, local_offset = _wide(extra, [unpacked, packed, local_offset])
        if len(entries) >= ZIP_MAX_ENTRIES:
            raise DomainError(TOO_MUCH, field="file")
        if flags & 0x41 or method not in ZIP_METHODS:  # encrypted, or bzip2, lzma, ...
            raise DomainError(UNUSUAL_PACKING, field="file")
        expanded += unpacked
        if expanded > ZIP_MAX_EXPANDED or (
            expanded > ZIP_RATIO_FROM and expanded > ZIP_MAX_RATIO * size
        ):
            raise DomainError(TOO_MUCH, field="file")
        if method == 0 and packed != unpacked:
            raise _Broken
        if name in (b"[Content_Types].xml", b"mimetype"):
            found.setdefault(name, len(entries))
        elif folder and name.startswith(folder):
            found.setdefault(folder, len(entries))
        entries.append(_Entry(flags, method, crc, packed, unpacked, local_offset))
    if read != length or len(entries) != count:
        raise _Broken
    return entries, found, offset


def _unpack(handle, entry: _Entry, end: int, keep: int = 0) -> bytes:
    """Unpack one entry in bounded steps, checking its real size and checksum against what it
    declares (declared sizes can lie); return its first `keep` bytes."""
    handle.seek(entry.offset)
    local = handle.read(30)
    if len(local) != 30 or local[:4] != LOCAL:
        raise _Broken
    if struct.unpack_from("<H", local, 8)[0] != entry.method:
        raise _Broken  # a reader going by the local header would unpack it otherwise
    name_length, extra_length = struct.unpack_from("<2H", local, 26)
    start = entry.offset + 30 + name_length + extra_length
    if start + entry.packed > end:
        raise _Broken
    handle.seek(start)
    inflater = zlib.decompressobj(-15) if entry.method == 8 else None
    left, pending, produced, crc, kept = entry.packed, b"", 0, 0, b""
    while True:
        if not pending and left:
            pending = handle.read(min(left, CHUNK))
            if not pending:
                raise _Broken
            left -= len(pending)
        if inflater is None:
            out, pending = pending, b""
        else:
            out = inflater.decompress(pending, CHUNK)  # never more than CHUNK bytes at once
            pending = inflater.unconsumed_tail
        produced += len(out)
        if produced > entry.unpacked:
            raise DomainError(TOO_MUCH, field="file")  # more than it declares: stop here
        crc = zlib.crc32(out, crc)
        if len(kept) < keep:
            kept += out[: keep - len(kept)]
        if inflater is not None and inflater.eof:
            break
        if not out and not pending and not left:
            if inflater is not None:
                raise _Broken  # the packed data ends before the stream does
            break
    if produced != entry.unpacked or crc != entry.crc:
        raise _Broken
    return kept


def _office_archive_matches(extension: str, path: Path) -> bool:
    """Whether the parts that name the kind of document are there; then every part is unpacked
    once, in bounded steps, so that what is stored holds exactly what its directory declares."""
    size = path.stat().st_size
    folder = OOXML_FOLDER[extension].encode() if extension in OOXML_FOLDER else b""
    with open(path, "rb") as handle:
        entries, found, directory_at = _entries(handle, size, folder)
        wanted = (b"[Content_Types].xml", folder) if folder else (b"mimetype",)
        if any(name not in found for name in wanted):
            return False
        mimetype = b""
        for index, entry in enumerate(entries):
            if index == found.get(b"mimetype"):
                mimetype = _unpack(handle, entry, directory_at, keep=256)
            else:
                _unpack(handle, entry, directory_at)
    return folder != b"" or mimetype.decode("ascii", "replace").strip() == TYPES[extension]


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
