"""What a refusal of the core means, in the interface's language.

The core has no Qt and words its refusals in English, for the command line and the logs: a named
``code``, a message that says exactly what was found (which person, which version, which file) and a
hint. In Chinese the window leads with a sentence chosen by the code, or for a bundle its translated
hint (:data:`examsite.bundle.errors.HINT_CATALOGUE`), and keeps the core's own words below it with the
code: they name what was found, and they are what the logs and support refer to. In English the
core's words are shown with the code.
"""

from __future__ import annotations

from examsite.bundle.errors import BundleError
from examsite.errors import ExamsiteError
from examsite.gui.qt import QT_TRANSLATE_NOOP, QCoreApplication

# code -> what it means for the person at the laptop (the proctor's and the adjudicator's steps)
SENTENCES: dict[str, str] = {
    # keys and passphrases
    "bad_passphrase": QT_TRANSLATE_NOOP("Refusal", "The passphrase is wrong."),
    "keystore_locked": QT_TRANSLATE_NOOP(
        "Refusal", "Too many wrong passphrases: this key refuses further tries for a while."
    ),
    "keystore_corrupt": QT_TRANSLATE_NOOP("Refusal", "The key file is damaged and cannot be used."),
    "weak_keystore": QT_TRANSLATE_NOOP("Refusal", "The key file is protected more weakly than allowed."),
    "weak_passphrase": QT_TRANSLATE_NOOP("Refusal", "The passphrase is too weak."),
    "passphrase_mismatch": QT_TRANSLATE_NOOP("Refusal", "The two passphrases differ."),
    "no_active_key": QT_TRANSLATE_NOOP("Refusal", "This staff member has no active signing key."),
    "unknown_key": QT_TRANSLATE_NOOP("Refusal", "The signing key is not known here."),
    "untrusted_signer": QT_TRANSLATE_NOOP("Refusal", "The signing key is not in the trusted staff roster."),
    "revoked_signer": QT_TRANSLATE_NOOP("Refusal", "The signing key has been revoked."),
    # signing and confirming (art. 15)
    "wrong_role": QT_TRANSLATE_NOOP(
        "Refusal", "The staff roster does not give this person the role this step needs."
    ),
    "subject_signed": QT_TRANSLATE_NOOP(
        "Refusal", "The person the incident is about cannot sign or confirm its record."
    ),
    "head_cosigned": QT_TRANSLATE_NOOP(
        "Refusal", "The exam-room head confirms the record and cannot also co-sign it (art. 15)."
    ),
    "same_signer_twice": QT_TRANSLATE_NOOP(
        "Refusal", "This person has already signed this version: art. 15 needs two different people."
    ),
    "stale_version": QT_TRANSLATE_NOOP(
        "Refusal", "The record was changed meanwhile: open it again and sign the current version."
    ),
    "signatures_invalid": QT_TRANSLATE_NOOP("Refusal", "The record's signatures do not verify."),
    "wrong_state": QT_TRANSLATE_NOOP("Refusal", "The record is not at the step this action needs."),
    # the record
    "record_incomplete": QT_TRANSLATE_NOOP(
        "Refusal", "The record lacks what the regulation requires; complete it first."
    ),
    "record_malformed": QT_TRANSLATE_NOOP("Refusal", "The record is malformed."),
    "fixed_field": QT_TRANSLATE_NOOP("Refusal", "Some fields are set by examsite and cannot be edited."),
    "already_recorded": QT_TRANSLATE_NOOP("Refusal", "This incident already has a record; amend it instead."),
    "no_change": QT_TRANSLATE_NOOP("Refusal", "The amendment changes nothing."),
    "no_reason": QT_TRANSLATE_NOOP("Refusal", "An amendment needs a reason."),
    # evidence
    "evidence_changed": QT_TRANSLATE_NOOP("Refusal", "An evidence file changed since it was stored."),
    "evidence_mismatch": QT_TRANSLATE_NOOP(
        "Refusal", "An evidence file on disk no longer matches its recorded hash."
    ),
    "segment_missing": QT_TRANSLATE_NOOP("Refusal", "A recorded segment is missing from the disk."),
    "segment_unreadable": QT_TRANSLATE_NOOP("Refusal", "A recorded segment cannot be read."),
    "clip_unreadable": QT_TRANSLATE_NOOP("Refusal", "The file is not a readable video."),
    "no_video": QT_TRANSLATE_NOOP("Refusal", "The camera sends no video."),
    # the working-day calendar of art. 19 deadlines
    "calendar_not_covered": QT_TRANSLATE_NOOP(
        "Refusal",
        "The working-day calendar does not know that year yet: enter its State Council holiday notice "
        "under Cases > Working-day calendar.",
    ),
    "calendar_unusable": QT_TRANSLATE_NOOP(
        "Refusal", "The working-day override file cannot be read, so no deadline is computed."
    ),
    "notice_reference_missing": QT_TRANSLATE_NOOP("Refusal", "Enter the notice's number."),
    "notice_line_invalid": QT_TRANSLATE_NOOP(
        "Refusal", "A line is neither a date nor a range of dates (2027-02-06 or 2027-02-06..2027-02-13)."
    ),
    "notice_day_outside_year": QT_TRANSLATE_NOOP("Refusal", "A day is not in the notice's year."),
    "notice_workday_on_weekday": QT_TRANSLATE_NOOP(
        "Refusal", "An adjusted workday falls on a Saturday or Sunday; this one does not."
    ),
    "notice_day_twice": QT_TRANSLATE_NOOP("Refusal", "A day is listed twice."),
    "notice_conflict": QT_TRANSLATE_NOOP("Refusal", "A day contradicts a notice entered before."),
    "notice_year_twice": QT_TRANSLATE_NOOP("Refusal", "Another notice already covers this whole year."),
    "notice_year_incomplete": QT_TRANSLATE_NOOP(
        "Refusal",
        "A notice for the whole year lists all its statutory holidays: at least 13 days off, with "
        "1 January, 1-2 May and 1-3 October.",
    ),
    "notice_exists": QT_TRANSLATE_NOOP(
        "Refusal", "This notice is entered already; remove it first to enter it again."
    ),
    "notice_empty": QT_TRANSLATE_NOOP("Refusal", "The notice lists no days."),
    "notice_shipped": QT_TRANSLATE_NOOP("Refusal", "Notices shipped with examsite cannot be removed."),
    "calendar_write_failed": QT_TRANSLATE_NOOP(
        "Refusal", "The working-day calendar could not be saved; it is unchanged."
    ),
    # anywhere: the core's words below name the rule or the thing
    "invalid_input": QT_TRANSLATE_NOOP("Refusal", "What was entered breaks a rule; nothing was changed."),
    "not_found": QT_TRANSLATE_NOOP("Refusal", "What was asked for does not exist here; nothing was changed."),
    "store_unavailable": QT_TRANSLATE_NOOP("Refusal", "The database cannot be reached."),
}


def refusal_text(exc: BaseException) -> str:
    """The text a dialog shows for ``exc``: in Chinese a sentence that says what it means, then the
    core's words with the code; in English the core's words with the code. Anything not an
    :class:`~examsite.errors.ExamsiteError` is a bug and is named as such."""
    if not isinstance(exc, ExamsiteError):
        return QCoreApplication.translate("Refusal", "Unexpected error: %1").replace("%1", repr(exc))
    if isinstance(exc, BundleError):
        # a bundle's hint says what to do; the catalogue holds every one of them
        return f"{QCoreApplication.translate('BundleHint', exc.hint or '')}\n[{exc.code}] {exc.message}"
    detail = f"[{exc.code}] {exc}"
    sentence = SENTENCES.get(exc.code)
    lead = QCoreApplication.translate("Refusal", sentence) if sentence is not None else sentence
    # no catalogue installed (English): the core's words say it already
    return detail if lead is None or lead == sentence else f"{lead}\n{detail}"
