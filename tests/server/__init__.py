"""Server tests: REST API in-process and against a real process, auth matrix, bad input, HTTP conformance."""
