"""The PulseAudio rig for tests marked ``live`` (real sounddevice/PortAudio input path).

``scripts/test.sh`` starts one rig for the whole run and exports ``VOICECOACH_PULSE_RIG``
(its folder) with ``PULSE_SERVER`` etc.; the fixture attaches to it. Otherwise the fixture
starts its own rig in a temporary folder and stops it at the end of the session.

When no rig can be had, live tests are skipped, except under ``CI=true`` or
``VOICECOACH_REQUIRE_LIVE=1`` (set by scripts/test.sh), where they fail.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

from voicecoach.testing.pulserig import RIG_ENV, PulseRig, RigError


def _required() -> bool:
    truthy = ("1", "true", "yes")
    return (os.environ.get("CI", "").lower() in truthy
            or os.environ.get("VOICECOACH_REQUIRE_LIVE", "").lower() in truthy)


@pytest.fixture(scope="session")
def pulse_rig():
    """A running :class:`PulseRig`, its environment applied and PortAudio rescanned."""
    own = None
    try:
        base = os.environ.get(RIG_ENV)
        if base:
            rig = PulseRig.attach(base)
        else:
            own = PulseRig.start(tempfile.mkdtemp(prefix="vc-pulserig-"))
            rig = own
    except (RigError, OSError) as exc:
        msg = f"PulseAudio rig unavailable: {exc}"
        if _required():
            pytest.fail(msg + " (live tests are required: CI/VOICECOACH_REQUIRE_LIVE is set)")
        pytest.skip(msg)
    saved = {k: os.environ.get(k) for k in rig.env}
    rig.apply_env()
    from voicecoach.sources.devices import rescan

    rescan()  # PortAudio lists devices once; it may have been initialised before the rig
    yield rig
    if own is not None:
        own.stop()
        shutil.rmtree(own.base, ignore_errors=True)
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
