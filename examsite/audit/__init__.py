"""The append-only, hash-chained, Merkle-checkpointed audit log."""

from examsite.audit.log import AuditProblem, AuditReport, append, checkpoint, content_digest, verify

__all__ = ["AuditProblem", "AuditReport", "append", "checkpoint", "content_digest", "verify"]
