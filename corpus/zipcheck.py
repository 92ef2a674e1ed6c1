"""Inspect a zip container (.docx, later .xlsx) before any parser opens it.

Only the central directory is read: no member is decompressed, so a zip bomb costs
milliseconds. ``zipfile`` stops every member at its declared size (and fails its CRC when the
data goes on), so the declared sizes checked here bound what a parser can inflate later.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from core.errors import CorruptDocument, FileTooLarge

# Office XML compresses 5-20 times; a member past this ratio is built to explode, not written by Word
MAX_RATIO = 100
# below this, a high ratio is harmless (a 1 MB run of spaces) and not worth refusing
RATIO_FLOOR_BYTES = 1024 * 1024
MAX_MEMBERS = 10_000


@dataclass(frozen=True)
class ZipSummary:
    """What the central directory declares."""

    members: int
    compressed: int
    uncompressed: int


def check_zip(name: str, data: bytes, *, max_total_bytes: int, max_ratio: float = MAX_RATIO,
              max_members: int = MAX_MEMBERS) -> ZipSummary:
    """Refuse a zip container whose declared content is too big, too compressed or broken.

    Raises:
        FileTooLarge: total uncompressed size over ``max_total_bytes``, a member compressed more
            than ``max_ratio`` times, or more than ``max_members`` members.
        CorruptDocument: not a zip file, or an encrypted one.

    Example:
        >>> buffer = io.BytesIO()
        >>> with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        ...     z.writestr("word/document.xml", "<w:document/>")
        >>> check_zip("a.docx", buffer.getvalue(), max_total_bytes=10**6).members
        1
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        kind = Path(name).suffix.lstrip(".").upper() or "zip"
        raise CorruptDocument(f"{name}: tệp {kind} hỏng, không phải tệp nén zip hợp lệ ({exc.__class__.__name__}); "
                              "hãy mở và lưu lại tệp bằng phần mềm đã tạo ra nó") from None
    limit_mb = max_total_bytes / 1024 / 1024
    if len(members) > max_members:
        raise FileTooLarge(f"{name}: có {len(members)} phần bên trong, vượt giới hạn {max_members}")
    total = 0
    for member in members:
        if member.flag_bits & 0x1:
            raise CorruptDocument(f"{name}: tệp được đặt mật khẩu; hãy gỡ mật khẩu rồi tải lên lại")
        total += member.file_size
        if total > max_total_bytes:
            raise FileTooLarge(f"{name}: nội dung giải nén vượt {limit_mb:g} MB (giới hạn HOIDAP_MAX_UNZIPPED_MB); "
                               "hãy tách văn bản thành nhiều tệp nhỏ hơn")
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_FLOOR_BYTES and ratio > max_ratio:
            raise FileTooLarge(f"{name}: phần '{member.filename}' nén {ratio:.0f} lần (chấp nhận tối đa {max_ratio:g} lần); "
                               "tệp có dấu hiệu zip bomb, không được đọc")
    return ZipSummary(len(members), sum(m.compress_size for m in members), total)
