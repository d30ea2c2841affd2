import os

import pytest


def test_ok():
    pass


def test_flaky():
    # Fails on its first run only: the marker file remembers it ran.
    mark = os.environ["FLAKY_MARK"]
    if not os.path.exists(mark):
        open(mark, "w").close()
        assert False, "first run fails"


def test_bad():
    assert 1 == 2, "always"


@pytest.mark.parametrize("x", ["a b", "x - y", "[z]", "\u7121", "-weird", "ok] - [no"])
def test_param(x):
    assert x in ("a b", "-weird")


class TestC:
    @pytest.mark.parametrize("n", [1, 2])
    def test_m(self, n):
        assert n == 1

    class TestInner:
        def test_deep(self):
            assert False


@pytest.fixture
def broken():
    raise RuntimeError("setup broke")


def test_setup_err(broken):
    pass


@pytest.fixture
def tdown():
    yield
    raise RuntimeError("teardown broke")


def test_teardown_err(tdown):
    pass


@pytest.mark.skipif(os.environ.get("SKIP_BAD") == "1", reason="SKIP_BAD")
def test_skippable():
    skipped = os.environ.get("SKIP_BAD") == "1"
    assert skipped
