"""Configuration files: server config, agent specs, policy entries.

Everything is validated fully at load time and every error names the file,
line and key.  May import ``goalrail.errors``, ``goalrail.policies`` and
``goalrail.engine``.
"""

from goalrail.config.agent import AgentSpec, load_agent_spec, parse_agent_spec
from goalrail.config.policies import parse_policies
from goalrail.config.server import ServerConfig, default_config_path, load_server_config, parse_server_config

__all__ = [
    "AgentSpec",
    "ServerConfig",
    "default_config_path",
    "load_agent_spec",
    "load_server_config",
    "parse_agent_spec",
    "parse_policies",
    "parse_server_config",
]
