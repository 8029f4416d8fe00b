"""Interpreter code that deletes or writes files meets the file rules with the paths it names.

On base the code an interpreter is handed (``python -c``, ``node -e``, ``perl -e``, ``ruby -e``,
``php -r``, ``deno eval``, ``bun -e``) was read for quoted strings that look like paths, each
read, and written or deleted only when some word of the code looked like a write or a delete:
``shutil.rmtree('/')`` deleted ``/`` but not the files under it, ``fs.rmSync`` deleted nothing,
and a path known only at run time (``process.env.HOME``) was no file at all.  Now each
language's delete and write calls are read with the argument that names the file
(``_code_files``): a literal path is that file (the tree under it for ``rmtree``,
``rm_rf``, ``{recursive: true}``), anything else is a file named at run time, asked where the
policy denies some deletes or writes.  Near misses (``list.remove(x)``, a read, a project's
``build``) stay allowed.
"""

from __future__ import annotations

import pytest

from goalrail.policies.builtins._code_files import code_files
from tests.unit.shell_support import PERMISSIVE, STRICT, verdict
from tests.unit.shell_support import SOC2_AVAILABILITY as SOC2

#: (command, verdict under permissive); each was ALLOW on base
TIGHTENED = [
    # a literal path, the tree under it: permissive's system files
    ("node -e \"require('fs').rmSync('/',{recursive:true,force:true})\"", "DENY"),
    ("bun -e \"require('fs').rmSync('/', {recursive: true})\"", "DENY"),
    ("deno eval \"Deno.removeSync('/', {recursive: true})\"", "DENY"),
    ("python3 -c \"import shutil;shutil.rmtree('/')\"", "DENY"),
    ("python3 - <<'EOF'\nimport shutil\nshutil.rmtree('/')\nEOF", "DENY"),
    ("ruby -e \"require 'fileutils'; FileUtils.rm_rf('/')\"", "DENY"),
    ("perl -MFile::Path -e 'remove_tree(\"/\")'", "DENY"),
    ("php -r \"file_put_contents('/usr/bin/x', 'y');\"", "DENY"),
    # a recursive delete the calls table does not see: the code's quoted paths, their trees
    ("python3 -c \"import shutil; getattr(shutil, 'rmtree')('/')\"", "DENY"),
    # a path known only at run time: asked
    ("node -e \"require('fs').rmSync(process.env.HOME,{recursive:true})\"", "ASK"),
    ("node -e \"require('fs').rmSync(require('os').homedir(),{recursive:true})\"", "ASK"),
    ("python3 -c \"import shutil,os; shutil.rmtree(os.path.expanduser('~'))\"", "ASK"),
    ("python3 -c \"import os; os.remove(os.environ['HOME'] + '/.bashrc')\"", "ASK"),
    ("python3 -c \"from pathlib import Path; (Path.home() / '.bashrc').unlink()\"", "ASK"),
    ("perl -e 'unlink \"$ENV{HOME}/.bashrc\"'", "ASK"),
    ("ruby -e 'require \"fileutils\"; FileUtils.rm_rf(Dir.home)'", "ASK"),
    ("php -r \"unlink(getenv('HOME') . '/.bashrc');\"", "ASK"),
    ("deno eval \"Deno.removeSync(Deno.env.get('HOME'), {recursive: true})\"", "ASK"),
    ("python3 -c \"import sys; open(sys.argv[1], 'w').write('x')\" /etc/hosts", "ASK"),
]

#: denied on base too (a quoted path beside a word that deletes or writes), still denied
KEPT = [
    ("node -e \"require('fs').rmdirSync('/usr', {recursive: true})\"", "DENY"),
    ("node -e \"const fs=require('fs'); fs.writeFileSync('/usr/local/bin/x','y')\"", "DENY"),
    ("python3 -c \"from pathlib import Path; Path('/usr/bin/x').write_text('y')\"", "DENY"),
    ('ruby -e \'File.write("/usr/bin/x", "y")\'', "DENY"),
]

#: (command, permissive, soc2 with availability); the same on base
CONTROLS = [
    ("python -c \"import os; os.remove('tmp.txt')\"", "ALLOW", "ALLOW"),
    ("python3 -c \"import shutil; shutil.rmtree('build')\"", "ALLOW", "ALLOW"),
    ("node -e \"require('fs').rmSync('dist',{recursive:true,force:true})\"", "ALLOW", "ALLOW"),
    ("python3 -c \"open('out.txt','w').write('x')\"", "ALLOW", "ALLOW"),
    ("python3 -c \"print(open('/etc/hostname').read())\"", "ALLOW", "ALLOW"),
    ('python3 -c "l=[1,2]; l.remove(1); print(l)"', "ALLOW", "ALLOW"),
    ('node -e "console.log([1,2].map(x => x * 2))"', "ALLOW", "ALLOW"),
    ('ruby -e \'File.write("out.txt", "y")\'', "ALLOW", "ALLOW"),
    ("perl -e 'unlink \"tmp.txt\"'", "ALLOW", "ALLOW"),
    ("python3 -c \"import json; print(json.dumps({'a': 1}))\"", "ALLOW", "ALLOW"),
]


@pytest.mark.parametrize(("command", "expected"), TIGHTENED + KEPT)
def test_code_that_deletes_or_writes_meets_file_rules(command: str, expected: str) -> None:
    assert verdict(PERMISSIVE, command) == expected, command


@pytest.mark.parametrize(("command", "permissive", "soc2"), CONTROLS)
def test_benign_code_stays_allowed(command: str, permissive: str, soc2: str) -> None:
    assert verdict(PERMISSIVE, command) == permissive, command
    assert verdict(SOC2, command) == soc2, command


def test_strict_asks_a_tree_deleted_by_code_as_it_asks_rm_r() -> None:
    """``strict_delete_batch`` asks a delete of a directory's files (``find . -delete``): code too."""
    cwd = "/workspace/app"
    assert verdict(STRICT, "python3 -c \"import shutil; shutil.rmtree('build')\"", cwd=cwd) == "ASK"
    assert verdict(STRICT, "find build -delete", cwd=cwd) == "ASK"
    assert verdict(STRICT, "python -c \"import os; os.remove('tmp.txt')\"", cwd=cwd) == "ALLOW"


@pytest.mark.parametrize(
    ("prog", "code", "expected"),
    [
        ("python", "import shutil; shutil.rmtree('/x')", ("file_delete", "/x", True)),
        ("python", "os.unlink(p)", ("file_delete", None, False)),
        ("python", "open('/x', mode='a')", ("file_write", "/x", False)),
        ("python", "shutil.move('a', '/b')", ("file_write", "/b", False)),
        ("node", "fs.rmSync('/x')", ("file_delete", "/x", False)),
        ("node", "fs.promises.rm(`/x`, {recursive: true})", ("file_delete", "/x", True)),
        ("node", "fs.copyFileSync('a', '/b')", ("file_write", "/b", False)),
        ("bun", "Bun.write('/x', 'y')", ("file_write", "/x", False)),
        ("perl", "open(F, '>/x')", ("file_write", "/x", False)),
        ("perl", "rmtree('/x')", ("file_delete", "/x", True)),
        ("ruby", "FileUtils.rm_r '/x'", ("file_delete", "/x", True)),
        ("ruby", 'File.delete("#{d}/x")', ("file_delete", None, False)),
        ("php", "rmdir('/x');", ("file_delete", "/x", False)),
        ("php", "$f = fopen('/x', 'w');", ("file_write", "/x", False)),
    ],
)
def test_calls_read_per_language(prog: str, code: str, expected: tuple[str, str | None, bool]) -> None:
    assert expected in code_files(prog, code)


@pytest.mark.parametrize(
    ("prog", "code"),
    [
        ("python", "print(open('/etc/hostname').read())"),
        ("python", "xs.remove(1)"),
        ("node", "console.log(fs.readFileSync('/etc/hostname', 'utf8'))"),
        ("ruby", "File.open('/etc/hostname') { |f| puts f.read }"),
        ("php", "echo file_get_contents('/etc/hostname');"),
    ],
)
def test_reads_are_no_deletes_or_writes(prog: str, code: str) -> None:
    assert code_files(prog, code) == ()
