"""Reading a zip somebody uploaded, without trusting it.

Every entry is checked before anything is read: no absolute paths, no `..`, no links or
devices, no encryption, no duplicate names, and limits on the number of entries, the
unpacked total, each entry's size and its compression ratio (zip bombs). Reads stop at
the entry's declared size and at the caller's limit, whatever the headers claim.
"""

import re
import stat
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# Below this an entry's ratio says nothing (a small JSON file compresses very well).
RATIO_FLOOR_BYTES = 1024 * 1024
READ_CHUNK = 1024 * 1024
_DRIVE = re.compile(r"^[A-Za-z]:")


class ArchiveRefused(Exception):
    """The archive is refused as a whole; nothing of it was used."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Entry:
    name: str
    size: int
    compressed: int


def unsafe_name_reason(name: str) -> str | None:
    """Why a path inside an archive (or a CSV's image column) may not be used, or None."""
    if not name or "\x00" in name:
        return _("an empty path")
    if name.startswith(("/", "\\")) or _DRIVE.match(name) or "\\" in name:
        return _("an absolute path (%(name)s)") % {"name": name}
    if ".." in name.split("/"):
        return _("a path that leaves the archive (%(name)s)") % {"name": name}
    return None


class SafeArchive:
    def __init__(self, file):
        try:
            self.zip = zipfile.ZipFile(file)
        except (zipfile.BadZipFile, OSError, ValueError) as error:
            raise ArchiveRefused(_("This is not a zip archive we can read.")) from error
        self.entries: dict[str, Entry] = {}
        try:
            self._check()
        except BaseException:
            self.zip.close()
            raise

    def _check(self) -> None:
        infos = self.zip.infolist()
        if len(infos) > settings.IMPORT_MAX_ENTRIES:
            raise ArchiveRefused(_("The archive holds %(count)d files; the limit is %(limit)d.") % {
                "count": len(infos), "limit": settings.IMPORT_MAX_ENTRIES})
        total = 0
        for info in infos:
            name = info.filename
            if reason := unsafe_name_reason(name):
                raise ArchiveRefused(_("The archive was refused: it holds %(reason)s.") % {"reason": reason})
            mode = info.external_attr >> 16
            if info.create_system == 3 and mode and stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
                kind = _("a link") if stat.S_ISLNK(mode) else _("a special file")
                raise ArchiveRefused(_("The archive was refused: %(name)s is %(kind)s, not a file.") % {
                    "name": name, "kind": kind})
            if info.flag_bits & 0x1:
                raise ArchiveRefused(_("The archive was refused: %(name)s is encrypted.") % {"name": name})
            if info.is_dir():
                continue
            if name in self.entries:
                raise ArchiveRefused(_("The archive was refused: %(name)s is in it twice.") % {"name": name})
            if (info.file_size > RATIO_FLOOR_BYTES
                    and info.file_size > settings.IMPORT_MAX_RATIO * max(info.compress_size, 1)):
                raise ArchiveRefused(_("The archive was refused: %(name)s unpacks to %(ratio)d times its "
                                       "packed size (a zip bomb?).") % {
                    "name": name, "ratio": info.file_size // max(info.compress_size, 1)})
            total += info.file_size
            if total > settings.IMPORT_MAX_UNPACKED_BYTES:
                raise ArchiveRefused(_("The archive unpacks to more than %(limit)s.") % {
                    "limit": filesizeformat(settings.IMPORT_MAX_UNPACKED_BYTES)})
            self.entries[name] = Entry(name=name, size=info.file_size, compressed=info.compress_size)

    def read(self, name: str, *, limit: int) -> bytes:
        """The entry's bytes; ArchiveRefused when it is larger than `limit` (declared or real)."""
        entry = self.entries.get(name)
        if entry is None:
            raise KeyError(name)
        too_large = ArchiveRefused(_("%(name)s is larger than %(limit)s.") % {
            "name": name, "limit": filesizeformat(limit)})
        if entry.size > limit:
            raise too_large
        chunks, size = [], 0
        try:
            with self.zip.open(name) as handle:
                while chunk := handle.read(READ_CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise too_large
                    chunks.append(chunk)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:  # CRC mismatch, truncation
            raise ArchiveRefused(_("%(name)s is damaged in the archive.") % {"name": name}) from error
        return b"".join(chunks)

    def close(self) -> None:
        self.zip.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
