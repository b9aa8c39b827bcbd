"""`devmaturity export evidence` and `export verify`: a pack of a stored assessment (tests/services/conftest.py),
verified; one changed byte, a changed manifest, another signer and unsafe zips each fail, naming what is wrong."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest

from devmaturity.auth.policy import Actor
from devmaturity.auth.signing import PackSigner
from devmaturity.cli.main import run
from devmaturity.errors import EvidencePackError, PackTampered, PackUntrusted
from devmaturity.reports.evidence import evidence_digest, materials
from devmaturity.services.evidence_pack import Limits, export_evidence_pack, verify_evidence_pack
from devmaturity.store.db import Store
from tests.services.conftest import SECRET, Case


@pytest.fixture(scope="module")
def pack(case: Case, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pack") / "pack.zip"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DEVMATURITY_SECRET_KEY", SECRET)
        args = ["export", "evidence", "latest", "--project", "trade-service", "--db", case.db, "-o", str(out)]
        assert run([*args, "--answers", str(case.answers), "--no-pdf", "--lang", "zh"]) == 0
    return out


def _rewrite(source: Path, target: Path, change: dict[str, bytes | None]) -> Path:
    """The pack with members replaced (bytes), removed (None) or added, zipped again as an attacker would."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            if info.filename in change:
                replaced = change[info.filename]
                if replaced is not None:
                    new.writestr(info.filename, replaced)
                continue
            new.writestr(info, old.read(info))
        for name, data in change.items():
            if data is not None and name not in old.namelist():
                new.writestr(name, data)
    return target


def test_the_pack_is_indexed_by_item_and_code_and_verifies(
    case: Case, pack: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with zipfile.ZipFile(pack) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
        for entry in manifest["files"]:
            assert hashlib.sha256(archive.read(entry["path"])).hexdigest() == entry["sha256"]
        index = archive.read("index.html").decode("utf-8")
        material = materials(case.report)[0]
        cited = json.loads(archive.read(manifest["index"]["codes"][material.code]))
    assert {"index.html", "manifest.json", "manifest.sig", "reports/report.json", "reports/report.html"} <= names
    assert "reports/report.pdf" not in names  # --no-pdf
    assert {"records/commits.json", "records/reports.json", "records/deployments.json"} <= names
    assert "answers/answers.yaml" in names and "answers/answers.json" in names
    assert f"answers/files/评审材料/{case.document.name}" in names  # the one document that exists
    assert manifest["assessment"]["project"] == "trade-service"
    assert manifest["evidence_digest"] == "sha256:" + evidence_digest(case.report)
    assert manifest["signature"]["fingerprint"] == PackSigner(SECRET).public_key.fingerprint
    assert manifest["index"]["codes"][material.code] == f"evidence/{material.item}/{material.code}.json"
    assert cited["code"] == material.code and [c["ref"] for c in cited["cited"]] == list(material.refs)
    assert f'href="{manifest["index"]["codes"][material.code]}"' in index  # relative links, no script
    assert "<script" not in index
    assert verify_evidence_pack(pack, secret_keys=(SECRET,)).files == len(manifest["files"])
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DEVMATURITY_SECRET_KEY", SECRET)
        assert run(["export", "verify", str(pack)]) == 0
    assert "pack intact" in capsys.readouterr().out


def test_cited_records_come_from_the_store(pack: Path) -> None:
    with zipfile.ZipFile(pack) as archive:
        commits = json.loads(archive.read("records/commits.json"))
        reports = json.loads(archive.read("records/reports.json"))
        deployments = json.loads(archive.read("records/deployments.json"))
    assert all(len(c["sha"]) == 40 and c["author_name"] for c in commits)
    assert {r["kind"] for r in reports} >= {"junit"}
    assert all("summary" in r and r["digest"] for r in reports)
    assert any(d["environment"] for d in deployments)


def test_one_changed_byte_in_a_file_fails_naming_the_file(
    pack: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with zipfile.ZipFile(pack) as archive:
        original = archive.read("reports/report.json")
    changed = bytearray(original)
    changed[100] ^= 0x01
    bad = _rewrite(pack, tmp_path / "bad.zip", {"reports/report.json": bytes(changed)})
    with pytest.raises(PackTampered, match=r"reports/report\.json: its sha256 does not match"):
        verify_evidence_pack(bad, secret_keys=(SECRET,))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DEVMATURITY_SECRET_KEY", SECRET)
        assert run(["export", "verify", str(bad), "--lang", "zh"]) == 65
    assert "错误[pack-tampered]" in capsys.readouterr().err


def test_a_flipped_byte_in_the_zip_itself_fails_naming_the_member(pack: Path, tmp_path: Path) -> None:
    data = bytearray(pack.read_bytes())
    with zipfile.ZipFile(pack) as archive:
        info = archive.getinfo("reports/report.md")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF
    bad = tmp_path / "flipped.zip"
    bad.write_bytes(bytes(data))
    with pytest.raises(PackTampered, match=r"reports/report\.md"):
        verify_evidence_pack(bad, secret_keys=(SECRET,))


def test_added_and_removed_files_are_named(pack: Path, tmp_path: Path) -> None:
    added = _rewrite(pack, tmp_path / "added.zip", {"evidence/extra.json": b"{}"})
    with pytest.raises(PackTampered, match=r"evidence/extra\.json: not listed in the manifest"):
        verify_evidence_pack(added, secret_keys=(SECRET,))
    removed = _rewrite(pack, tmp_path / "removed.zip", {"answers/answers.json": None})
    with pytest.raises(PackTampered, match=r"answers/answers\.json: missing from the pack"):
        verify_evidence_pack(removed, secret_keys=(SECRET,))


def test_a_changed_manifest_fails_on_the_signature(pack: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(pack) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    manifest["assessment"]["levels"] = {"cd": 5}
    bad = _rewrite(pack, tmp_path / "manifest.zip", {"manifest.json": json.dumps(manifest).encode()})
    with pytest.raises(PackTampered, match=r"manifest\.json: the signature does not match"):
        verify_evidence_pack(bad, secret_keys=(SECRET,))


def test_a_pack_signed_by_another_key_is_not_trusted(pack: Path, tmp_path: Path) -> None:
    """An attacker re-signs a changed manifest with a key of their own: the signature holds, the signer does not."""
    with zipfile.ZipFile(pack) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    other = PackSigner("another-service-key-0123456789abcdefghij")
    manifest["signature"]["public_key"] = other.public_key.b64
    body = json.dumps(manifest).encode()
    import base64

    bad = _rewrite(
        pack, tmp_path / "resigned.zip", {"manifest.json": body, "manifest.sig": base64.b64encode(other.sign(body))}
    )
    with pytest.raises(PackUntrusted, match="not this service's key"):
        verify_evidence_pack(bad, secret_keys=(SECRET,))
    with pytest.raises(PackUntrusted, match="not by"):
        verify_evidence_pack(bad, fingerprint=PackSigner(SECRET).public_key.fingerprint)
    with pytest.raises(PackUntrusted, match="nothing to check the signer against"):
        verify_evidence_pack(pack)
    # the genuine pack, checked by its fingerprint alone (no service key at hand, as an external assessor would)
    assert verify_evidence_pack(pack, fingerprint=PackSigner(SECRET).public_key.fingerprint).trusted_by == "fingerprint"


def _zip(tmp_path: Path, name: str, members: dict[str, bytes]) -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return path


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"../evil.txt": b"x"}, "points outside the pack"),
        ({"/etc/evil.txt": b"x"}, "points outside the pack"),
        ({"a/../../evil.txt": b"x"}, "points outside the pack"),
        ({"C:/evil.txt": b"x"}, "points outside the pack"),
        ({"bomb.bin": b"\0" * (4 * 1024 * 1024)}, "a zip bomb"),
        ({"index.html": b"<p>hi</p>"}, "no manifest.json: not an evidence pack"),
    ],
)
def test_unsafe_zips_are_refused_clearly(tmp_path: Path, members: dict[str, bytes], message: str) -> None:
    with pytest.raises(EvidencePackError, match=message):
        verify_evidence_pack(_zip(tmp_path, "unsafe.zip", members), secret_keys=(SECRET,))


def test_sizes_and_member_counts_are_bounded(pack: Path, tmp_path: Path) -> None:
    with pytest.raises(EvidencePackError, match="members, more than 10"):
        verify_evidence_pack(pack, secret_keys=(SECRET,), limits=Limits(members=10))
    with pytest.raises(EvidencePackError, match="unpacks to"):
        verify_evidence_pack(pack, secret_keys=(SECRET,), limits=Limits(member_bytes=1000))
    not_zip = tmp_path / "not.zip"
    not_zip.write_bytes(b"this is not a zip")
    with pytest.raises(EvidencePackError, match="not a zip file"):
        verify_evidence_pack(not_zip)


def test_the_service_gives_the_web_bytes(case: Case) -> None:
    built = export_evidence_pack(
        Store.open(case.db), Actor.local("t"), "latest", project="trade-service", secret_key=SECRET, pdf=False
    )
    assert built.filename == "trade-service-assessment-2-evidence.zip"
    with zipfile.ZipFile(io.BytesIO(built.content)) as archive:
        assert "manifest.json" in archive.namelist()


def test_missing_files_are_input_errors(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["export", "verify", str(tmp_path / "none.zip"), "--lang", "zh"]) == 66
    assert "错误[input]" in capsys.readouterr().err
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DEVMATURITY_SECRET_KEY", SECRET)
        args = ["export", "evidence", "latest", "--project", "trade-service", "--db", case.db, "--no-pdf"]
        assert run([*args, "-o", str(tmp_path / "p.zip"), "--answers", str(tmp_path / "none.yaml")]) == 66
    assert "none.yaml: no such file" in capsys.readouterr().err
    assert not (tmp_path / "p.zip").exists()  # nothing half-written
