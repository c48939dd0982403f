"""Incidents: the record format (``record``), the art. 15 signing workflow (``workflow``) and the
verification of a record with its signatures (``verification``), used by the CLI, window and bundles."""
