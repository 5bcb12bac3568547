"""The right edge of a Merkle tree: enough to append a leaf and know the root, O(log n).

A tree of size n is the concatenation of perfect subtrees, one per set bit of n, largest
first (a "compact range" in Trillian's terms). Their roots are all an append needs: the
new leaf merges with the smallest ones exactly as binary addition carries, so the log
never reads its old entries to grow.
"""

from pakta.services.transparency_log.merkle import EMPTY_ROOT, HASH_SIZE, node_hash


class Frontier:
    def __init__(self, size: int = 0, hashes: list[bytes] | None = None):
        hashes = hashes or []
        if len(hashes) != size.bit_count():
            raise ValueError("a frontier holds one hash per set bit of its size")
        self.size = size
        self.hashes = hashes

    @classmethod
    def from_bytes(cls, size: int, packed: bytes) -> "Frontier":
        return cls(size, [packed[i : i + HASH_SIZE] for i in range(0, len(packed), HASH_SIZE)])

    def to_bytes(self) -> bytes:
        return b"".join(self.hashes)

    def append(self, leaf: bytes) -> None:
        hashes = self.hashes
        hashes.append(leaf)
        # Each trailing one bit of the old size is a perfect subtree of the new leaf's height.
        carry = self.size
        while carry & 1:
            right = hashes.pop()
            hashes[-1] = node_hash(hashes[-1], right)
            carry >>= 1
        self.size += 1

    def root(self) -> bytes:
        if not self.hashes:
            return EMPTY_ROOT
        result = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            result = node_hash(left, result)
        return result
