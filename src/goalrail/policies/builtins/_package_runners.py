"""The "run" subcommands of environment and package managers, which run the command after their
options (``uv run pytest``, ``pnpm dlx tsx x.ts``, ``pipx run x.py``), and ``bun``'s spelling of
``bun run``.  Peeled by the shell analysis as ``_launchers.LAUNCHERS`` are (``_shell_peel``).
"""

from __future__ import annotations

from goalrail.policies.builtins._shell_types import Word
from goalrail.policies.builtins._wrappers import WrapperSpec, names

__all__ = ["BUN_SUBCOMMANDS", "RUNNERS", "bun_run"]

#: ``<program> <subcommand>`` that runs the command after its options (``uv run pytest``)
RUNNERS: dict[tuple[str, str], WrapperSpec] = {
    ("uv", "run"): WrapperSpec(
        short_val=names("-p"),
        short_flag=names("-q -v -m -s"),
        long_val=names(
            "--with --with-requirements --with-editable --python --directory --project --package --extra --group "
            "--only-group --no-group --env-file --index --default-index --extra-index-url"
        ),
        long_flag=names(
            "--no-project --isolated --frozen --locked --no-sync --all-extras --all-groups --no-default-groups "
            "--no-dev --dev --active --script --module --quiet --verbose --offline --refresh --reinstall --exact "
            "--no-editable --no-env-file --all-packages --gui-script"
        ),
        chdir=names("--directory"),
    ),
    ("poetry", "run"): WrapperSpec(
        short_val=names("-C -P"), long_val=names("--directory --project"), chdir=names("-C --directory")
    ),
    ("pipenv", "run"): WrapperSpec(),
    ("pdm", "run"): WrapperSpec(short_val=names("-p"), long_val=names("--project"), chdir=names("-p --project")),
    ("hatch", "run"): WrapperSpec(),
    ("rye", "run"): WrapperSpec(),
    ("pixi", "run"): WrapperSpec(short_val=names("-e"), long_val=names("--environment --manifest-path")),
    ("conda", "run"): WrapperSpec(
        short_val=names("-n -p"),
        long_val=names("--name --prefix --cwd"),
        long_flag=names("--live-stream --no-capture-output"),
        chdir=names("--cwd"),
    ),
    ("mamba", "run"): WrapperSpec(
        short_val=names("-n -p"), long_val=names("--name --prefix --cwd"), chdir=names("--cwd")
    ),
    ("micromamba", "run"): WrapperSpec(
        short_val=names("-n -p"), long_val=names("--name --prefix --cwd"), chdir=names("--cwd")
    ),
    ("bundle", "exec"): WrapperSpec(long_flag=names("--keep-file-descriptors")),
    ("npm", "exec"): WrapperSpec(
        short_val=names("-c -w -p"),
        short_flag=names("-y"),
        long_val=names("--package --call --workspace"),
        long_flag=names("--yes --no --workspaces --include-workspace-root"),
        shell_string=names("-c --call"),
    ),
    ("pnpm", "exec"): WrapperSpec(
        short_val=names("-C -F"),
        short_flag=names("-r -c"),
        long_val=names("--dir --filter --resume-from"),
        long_flag=names("--recursive --parallel --no-bail --report-summary --shell-mode"),
        chdir=names("-C --dir"),
    ),
    ("yarn", "exec"): WrapperSpec(),
    ("bun", "x"): WrapperSpec(  # `bunx`, spelled as bun's subcommand
        short_val=names("-p"),
        long_val=names("--package"),
        long_flag=names("--bun --silent --verbose --no-install"),
    ),
    ("bun", "run"): WrapperSpec(  # a package script, a file, or a program (`bun run git …`, `bun git …`)
        short_val=names("-r -F -d -l -c -p"),
        short_flag=names("-b -i"),
        long_val=names(
            "--cwd --filter --elide-lines --shell --preload --require --import --env-file --config --define "
            "--loader --tsconfig-override --conditions --main-fields --install --port --console-depth --title "
            "--extension-order --jsx-factory --jsx-fragment --jsx-import-source --jsx-runtime --unhandled-rejections"
        ),
        long_flag=names(
            "--bun --silent --if-present --workspaces --watch --hot --no-clear-screen --smol --inspect --inspect-wait "
            "--inspect-brk --no-install --prefer-offline --prefer-latest --no-macros --expose-gc --no-deprecation "
            "--throw-deprecation --no-addons --zero-fill-buffers --no-env-file --verbose"
        ),
        chdir=names("--cwd"),
    ),
    ("npm", "x"): WrapperSpec(  # `npm exec`
        short_val=names("-c -w -p"),
        short_flag=names("-y"),
        long_val=names("--package --call --workspace"),
        long_flag=names("--yes --no --workspaces --include-workspace-root"),
        shell_string=names("-c --call"),
    ),
    ("pnpm", "dlx"): WrapperSpec(long_val=names("--package --allow-build"), long_flag=names("--silent")),
    ("yarn", "dlx"): WrapperSpec(short_val=names("-p"), short_flag=names("-q"), long_val=names("--package")),
    ("pipx", "run"): WrapperSpec(  # a package's program, or a script file (by its suffix)
        long_val=names("--spec --python --pip-args --index-url --backend"),
        long_flag=names("--no-cache --path --pypackages --system-site-packages --verbose --quiet"),
        short_flag=names("-v -q"),
    ),
    ("direnv", "exec"): WrapperSpec(positionals=1),
    ("pueue", "add"): WrapperSpec(
        short_val=names("-d -g -a -l -w -o"),
        short_flag=names("-e -i -s -p"),
        long_val=names("--delay --group --after --label --working-directory --priority"),
        long_flag=names("--escape --immediate --stashed --print-task-id --follow"),
        chdir=names("-w --working-directory"),
    ),
    ("snap", "run"): WrapperSpec(long_flag=names("--shell --gdb --strace --debug-log --trace-exec --gdbserver")),
}


#: ``bun``'s own subcommands; any other first word is ``bun run WORD`` (``bun dev``, ``bun git push``)
BUN_SUBCOMMANDS = names(
    "run test x exec repl install i add a remove rm update outdated link unlink pm init create c upgrade build "
    "publish patch patch-commit audit info why feedback completions discord help getcompletes"
)


#: bun's options that take no value, before its subcommand (``bun --bun x …``)
_BUN_FLAGS = frozenset((f, False) for f in ("--bun", "-b", "--silent", "--smol", "--watch", "--hot", "--verbose"))


def bun_run(words: list[Word]) -> list[Word]:
    """``bun git push …`` is ``bun run git push …``; valueless options before the subcommand are dropped."""
    i = 1
    while i < len(words) and words[i] in _BUN_FLAGS:
        i += 1
    if i < len(words) and not words[i][1] and not words[i][0].startswith("-") and words[i][0] not in BUN_SUBCOMMANDS:
        return [words[0], ("run", False), *words[i:]]
    return [words[0], *words[i:]] if i > 1 else words
