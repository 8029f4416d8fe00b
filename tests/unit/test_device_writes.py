"""Disks written through ``/dev`` and world-writable modes, by class, under every template.

``soc2_compliant`` (availability) and ``permissive`` named no file-system or device tool: ``dd
of=/dev/sda``, ``cat x > /dev/sda``, ``mkfs.ext4 /dev/sda1`` were allowed, though ``permissive``
blocked *deleting* ``/dev`` and ``soc2`` blocks stopping the host.  A device write is a
``file_write`` of ``/dev/…`` (a redirection, ``dd of=``, ``tee``, ``cp``, ``shred``, and now the
file-system makers ``mkfs*``/``mke2fs``/``mkswap``/``wipefs``/``blkdiscard``, which write the
device they name); both templates now deny it (``permissive_write_devices``,
``soc2_avail_device_write``), the streams and terminals (``/dev/null``, ``/dev/tty``…) aside.
A mode change is judged in its symbolic spelling too: ``a+rwx`` is ``0777`` to a rule on
numeric modes (``strict``), ``soc2``'s ``chmod 777`` rule names the symbolic forms that grant
others write, and ``permissive`` blocks mode changes of ``/etc``, ``/usr``, ``/bin`` as it
blocks writes there.  ``shred`` of a file is judged as a write and a delete of it, as ``rm`` is
(``soc2`` does not protect ``~/.ssh`` from deletion: neither).
"""

from __future__ import annotations

import pytest

from tests.unit.shell_support import PERMISSIVE, STRICT, event, verdict
from tests.unit.shell_support import SOC2_AVAILABILITY as SOC2

DEVICE_WRITES = [
    "dd if=/dev/zero of=/dev/sda",
    "dd if=disk.img of=/dev/disk/by-id/usb-x bs=4M",
    "cat disk.img > /dev/sda",
    "echo x > /dev/nvme0n1",
    "tee /dev/sdb < disk.img",
    "cp disk.img /dev/sdb",
    "mkfs.ext4 /dev/sda1",
    "mkfs -t ext4 /dev/nvme0n1p1",
    "mke2fs /dev/sda1",
    "mkswap /dev/sda2",
    "wipefs -a /dev/sda",
    "blkdiscard /dev/nvme0n1",
    "bash -c 'head -c 1M /dev/urandom > /dev/mmcblk0'",
]


@pytest.mark.parametrize("command", DEVICE_WRITES)
@pytest.mark.parametrize("policy", [SOC2, PERMISSIVE], ids=["soc2", "permissive"])
def test_device_writes_denied(policy: object, command: str) -> None:
    assert verdict(policy, command) == "DENY", command


def test_a_file_tool_writing_a_device_is_denied() -> None:
    for policy in (SOC2, PERMISSIVE):
        res = policy(event("Write", {"file_path": "/dev/sda", "content": "x"}))
        assert res is not None and res["result"] == "DENY"


#: (policy, command, verdict now); more lenient on base
MODES = [
    (STRICT, "chmod a+rwx /etc", "DENY"),
    (STRICT, "chmod -R o+w /workspace/app", "DENY"),
    (SOC2, "chmod a+rwx /etc", "DENY"),
    (SOC2, "chmod -R go+w src", "DENY"),
    (SOC2, "chmod ugo=rwx run.sh", "DENY"),
    (PERMISSIVE, "chmod a+rwx /etc", "DENY"),
    (PERMISSIVE, "chmod -R 777 /usr", "DENY"),
    (PERMISSIVE, "chown -R me /etc", "DENY"),
]


@pytest.mark.parametrize(("policy", "command", "expected"), MODES)
def test_world_writable_and_system_modes(policy: object, command: str, expected: str) -> None:
    assert verdict(policy, command) == expected, command


#: near misses: the same on base
CONTROLS = [
    "echo hi > /dev/null",
    "echo hi > /dev/tty",
    "make 2> /dev/stderr",
    "echo x > /dev/shm/cache",
    "dd if=/dev/urandom of=./rand.bin bs=1k count=1",
    "mkfs.ext4 ./disk.img",
    "ls -l /dev/sda",
    "chmod u+x script.sh",
    "chmod +x script.sh",
    "chmod -R go-w .",
    "chmod 644 README.md",
    "shred -u secret.txt",
]


@pytest.mark.parametrize("command", CONTROLS)
def test_near_misses_allowed(command: str) -> None:
    assert verdict(SOC2, command) == "ALLOW", command
    assert verdict(PERMISSIVE, command) == "ALLOW", command


def test_shred_of_a_key_is_judged_as_rm_of_it() -> None:
    for command in ("shred -u ~/.ssh/id_rsa", "rm ~/.ssh/id_rsa"):
        assert verdict(SOC2, command) == "ALLOW"
        assert verdict(STRICT, command) == "DENY"
