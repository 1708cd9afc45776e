"""The generator and the pattern rules are the engine's, number for number."""
import numpy as np

from losspatterns.pattern import Pattern, parse_pbm, randomly_filled_square, ring
from losspatterns.rng import Xoshiro256


def test_xoshiro_matches_swift():
    # printed by a Swift program using Sources/Engine/Random/Xoshiro256.swift (swiftc 6.3.1)
    r = Xoshiro256(42)
    assert [r.below(n) for n in (10, 60000, 7, 1 << 40, 3)] == [0, 22738, 4, 1016710645507, 2]
    assert r.next() == 14199186830065750584
    assert r.uniforms(1, -np.float32(0.3333333), np.float32(0.3333333))[0] == np.float32(0.14617234)
    assert Xoshiro256(0).next() == 11091344671253066420


def test_state_round_trip():
    r = Xoshiro256(7)
    r.raw(5)
    s = Xoshiro256(state=r.words)
    assert [s.next() for _ in range(3)] == [r.next() for _ in range(3)]


def test_ternary_mask():
    bits = np.zeros((5, 5), dtype=np.uint8)
    bits[1:4, 1:4] = 1
    p = Pattern(bits)
    roles = p.roles()
    assert roles[2, 2] == 0 and roles[1, 1] == 1  # the centre sees only black: ignored
    assert roles[0, 0] == -1 and roles[4, 4] == -1  # white, next to black (diagonal)
    full = Pattern(np.ones((4, 4), dtype=np.uint8))
    assert (full.roles() == 0).all()
    good, bad = p.trained_cells()
    assert good[0] == (1, 1) and len(good) == 8 and len(bad) == 16  # row-major; the centre is uniform


def test_pbm_plain_and_raw():
    p1 = parse_pbm(b"P1\n# c\n3 3\n1 0 1\n0 1 0\n1 0 1\n")
    p4 = parse_pbm(b"P4\n3 3\n" + bytes([0b10100000, 0b01000000, 0b10100000]))
    assert (p1.bits == p4.bits).all() and p1.bits[1, 1] == 1
    assert (parse_pbm(p1.pbm().encode()).bits == p1.bits).all()


def test_random_square_is_nested_in_p():
    a, b = randomly_filled_square(10, 0.3, 1), randomly_filled_square(10, 0.7, 1)
    assert ((a.bits <= b.bits) | (a.bits == 0)).all() and a.bits.sum() <= b.bits.sum()
    assert a.name == "random10-p30-s1" and a.bits[1, 1] == 1 and a.bits[0, 0] == 0
    assert ring(16).bits.sum() > 0
