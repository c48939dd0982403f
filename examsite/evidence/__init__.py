"""Evidence video: cameras, continuous recording, coverage gaps, clips, tamper checks and retention.

Modules (imported one by one, so a command that only lists cameras does not load FFmpeg or OpenCV):

* :mod:`~examsite.evidence.sources`: camera sources (RTSP main/sub, USB, file, demo), credential redaction.
* :mod:`~examsite.evidence.segments`: segment names in UTC, sealing, the hash chain, the journal, recovery.
* :mod:`~examsite.evidence.recorder`: the recording engine and its :class:`RecorderSink` protocol.
* :mod:`~examsite.evidence.clips`: evidence clips cut by stream copy.
* :mod:`~examsite.evidence.tamper`: covered / defocused / moved camera checks.
* :mod:`~examsite.evidence.retention`: which segments may be deleted by age.
"""
