"""Named failures of case bundles: a stable ``code`` for scripts and tests, a sentence for a person.

Every way a bundle can be refused has its own code (see ``docs/bundle-format.md``, "Error codes").
The message names what was found (which member, which key); the hint, taken from :data:`HINTS`, says
what a person should do about it. Nothing is imported when any of these is raised.
"""

from __future__ import annotations

from collections.abc import Mapping

from examsite.errors import ExamsiteError

# code -> what a person should do; the raising site supplies the specific message
HINTS: Mapping[str, str] = {
    # age layer
    "age_header": "the encryption header is damaged or this is not an age file; "
    "ask the site for a fresh copy",
    "age_payload": "the encrypted contents were changed or cut short after the site wrote them; "
    "ask the site for a fresh copy and compare the SHA-256 on the hand-over slip",
    "wrong_recipient": "this identity cannot open the bundle: it was encrypted for other recipients "
    "(or the part of the header meant for you is damaged); use the right identity file",
    "truncated": "the file ends early, probably an interrupted copy; copy it again from the USB stick",
    # tar layer
    "tar_profile": "the contents are not in the strict tar form examsite writes; do not open it by hand, "
    "report it to the site",
    "path_traversal": "a member name points outside the bundle folder; the bundle is hostile or broken, "
    "report it to the site",
    "duplicate_member": "a member name appears twice; the bundle is hostile or broken, report it",
    "member_order": "the members are not in the fixed order of the format; report it to the site",
    "oversize_member": "a member is larger than its declared or allowed size; report it to the site",
    "unlisted_member": "the bundle holds a file its manifest does not list; report it to the site",
    "missing_member": "a file listed in the manifest is missing; ask the site for a complete bundle",
    # manifest and trust
    "manifest_invalid": "the manifest breaks the bundle format; report it to the site",
    "manifest_signature": "the manifest's signature does not verify; the bundle was altered, report it",
    "site_key_untrusted": "the site's signing key is not in the roster you trust as an active site "
    "device key; import the institution's current roster or report it",
    "roster_untrusted": "the staff roster in the bundle cannot be trusted with your pinned fingerprints",
    "recipient_not_listed": "the manifest does not name your key as a recipient; ask the site which "
    "recipients it meant",
    "member_hash": "a file's SHA-256 differs from the signed manifest: it was changed; report it",
    "member_size": "a file's size differs from the signed manifest; report it",
    "sums_mismatch": "SHA256SUMS does not match the manifest; report it to the site",
    # contents
    "record_signature": "an incident record's signatures or confirmation do not verify (art. 15); "
    "the record cannot be relied on, report it",
    "evidence_missing": "a record names evidence the bundle does not carry; ask the site for it",
    "audit_invalid": "the audit section (entries, checkpoint) is malformed or its signature fails",
    "audit_inconsistent": "the site's audit log does not extend the one seen in earlier bundles: "
    "entries were changed or removed, or bundles are imported out of order",
    "replayed_bundle": "this bundle was already imported; nothing was done",
    # writing
    "evidence_changed": "an evidence file changed since it was signed; nothing was exported, "
    "check the evidence folder and the audit log",
    "write_failed": "the bundle could not be written (disk full, or the USB stick was removed?); "
    "nothing was kept, free space or reconnect and export again",
    "readback_failed": "the written bundle did not read back identically; the disk or USB stick may "
    "be failing, try another",
    "bad_recipient": "give the recipient's age public key, which starts with 'age1'",
    "bad_identity": "give an age identity file as written by 'examsite bundle keygen' or age-keygen",
    "quarantine_busy": "the quarantine folder for this bundle already exists; remove it and retry",
    "export_cancelled": "the export was cancelled; nothing was written",
}

# hints a raising site gives instead of its code's own, for one situation of that code
ROSTER_OLDER_HINT = "have the site import the current roster and export the bundle again"
SITE_KEY_NOT_ENROLLED_HINT = (
    "have the institution enrol the site key with the site_device role and import that roster"
)
MIXED_RECIPIENTS_HINT = (
    "give every recipient a post-quantum key (examsite bundle keygen --pq), "
    "or export one bundle for each kind"
)
# every hint a bundle refusal can show a person: the window shows them translated
# (tools/update_translations.py puts them in the catalogue under the context "BundleHint")
HINT_CATALOGUE: tuple[str, ...] = (
    *HINTS.values(),
    ROSTER_OLDER_HINT,
    SITE_KEY_NOT_ENROLLED_HINT,
    MIXED_RECIPIENTS_HINT,
)


class BundleError(ExamsiteError):
    """A bundle refused (reading) or not written (writing), with its named ``code``."""

    code = "bundle_error"

    def __init__(self, code: str, message: str, *, hint: str | None = None) -> None:
        if code not in HINTS:  # a typo in a code would silently break scripts keyed on it
            raise ValueError(f"unknown bundle error code {code!r}")
        super().__init__(message, code=code, hint=hint or HINTS[code])
