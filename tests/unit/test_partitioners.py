"""Partitioners and erasers write the devices they name, as ``mkfs`` and ``wipefs`` do:
``sgdisk --zap-all /dev/sda``, ``parted /dev/sda rm 1``, ``fdisk /dev/sda``, ``cryptsetup luksFormat``,
``hdparm --security-erase``, ``nvme format``, ``mdadm --zero-superblock``, ``badblocks -w`` were
allowed by every template.  A call that only lists or prints (``fdisk -l``, ``parted -l``, ``sgdisk
-p``, ``cryptsetup luksDump``, ``hdparm -I``, ``nvme list``) writes nothing."""

from __future__ import annotations

import pytest

from tests.unit.shell_support import HIPAA, PERMISSIVE, SOC2, SOC2_AVAILABILITY, STRICT, verdict

WRITES = [
    "sgdisk --zap-all /dev/sda",
    "sgdisk -Z /dev/nvme0n1",
    "sgdisk -o /dev/sdb",
    "fdisk /dev/sda",
    "sfdisk /dev/sda < table.txt",
    "gdisk /dev/sdb",
    "cfdisk /dev/sda",
    "parted /dev/sda rm 1",
    "parted -s /dev/sda mklabel gpt",
    "cryptsetup luksFormat /dev/sdb1",
    "cryptsetup erase /dev/sdb1",
    "hdparm --security-erase p /dev/sda",
    "nvme format /dev/nvme0n1",
    "nvme sanitize /dev/nvme0",
    "mdadm --zero-superblock /dev/sdb",
    "mdadm --create /dev/md0 --level=1 --raid-devices=2 /dev/sdb /dev/sdc",
    "badblocks -wsv /dev/sdb",
    "badblocks -n /dev/sdb",
    "zpool labelclear -f /dev/sdb",
    "sg_format --format /dev/sg1",
    "pvcreate /dev/sdb1",
    "sudo sgdisk --zap-all /dev/sda",
    "timeout 60 parted /dev/sda rm 1",
]
READS = [
    "sgdisk -p /dev/sda",
    "fdisk -l /dev/sda",
    "fdisk -l",
    "sfdisk -d /dev/sda",
    "sfdisk --json /dev/sda",
    "gdisk -l /dev/sda",
    "parted /dev/sda print",
    "parted -l",
    "cryptsetup luksDump /dev/sdb1",
    "cryptsetup status x",
    "hdparm -I /dev/sda",
    "nvme list",
    "nvme smart-log /dev/nvme0",
    "mdadm --detail /dev/md0",
    "badblocks -sv /dev/sdb",
    "zpool status",
]


@pytest.mark.parametrize("line", WRITES)
@pytest.mark.parametrize(
    "policy", [STRICT, PERMISSIVE, SOC2_AVAILABILITY], ids=["strict", "permissive", "soc2-availability"]
)
def test_a_partitioner_or_eraser_writes_the_device(policy: object, line: str) -> None:
    assert verdict(policy, line) == "DENY"


@pytest.mark.parametrize("line", [w for w in WRITES if not w.startswith(("sudo", "timeout"))])
@pytest.mark.parametrize("policy", [STRICT, SOC2, HIPAA, PERMISSIVE], ids=["strict", "soc2", "hipaa", "permissive"])
def test_as_dd_of_the_device_does(policy: object, line: str) -> None:
    device = next(w for w in line.split() if w.startswith("/dev/"))
    assert verdict(policy, line) == verdict(policy, f"dd if=/dev/zero of={device}")


@pytest.mark.parametrize("line", READS)
@pytest.mark.parametrize("policy", [STRICT, SOC2, HIPAA, PERMISSIVE], ids=["strict", "soc2", "hipaa", "permissive"])
def test_listing_or_printing_writes_nothing(policy: object, line: str) -> None:
    assert verdict(policy, line) == "ALLOW"
