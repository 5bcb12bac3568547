"""RFC 6962 hashing and proofs against transparency-dev/merkle's published vectors
(rfc6962_vectors.json names the commit), then properties over random trees."""

import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pakta.services.transparency_log.frontier import Frontier
from pakta.services.transparency_log.merkle import (
    ProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root,
    subtree_root,
    verify_consistency,
    verify_inclusion,
)

VECTORS = json.loads((Path(__file__).parent / "rfc6962_vectors.json").read_text())
LEAVES = [leaf_hash(bytes.fromhex(data)) for data in VECTORS["leaf_inputs"]]
ROOTS = [bytes.fromhex(value) for value in VECTORS["root_hashes"]]


def _hashes(values):
    return [bytes.fromhex(value) for value in values or []]


def test_the_root_of_every_published_tree_size_is_the_published_root():
    for size, expected in enumerate(ROOTS):
        assert root(LEAVES[:size]) == expected, size


def test_appending_to_a_frontier_gives_every_published_root():
    frontier = Frontier()
    assert frontier.root() == ROOTS[0]
    for size, leaf in enumerate(LEAVES, start=1):
        frontier.append(leaf)
        assert frontier.root() == ROOTS[size]
        again = Frontier.from_bytes(frontier.size, frontier.to_bytes())
        assert again.root() == ROOTS[size]


@pytest.mark.parametrize("case", VECTORS["inclusion"], ids=lambda case: case["file"])
def test_an_inclusion_proof_verifies_exactly_when_the_vector_says_so(case):
    def verify():
        verify_inclusion(
            case["leafIdx"],
            case["treeSize"],
            bytes.fromhex(case["leafHash"] or ""),
            _hashes(case["proof"]),
            bytes.fromhex(case["root"] or ""),
        )

    if case["wantErr"]:
        with pytest.raises(ProofError):
            verify()
    else:
        verify()


@pytest.mark.parametrize("case", VECTORS["consistency"], ids=lambda case: case["file"])
def test_a_consistency_proof_verifies_exactly_when_the_vector_says_so(case):
    def verify():
        verify_consistency(
            case["size1"],
            case["size2"],
            bytes.fromhex(case["root1"] or ""),
            bytes.fromhex(case["root2"] or ""),
            _hashes(case["proof"]),
        )

    if case["wantErr"]:
        with pytest.raises(ProofError):
            verify()
    else:
        verify()


def test_generated_proofs_are_the_published_happy_path_proofs():
    for case in VECTORS["inclusion"]:
        published = not case["wantErr"] and case["treeSize"] <= len(LEAVES) and case["root"]
        if published and bytes.fromhex(case["root"]) == ROOTS[case["treeSize"]]:
            assert inclusion_proof(LEAVES, case["leafIdx"], case["treeSize"]) == _hashes(
                case["proof"]
            )
    for case in VECTORS["consistency"]:
        if not case["wantErr"] and case["size1"] < case["size2"] <= len(LEAVES):
            assert consistency_proof(LEAVES, case["size1"], case["size2"]) == _hashes(case["proof"])


def _tree(size):
    return [leaf_hash(i.to_bytes(4, "big")) for i in range(size)]


@st.composite
def _leaf_in_tree(draw):
    size = draw(st.integers(min_value=1, max_value=300))
    return size, draw(st.integers(min_value=0, max_value=size - 1))


@given(_leaf_in_tree())
def test_an_inclusion_proof_verifies_for_any_size_and_index(case):
    size, index = case
    leaves = _tree(size)
    verify_inclusion(index, size, leaves[index], inclusion_proof(leaves, index), root(leaves))


@given(_leaf_in_tree(), st.data())
def test_any_change_to_an_inclusion_proof_makes_it_fail(case, data):
    size, index = case
    leaves = _tree(size)
    proof = inclusion_proof(leaves, index)
    mutation = data.draw(st.sampled_from(["index", "size", "leaf", "root", "path", "drop", "add"]))
    args = {"index": index, "size": size, "leaf": leaves[index], "proof": proof}
    expected = root(leaves)
    if mutation == "index":
        args["index"] = data.draw(st.integers(0, size + 2).filter(lambda other: other != index))
    elif mutation == "size":
        # Only a size the leaf cannot be in: the same path can fit another size (the root of
        # 3 leaves is also where index 0 of "4" leads), which is why checkpoints sign the size.
        args["size"] = data.draw(st.integers(0, index))
    elif mutation == "leaf":
        args["leaf"] = leaf_hash(b"forged")
    elif mutation == "root":
        expected = leaf_hash(b"another root")
    elif mutation == "path" and proof:
        at = data.draw(st.integers(0, len(proof) - 1))
        args["proof"] = proof[:at] + [leaf_hash(proof[at])] + proof[at + 1 :]
    elif mutation == "drop" and proof:
        args["proof"] = proof[:-1]
    else:
        args["proof"] = proof + [leaf_hash(b"extra")]
    with pytest.raises(ProofError):
        verify_inclusion(args["index"], args["size"], args["leaf"], args["proof"], expected)


@st.composite
def _two_sizes(draw):
    new = draw(st.integers(min_value=1, max_value=300))
    return draw(st.integers(min_value=1, max_value=new)), new


@given(_two_sizes())
def test_a_consistency_proof_verifies_for_any_two_sizes(sizes):
    old, new = sizes
    leaves = _tree(new)
    proof = consistency_proof(leaves, old, new)
    verify_consistency(old, new, root(leaves[:old]), root(leaves), proof)


@given(_two_sizes(), st.data())
def test_any_change_to_a_consistency_proof_or_its_roots_makes_it_fail(sizes, data):
    old, new = sizes
    leaves = _tree(new)
    proof = consistency_proof(leaves, old, new)
    old_root, new_root = root(leaves[:old]), root(leaves)
    choices = ["old_root", "new_root", "add", "history"]
    if proof:
        choices += ["path", "drop"]
    mutation = data.draw(st.sampled_from(choices))
    if mutation == "old_root":
        old_root = leaf_hash(b"forged")
    elif mutation == "new_root":
        new_root = leaf_hash(b"forged")
    elif mutation == "add":
        proof = proof + [leaf_hash(b"extra")]
    elif mutation == "path":
        at = data.draw(st.integers(0, len(proof) - 1))
        proof = proof[:at] + [leaf_hash(proof[at])] + proof[at + 1 :]
    elif mutation == "drop":
        proof = proof[:-1]
    else:
        # The history rewritten: one old leaf changed, the new tree recomputed.
        at = data.draw(st.integers(0, old - 1))
        rewritten = leaves[:at] + [leaf_hash(b"rewritten")] + leaves[at + 1 :]
        proof = consistency_proof(rewritten, old, new)
        new_root = root(rewritten)
    with pytest.raises(ProofError):
        verify_consistency(old, new, old_root, new_root, proof)


def test_the_root_a_level_at_a_time_is_the_root_split_at_powers_of_two():
    leaves = [hashlib.sha256(bytes([n % 256, n // 256])).digest() for n in range(600)]
    for size in range(601):
        assert root(leaves[:size]) == subtree_root(leaves, 0, size)
