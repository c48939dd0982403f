"""RFC 9162 Merkle tree: roots against hand-computed values, proofs verify, tampering fails."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from examsite.audit import merkle


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def test_empty_and_single_and_three_leaf_roots_match_the_rfc_definition() -> None:
    assert merkle.root([]) == _h(b"")
    a, b, c = b"a", b"b", b"c"
    la, lb, lc = (_h(b"\x00" + x) for x in (a, b, c))
    assert merkle.root([a]) == la
    # n=3 splits at k=2: MTH = H(1 || H(1||la||lb) || lc)
    assert merkle.root([a, b, c]) == _h(b"\x01" + _h(b"\x01" + la + lb) + lc)


leaves_st = st.lists(st.binary(min_size=1, max_size=8), min_size=1, max_size=40)


@given(leaves_st, st.data())
def test_consistency_proofs_verify_and_detect_a_changed_prefix(
    leaves: list[bytes], data: st.DataObject
) -> None:
    old = data.draw(st.integers(min_value=1, max_value=len(leaves)))
    proof = merkle.consistency_proof(leaves, old)
    old_root, new_root = merkle.root(leaves[:old]), merkle.root(leaves)
    assert merkle.verify_consistency(old, len(leaves), old_root, new_root, proof)
    changed = list(leaves)
    index = data.draw(st.integers(min_value=0, max_value=old - 1))
    changed[index] = changed[index] + b"!"
    assert not merkle.verify_consistency(old, len(leaves), merkle.root(changed[:old]), new_root, proof)


@given(leaves_st, st.data())
def test_inclusion_proofs_verify_only_for_their_leaf(leaves: list[bytes], data: st.DataObject) -> None:
    index = data.draw(st.integers(min_value=0, max_value=len(leaves) - 1))
    proof = merkle.inclusion_proof(leaves, index)
    top = merkle.root(leaves)
    assert merkle.verify_inclusion(index, len(leaves), leaves[index], proof, top)
    assert not merkle.verify_inclusion(index, len(leaves), leaves[index] + b"x", proof, top)


def test_proof_arguments_out_of_range_are_refused() -> None:
    assert not merkle.verify_consistency(0, 3, b"", b"", [])
    assert not merkle.verify_consistency(4, 3, b"", b"", [])
    assert not merkle.verify_inclusion(5, 3, b"a", [], b"")
