"""Unit tests for goalrail.patterns and the pattern_policy builtin."""
