"""bundle exports and received bundles

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bundle_export",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("file_name", sa.String(length=300), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("incidents", sa.Text(), nullable=False),
        sa.Column("checkpoint_size", sa.Integer(), nullable=False),
        sa.Column("checkpoint_root", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bundle_export")),
    )
    op.create_table(
        "received_bundle",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_by", sa.String(length=100), nullable=False),
        sa.Column("site_code", sa.String(length=64), nullable=False),
        sa.Column("institution_code", sa.String(length=64), nullable=False),
        sa.Column("manifest", sa.LargeBinary(), nullable=False),
        sa.Column("checkpoint_size", sa.Integer(), nullable=False),
        sa.Column("checkpoint_root", sa.String(length=64), nullable=False),
        sa.Column("archive_path", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_received_bundle")),
        sa.UniqueConstraint("sha256", name=op.f("uq_received_bundle_sha256")),
    )
    with op.batch_alter_table("received_bundle", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_received_bundle_site_code"), ["site_code"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("received_bundle", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_received_bundle_site_code"))

    op.drop_table("received_bundle")
    op.drop_table("bundle_export")
