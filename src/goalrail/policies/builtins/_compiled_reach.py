"""Whether written compiled source may reach outside the program: a process, a file, the network,
the environment, foreign code.

``go run .``, ``cargo test`` and ``dotnet test`` build and run the source the session wrote, and
Goalrail does not read Go, Rust or C# as it reads Python or a shell script.  Source that names none
of its language's ways out (``os/exec``, ``os.RemoveAll``, ``net/http``, ``syscall``, cgo;
``std::process``, ``std::fs``, ``std::net``, ``std::env``, ``unsafe``, ``extern``; ``Process``,
``System.IO``, ``HttpClient``, ``Environment``, ``DllImport``, MSBuild's ``<Exec>``) computes and
prints only: its run is no different from any other program's.  Source that names one is reported
(asked where the rules deny some command), as a written file whose text is not known is.  By
name, not by data flow: a token in a comment or a string counts too (stricter, never looser).
"""

from __future__ import annotations

import re

__all__ = ["reaches_out"]

_GO = re.compile(
    r'"(os/exec|syscall|unsafe|plugin|net|net/[\w/]+|io/ioutil|io/fs|os/user|os/signal|debug/\w+|runtime/cgo)"'
    r'|\bimport\s+"C"|//\s*go:(generate|linkname|cgo_\w+)|//\s*#cgo\b|\bexec\.|\bsyscall\.'
    r"|\bos\.(Remove|RemoveAll|Rename|WriteFile|Create|CreateTemp|MkdirTemp|OpenFile|Open|ReadFile|ReadDir|Mkdir"
    r"|MkdirAll|Chmod|Chown|Lchown|Chtimes|Link|Symlink|Readlink|Truncate|Getenv|LookupEnv|Environ|Setenv|Unsetenv"
    r"|Clearenv|ExpandEnv|StartProcess|FindProcess|Chdir|DirFS|UserHomeDir|UserConfigDir|UserCacheDir|Stdin"
    r"|NewFile|Pipe|Executable|Hostname)\b"
)
_RUST = re.compile(
    r"\bstd::(process|fs|net|env|os|ffi)\b|\b(process|fs|env|net)::\w|\bCommand::new\b|\bunsafe\b|\bextern\b"
    r"|\blibc::|\b(File|OpenOptions|TcpStream|TcpListener|UdpSocket|UnixStream)\b|include_(bytes|str)!"
    r"|#\s*\[\s*link\b|\b(tokio|async_std)::(fs|process|net)\b|\b(reqwest|hyper|ureq|nix|dirs|home)::"
    r"|\bmacro_rules!|\bproc_macro\b|\bglobal_asm!|\basm!"
)
_DOTNET = re.compile(
    r"\bSystem\.(Diagnostics|IO|Net|Reflection|Runtime\.InteropServices|Management)\b|\bProcess\b"
    r"|\b(File|Directory|FileInfo|DirectoryInfo|Path|FileStream|StreamWriter|StreamReader|HttpClient|WebClient"
    r"|Socket|TcpClient|Environment|Registry|Assembly|Marshal|AppDomain)\b|\bDllImport\b|\bLibraryImport\b"
    r"|\bunsafe\b|\bextern\b|<\s*(Exec|Target|UsingTask|Import|PackageReference|ProjectReference|Reference)\b"
)
_BY_KIND = {"go": _GO, "rs": _RUST, "dotnet": _DOTNET}


def reaches_out(kind: str, text: str | None) -> bool:
    """Whether source of ``kind`` (``go``, ``rs``, ``dotnet``) may reach outside the program:
    True when its text is not known or names a way out, or for a kind not read here."""
    found = _BY_KIND.get(kind)
    return text is None or found is None or found.search(text) is not None
