"""Programs that write (or read) a file an option or a chosen operand names, for ``_shell_file_effects``:

* ``sort``/``iconv``/``gpg``/``pandoc``/``shuf``/``age`` ``-o F``/``--output F`` and BSD ``base64 -o F``
  write ``F`` (``-o -`` is the standard output); ``base64 -i F``/``--input F`` reads ``F``; ``uniq IN
  OUT`` and ``xxd [-r] IN OUT`` write their second operand; ``tcpdump -w F`` writes ``F`` (``-r F``
  reads it); ``dos2unix F…`` (``-n IN OUT``: ``OUT``) and ``clang-format -i F…`` rewrite their files;
* wrappers: ``strace``/``ltrace``/``time`` ``-o F`` and ``valgrind --log-file=F`` write ``F``;
  ``xargs -a F`` reads it;
* ``ssh-keygen -f F``: generating a key (no mode option, or ``-t``/``-b``) writes ``F`` and
  ``F.pub``; ``-l``/``-y``/``-e``/``-i``/``-B``/``-L``/``-Q``/``-F``/``-D`` only read ``F`` (``-y``
  reads a private key); ``-p``/``-c``/``-R``/``-H`` rewrite it (read and written); ``-k`` writes the
  revocation list ``F``; ``-s CA`` reads ``CA`` and each public key, and writes ``KEY-cert.pub``;
  ``-Y sign`` reads ``F`` and each file signed, and writes ``FILE.sig``;
* ``script [FILE]`` (util-linux, BSD: ``script FILE CMD…``) writes ``FILE`` (``typescript`` when none
  is named), ``-I``/``-O``/``-B``/``-T``/``--timing=`` its logs; ``-c CMD`` is run as a command;
* ``pg_dump``/``pg_dumpall -f F``, ``mysqldump -r F``/``--result-file=F``: the dump written;
  ``mysqlimport DB F…`` reads each ``F``;
* ``ffmpeg``: each ``-i F`` read, every operand that is not an option's value written (an option
  takes a value unless it is one of :data:`_FFMPEG_SWITCHES`); ImageMagick (``convert``, ``magick``,
  ``montage``, ``composite``, ``compare``, ``mogrify``) writes its last word (``PNG:out`` names
  ``out``; ``null:``, ``-`` are none) and each ``-write F``; the other words are handed to it.
"""

from __future__ import annotations

import re

from goalrail.policies.builtins._shell_file_builds import BUILD_HANDLERS
from goalrail.policies.builtins._shell_file_operands import letters
from goalrail.policies.builtins._shell_file_programs import READ, WRITE, Adds
from goalrail.policies.builtins._shell_types import SimpleCommand, Word
from goalrail.policies.builtins._wrappers import names

__all__ = ["OUTPUT_HANDLERS", "OUTPUT_VALUES", "OUTPUT_WORD_HANDLERS", "wrapper_files"]

#: options that take the next word as their value, per program (``_shell_file_programs.VALUES``' twins)
OUTPUT_VALUES: dict[str, frozenset[str]] = {
    "base64": names("-o -i -w -b --output --input --wrap --break"),
    "pandoc": names("-o -f -t -r -w -M -V -c -H -B -A -F -L --output --from --to --read --write --metadata")
    | names("--variable --css --template --filter --lua-filter --resource-path --data-dir --reference-doc"),
    "shuf": names("-o -n -i --output --head-count --input-range --random-source"),
    "age": names("-o -i -r -R --output --identity --recipient --recipients-file"),
    "tcpdump": names("-w -r -i -c -s -C -G -W -F -E -z -Z -y -B -j -T -M --interface"),
    **dict.fromkeys(names("dos2unix unix2dos mac2unix unix2mac"), names("-n -c --newfile --convmode")),
    "ssh-keygen": names("-a -b -C -D -E -F -f -G -I -J -j -M -m -N -n -O -P -R -r -S -s -T -t -V -W -w -Y -Z -z"),
    "script": names("-c -E -I -O -B -T -m -o --command --echo --log-in --log-out --log-io --log-timing")
    | names("--logging-format --output-limit"),
    **dict.fromkeys(
        names("pg_dump pg_dumpall"), names("-f -d -h -p -U -n -N -t -T -F -j -Z -E -S --file --dbname --host --port")
    ),
    **dict.fromkeys(
        names("mysqldump mariadb-dump mysqlimport"), names("-r -u -h -P -S --result-file --user --host --port")
    ),
}
#: readers whose second operand is the file they write
_OUTPUT_SECOND = names("uniq xxd")
#: the programs whose ``-i F``/``--input F`` (tcpdump's ``-r F``) names a file read
_INPUT = names("base64 tcpdump")
#: a wrapper's options naming a file: (wrapper, option) → the action on it
_WRAPPER_FILES = {
    **dict.fromkeys((("xargs", "-a"), ("xargs", "--arg-file")), READ),
    **{(w, o): WRITE for w in ("strace", "ltrace", "time") for o in ("-o", "--output")},
    **{("valgrind", o): WRITE for o in ("--log-file", "--xml-file", "--callgrind-out-file", "--massif-out-file")},
}
#: ssh-keygen's modes that only read the key file ``-f`` names (``-y``: the private key, printed public)
_KEY_READS = "lyeiBLQFD"
#: ssh-keygen's modes that rewrite it in place (a passphrase, a comment, a known_hosts entry)
_KEY_EDITS = "pcRH"


def _output(
    line: Adds, name: str, ops: list[Word], given: dict[str, list[Word]], flags: set[str], tree: bool, base: str | None
) -> None:
    """A reader's operands read; ``-o F`` (``sort``, ``iconv``, ``gpg``, BSD ``base64``, ``pandoc``…),
    ``tcpdump -w F`` or its second operand (``uniq IN OUT``, ``xxd -r IN OUT``) written."""
    for w in given.get("-i", []) + given.get("--input", []) + given.get("-r", []) if name in _INPUT else ():
        line.add(READ, w, base=base)
    for k, w in enumerate(ops if name != "tcpdump" else ()):  # (tcpdump's operands are its filter)
        line.add(WRITE if k == 1 and name in _OUTPUT_SECOND else READ, w, base=base)
    keys = ("-w",) if name == "tcpdump" else () if name in _OUTPUT_SECOND else ("-o", "--output")
    for w in (v for key in keys for v in given.get(key, ()) if v[0] != "-"):  # (`-o -`: the standard output)
        line.add(WRITE, w, base=base)


def _converted(
    line: Adds, name: str, ops: list[Word], given: dict[str, list[Word]], flags: set[str], tree: bool, base: str | None
) -> None:
    """``dos2unix F…`` rewrites each file (``-n IN OUT``: ``OUT`` written); ``clang-format -i F…`` too."""
    pairs = given.get("-n", []) + given.get("--newfile", [])  # (`-n IN OUT`: IN the option's value)
    for w in pairs:
        line.add(READ, w, base=base)
    checks = flags & ({"--dry-run", "-n"} if name == "clang-format" else {"-i", "--info"})  # (only reports)
    for w in ops if (name != "clang-format" or "-i" in flags) and not checks else ():
        line.add(WRITE, w, base=base)
        if not pairs:
            line.add(READ, w, base=base)


def wrapper_files(line: Adds, cmd: SimpleCommand, base: str | None) -> None:
    """The files a wrapper's options name: ``xargs -a F`` (read, with arguments from stdin),
    ``strace -o F``, ``ltrace -o F``, ``time -o F``, ``valgrind --log-file=F`` (written)."""
    for wrapper in cmd.wrappers:
        for opt in wrapper.args:
            flag, _, arg = opt.replace("=", " ", 1).partition(" ")
            kind = _WRAPPER_FILES.get((wrapper.name, flag))
            if kind and arg and (wrapper.name != "xargs" or cmd.stdin_args):
                line.add(kind, (arg, False), base=base)


def _ssh_keygen(
    line: Adds, name: str, ops: list[Word], given: dict[str, list[Word]], flags: set[str], tree: bool, base: str | None
) -> None:
    """The key files ``ssh-keygen`` reads and writes (see the module doc)."""
    modes = letters(flags).replace("q", "").replace("v", "")
    files = given.get("-f", [])
    for w in given.get("-s", []) + (ops if "-s" in given or "-Y" in given else []):
        line.add(READ, w, base=base)
    if "-s" in given:  # `ssh-keygen -s ca -I id user.pub`: `user-cert.pub` written beside it
        for text, dyn in ops:
            line.add(WRITE, (text.removesuffix(".pub") + "-cert.pub", dyn), base=base)
    if "-Y" in given:  # `-Y sign -f KEY FILE…`: `FILE.sig`; `-Y verify`: reads only
        signs = any(v[0] == "sign" for v in given["-Y"])
        for w in files:
            line.add(READ, w, base=base)
        for text, dyn in ops if signs else ():
            line.add(WRITE, (text + ".sig", dyn), base=base)
        return
    if any(c in modes for c in _KEY_READS) or any(k in given for k in ("-F", "-D", "-s")):
        for w in files:
            line.add(READ, w, base=base)
    elif any(c in modes for c in _KEY_EDITS) or "-R" in given:
        for w in files:
            line.add(READ, w, base=base)
            line.add(WRITE, w, base=base)
    elif "k" in modes:  # a key revocation list
        for w in files:
            line.add(WRITE, w, base=base)
    elif "A" not in modes and "-M" not in given and "-G" not in given:  # a new key pair
        for text, dyn in files:
            line.add(WRITE, (text, dyn), base=base)
            line.add(WRITE, (text + ".pub", dyn), base=base)


def _script(
    line: Adds, name: str, ops: list[Word], given: dict[str, list[Word]], flags: set[str], tree: bool, base: str | None
) -> None:
    """``script [FILE [CMD…]]``: ``FILE`` (else ``typescript``) and its logs written."""
    logs = ("-I", "-O", "-B", "-T", "--log-in", "--log-out", "--log-io", "--log-timing", "--timing")
    for w in [v for key in logs for v in given.get(key, ())] + (ops[:1] or [("typescript", False)]):
        line.add(WRITE, w, base=base)
    if len(ops) > 1:  # BSD `script FILE CMD…`: the command's words handed to it
        line.hand(ops[1][0], ops[2:], base)


def _dumps(
    line: Adds, name: str, ops: list[Word], given: dict[str, list[Word]], flags: set[str], tree: bool, base: str | None
) -> None:
    """``pg_dump -f F``, ``mysqldump -r F``/``--result-file=F``: the dump written; ``mysqlimport DB F…``
    reads each ``F``; the other words are handed to the program."""
    for w in ops[1:] if name == "mysqlimport" else ():
        line.add(READ, w, base=base)
    for w in [v for key in ("-f", "--file", "-r", "--result-file") for v in given.get(key, ())]:
        if w[0] != "-":
            line.add(WRITE, w, base=base)
    line.hand(name, ops, base)


#: ffmpeg's options that take no value (every other one does: ``-c:v libx264``, ``-ss 10``)
_FFMPEG_SWITCHES = names(
    "-y -n -an -vn -sn -dn -re -shortest -nostdin -stdin -hide_banner -stats -nostats -copyts -start_at_zero "
    "-benchmark -benchmark_all -dump -hex -ignore_unknown -debug_ts -xerror -noautorotate -autorotate "
    "-accurate_seek -noaccurate_seek -copytb -apad -reinit_filter -version -h -help -formats -codecs -report "
    "-encoders -decoders -filters -pix_fmts -muxers -demuxers -devices -protocols -bsfs -layouts -sample_fmts "
    "-buildconf -L -sources -sinks -colors -hwaccels -dts_delta_threshold -discard -exit_on_error"
)
#: ffmpeg's options naming a file: its inputs, a filter script, a log
_FFMPEG_FILES = {
    **dict.fromkeys(("-i", "-attach", "-filter_script", "-filter_complex_script"), READ),
    **dict.fromkeys(("-vstats_file", "-passlogfile"), WRITE),
}
#: an output that is no local file: the standard output, a pipe, a URL
_NO_FILE = re.compile(r"^(?:-|pipe:.*|[A-Za-z][\w+.-]*://.*)$")


def _ffmpeg(line: Adds, words: list[Word], base: str | None) -> None:
    """``ffmpeg [-i IN]… OUT…``: each ``-i`` input read, each output written; every word handed to it
    (a filter's file: ``-vf subtitles=F``)."""
    k = 0
    while k < len(words):
        text, dyn = words[k]
        if text.startswith("-") and len(text) > 1 and not dyn:
            if text not in _FFMPEG_SWITCHES and k + 1 < len(words):
                value = words[k + 1]
                kind = _FFMPEG_FILES.get(text)
                if kind and not _NO_FILE.match(value[0]):
                    line.add(kind, (value[0].removeprefix("file:"), value[1]), base=base)
                k += 1
        elif not _NO_FILE.match(text):
            line.add(WRITE, (text.removeprefix("file:"), dyn), base=base)
        k += 1
    line.hand("ffmpeg", words, base)


#: ImageMagick's ``FORMAT:file`` output (``PNG:out.png``, ``null:``)
_FORMAT = re.compile(r"^[A-Za-z][A-Za-z0-9]{1,7}:")


def _magick(line: Adds, words: list[Word], base: str | None) -> None:
    """ImageMagick: its last word written (the image made) and each ``-write F``; every word handed."""
    for k, (text, _dyn) in enumerate(words[:-1]):
        if text == "-write":
            line.add(WRITE, words[k + 1], base=base)
    if words and words[-1][0][:1] not in ("-", "+"):
        text, dyn = words[-1]
        out = _FORMAT.sub("", text, count=1)
        if out and out != "-":
            line.add(WRITE, (out, dyn), base=base)
    line.hand("magick", words, base)


OUTPUT_HANDLERS = {
    **dict.fromkeys(names("sort iconv gpg base64 uniq xxd pandoc shuf age tcpdump"), _output),
    **dict.fromkeys(names("dos2unix unix2dos mac2unix unix2mac clang-format"), _converted),
    "ssh-keygen": _ssh_keygen,
    "script": _script,
    **dict.fromkeys(names("pg_dump pg_dumpall mysqldump mariadb-dump mysqlimport"), _dumps),
}


def _made_special(line: Adds, words: list[Word], base: str | None) -> None:
    """``mkfifo F…``, ``mknod F TYPE [MAJOR MINOR]``: the file made at ``F`` (a pipe where the
    guard's settings file was is a write of it)."""
    ops = [w for k, w in enumerate(words) if not w[0].startswith("-") and (k == 0 or words[k - 1][0] not in _MODE)]
    for w in ops[:1] if words and any(o[0] in ("b", "c", "u", "p") for o in ops[1:2]) else ops:
        line.add(WRITE, w, base=base)


_MODE = frozenset({"-m", "--mode", "-Z", "--context"})
OUTPUT_WORD_HANDLERS = {
    "mkfifo": _made_special,
    "mknod": _made_special,
    **BUILD_HANDLERS,  # (compilers', linkers' and bundlers' `-o F`, `--outDir DIR`)
    "ffmpeg": _ffmpeg,
    **dict.fromkeys(names("convert magick montage composite compare mogrify"), _magick),
}
