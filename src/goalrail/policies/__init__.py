"""What a policy author touches: the event/response schema, the registry, builtins.

May import ``goalrail.errors`` only.
"""
