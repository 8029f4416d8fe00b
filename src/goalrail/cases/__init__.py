"""Policy test cases: what ``goalrail test`` runs, and the conformance corpus.

* ``run.py``: YAML case files (steps of events, usage and approval answers, each
  event with its expected verdict), parsed and run against a ``Backend``;
* ``traces.py``: a recorded trace as a test (every event gets its expected verdict);
* ``library.py``: the in-process backend (a fresh Runtime on a MemoryStore per case);
* ``over_http.py``: the same cases through the REST API of a fresh in-process app.

Nothing in the server, runtime or store imports this package: it sits below
them and drives them as a user would.
"""
