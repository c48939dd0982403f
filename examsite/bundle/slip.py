"""The hand-over slip (移交单) printed with a bundle: what was handed over, and its SHA-256.

The person who carries the USB stick and the person who receives it sign the slip; the receiver
compares the SHA-256 of the file with the one printed here before verifying. This module makes the
words (labelled fields, then the lines to sign); a PDF renderer lays them out.
"""

from __future__ import annotations

from dataclasses import dataclass

from examsite.bundle.format import Kind, Manifest
from examsite.bundle.recipients import show_fingerprint
from examsite.clock import to_local


@dataclass(frozen=True)
class SlipField:
    """One labelled line of the slip (Chinese label / English label, value)."""

    label: str
    value: str


def _size(n: int) -> str:
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= factor:
            return f"{n / factor:.1f} {unit} ({n} bytes)"
    return f"{n} bytes"


def _grouped(hex_digest: str) -> str:
    # groups of eight: easy to read aloud and compare on paper
    return " ".join(hex_digest[i : i + 8] for i in range(0, len(hex_digest), 8))


def slip_fields(manifest: Manifest, *, file_name: str, sha256: str, size: int) -> list[SlipField]:
    """The slip's labelled fields for a written (or received) bundle."""
    evidence = [m for m in manifest.members if m.kind is Kind.EVIDENCE]
    fields = [
        SlipField("案卷包编号 / Bundle id", manifest.bundle_id),
        SlipField("文件名 / File", file_name),
        SlipField("大小 / Size", _size(size)),
        SlipField("SHA-256", _grouped(sha256)),
        SlipField("生成时间 / Created", to_local(manifest.created_at).strftime("%Y-%m-%d %H:%M:%S (UTC+8)")),
        SlipField("考点 / Site", f"{manifest.site.name} ({manifest.site.code})"),
        SlipField("评价机构 / Institution", manifest.site.institution_code),
        SlipField("考点密钥 / Site key", manifest.site.key_id),
        SlipField("人员名册 / Roster", f"{manifest.roster.issuer_code} v{manifest.roster.version}"),
        SlipField(
            "审计日志 / Audit log",
            f"entries {manifest.audit.previous_size + 1}-{manifest.audit.tree_size}, "
            f"root {_grouped(manifest.audit.root_hash)}",
        ),
    ]
    for index, fp in enumerate(manifest.recipients, 1):
        fields.append(SlipField(f"接收方 {index} / Recipient {index}", show_fingerprint(fp)))
    for record in manifest.records:
        fields.append(
            SlipField(
                "违纪违规记录 / Record",
                f"{record.incident_id} v{record.version}: {record.signature_count} signatures, "
                f"{len(record.evidence)} evidence file(s)",
            )
        )
    fields.append(
        SlipField("证据文件 / Evidence files", f"{len(evidence)}, {_size(sum(m.size for m in evidence))}")
    )
    return fields


def slip_lines(manifest: Manifest, *, file_name: str, sha256: str, size: int) -> list[str]:
    """The slip as plain text lines: title, fields, then the lines the two people sign."""
    lines = ["案卷包移交单 / Case bundle hand-over slip", ""]
    lines += [
        f"{field.label}: {field.value}"
        for field in slip_fields(manifest, file_name=file_name, sha256=sha256, size=size)
    ]
    lines += [
        "",
        "接收方在核验前应比对文件的 SHA-256 与本单一致。",
        "The receiver compares the file's SHA-256 with this slip before verifying it.",
        "",
        "移交人 / Handed over by: ______________   日期 / Date: __________",
        "接收人 / Received by:    ______________   日期 / Date: __________",
    ]
    return lines
