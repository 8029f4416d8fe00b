"""The ``goalrail`` command: thin, one command per module; parse args, call the library.

``main.py`` imports only argparse so that hot commands (the Claude Code hook)
start fast; each command module is imported when it runs.
"""
