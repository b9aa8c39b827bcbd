"""Text files read in bounded memory: a checking first pass over the bytes, JSON values decoded one at a time
over a sliding buffer, and a compact set of the keys already seen."""

from __future__ import annotations

import codecs
import hashlib
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

import numpy as np

from devmaturity.collectors.base import ReportError

CHUNK_BYTES = 1 << 20  # bytes read at a time by the first pass
CHUNK_CHARS = 1 << 20  # characters of JSON text read at a time
HEAD_CHARS = 1 << 16  # the start of a file kept to tell its format and CSV delimiter
MAX_VALUE_CHARS = 32 << 20  # one JSON value (an array item) may not be longer than this
_GROW_SLICE = 1 << 18  # old slots placed again at a time when the key set grows
NUMBER_MARGIN = 8_192  # longer than any number Python reads (4,300 digits): text read past one before trusting it


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


class KeySet:
    """Which (source, id) keys a file has used, and the row that first used each, in bounded memory: 8-byte
    hashes in an open-addressing table of NumPy arrays (12 bytes a slot, at most 2/3 full) rather than a dict of
    strings (hundreds of bytes a key).
    Two different keys share a 64-bit hash with odds below 1e-6 even for 5 million rows."""

    def __init__(self) -> None:
        self._keys = np.zeros(1 << 12, dtype=np.uint64)
        self._rows = np.zeros(1 << 12, dtype=np.uint32)  # row and line numbers of a file under 4 GiB
        self._count = 0

    @staticmethod
    def _hash(key: tuple[str, str]) -> int:
        digest = hashlib.blake2b(f"{key[0]}\x1f{key[1]}".encode("utf-8", "surrogatepass"), digest_size=8).digest()
        return int.from_bytes(digest, "little") or 1  # 0 marks an empty slot

    def first(self, key: tuple[str, str], number: int) -> int | None:
        """The row number that used the key first, or None after recording `number` as its first use."""
        code = self._hash(key)
        mask = len(self._keys) - 1
        slot = code & mask
        while True:
            held = int(self._keys[slot])
            if held == 0:
                break
            if held == code:
                return int(self._rows[slot])
            slot = (slot + 1) & mask
        self._keys[slot] = code
        self._rows[slot] = number
        self._count += 1
        if self._count * 3 > len(self._keys) * 2:
            self._grow()
        return None

    def _grow(self) -> None:
        """Twice the slots. The old table is placed again a slice at a time, so growing holds the old and the new
        arrays and little else (growing 5 million keys at once took several times their size in temporaries)."""
        old_keys, old_rows = self._keys, self._rows
        self._keys = np.zeros(len(old_keys) * 2, dtype=np.uint64)
        self._rows = np.zeros(len(self._keys), dtype=np.uint32)
        for start in range(0, len(old_keys), _GROW_SLICE):
            keys = old_keys[start : start + _GROW_SLICE]
            used = keys != 0
            self._place(keys[used], old_rows[start : start + _GROW_SLICE][used])

    def _place(self, keys: np.ndarray, rows: np.ndarray) -> None:
        """Linear probing for many keys at once, a round per collision step: each round, the first key aimed at
        each free slot takes it and the others move one slot on."""
        mask = np.uint64(len(self._keys) - 1)
        slots = keys & mask
        while keys.size:
            free = np.flatnonzero(self._keys[slots] == 0)
            _, first = np.unique(slots[free], return_index=True)
            won = free[first]
            self._keys[slots[won]] = keys[won]
            self._rows[slots[won]] = rows[won]
            rest = np.ones(keys.size, dtype=bool)
            rest[won] = False
            keys, rows, slots = keys[rest], rows[rest], (slots[rest] + np.uint64(1)) & mask


class JsonValues:
    """A JSON text read one value at a time: json's raw_decode over a sliding buffer of chunks, so only the value
    being read and a chunk of text are ever in memory. Errors name the line and column as json.loads would."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._decoder = json.JSONDecoder()
        self.buf = ""
        self.pos = 0
        self._eof = False
        self._lines = 0  # newlines in the text already dropped from the buffer
        self._dropped = 0  # characters dropped
        self._line_start = 0  # absolute offset where the current line starts

    def _more(self) -> bool:
        if self._eof:
            return False
        chunk = self._stream.read(CHUNK_CHARS)
        if not chunk:
            self._eof = True
            return False
        gone = self.buf[: self.pos]
        if "\n" in gone:
            self._lines += gone.count("\n")
            self._line_start = self._dropped + gone.rindex("\n") + 1
        self._dropped += len(gone)
        self.buf = self.buf[self.pos :] + chunk
        self.pos = 0
        return True

    def peek(self) -> str:
        """The next character that is not white space ('' at the end), without taking it."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in " \t\n\r":
                self.pos += 1
            if self.pos < len(self.buf) or not self._more():
                return self.buf[self.pos : self.pos + 1]

    def take(self, char: str, expecting: str) -> None:
        if self.peek() != char:
            raise self.error(expecting, self.pos)
        self.pos += 1

    def value(self) -> object:
        """The next whole JSON value; more text is read while the value may run past the buffer."""
        self.peek()
        while True:
            try:
                item, end = self._decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if len(self.buf) - self.pos < MAX_VALUE_CHARS and self._more():
                    continue
                raise self.error(exc.msg, exc.pos) from None
            except RecursionError:
                raise ReportError("not usable JSON: nested too deeply") from None
            except ValueError as exc:  # e.g. an integer past Python's digit limit
                raise ReportError(f"not usable JSON: {_clip(str(exc))}") from None
            if _number(item) and len(self.buf) - end < NUMBER_MARGIN and self._more():
                continue  # the number may go on in the next chunk ('1' of '1.5e3'): read on and decode it again
            self.pos = end
            return item

    def error(self, message: str, index: int) -> ReportError:
        line = self._lines + self.buf.count("\n", 0, index) + 1
        newline = self.buf.rfind("\n", 0, index)
        column = index - newline if newline >= 0 else self._dropped + index - self._line_start + 1
        return ReportError(f"not valid JSON: {message} at line {line}, column {column}")


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def lines(stream: TextIO) -> Iterator[str]:
    """The stream's lines, a byte-order mark at the very start dropped."""
    first = True
    for line in stream:
        yield line.removeprefix("\ufeff") if first else line
        first = False


def _codec(encoding: str, start: bytes) -> str:
    """UTF-8 with or without a BOM by default; a UTF-16 BOM (Excel's 'Unicode text') is honoured too."""
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise ReportError(f"unknown text encoding {encoding!r}") from None
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8-sig" if codec == "utf-8" else codec


def scan(chunks: Iterable[bytes], encoding: str) -> tuple[str, str]:
    """A first pass over the bytes, one chunk at a time: the codec, and the decoded start of the text. Refuses
    binary data, text that does not decode (naming the line) and text that is only blank."""
    codec = ""
    decoder: codecs.IncrementalDecoder | None = None
    head: list[str] = []
    newlines = 0
    content = False
    for chunk in chunks:
        if decoder is None:
            codec = _codec(encoding, chunk)
            decoder = codecs.getincrementaldecoder(codec)()
        if not codec.startswith(("utf-16", "utf-32")) and b"\x00" in chunk:
            raise ReportError("binary data (NUL bytes), not CSV or JSON text")
        try:
            text = decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            raise _undecodable(exc, newlines, codec, encoding) from None
        newlines += chunk.count(b"\n")
        content = content or bool(text.strip())
        if sum(map(len, head)) < HEAD_CHARS or not content:
            head.append(text)
    if decoder is not None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise _undecodable(exc, newlines, codec, encoding) from None
    if not content:
        raise ReportError("no content: the file holds only blank lines")
    return codec, "".join(head).removeprefix("\ufeff")


def _undecodable(exc: UnicodeDecodeError, newlines: int, codec: str, encoding: str) -> ReportError:
    data = exc.object if isinstance(exc.object, bytes) else bytes(exc.object)
    line = newlines + data.count(b"\n", 0, exc.start) + 1
    hint = "; save it as UTF-8 (Excel: 'CSV UTF-8'), e.g. iconv -f GBK -t UTF-8" if codec == "utf-8-sig" else ""
    return ReportError(f"line {line}: not {encoding} text (byte 0x{data[exc.start]:02x}){hint}")


def chunks(path: Path, max_bytes: int) -> Iterator[bytes]:
    """The file's bytes in chunks, refused once they pass the limit (a file that grows while being read)."""
    total = 0
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK_BYTES):
            total += len(chunk)
            if total > max_bytes:
                raise ReportError(f"file grew over the limit of {max_bytes:,} bytes while being read")
            yield chunk
