"""The three agent CLIs, each set up as a user would: Goalrail's installer, the fake model as its API.

Every CLI gets its own ``HOME`` (and ``CODEX_HOME``) under the test's tmp dir,
so nothing is read from or written to the real user's configuration.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.fake_models import FakeModel
from tests.e2e.harness import Run, agent_env, cli, goalrail, run
from tests.integrations.support import AGENT_TOKEN


@dataclass
class Agent:
    """One CLI in one project directory (``root/project``, home ``root/home``)."""

    root: Path
    fake: FakeModel

    name = ""
    binary = ""

    @property
    def project(self) -> Path:
        return self.root / "project"

    @property
    def home(self) -> Path:
        return self.root / "home"

    def setup(self) -> None:
        self.project.mkdir(parents=True, exist_ok=True)
        self.home.mkdir(parents=True, exist_ok=True)

    def install(self, url: str, *args: str) -> None:
        """Install Goalrail's hook with the real installer, which records the URL and token."""
        goalrail(
            "install",
            self.name,
            *self.install_args(),
            "--url",
            url,
            "--token",
            AGENT_TOKEN,
            *args,
            HOME=str(self.home),
            CODEX_HOME=str(self.home / ".codex"),
        )

    def install_args(self) -> list[str]:
        return ["--project-dir", str(self.project)]

    def env(self) -> dict[str, str]:
        """The agent's environment: no GOALRAIL_* variables, the hook must use what was installed."""
        return agent_env(HOME=str(self.home))

    def command(self, prompt: str) -> list[str]:
        raise NotImplementedError

    def run(self, prompt: str) -> Run:
        return run(self.command(prompt), cwd=self.project, environ=self.env())


class ClaudeCode(Agent):
    name = "claude-code"
    binary = "claude"

    def env(self) -> dict[str, str]:
        return super().env() | {
            "ANTHROPIC_BASE_URL": self.fake.url,
            "ANTHROPIC_API_KEY": "sk-ant-fake",
            # MCP tools are otherwise deferred behind ToolSearch, which the scripted model does not call
            "ENABLE_TOOL_SEARCH": "false",
        }

    def command(self, prompt: str) -> list[str]:
        return [
            str(cli(self.binary)),
            "-p",
            prompt,
            "--output-format",
            "json",
            "--allowedTools",
            "Bash",
            "--session-id",
            str(uuid.uuid4()),
        ]


class Codex(Agent):
    name = "codex"
    binary = "codex"

    def setup(self) -> None:
        super().setup()
        codex_home = self.home / ".codex"
        codex_home.mkdir(exist_ok=True)
        (codex_home / "config.toml").write_text(
            f"""model = "gpt-5.4"
model_provider = "fake"
approval_policy = "never"
sandbox_mode = "danger-full-access"

[model_providers.fake]
name = "fake"
base_url = "{self.fake.url}/v1"
wire_api = "responses"
env_key = "FAKE_MODEL_KEY"
"""
        )

    def install_args(self) -> list[str]:
        return ["--user"]

    def env(self) -> dict[str, str]:
        return super().env() | {"CODEX_HOME": str(self.home / ".codex"), "FAKE_MODEL_KEY": "sk-fake"}

    def command(self, prompt: str) -> list[str]:
        return [str(cli(self.binary)), "exec", "--skip-git-repo-check", "--json", prompt]


class Gemini(Agent):
    name = "gemini"
    binary = "gemini"

    def setup(self) -> None:
        super().setup()
        settings = self.home / ".gemini" / "settings.json"
        settings.parent.mkdir(exist_ok=True)
        settings.write_text(
            json.dumps(
                {
                    "security": {"auth": {"selectedType": "gemini-api-key"}, "folderTrust": {"enabled": False}},
                    "privacy": {"usageStatisticsEnabled": False},
                    "general": {"enableAutoUpdate": False, "enableAutoUpdateNotification": False},
                }
            )
        )

    def env(self) -> dict[str, str]:
        return super().env() | {
            "GOOGLE_GEMINI_BASE_URL": self.fake.url,
            "GEMINI_API_KEY": "fake-key",
            "GEMINI_CLI_NO_RELAUNCH": "true",
        }

    def command(self, prompt: str) -> list[str]:
        return [str(cli(self.binary)), "-p", prompt, "--approval-mode", "yolo", "--output-format", "json"]


AGENTS: dict[str, type[Agent]] = {a.name: a for a in (ClaudeCode, Codex, Gemini)}
