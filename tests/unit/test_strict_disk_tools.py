"""``strict`` denies making or wiping a file system by any of the tools that do it, not only
``mkfs``: ``mke2fs``, ``mkswap``, ``wipefs`` and ``blkdiscard`` were allowed.  A word that only
contains one of the names stays allowed."""

from __future__ import annotations

import pytest

from tests.unit.shell_support import STRICT, verdict


@pytest.mark.parametrize(
    "command",
    ["mke2fs /dev/sdb1", "mke2fs -t ext4 disk.img", "mkswap /dev/sdb2", "wipefs -a /dev/sdb", "blkdiscard /dev/nvme1"],
)
def test_file_system_tools_are_denied(command: str) -> None:
    assert verdict(STRICT, command) == "DENY"


@pytest.mark.parametrize("command", ["ls mkfs_notes", "cat wipefs_howto.txt", "grep -n mkswapper src/app.py"])
def test_a_word_that_only_contains_a_name_stays_allowed(command: str) -> None:
    assert verdict(STRICT, command) == "ALLOW"
