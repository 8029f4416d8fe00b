"""The ``goalrail`` command: thin, one command per module; parse args, call the library.

``main.py`` imports only argparse so that hot commands (the Claude Code hook)
start fast; each command module is imported when it runs.  Inside a command
module, what only ``run`` needs is imported in ``run``: building the parser
imports every command module (for ``--help``), so their top-level imports stay
light.  These function-level imports are for start-up time, never to dodge an
import cycle.
"""
