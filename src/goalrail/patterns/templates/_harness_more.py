"""More harnesses started unguarded, and the environment that loosens one at its start
(``_harness_flags``, whose rule these join).  Each option and variable was confirmed in the CLI's
documentation, its source or the scripts and adapters that drive it (docs/patterns.md, "Started
unguarded", lists how):

* OpenCode (``opencode``, yargs): ``--auto`` (every request not explicitly denied approved; ``opencode
  --auto``, ``opencode run --auto``), ``--dangerously-skip-permissions`` (``opencode run``), in
  camel case too.
* GitHub Copilot CLI (``copilot``): ``--allow-all`` and its ``--yolo``, ``--allow-all-tools``,
  ``--allow-tool`` granting ``shell`` whole (``shell(git:*)`` is a narrow grant).
* Factory's droid (``droid exec``): ``--skip-permissions-unsafe``, ``--auto high`` (every command
  not blocked).
* Crush (``crush``, cobra: ``-dy``): ``-y``, ``--yolo``.
* Kiro CLI (``kiro-cli chat``, clap): ``-a``/``--trust-all-tools``, ``--trust-tools`` granting
  ``shell``/``execute_bash`` whole.
* Cline CLI (``cline``): ``-y``, ``--yolo``.
* Continue's CLI (``cn``, only as a command's program): ``--allow`` granting ``Bash`` or ``*`` whole.
* OpenHands CLI (``openhands``): ``--always-approve``.

The environment (:data:`HARNESS_ENV`): Goose's ``GOOSE_MODE=auto`` (no approval asked; Goose has no
such option) and Copilot's ``COPILOT_ALLOW_ALL`` set true, in any spelling that sets a variable
(``VAR=x cmd``, ``export``, ``env VAR=x``, fish's ``set -gx VAR x``, ``os.environ["VAR"] = "x"``,
``{"VAR": "x"}``).  OpenCode's ``OPENCODE_PERMISSION`` (a permission JSON) is set like its
``OPENCODE_CONFIG_CONTENT``, with any value (``_base._GUARD_NAMES``).  No lookaround (RE2).
"""

from __future__ import annotations

from goalrail.patterns.templates._harness_words import END, HEAD, LIST, TOOL_END, VAL, WORDS, cluster, value

__all__ = ["HARNESS_ENV", "MORE_HARNESSES", "MORE_PROGRAMS"]

_ARGS = rf"{HEAD}{WORDS}"
_OPENCODE = rf"opencode(-ai)?{_ARGS}(--auto{END}|--dangerously-?[Ss]kip-?[Pp]ermissions{END})"
_COPILOT = (
    rf"copilot{_ARGS}(--allow-all{END}|--yolo{END}|--allow-all-tools{END}"
    rf"|--allow-tool{LIST}shell(\(\*\)|\(:\*\))?{TOOL_END})"
)
_DROID = rf"droid{_ARGS}(--skip-permissions-unsafe{END}|--auto{VAL}{value('high')})"
_CRUSH = rf"crush{_ARGS}(--yolo{END}|{cluster('y', 'dhv')})"
_KIRO = (
    rf"kiro(-cli)?{_ARGS}(--trust-all-tools{END}|{cluster('a', 'v')}"
    rf"|--trust-tools{LIST}(shell|execute_bash){TOOL_END})"
)
_CLINE = rf"cline{_ARGS}(--yolo{END}|-y(['\"\s]|$))"
_OPENHANDS = rf"openhands{_ARGS}--always-approve{END}"
#: after a program's name (``_harness_words.AT``)
MORE_HARNESSES = rf"{_OPENCODE}|{_COPILOT}|{_DROID}|{_CRUSH}|{_KIRO}|{_CLINE}|{_OPENHANDS}"
#: only as a command's program (``_harness_words.PROGRAM``): ``cn`` is a common word
MORE_PROGRAMS = rf"cn{_ARGS}--allow{LIST}(Bash|\*)(\(\*\))?{TOOL_END}"
#: a variable set to a value that loosens a harness: the name (not read: ``$VAR``, ``${VAR}``),
#: then ``=``, ``:``, ``,`` or a space (fish's ``set -gx``), then the value
HARNESS_ENV = (
    r"(^|[^\w${])(GOOSE_MODE['\"]?\]?(\s*[=:,]\s*|\s+)['\"]?auto"
    r"|COPILOT_ALLOW_ALL['\"]?\]?(\s*[=:,]\s*|\s+)['\"]?([Tt]rue|TRUE|1|[Yy]es))(['\"\s;&|),}]|$)"
)
