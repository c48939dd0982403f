"""The strict tar profile of case bundles: one exact ustar form, written and read without ``tarfile``.

Writing: every member is a regular file (type ``0``) with mode 0644, owner and group 0 with empty
names, the bundle's creation time as mtime, a name of at most 100 bytes in the ``name`` field (the
``prefix`` field stays empty), zero padding to 512 bytes, and exactly two zero blocks at the end.
The output is a plain POSIX ustar archive that GNU tar, bsdtar and Python's ``tarfile`` extract.

Reading is a push parser (:class:`TarReader`), fed by the age decryptor as plaintext arrives, so a
bundle is checked while it streams and never needs to exist in plain form outside quarantine. It
accepts exactly what the writer writes and refuses anything else with a named code: another member
type, a pax or GNU extension header, a name that climbs out of the folder (``path_traversal``), a
repeated name (``duplicate_member``), non-zero padding, a bad checksum, data after the end marker
(``tar_profile``), a size beyond the member's limit (``oversize_member``), or an early end
(``truncated``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Protocol

from examsite.bundle.errors import BundleError
from examsite.bundle.format import MAX_EVIDENCE_MEMBER, MAX_NAME_BYTES, SAFE_PATH_RE

BLOCK = 512
END_MARKER = bytes(2 * BLOCK)
CHUNK = 1 << 20
MODE = b"0000644\x00"
ZERO_ID = b"0000000\x00"
MAGIC = b"ustar\x0000"


def _octal(value: int, width: int) -> bytes:
    """``width - 1`` octal digits and a NUL, as ustar numeric fields are written."""
    return b"%0*o\x00" % (width - 1, value)


def padding(size: int) -> int:
    """Zero bytes that follow ``size`` bytes of data to fill the last 512-byte block."""
    return -size % BLOCK


def header(name: str, size: int, mtime: int) -> bytes:
    """The 512-byte ustar header of a regular file in the profile."""
    raw_name = name.encode("utf-8")
    if len(raw_name) > MAX_NAME_BYTES or not SAFE_PATH_RE.fullmatch(name):
        raise ValueError(f"member name {name!r} is not allowed in a bundle")
    if not 0 <= size <= MAX_EVIDENCE_MEMBER or not 0 <= mtime < 8**11:
        raise ValueError(f"size {size} or mtime {mtime} does not fit a ustar header")
    block = bytearray(BLOCK)
    block[0 : len(raw_name)] = raw_name
    block[100:108] = MODE
    block[108:116] = ZERO_ID
    block[116:124] = ZERO_ID
    block[124:136] = _octal(size, 12)
    block[136:148] = _octal(mtime, 12)
    block[148:156] = b" " * 8  # the checksum is computed with its own field as spaces
    block[156:157] = b"0"
    block[257:265] = MAGIC
    block[148:156] = b"%06o\x00 " % sum(block)
    return bytes(block)


class Source(Protocol):
    """Where a member's bytes come from while the tar is produced."""

    @property
    def name(self) -> str:
        """The member name."""
        ...

    @property
    def size(self) -> int:
        """The member's size in bytes."""
        ...

    def chunks(self) -> Iterator[bytes] | Iterator[memoryview]:
        """Yield exactly ``size`` bytes in pieces; raise if the source does not have them."""
        ...


def stream(sources: Iterable[Source], mtime: int) -> Iterator[bytes | memoryview]:
    """Yield the tar of ``sources`` in order: header, data, padding per member, then the end marker.

    The data of each source must come to exactly its declared size, or ``ValueError`` is raised
    (a wrong size would shift every later header).
    """
    for source in sources:
        yield header(source.name, source.size, mtime)
        written = 0
        for piece in source.chunks():
            written += len(piece)
            if written > source.size:
                raise ValueError(f"{source.name} gave more than its {source.size} bytes")
            yield piece
        if written != source.size:
            raise ValueError(f"{source.name} gave {written} of its {source.size} bytes")
        yield bytes(padding(source.size))
    yield END_MARKER


# --- reading ------------------------------------------------------------------------------------


class MemberSink(Protocol):
    """Receives one member's data while the tar streams."""

    def write(self, data: bytes | memoryview) -> None:
        """Take the next bytes of the member (a view valid only during the call)."""
        ...

    def close(self) -> None:
        """The member's data is complete (only called when all its bytes arrived)."""
        ...


# name, size -> where the data goes; raising refuses the member before any of its data is read
OnMember = Callable[[str, int], MemberSink]


def _profile(message: str) -> BundleError:
    return BundleError("tar_profile", f"the tar is not in the bundle profile: {message}")


def parse_header(block: bytes) -> tuple[str, int]:
    """Check one header block against the profile and return (name, size)."""
    stored = block[148:156]
    unsigned = sum(block[:148]) + 8 * 0x20 + sum(block[156:])
    try:
        checksum = int(stored[:6], 8) if stored[6:8] == b"\x00 " else -1
    except ValueError:
        checksum = -1
    if checksum != unsigned:
        raise _profile("a header's checksum is wrong")
    typeflag = block[156:157]
    if typeflag != b"0":
        kinds = {b"5": "a folder", b"2": "a symbolic link", b"1": "a hard link", b"x": "a pax header"}
        what = kinds.get(typeflag, f"type {typeflag!r}")
        raise _profile(f"{what} is not allowed; a bundle holds regular files only")
    raw_name, _nul, rest = block[0:100].partition(b"\x00")
    if rest.strip(b"\x00") or block[345:500].strip(b"\x00"):
        raise _profile("a member name is not a plain NUL-terminated ustar name without prefix")
    try:
        name = raw_name.decode("utf-8")
    except UnicodeDecodeError:
        raise _profile("a member name is not UTF-8") from None
    check_name(name)
    if (
        block[100:108] != MODE
        or block[108:116] != ZERO_ID
        or block[116:124] != ZERO_ID
        or block[257:265] != MAGIC
        or block[157:257].strip(b"\x00")
        or block[265:345].strip(b"\x00")
        or block[500:512].strip(b"\x00")
    ):
        raise _profile(f"member {name!r} has a mode, owner, link or magic other than the profile's")
    size_field, mtime_field = block[124:136], block[136:148]
    if not (_is_octal_field(size_field) and _is_octal_field(mtime_field)):
        raise _profile(f"member {name!r} has a size or time field that is not 11 octal digits")
    return name, int(size_field[:11], 8)


def _is_octal_field(field: bytes) -> bool:
    return len(field) == 12 and field[11] == 0 and all(0x30 <= ch <= 0x37 for ch in field[:11])


def check_name(name: str) -> None:
    """Refuse a member name that could leave the extraction folder, or is otherwise not safe."""
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":"):
        raise BundleError("path_traversal", f"member name {name!r} points outside the bundle folder")
    if not SAFE_PATH_RE.fullmatch(name):
        raise _profile(f"member name {name!r} is not a safe relative path")


class TarReader:
    """Push parser of the strict profile: ``feed`` bytes as they arrive, then ``finish``.

    ``on_member(name, size)`` is called for each header after the profile checks (and after the
    duplicate check); it returns the sink for the data, or raises to refuse the member.
    """

    def __init__(self, on_member: OnMember) -> None:
        self._on_member = on_member
        self._buffer = bytearray()
        self._names: set[str] = set()
        self._sink: MemberSink | None = None
        self._remaining = 0  # data bytes still due for the current member
        self._pad = 0  # padding bytes still due after it
        self._end_due = 0  # zero bytes still due to complete the end marker
        self._ended = False
        self.members = 0
        self.consumed = 0

    def feed(self, data: bytes | memoryview) -> None:
        """Parse the next bytes of the tar stream."""
        self.consumed += len(data)
        view = memoryview(data)
        while view:
            if self._ended:
                raise _profile("there is data after the end-of-archive marker")
            if self._end_due:
                take = min(self._end_due, len(view))
                if any(view[:take]):
                    raise _profile("a single zero block stands where the end marker needs two")
                self._end_due -= take
                view = view[take:]
                self._ended = not self._end_due
                continue
            if self._remaining:
                # member data goes straight to its sink; only headers are buffered
                take = min(self._remaining, len(view))
                assert self._sink is not None
                self._sink.write(view[:take])  # no copy: hashlib and files take memoryviews
                self._remaining -= take
                view = view[take:]
                if not self._remaining:
                    self._sink.close()
                    self._sink = None
                continue
            if self._pad:
                take = min(self._pad, len(view))
                if any(view[:take]):
                    raise _profile("padding after a member is not zero")
                self._pad -= take
                view = view[take:]
                continue
            take = min(BLOCK - len(self._buffer), len(view))
            self._buffer += view[:take]
            view = view[take:]
            if len(self._buffer) == BLOCK:
                self._block(bytes(self._buffer))
                self._buffer.clear()

    def _block(self, block: bytes) -> None:
        if not any(block):
            # the first zero block starts the end marker; exactly one more must follow
            self._end_due = BLOCK
            return
        name, size = parse_header(block)
        if name in self._names:
            raise BundleError("duplicate_member", f"member {name!r} appears twice in the tar")
        self._names.add(name)
        sink = self._on_member(name, size)
        self.members += 1
        self._remaining, self._pad = size, padding(size)
        if size == 0:
            sink.close()
        else:
            self._sink = sink

    def finish(self) -> None:
        """The stream ended: refuse it unless it ended exactly after the two-block end marker."""
        if not self._ended:
            raise BundleError(
                "truncated",
                f"the tar ends early, after {self.consumed} bytes and {self.members} complete or partial "
                "member(s), without its end-of-archive marker",
            )
