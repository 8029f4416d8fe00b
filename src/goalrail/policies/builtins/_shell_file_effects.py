"""The file actions a shell command line performs: ``cat ~/.ssh/id_rsa`` is a ``file_read`` of
``~/.ssh/id_rsa``, ``echo x > /etc/cron.d/job`` a ``file_write``, ``rm .env`` a ``file_delete``.

``pattern_policy`` judges a ``shell_execute`` by its command line and by each file action
derived here, with the same file rules a Read, Write or delete tool meets (the strictest
verdict wins).  What is read, per program (wrappers such as ``sudo``/``env``/``xargs`` already
peeled by ``_shell``, nested ``bash -c`` scripts parsed):

* redirections (``< f`` read, ``> f``/``>> f``/``&> f``/``2> f`` write, ``<> f`` both), on a
  command or alone (``> f``, ``exec 3< f``); ``/dev/null``, ``/dev/std*``, ``/dev/tty`` and
  ``/dev/fd/N`` are no files;
* readers' operands (``cat``, ``head``, ``tail``, ``less``, ``xxd``, ``base64``, ``od``,
  ``strings``, ``wc``, ``sort``, ``diff``, ``source``…), ``grep``/``rg``'s and ``awk``/``sed``'s
  after their pattern or program (none with ``-e``/``-f``: then ``-f F`` is read; ``getline < F``, ``r F``);
* writers: ``tee``, ``touch``, ``truncate``, ``sed -i``, ``perl -i``, ``sort -o``, ``dd of=``, awk's ``print > F``;
  copies (``cp``, ``install``, ``ln``, ``rsync``, ``scp``: sources read, destination written);
  ``mv`` (a ``file_move`` of each operand, its sources deleted, its destination written);
  deletes (``rm``, ``unlink``, ``rmdir``, ``shred``, ``find … -delete``); ``chmod``/``chown``/
  ``chgrp``/``chattr``/``setfacl`` (``file_chmod``, the target ``path:mode`` as for a tool);
* archives (``tar -c``/``zip``: members read, the archive written; ``tar -x``/``unzip``: the
  archive read, ``-C``/``-d`` written; ``cpio``/``pax`` as ``_shell_file_unpack`` says, ``ar``, ``jar``,
  ``unsquashfs``, ``dpkg-deb``, ``7z``, ``unrar``… and compressors' ``-o`` as ``_shell_file_extract`` says), the files a
  diff names and the work tree a ``git pull``/``merge``… rewrites (``_shell_file_patches``),
  uploads (``curl -T f``, ``-d @f``, ``-F x=@f``, ``wget --post-file f``), downloads' output
  files (``curl -o``, ``wget -O``), ``openssl -in/-out``, the files options or chosen operands
  name (``ssh-keygen -f``, ``script F``, ``ffmpeg``, ``convert``… as ``_shell_file_outputs`` says),
  ``find DIR -exec …`` (everything under ``DIR`` read);
* code an interpreter is handed (``python -c``, ``perl -e``, ``node -e``, a here-document):
  its quoted strings that look like paths are read, and written when the code writes; its calls
  that delete or write a file (``shutil.rmtree``, ``fs.rmSync``, ``open(p, "w")``…) are read
  with their paths by ``_code_files`` (a path known only at run time: :data:`UNKNOWN`); the files
  SQL clients' code names (``psql -c '\\o F'``, ``COPY … TO 'F'``) as ``_shell_file_sql`` says;
* ``find``'s deletes and ``-exec rm``/``chmod``, and the file-system makers (``mkfs``, ``wipefs``:
  their device written), as ``_shell_file_finds`` says.

A recursive command (``-r``, ``-R``, ``-a``, ``find``, ``tar``, ``zip -r``) names its directory
with a trailing ``/`` too, so ``rm -r ~/.ssh`` meets a rule on ``\\.ssh/``.  A relative path is
also taken in each directory a ``cd``/``pushd`` earlier in the line (or ``env -C``) moved to, so
``cd ~/.ssh && cat id_rsa`` reads ``~/.ssh/id_rsa``; after a ``cd`` to a directory named only at
run time it is a file named at run time.  A link the line made is followed (``ln -s ~/.ssh s;
cat s/id_rsa``).  Words known only at run time are read as ``_shell_file_words`` says, and so is
every file action of a line the analysis cannot resolve (``ShellAnalysis.unknown``: a program
named at run time, ``parallel``, a syntax error); ``git``, containers, ``make`` and ``pip`` as
``_shell_file_tools`` says; uploaders, pastebins, ``gh``/``glab``, HTTPie, cloud CLIs, ``kubectl``
and mail clients as ``_shell_file_senders`` says (what they send is read).  ``ls``, ``du`` and
``ssh -i`` name no file effect (``_shell_file_senders.NAMES``); any other program, a script run
(``bash f ARGS``, ``python f ARGS``) and a ``git`` subcommand git does not have are handed the
paths their words name (:data:`HANDED`: asked where a ``file_read`` rule denies one).  A recursive
command's directory is also a ``TREE`` effect (``ALL`` for a delete or mode change of every
file beneath it: ``rm -r``, ``chmod -R``): the rules on the files beneath it are weighed by
``_pattern_trees``.  A file read on another host or in a container (``ssh h cat F``, ``docker exec c
cat F``, ``kubectl exec pod -- cat F``, a copy's remote source: ``scp h:F .``, ``kubectl cp pod:F .``)
is a :data:`REMOTE` read of ``F`` as named there, judged where it names a secret (``_pattern_files``).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from functools import lru_cache

from goalrail.policies.builtins._glob_rules import is_glob
from goalrail.policies.builtins._interpreters import program
from goalrail.policies.builtins._shell import analyze
from goalrail.policies.builtins._shell_elsewhere import CARRIERS, elsewhere
from goalrail.policies.builtins._shell_file_code import code_effects, script_effects
from goalrail.policies.builtins._shell_file_credentials import printed_elsewhere, printed_stores
from goalrail.policies.builtins._shell_file_dumps import pod_copy
from goalrail.policies.builtins._shell_file_extract import EXTRACT_HANDLERS, compressed_to
from goalrail.policies.builtins._shell_file_filters import FILTER_HANDLERS
from goalrail.policies.builtins._shell_file_finds import find_files, format_handler
from goalrail.policies.builtins._shell_file_handed import as_listed, fed_here, handed_commands, names_on_stdin
from goalrail.policies.builtins._shell_file_operands import letters, operands
from goalrail.policies.builtins._shell_file_outputs import (
    OUTPUT_HANDLERS,
    OUTPUT_VALUES,
    OUTPUT_WORD_HANDLERS,
    wrapper_files,
)
from goalrail.policies.builtins._shell_file_patches import PATCH_HANDLERS, applied
from goalrail.policies.builtins._shell_file_programs import (
    CHMOD,
    COMPRESSORS,
    DELETE,
    DELETERS,
    EDITORS,
    FAMILY,
    FILE_ACTIONS,
    HANDLERS,
    KEEPS,
    READ,
    READERS,
    RECURSIVE,
    VALUES,
    WORD_HANDLERS,
    WRITE,
    program_name,
)
from goalrail.policies.builtins._shell_file_senders import NAMES, SEND_HANDLERS, handed
from goalrail.policies.builtins._shell_file_tools import TOOL_HANDLERS, linked, made_links, makes_links
from goalrail.policies.builtins._shell_file_unpack import UNPACK_HANDLERS
from goalrail.policies.builtins._shell_file_words import (
    ALL,
    EXACT,
    GLOB,
    HANDED,
    LISTED,
    REMOTE,
    TREE,
    UNKNOWN,
    braced,
    spellings,
)
from goalrail.policies.builtins._shell_listers import fd_runs, replace_marks
from goalrail.policies.builtins._shell_stages import listed_part
from goalrail.policies.builtins._shell_types import Redirect, SimpleCommand, Word
from goalrail.policies.builtins._wrappers import SHELLS, names

__all__ = ["FILE_ACTIONS", "Effect", "file_effects"]

#: (action type, path, how sure: ``_shell_file_words.EXACT``/``GLOB``/``UNKNOWN``, suffix such as ``:755``)
Effect = tuple[str, str, int, str]

_READ_OPS = frozenset({"<", "<>"})
_READ_SUBSTITUTION = re.compile(r"""\$\(\s*<\s*("[^"]*"|'[^']*'|[^\s)]+)\s*\)""")
_WRITE_OPS = frozenset({">", ">|", ">>", "&>", "&>>", "<>", ">&"})
_DEVICES = re.compile(r"^/dev/(null|zero|u?random|stdin|stdout|stderr|tty|fd/\d+)$|^/proc/self/fd/\d+$")
#: the actions a recursive command performs on every file under its directory (and a read: ``tar -c``,
#: ``cp -r``, ``grep -r`` read each one, the secrets among them too, unless told which: ``some``)
_EVERY = frozenset({DELETE, CHMOD})
#: readers that read whole directories with ``-r``
_TREE_READERS = names("diff colordiff")
_CODE_PROGRAMS = names("python pypy ipython node nodejs bun deno tsx ts-node perl ruby php psql mysql mariadb")
_HANDLERS = {**HANDLERS, **OUTPUT_HANDLERS}
_VALUES = {**VALUES, **OUTPUT_VALUES}
#: the programs whose words a handler of their own reads (``dd``, ``git``, ``gh gist create``…)
_WORD_READERS = {
    **WORD_HANDLERS,
    **TOOL_HANDLERS,
    **SEND_HANDLERS,
    **PATCH_HANDLERS,
    **FILTER_HANDLERS,
    **UNPACK_HANDLERS,
    **EXTRACT_HANDLERS,
    **OUTPUT_WORD_HANDLERS,
}


#: hosts or containers one inside another whose commands' reads are read (``ssh a ssh b … cat f``):
#: a line past it is unresolved already (``_shell_elsewhere.MAX_DEPTH``: asked)
REMOTE_DEPTH = 8


class _Line:
    """Collects the effects of one command line."""

    __slots__ = ("depth", "dirs", "dotglob", "links", "lost", "out")

    def __init__(self, dotglob: bool, depth: int = 0) -> None:
        self.out: list[Effect] = []
        self.depth = depth  # the hosts or containers the line runs in, one inside another (`ssh a ssh b CMD`)
        self.dirs: list[str] = []  # directories a `cd` of the line moved to
        self.dotglob = dotglob
        self.links: dict[str, str] = {}  # a link the line made (`ln -s ~/.ssh s`) → what it names
        self.lost = False  # a `cd` of the line went to a directory named only at run time

    def add(
        self,
        kind: str,
        word: Word,
        *,
        tree: bool = False,
        suffix: str = "",
        base: str | None = None,
        some: bool = False,
        listed: bool = False,
        moved: bool = False,
    ) -> None:
        """``kind`` of the file ``word`` names; with ``tree``, of the files under it too: every one
        of them for a read, a delete or a mode change (:data:`ALL`) unless ``some`` (``find D -name x
        -delete``, ``grep -r --include='*.py' x D``); with ``moved``, a relative path only in the
        directories the line moved to (an extractor's default)."""
        every = (kind in _EVERY or kind == READ) and not some
        for path, sure in spellings(word[0], word[1], self.dotglob):
            if sure == EXACT and _DEVICES.match(path):
                continue
            if listed and sure in (GLOB, UNKNOWN) and is_glob(path):
                sure = LISTED
            found = [path]
            if path[:1] not in ("/", "~", "$") and (sure != UNKNOWN or is_glob(path)):
                found += [posixpath.join(d, path) for d in ([base] if base else self.dirs)]
                if self.lost and not base:  # (`cd "$D"; cat f`: `f` in a directory not known)
                    self.out.append((kind, path, UNKNOWN, suffix))
                if moved:  # (`cd ~/.claude && ar x p.deb`: the directory named; `ar x p.deb` alone: none)
                    found = found[1:]
            if self.links:
                found += linked(found, self.links)
            for p in found:
                self.out.append((kind, p, sure, suffix))
                if tree:  # the directory's every file: judged as `D/` and by the rules under it
                    under = (ALL if every else TREE) if sure == EXACT else sure
                    self.out.append((kind, p.rstrip("/") + "/", under, suffix))

    def handed_list(self, kind: str, cmd: SimpleCommand, base: str | None, names: bool = False) -> None:
        """``find ~/.aws -name 'cred*' | xargs cat``: the paths the listing may print, as globs
        (``_shell_listers``); ``echo a b | xargs cat``, ``cpio -o <<< F`` (``names``): the words fed."""
        fed = cmd.stdin if cmd.stdin is not None or not names else fed_here(cmd)
        globs, own = listed_part(fed)
        if not globs and fed and fed[:1] != "\0" and (names or any(w.name == "xargs" for w in cmd.wrappers)):
            globs, own = tuple(fed.split()[:64]), True
        for glob in globs[:64]:
            self.add(kind, (glob, True), base=base, listed=not own)

    def hand(self, program: str, words: list[Word], base: str | None) -> None:
        """The paths ``words`` may name (``_shell_file_senders.handed``), handed to ``program``, a
        program Goalrail does not know: :data:`HANDED` reads, ``program`` in the suffix's place."""
        for text, dyn in words:
            for word in handed(text):
                for path, sure in spellings(word, dyn, self.dotglob):
                    if sure == UNKNOWN or (sure == EXACT and _DEVICES.match(path)):
                        continue  # (a variable: known only at run time, not asked for every program)
                    found = [path]
                    if path[:1] not in ("/", "~"):
                        found += [posixpath.join(d, path) for d in ([base] if base else self.dirs)]
                    if self.links:
                        found += linked(found, self.links)
                    self.out += [(READ, p, HANDED, program) for p in found]

    def remote(self, word: Word, tree: bool = False) -> None:
        """``host:path`` (``pod:/x``, ``s3://b/k``) read there: :data:`REMOTE`, its path as named there
        (with ``tree``, its files too: ``path/``)."""
        path = word[0].partition(":")[2].lstrip(":")
        if path and not word[1]:
            self.out.append((READ, path, REMOTE, ""))
            if tree:
                self.out.append((READ, path.rstrip("/") + "/", REMOTE, ""))

    def pod_copy(self, words: list[Word]) -> None:
        """``kubectl cp SRC DEST``: a ``pod:/path`` read there (:meth:`remote`), a local path here."""
        sources, dests = pod_copy(words) or ([], [])
        for w in sources:
            if ":" in w[0].partition("/")[0]:
                self.remote(w)
            else:
                self.add(READ, w)
        for w in dests:
            if ":" not in w[0].partition("/")[0]:
                self.add(WRITE, w)

    def elsewhere(self, cmd: SimpleCommand) -> None:
        """The files ``ssh host CMD``, ``docker exec c CMD``, ``kubectl exec pod -- CMD`` read there: :data:`REMOTE`.
        Past :data:`REMOTE_DEPTH` hops, what the innermost command reads is not read (each hop parses the
        rest of the line again: ``ssh ssh ssh … host`` cost the square of its length): :data:`UNKNOWN`."""
        for script, _dynamic in elsewhere(cmd) or ():
            if self.depth >= REMOTE_DEPTH:
                self.out.append((READ, "*", UNKNOWN, ""))
                return
            for kind, path, sure, _suffix in _effects(script, self.depth + 1):
                if kind == READ and sure in (EXACT, GLOB, TREE, ALL, REMOTE):
                    self.out.append((READ, path, REMOTE, ""))
                elif kind == READ and sure == UNKNOWN and path == "*":  # (what it reads is known there at run time)
                    self.out.append((READ, "*", UNKNOWN, ""))

    def redirects(self, reds: Iterable[Redirect], base: str | None = None) -> None:
        for r in reds:
            if r.op in ("<<", "<<-", "<<<") or (r.op in (">&", "<&") and (r.target.isdigit() or r.target == "-")):
                continue
            if r.op in _READ_OPS:
                self.add(READ, (r.target, r.dynamic), base=base)
            if r.op in _WRITE_OPS:
                self.add(WRITE, (r.target, r.dynamic), base=base)

    def chdir(self, cmd: SimpleCommand) -> None:
        ops = [w for w in zip(cmd.args, cmd.dynamic[1:], strict=True) if not w[0].startswith("-") or w[0] == "-"]
        if not ops and cmd.name == "cd":
            ops = [("~", False)]  # (a bare `cd` goes home)
        if ops and (ops[0][1] or (ops[0][0] == "-" and not self.dirs)):
            self.lost = True  # `cd "$D"`, `cd $(…)`, `cd -` to where the line started from elsewhere
        elif ops and ops[0][0] != "-":
            target = ops[0][0]
            for d in [target] if target[:1] in ("/", "~") else [posixpath.join(d, target) for d in self.dirs or [""]]:
                if d not in self.dirs and len(self.dirs) < 8:
                    self.dirs.append(d)

    def command(self, cmd: SimpleCommand) -> None:
        base = next((w.chdir for w in reversed(cmd.wrappers) if w.chdir), None)
        self.redirects(cmd.redirects, base)
        wrapper_files(self, cmd, base)  # `xargs -a F`: its arguments read from F; `strace -o F`: F written
        name = program_name(cmd.name)
        words = braced(list(zip(cmd.args, cmd.dynamic[1:], strict=True)))
        if cmd.via.startswith(("find -exec", "fd -x")):  # `{}`: the files of find's start paths, read there
            words = [w for w in words if w[0] != "{}"]
        elif cmd.stdin_args and (marks := replace_marks(cmd)):  # `xargs -I{} cat {}`: a file named at run time
            words = [w for w in words if not (w[1] and w[0] in marks)]
        family = FAMILY.get(name, name)
        ops, given, flags = operands(words, _VALUES.get(family, frozenset()))
        tree = bool(flags & RECURSIVE) or "r" in letters(flags).lower()
        before = len(self.out)
        for glob in fd_runs(name, words):  # `fd credentials -x cat`: what fd lists, handed on
            self.add(READ, (glob, True), base=base, listed=True)
        handler = _HANDLERS.get(family)
        if handler is not None:
            handler(self, name, ops, given, flags, tree, base)
            script_effects(self, cmd, name, words, base)  # (awk's `print > "F"`, sed's `w F`: the files they name)
        elif name in READERS:
            for w in ops:  # (`diff -r A B`: every file under them, what differs printed)
                self.add(READ, w, tree=tree and name in _TREE_READERS, base=base)
        elif name in SHELLS and ops and "c" not in letters(flags):  # `bash f`: a script read
            self.add(READ, ops[0], base=base)
            self.hand(posixpath.basename(ops[0][0]), ops[1:], base)  # (what the script is handed)
        elif name in COMPRESSORS or name in EDITORS:
            for w in compressed_to(self, name, words, base) if name in COMPRESSORS else ops:
                self.add(READ, w, base=base)
                if name in EDITORS:
                    self.add(WRITE, w, base=base)
                elif not flags & KEEPS:
                    self.add(DELETE, w, base=base)
            script_effects(self, cmd, name, words, base)  # (`ed -s x <<< 'w F'`, `vim -c 'r F'`)
        elif name in DELETERS:
            for w in ops:
                self.add(DELETE, w, tree=tree, base=base)
            for w in ops if name == "shred" else ():
                self.add(WRITE, w, base=base)
        elif (prog := program(name)) is not None and prog in _CODE_PROGRAMS:
            code_effects(self, self.out, cmd, prog, words, ops, flags, base)
        elif name not in NAMES:  # a program Goalrail does not know: the paths it is handed
            self.hand(name, words, base)
        if cmd.stdin_args and len(self.out) == before and (name in READERS or name in DELETERS or handler):
            kind = DELETE if name in DELETERS else READ  # `… | xargs cat`: files named at run time
            self.out.append((kind, "*", UNKNOWN, ""))
            self.handed_list(kind, cmd, base)


#: a word holding an extglob group (``shopt -s extglob``), which the shell's parser splits
_EXTGLOB = re.compile(r"(?<![^\s=])([^\s;&|<>()'\"]*[?*+@!]\([^()\s]*\)[^\s;&|<>()'\"]*)")


@lru_cache(maxsize=1024)
def file_effects(command: str) -> tuple[Effect, ...]:
    """Every file action ``command`` performs (see the module doc), in the order met, deduplicated."""
    return _effects(command, 0)


def _effects(command: str, depth: int) -> tuple[Effect, ...]:
    """:func:`file_effects` of a line run ``depth`` hosts or containers away (:meth:`_Line.elsewhere`)."""
    analysis = analyze(command)
    dotglob = "dotglob" in command or "globdots" in command or "GLOBIGNORE" in command
    line = _Line(dotglob, depth)
    if analysis.unknown:  # (`$(echo cat) f`, `parallel ::: …`: which programs run is known at run time)
        line.out += [(kind, "*", UNKNOWN, "") for kind in FILE_ACTIONS]
        for m in _EXTGLOB.finditer(command):  # `rm -rf /srv/@(goalrail|x)`: the glob, whatever the program
            line.out += [(kind, m.group(1), UNKNOWN, "") for kind in FILE_ACTIONS]
    line.redirects(analysis.bare)
    for m in _READ_SUBSTITUTION.finditer(command):  # `$(< f)`: bash reads f
        text = m.group(1).strip("\"'")
        line.add(READ, (text, any(c in text for c in "$*?[{")))
    for cmd in analysis.commands:
        ones, listing, exact = handed_commands(cmd)  # (`find … -exec cp x {} \;`: once per path handed)
        first = len(line.out)
        for one in ones:
            before = len(line.out)
            _command(line, one)
            if listing:  # (the globs a listing may print: judged as such, `find / -name x | xargs cat`)
                line.out[before:] = as_listed(line.out[before:])
        if not exact:  # (`… | xargs -I F cat F`: a name may hold a line end, and hand any file)
            line.out += [(kind, "*", UNKNOWN, "") for kind in dict.fromkeys(e[0] for e in line.out[first:])]
    for kind, path, base, tree in applied(command, analysis.commands, line.dirs):  # a diff's files, a tree
        line.add(kind, (path, "$" in path), base=base, tree=tree)
    return tuple(dict.fromkeys(line.out))


def _command(line: _Line, cmd: SimpleCommand) -> None:
    """The file actions of one simple command of a line."""
    name = program_name(cmd.name)
    for store in printed_stores(name, list(zip(cmd.args, cmd.dynamic[1:], strict=True))) + printed_elsewhere(cmd):
        line.add(READ, (store, False))  # `gh auth token`: a read of the store it prints from
    if cmd.argv and (cmd.name in CARRIERS):
        line.elsewhere(cmd)
    if name in ("kubectl", "oc") and "cp" in cmd.args:  # `kubectl cp pod:/x ./y`: read there, written here
        line.pod_copy(list(zip(cmd.args, cmd.dynamic[1:], strict=True)))
    if name in ("cd", "pushd"):
        line.chdir(cmd)
        return
    if makes_links(name, cmd.args):  # `ln`, `cp -l|-s|-al`
        made_links(line.links, cmd)
    if names_on_stdin(name, cmd.args):  # `find ~/.ssh | cpio -o`, `tar -cf x -T - <<< F`: names fed
        line.handed_list(READ, cmd, None, names=True)
    if name == "find":
        base = next((w.chdir for w in reversed(cmd.wrappers) if w.chdir), None)
        line.redirects(cmd.redirects, base)
        find_files(line, cmd, base)
        return
    handler = _WORD_READERS.get(name) or format_handler(name)  # `mkfs.ext4 /dev/sda1`, `sgdisk -Z /dev/sda`
    if handler is not None:
        base = next((w.chdir for w in reversed(cmd.wrappers) if w.chdir), None)
        line.redirects(cmd.redirects, base)
        handler(line, list(zip(cmd.args, cmd.dynamic[1:], strict=True)), base)
        return
    line.command(cmd)
