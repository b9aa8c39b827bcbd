"""The evidence pack of a stored assessment: a zip indexed by item and evidence code, with a manifest signed by the
service's key, and its verification (docs/reports.md describes the layout and the checks).

Layout: index.html (opens offline), manifest.json + manifest.sig, reports/ (json, printable html, the assessor's
page, markdown, pdf when WeasyPrint is installed), evidence/<item>/<code>.json (each material with the records it
cites), records/<kind>.json (every cited record once), answers/ (the answers, the answers file and the documents
it names, when given).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import stat
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from devmaturity import __version__
from devmaturity.auth.audit import EventKind
from devmaturity.auth.policy import Actor
from devmaturity.auth.roles import Action
from devmaturity.auth.signing import ALGORITHM, PackSigner, PublicKey
from devmaturity.errors import EvidencePackError, InputError, PackTampered, PackUntrusted, UnreadablePathError
from devmaturity.model.text import Lang
from devmaturity.reports.evidence import Material, evidence_digest, materials
from devmaturity.reports.pack_index import render_pack_index
from devmaturity.reports.registry import FORMATS
from devmaturity.services.access import Gate
from devmaturity.services.reports import document_report, load_assessment, render_format
from devmaturity.store.db import Store
from devmaturity.store.repos import workbench as wb
from devmaturity.store.repos.evidence import StoredAssessment, cited_records

PACK_FORMAT = "devmaturity.evidence-pack/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"


def _safe(name: str) -> str:
    """A name as one path segment of a member: letters and digits of any script, `.`, `_`, `-`; anything else
    (slashes, backslashes, colons, spaces) `_`; never `.` or `..`."""
    kept = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in name)
    return "_" if kept.strip(".") == "" else kept


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """What `verify` reads at most, so a crafted zip (a bomb, millions of members) fails clearly and early."""

    members: int = 20_000
    member_bytes: int = 512 * 1024 * 1024
    total_bytes: int = 2 * 1024 * 1024 * 1024
    manifest_bytes: int = 32 * 1024 * 1024
    ratio: int = 200  # uncompressed / compressed, for members over 1 MiB
    answer_file_bytes: int = 64 * 1024 * 1024  # an answer's document taken into a pack


LIMITS = Limits()


@dataclass(frozen=True, slots=True, kw_only=True)
class Pack:
    content: bytes
    filename: str
    fingerprint: str
    files: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PackCheck:
    files: int
    fingerprint: str
    assessment_id: int
    project: str
    trusted_by: str  # "fingerprint" | "service key"


# --- export ---


def export_evidence_pack(
    store: Store,
    actor: Actor,
    ref: str,
    *,
    secret_key: str,
    lang: Lang = "en",
    project: str | None = None,
    answers_file: Path | None = None,
    now: datetime | None = None,
    limits: Limits = LIMITS,
    pdf: bool = True,
    source: str = "cli",
) -> Pack:
    """The pack of a stored assessment as zip bytes (the web answers them as a download, the CLI writes them).
    The PDF goes in when WeasyPrint is installed, unless `pdf` is False (it is the slow part: seconds per page)."""
    moment = now or datetime.now(UTC)
    stored = load_assessment(store, actor, ref, project=project, action=Action.REPORT_EXPORT, lang=lang, source=source)
    report = document_report(stored, actor, moment)
    found = materials(report)
    answers = report.get("answers") or []
    refs = {r for m in found for r in m.refs} | {e for a in answers for e in a.get("evidence") or ()}
    with store.engine.connect() as conn:
        records = cited_records(conn, stored.project_id, refs)
    files: dict[str, bytes] = {}
    files.update(_reports(report, lang, pdf=pdf))
    codes = _evidence_files(found, records, files)
    files.update(_record_files(records))
    files["answers/answers.json"] = _json(answers)
    files.update(_workbench(store, actor, stored))
    if answers_file is not None:
        files.update(_answer_files(answers_file, answers, limits))
    files["index.html"] = _index(report, stored, found, codes, files, lang).encode("utf-8")
    signer = PackSigner(secret_key)
    manifest = _manifest(stored, report, moment, signer, codes, files)
    files[MANIFEST] = manifest
    files[SIGNATURE] = base64.b64encode(signer.sign(manifest)) + b"\n"
    pack = Pack(
        content=_zip(files, moment),
        filename=f"{_safe(stored.project)}-assessment-{stored.id}-evidence.zip",
        fingerprint=signer.public_key.fingerprint,
        files=len(files),
    )
    if stored.org_id is not None:  # a local CLI project has no organisation and so no audit chain
        gate = Gate(store, actor, source=source, now=int(moment.timestamp()))
        with store.transaction() as conn:
            details: dict[str, str | int | bool | None] = {
                "what": "evidence_pack",
                "files": pack.files,
                "fingerprint": pack.fingerprint,
            }
            gate.audit(conn).add(
                EventKind.EXPORT,
                stored.org_id,
                ("assessment", stored.id, stored.project),
                action=Action.REPORT_EXPORT,
                details=details,
            )
    return pack


def _json(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def _reports(report: dict[str, Any], lang: Lang, *, pdf: bool) -> dict[str, bytes]:
    out = {}
    for name, path in (
        ("json", "report.json"),
        ("doc", "report.html"),
        ("html", "assessor-page.html"),
        ("md", "report.md"),
    ):
        out[f"reports/{path}"] = render_format(report, FORMATS[name], lang)
    if pdf and FORMATS["pdf"].available():
        out["reports/report.pdf"] = render_format(report, FORMATS["pdf"], lang)
    return out


def _record_key(entry: dict[str, Any]) -> str:
    record = entry["record"]
    key = record.get("sha") or record.get("digest") or f"{record.get('source')}:{record.get('ext_id')}"
    return f"{entry['kind']}:{key}"


def _evidence_files(
    found: list[Material], records: dict[str, list[dict[str, Any]]], files: dict[str, bytes]
) -> dict[str, str]:
    """evidence/<item>/<code>.json for each material; returns code → path (the manifest's index)."""
    codes: dict[str, str] = {}
    for material in found:
        path = f"evidence/{_safe(material.item)}/{_safe(material.code)}.json"
        cited = [
            {
                "ref": ref,
                "records": records.get(ref, []),
                "stored": ref in records,
            }
            for ref in material.refs
        ]
        files[path] = _json(
            {**material.as_dict(), "text": material.text, "item_name": material.item_name, "cited": cited}
        )
        codes[material.code] = path
    return codes


def _record_files(records: dict[str, list[dict[str, Any]]]) -> dict[str, bytes]:
    """records/<kind>.json: every cited record once, in a stable order."""
    by_kind: dict[str, dict[str, dict[str, Any]]] = {}
    for entries in records.values():
        for entry in entries:
            by_kind.setdefault(entry["kind"], {})[_record_key(entry)] = entry["record"]
    return {
        f"records/{_safe(kind)}.json": _json([rows[k] for k in sorted(rows)]) for kind, rows in sorted(by_kind.items())
    }


def _stamp(seconds: int | None) -> str | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC).isoformat()


def _workbench(store: Store, actor: Actor, stored: StoredAssessment) -> dict[str, bytes]:
    """The assessment cycle's answers from the assessor's workbench (the cycle the assessment used, or the one that
    pinned it when frozen) with their uploaded files: answers/cycle.json and answers/files/<criterion>/<id>-<name>."""
    gate = Gate(store, actor)
    with store.engine.connect() as conn:
        scope = gate.scope(conn)
        # the cycle that pinned the assessment when frozen (wb.cycle_of_assessment went away in h-assess)
        cycle = next((c for c in wb.cycles_of(conn, stored.project_id, scope) if c.assessment_id == stored.id), None)
        if cycle is None:
            return {}
        rows = wb.current_answers(conn, [cycle.id], scope)
        uploaded = [wb.file_content(conn, f.id, scope) for f in wb.files_of(conn, [cycle.id], scope)]
    out: dict[str, bytes] = {}
    paths: dict[str, list[str]] = {}
    for found in uploaded:
        if found is None:
            continue
        meta, content = found
        path = f"answers/files/{_safe(meta.subject)}/{meta.id}-{_safe(meta.name)}"
        out[path] = content
        paths.setdefault(meta.subject, []).append(path)
    body = {
        "cycle": {
            "id": cycle.id,
            "status": cycle.status,
            "period": {"start": _stamp(cycle.period_start), "end": _stamp(cycle.period_end)},
            "frozen_at": _stamp(cycle.frozen_at),
            "frozen_by": cycle.frozen_by,
            "assessment_id": cycle.assessment_id,
        },
        "answers": [
            {
                "criterion": row.subject,
                "value": row.value,
                "note": row.note,
                "owner": row.owner,
                "links": list(row.links),
                "answered_at": _stamp(row.answered_at),
                "answered_by": row.answered_by,
                "reviewed_at": _stamp(row.reviewed_at),
                "reviewed_by": row.reviewed_by,
                "files": paths.pop(row.subject, []),
            }
            for row in rows
        ],
        "files_without_answer": sorted(p for group in paths.values() for p in group),
    }
    out["answers/cycle.json"] = _json(body)
    return out


def _answer_files(answers_file: Path, answers: list[dict[str, Any]], limits: Limits) -> dict[str, bytes]:
    """The answers file itself, and each document an answer names that exists as a file under the answers file's
    folder (never outside it: `..` and links out are skipped)."""
    out = {f"answers/{_safe(answers_file.name)}": _read(answers_file, limits.answer_file_bytes)}
    root = answers_file.resolve().parent
    for ref in sorted({e for a in answers for e in a.get("evidence") or ()}):
        candidate = (root / ref).resolve()
        if not candidate.is_relative_to(root) or not candidate.is_file():
            continue
        rel = candidate.relative_to(root).as_posix()
        out[f"answers/files/{rel}"] = _read(candidate, limits.answer_file_bytes)
    return out


def _read(path: Path, most: int) -> bytes:
    try:
        if path.stat().st_size > most:
            raise UnreadablePathError(
                f"{path}: larger than {most} bytes; not taken into the pack",
                path=str(path),
                zh=f"{path}：超过 {most} 字节，未放入证据包",
            )
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise InputError(f"{path}: no such file", path=str(path), zh=f"{path}：文件不存在") from exc
    except OSError as exc:
        raise UnreadablePathError(f"cannot read {path}: {exc.strerror}", path=str(path)) from exc


def _manifest(
    stored: StoredAssessment,
    report: dict[str, Any],
    moment: datetime,
    signer: PackSigner,
    codes: dict[str, str],
    files: dict[str, bytes],
) -> bytes:
    items: dict[str, list[str]] = {}
    for code, path in codes.items():
        items.setdefault(path.split("/")[1], []).append(code)
    period = report.get("period") or report["window"]
    body = {
        "format": PACK_FORMAT,
        "tool": {"name": "devmaturity", "version": __version__},
        "created_at": moment.isoformat(),
        "assessment": {
            "id": stored.id,
            "project": stored.project,
            "framework": stored.framework,
            "framework_version": stored.framework_version,
            "period": {"start": period["start"], "end": period["end"]},
            "created_at": stored.created_at.isoformat(),
            "levels": stored.levels,
        },
        "evidence_digest": "sha256:" + evidence_digest(report),
        "signature": {
            "algorithm": ALGORITHM,
            "file": SIGNATURE,
            "public_key": signer.public_key.b64,
            "fingerprint": signer.public_key.fingerprint,
            "signed": f"the bytes of {MANIFEST}",
        },
        "index": {"items": items, "codes": codes},
        "files": [
            {"path": path, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            for path, data in sorted(files.items())
        ],
    }
    return _json(body)


def _zip(files: dict[str, bytes], moment: datetime) -> bytes:
    buffer = io.BytesIO()
    stamp = (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute, moment.second)
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files):
            info = zipfile.ZipInfo(path, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            archive.writestr(info, files[path])
    return buffer.getvalue()


def _index(
    report: dict[str, Any],
    stored: StoredAssessment,
    found: list[Material],
    codes: dict[str, str],
    files: dict[str, bytes],
    lang: Lang,
) -> str:
    return render_pack_index(
        report,
        lang,
        assessment_id=stored.id,
        found=found,
        codes=codes,
        paths=sorted(files),
    )


# --- verify ---


def _bad(en: str, zh: str, path: str) -> EvidencePackError:
    return EvidencePackError(f"{path}: {en}", path=path, zh=f"{path}：{zh}")


def _members(archive: zipfile.ZipFile, path: str, limits: Limits) -> dict[str, zipfile.ZipInfo]:
    """The members, each checked to be a plain relative path inside the pack, within the size limits."""
    infos = archive.infolist()
    if len(infos) > limits.members:
        raise _bad(
            f"{len(infos)} members, more than {limits.members}", f"成员 {len(infos)} 个，超过 {limits.members}", path
        )
    total = 0
    out: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        name = info.filename
        parts = PurePosixPath(name).parts
        if name.startswith(("/", "\\")) or "\\" in name or ".." in parts or (parts and ":" in parts[0]) or not parts:
            raise _bad(f"member {name!r} points outside the pack", f"成员 {name!r} 指向证据包之外", path)
        if info.is_dir():
            continue
        if name in out:
            raise _bad(f"member {name!r} appears twice", f"成员 {name!r} 出现了两次", path)
        if info.file_size > limits.member_bytes:
            raise _bad(
                f"member {name!r} unpacks to {info.file_size} bytes, more than {limits.member_bytes}",
                f"成员 {name!r} 解压后 {info.file_size} 字节，超过 {limits.member_bytes}",
                path,
            )
        if info.file_size > 1024 * 1024 and info.file_size > limits.ratio * max(info.compress_size, 1):
            raise _bad(
                f"member {name!r} compresses {info.file_size // max(info.compress_size, 1)}:1 (a zip bomb?)",
                f"成员 {name!r} 的压缩比为 {info.file_size // max(info.compress_size, 1)}:1（疑似 zip 炸弹）",
                path,
            )
        total += info.file_size
        if total > limits.total_bytes:
            raise _bad(
                f"members unpack to more than {limits.total_bytes} bytes",
                f"成员解压后超过 {limits.total_bytes} 字节",
                path,
            )
        out[name] = info
    return out


def _chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo, most: int, path: str) -> Iterator[bytes]:
    """A member's bytes, stopping with an error past `most` whatever its header claims."""
    read = 0
    with archive.open(info) as fh:
        while chunk := fh.read(1024 * 1024):
            read += len(chunk)
            if read > most:
                raise _bad(
                    f"member {info.filename!r} unpacks to more than {most} bytes",
                    f"成员 {info.filename!r} 解压后超过 {most} 字节",
                    path,
                )
            yield chunk


def _digest(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, path: str) -> tuple[int, str]:
    sha = hashlib.sha256()
    size = 0
    for chunk in _chunks(archive, info, limits.member_bytes, path):
        sha.update(chunk)
        size += len(chunk)
    return size, sha.hexdigest()


def _manifest_of(archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], limits: Limits, path: str) -> bytes:
    for needed in (MANIFEST, SIGNATURE):
        if needed not in members:
            raise _bad(f"no {needed}: not an evidence pack", f"缺少 {needed}：不是证据包", path)
    try:
        return b"".join(_chunks(archive, members[MANIFEST], limits.manifest_bytes, path))
    except (zipfile.BadZipFile, zlib.error) as exc:
        raise PackTampered(
            f"{path}: {MANIFEST}: damaged, it does not unpack", path=path, zh=f"{path}：{MANIFEST}：已损坏，无法解压"
        ) from exc


def _signature_of(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: str) -> bytes:
    try:
        return b"".join(_chunks(archive, info, 4096, path))
    except (zipfile.BadZipFile, zlib.error) as exc:
        raise PackTampered(
            f"{path}: {SIGNATURE}: damaged, it does not unpack", path=path, zh=f"{path}：{SIGNATURE}：已损坏，无法解压"
        ) from exc


def _signed(manifest_bytes: bytes, signature_text: bytes, path: str) -> tuple[dict[str, Any], PublicKey]:
    """The manifest, once its signature checks out with the key it names."""
    tampered = PackTampered(
        f"{path}: {MANIFEST}: the signature does not match (the manifest or {SIGNATURE} was changed)",
        path=path,
        zh=f"{path}：{MANIFEST}：签名不符（清单或 {SIGNATURE} 被改动）",
    )
    try:
        manifest = json.loads(manifest_bytes)
        key = PublicKey.from_b64(manifest["signature"]["public_key"])
        signature = base64.b64decode(signature_text.strip(), validate=True)
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise tampered from exc
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != PACK_FORMAT
        or not key.verifies(signature, manifest_bytes)
    ):
        raise tampered
    return manifest, key


def _trusted(key: PublicKey, fingerprint: str | None, secret_keys: Sequence[str], path: str) -> str:
    if fingerprint is not None:
        if key.fingerprint != fingerprint.strip():
            raise PackUntrusted(
                f"{path}: signed by {key.fingerprint}, not by {fingerprint.strip()}",
                path=path,
                zh=f"{path}：签名密钥为 {key.fingerprint}，不是 {fingerprint.strip()}",
            )
        return "fingerprint"
    if not secret_keys:
        raise PackUntrusted(
            f"{path}: the signature holds, but there is nothing to check the signer against: pass --fingerprint "
            f"(printed by `export evidence`) or set DEVMATURITY_SECRET_KEY",
            path=path,
            zh=f"{path}：签名有效，但无从核对签名者：请给出 --fingerprint（导出时打印）或设置 DEVMATURITY_SECRET_KEY",
        )
    if any(PackSigner(secret).public_key == key for secret in secret_keys):
        return "service key"
    raise PackUntrusted(
        f"{path}: signed by {key.fingerprint}, which is not this service's key",
        path=path,
        zh=f"{path}：签名密钥 {key.fingerprint} 不是本服务的密钥",
    )


def _check_files(
    archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], manifest: dict[str, Any], limits: Limits, path: str
) -> int:
    listed = {entry["path"]: entry for entry in manifest.get("files") or ()}
    problems: list[tuple[str, str, str]] = []
    for name in sorted(listed):
        entry = listed[name]
        if name not in members:
            problems.append((name, "missing from the pack", "证据包中缺少该文件"))
            continue
        try:
            size, digest = _digest(archive, members[name], limits, path)
        except (zipfile.BadZipFile, zlib.error):
            problems.append((name, "damaged: it does not unpack", "已损坏，无法解压"))
            continue
        if size != entry.get("size") or digest != entry.get("sha256"):
            problems.append((name, "its sha256 does not match the manifest", "sha256 与清单不符"))
    for name in sorted(set(members) - set(listed) - {MANIFEST, SIGNATURE}):
        problems.append((name, "not listed in the manifest", "清单中没有该文件"))
    if problems:
        raise PackTampered(
            f"{path}: " + "; ".join(f"{name}: {en}" for name, en, _ in problems),
            path=path,
            zh=f"{path}：" + "；".join(f"{name}：{zh}" for name, _, zh in problems),
        )
    return len(listed)


def verify_evidence_pack(
    source: Path,
    *,
    secret_keys: Sequence[str] = (),
    fingerprint: str | None = None,
    limits: Limits = LIMITS,
) -> PackCheck:
    """Check a pack: safe members, the manifest's signature, the signer (against `fingerprint`, else the service
    keys), then every file's size and sha256; the first failing check raises, naming the file(s)."""
    path = str(source)
    try:
        with zipfile.ZipFile(source) as archive:
            members = _members(archive, path, limits)
            manifest_bytes = _manifest_of(archive, members, limits, path)
            signature = _signature_of(archive, members[SIGNATURE], path)
            manifest, key = _signed(manifest_bytes, signature, path)
            trusted_by = _trusted(key, fingerprint, secret_keys, path)
            files = _check_files(archive, members, manifest, limits, path)
    except zipfile.BadZipFile as exc:
        raise _bad(f"not a zip file ({exc})", "不是 zip 文件", path) from exc
    except FileNotFoundError as exc:
        raise InputError(f"{path}: no such file", path=path, zh=f"{path}：文件不存在") from exc
    except (zipfile.LargeZipFile, NotImplementedError, EOFError) as exc:
        raise _bad(f"cannot be read ({exc})", "无法读取", path) from exc
    assessment = manifest.get("assessment") or {}
    return PackCheck(
        files=files,
        fingerprint=key.fingerprint,
        assessment_id=int(assessment.get("id") or 0),
        project=str(assessment.get("project") or ""),
        trusted_by=trusted_by,
    )


__all__ = ["LIMITS", "Limits", "Pack", "PackCheck", "export_evidence_pack", "verify_evidence_pack"]
