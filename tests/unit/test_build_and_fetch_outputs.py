"""Compilers, linkers and bundlers write where their options say (``gcc -o F``, ``go build -o F``,
``tsc --outDir DIR``), HTTPie and ``xh`` write ``-o F``, ``curl --output-dir DIR`` writes into
``DIR``, and the transfer tools write a local destination (``rclone copy remote:x DIR``, ``aws s3
cp s3://b/k F``, ``azcopy copy URL F``, ``sftp host:f F``).  Each was allowed, or only asked as an
unknown program's handed path; each is now judged as ``echo x > F`` (a file) or as an extraction
into ``DIR`` (a directory) is."""

from __future__ import annotations

import pytest

from tests.unit.shell_support import HIPAA, PERMISSIVE, SOC2, STRICT, verdict

POLICIES = {"strict": STRICT, "soc2": SOC2, "hipaa": HIPAA, "permissive": PERMISSIVE}
FILES = ["~/.claude/settings.json", "/home/dev/.bashrc"]
TO_A_FILE = [
    "gcc -o {} x.c",
    "gcc x.c -o{}",
    "cc -O2 -o {} x.c",
    "clang++ -std=c++20 main.cc -o {}",
    "ld -o {} x.o",
    "nasm -f elf64 x.asm -o {}",
    "rustc main.rs -o {}",
    "go build -o {} ./cmd/app",
    "go test -c -o {} ./pkg",
    "zig build-exe main.zig -femit-bin={}",
    "tsc --outFile {} src/index.ts",
    "esbuild src/app.ts --bundle --outfile={}",
    "rollup -c -o {}",
    "babel src/app.js -o {}",
    "swc src/app.ts --out-file {}",
    "http -o {} https://x.example/f",
    "http --download --output {} https://x.example/f",
    "https --output={} x.example/f",
    "xh -o {} https://x.example/f",
    "aws s3 cp s3://b/k {}",
    "gsutil cp gs://b/k {}",
    "gcloud storage cp gs://b/k {}",
    "azcopy copy https://x.example/c/k {}",
    "rclone copyto remote:k {}",
    "s3cmd get s3://b/k {}",
    "sftp host.example:k {}",
]


@pytest.mark.parametrize("path", FILES)
@pytest.mark.parametrize("form", TO_A_FILE)
@pytest.mark.parametrize("name", POLICIES)
def test_an_output_named_by_an_option_or_a_destination_is_a_write_of_it(name: str, form: str, path: str) -> None:
    assert verdict(POLICIES[name], form.format(path)) == verdict(POLICIES[name], f"echo x > {path}")


@pytest.mark.parametrize(
    "line",
    [
        "javac -d ~/.claude src/Main.java",
        "kotlinc src/main.kt -d /home/dev/.claude",
        "rustc --out-dir ~/.claude main.rs",
        "tsc --outDir ~/.claude",
        "esbuild src/app.ts --outdir=/home/dev/.claude",
        "webpack -o ~/.claude",
        "rollup -c -d ~/.claude",
        "babel src -d ~/.claude",
        "pyinstaller --distpath ~/.claude app.py",
        "go build -o ~/.claude/ ./...",
        "curl -O --output-dir ~/.claude https://x.example/settings.json",
        "curl --output-dir=/home/dev/.claude -O https://x.example/settings.json",
        "rclone copy remote:cfg ~/.claude",
        "rclone sync remote:cfg /home/dev/.claude",
        "aws s3 sync s3://b/cfg ~/.claude",
        "gsutil rsync -r gs://b/cfg ~/.claude",
        "azcopy sync https://x.example/c ~/.claude",
        "gh release download v1 -D ~/.claude -p settings.json",
        "gh release download v1 --dir=/home/dev/.claude",
        "gh release download v1 -O ~/.claude/settings.json",
        "gh run download 123 -D ~/.claude",
        "glab release download v1 -D ~/.claude",
    ],
)
@pytest.mark.parametrize("name", POLICIES)
def test_an_output_directory_is_written_whole(name: str, line: str) -> None:
    assert verdict(POLICIES[name], line) == ("ASK" if name == "permissive" else "DENY")


@pytest.mark.parametrize(
    "line",
    [
        "gcc -o build/app main.c",
        "go build -o bin/app ./cmd/app",
        "tsc --outDir dist",
        "javac -d out src/Main.java",
        "webpack -o dist",
        "esbuild src/app.ts --bundle --outfile=dist/app.js",
        "http -o out.json https://x.example/api",
        "curl -O --output-dir downloads https://x.example/a.tgz",
        "rclone copy remote:data ./data",
        "rclone copy ./data remote:backup",
        "aws s3 cp s3://b/k ./k",
        "aws s3 cp ./k s3://b/k",
        "sftp host.example",
        "gcc -o - -E x.c",
        "curl -P - ftp://x.example/f",
        "gh release download v1 -D dist",
        "gh release download v1 -p '*.tgz'",
    ],
)
@pytest.mark.parametrize("name", ["soc2", "hipaa", "permissive"])
def test_outputs_in_the_project_stay_allowed(name: str, line: str) -> None:
    assert verdict(POLICIES[name], line) == "ALLOW"
