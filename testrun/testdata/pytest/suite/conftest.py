# Each test appends its node id to $RAN_LOG, so a test can check exactly
# which tests a run ran.
import os

import pytest


@pytest.fixture(autouse=True)
def _record(request):
    log = os.environ.get("RAN_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(request.node.nodeid + "\n")
    yield


def pytest_runtest_logreport(report):
    # INTERNAL_ERROR=1: a plugin that breaks, as pytest reports it.
    if os.environ.get("INTERNAL_ERROR") == "1":
        raise RuntimeError("a plugin broke")
