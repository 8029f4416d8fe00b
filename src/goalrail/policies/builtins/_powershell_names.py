"""The names the PowerShell reader knows: each cmdlet's parameters (valued, switches, positional
order, aliases: ``SPECS``), the cmdlets that only write text (``ECHOES``) or pass their input on
(``PURE``), those that erase a disk (``DISKS``), the aliases of all of them, and the common
parameters every cmdlet takes."""

from __future__ import annotations

__all__ = ["ALIASES", "COMMON_ALIASES", "COMMON_VALUED", "DISKS", "ECHOES", "NAMES", "PURE", "SPECS"]

_LP = "lp=literalpath pspath=literalpath"
_ITEM = ("path literalpath filter include exclude credential", "force", "path", _LP)
_WEB_V = "uri method body infile outfile headers contenttype useragent websession sessionvariable credential"
_WEB_V += " timeoutsec maximumredirection proxy proxycredential certificate certificatethumbprint transferencoding"
_WEB_V += " form authentication token maximumretrycount retryintervalsec custommethod httpversion"
_WEB_V += " connectiontimeoutseconds operationtimeoutseconds unixsocket"
_WEB_S = "usebasicparsing usedefaultcredentials disablekeepalive passthru skipcertificatecheck skipheadervalidation"
_WEB_S += " skiphttperrorcheck allowunencryptedauthentication allowinsecureredirect preservefileauthorizationmetadata"
_WEB_S += " resume nofollow noproxy preserveauthorizationonredirect"
#: cmdlet → (valued parameters, switches, positional parameters, "alias=parameter …")
SPECS: dict[str, tuple[str, str, str, str]] = {
    "remove-item": ("path literalpath filter include exclude credential stream", "recurse force", "path", _LP),
    "get-content": (
        "path literalpath readcount totalcount tail filter include exclude credential delimiter encoding stream",
        "force raw wait asbytestream",
        "path",
        f"{_LP} first=totalcount head=totalcount last=tail",
    ),
    "set-content": (
        "path literalpath value filter include exclude credential encoding stream",
        "passthru force nonewline asbytestream",
        "path value",
        _LP,
    ),
    "out-file": (
        "filepath literalpath encoding width inputobject",
        "append force noclobber nonewline",
        "filepath encoding",
        f"path=filepath {_LP} nc=noclobber",
    ),
    "new-item": ("path name itemtype value credential", "force", "path", "type=itemtype target=value"),
    "copy-item": (
        "path literalpath destination filter include exclude credential",
        "container force passthru recurse",
        "path destination",
        _LP,
    ),
    "move-item": (
        "path literalpath destination filter include exclude credential",
        "force passthru",
        "path destination",
        _LP,
    ),
    "rename-item": ("path literalpath newname credential", "force passthru", "path newname", _LP),
    "get-childitem": (
        "path literalpath filter include exclude depth attributes",
        "recurse force name directory file hidden readonly system followsymlink",
        "path filter",
        f"{_LP} s=recurse ad=directory d=directory af=file h=hidden ah=hidden ar=readonly as=system",
    ),
    "set-location": ("path literalpath stackname", "passthru", "path", _LP),
    "invoke-webrequest": (_WEB_V, _WEB_S, "uri", "url=uri cm=custommethod"),
    "invoke-restmethod": (
        _WEB_V + " responseheadersvariable statuscodevariable maximumfollowrellink",
        _WEB_S + " followrellink",
        "uri",
        "url=uri cm=custommethod fl=followrellink rhv=responseheadersvariable ml=maximumfollowrellink",
    ),
    "invoke-expression": ("command", "", "command", ""),
    "start-process": (
        "filepath argumentlist credential workingdirectory redirectstandarderror redirectstandardinput"
        " redirectstandardoutput verb windowstyle environment",
        "loaduserprofile nonewwindow passthru wait usenewenvironment",
        "filepath argumentlist",
        "path=filepath args=argumentlist lup=loaduserprofile nnw=nonewwindow rse=redirectstandarderror"
        " rsi=redirectstandardinput rso=redirectstandardoutput",
    ),
    "get-item": _ITEM,
    "get-itemproperty": (
        "path literalpath name filter include exclude credential",
        "",
        "path name",
        f"{_LP} pspropertyname=name",
    ),
    "set-itemproperty": (
        "path literalpath name value type filter include exclude credential inputobject",
        "force passthru",
        "path name value",
        f"{_LP} pspropertyname=name",
    ),
    "new-itemproperty": (
        "path literalpath name value propertytype filter include exclude credential",
        "force",
        "path name value",
        f"{_LP} pspropertyname=name type=propertytype",
    ),
    "remove-itemproperty": (
        "path literalpath name filter include exclude credential",
        "force",
        "path name",
        f"{_LP} pspropertyname=name",
    ),
    "set-item": ("path literalpath value filter include exclude credential", "force passthru", "path value", _LP),
    "clear-content": ("path literalpath filter include exclude credential stream", "force", "path", _LP),
    "test-path": (
        "path literalpath filter include exclude pathtype olderthan newerthan credential",
        "isvalid",
        "path",
        f"{_LP} type=pathtype",
    ),
    "resolve-path": ("path literalpath relativebasepath credential", "relative force", "path", _LP),
    "select-string": (
        "pattern path literalpath include exclude encoding context culture",
        "simplematch casesensitive quiet list notmatch allmatches noemphasis raw",
        "pattern path",
        _LP,
    ),
    "tee-object": ("filepath literalpath variable encoding", "append", "filepath", f"path=filepath {_LP}"),
    "get-filehash": ("path literalpath algorithm", "", "path", _LP),
    "set-executionpolicy": ("executionpolicy scope", "force", "executionpolicy scope", ""),
    "stop-computer": (
        "computername credential timeout delay wsmanauthentication throttlelimit",
        "force asjob wait",
        "computername",
        "cn=computername",
    ),
}
SPECS["add-content"] = SPECS["set-content"]
SPECS["push-location"] = SPECS["set-location"]
SPECS["restart-computer"] = SPECS["stop-computer"]
#: cmdlets that write what they are given (echo), and that pass their input on, touching nothing
ECHOES = frozenset(
    ["write-output", "write-host", "write-information", "write-warning", "write-verbose", "write-debug", "write-error"]
)
PURE = frozenset(
    [
        "out-null",
        "out-host",
        "out-string",
        "out-default",
        "format-table",
        "format-list",
        "format-wide",
        "format-custom",
        "select-object",
        "sort-object",
        "measure-object",
        "group-object",
        "get-unique",
        "convertto-json",
        "convertfrom-json",
        "convertto-csv",
        "convertfrom-csv",
        "convertto-html",
        "convertto-xml",
        "get-date",
        "get-process",
        "get-service",
        "get-command",
        "get-help",
        "get-host",
        "get-alias",
        "get-module",
        "get-member",
        "get-history",
        "clear-host",
        "start-sleep",
        "get-random",
        "get-culture",
        "get-psdrive",
        "get-location",
        "get-uptime",
        "get-timezone",
        "get-verb",
        "write-progress",
        "join-path",
        "split-path",
    ]
)
#: cmdlets that erase a disk or volume: read as an erase of a disk device
DISKS = frozenset(["format-volume", "clear-disk", "initialize-disk", "remove-partition", "format-disk"])
#: aliases (their POSIX twins `ls`, `cat`, `rm`… are read as the cmdlet only when its parameters bind)
ALIASES = {
    **dict.fromkeys(["rm", "del", "erase", "rd", "rmdir", "ri"], "remove-item"),
    **dict.fromkeys(["gc", "cat", "type"], "get-content"),
    "sc": "set-content",
    "ac": "add-content",
    **dict.fromkeys(["cp", "copy", "cpi"], "copy-item"),
    **dict.fromkeys(["mv", "move", "mi"], "move-item"),
    **dict.fromkeys(["rni", "ren"], "rename-item"),
    **dict.fromkeys(["gci", "ls", "dir"], "get-childitem"),
    **dict.fromkeys(["cd", "sl", "chdir"], "set-location"),
    **dict.fromkeys(["pushd"], "push-location"),
    **dict.fromkeys(["iwr", "curl", "wget"], "invoke-webrequest"),
    "irm": "invoke-restmethod",
    "iex": "invoke-expression",
    **dict.fromkeys(["saps", "start"], "start-process"),
    "ni": "new-item",
    "gi": "get-item",
    "gp": "get-itemproperty",
    "sp": "set-itemproperty",
    "rp": "remove-itemproperty",
    "si": "set-item",
    "clc": "clear-content",
    "rvpa": "resolve-path",
    "sls": "select-string",
    "tee": "tee-object",
    "write": "write-output",
    **dict.fromkeys(
        [
            "ft",
            "fl",
            "fw",
            "select",
            "measure",
            "group",
            "gu",
            "gps",
            "gsv",
            "gcm",
            "help",
            "gal",
            "gmo",
            "gm",
            "h",
            "ghy",
            "cls",
            "gl",
            "gdr",
        ],
        "out-null",
    ),
}
NAMES = frozenset(SPECS) | ECHOES | PURE | DISKS
COMMON_VALUED = "erroraction warningaction informationaction progressaction errorvariable warningvariable"
COMMON_VALUED += " informationvariable outvariable outbuffer pipelinevariable"
COMMON_ALIASES = "ea=erroraction wa=warningaction infa=informationaction proga=progressaction ev=errorvariable"
COMMON_ALIASES += " wv=warningvariable iv=informationvariable ov=outvariable ob=outbuffer pv=pipelinevariable"
COMMON_ALIASES += " vb=verbose db=debug wi=whatif cf=confirm"
